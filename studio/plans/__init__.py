"""Annual interview plan (年度访谈计划) import."""
