"""What the plan import reads and answers (studio.platform.http.declare, the OpenAPI document)."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class PlanUpload(BaseModel):
    """multipart/form-data, read by the view after its permission check and body limit."""
    file: bytes = Field(json_schema_extra={"format": "binary"}, description="计划表 CSV 或 XLSX")
    year: str | None = Field(None, description="年份，如 2024")
    dry_run: str | None = Field(None, description="1 / true：只预览，不建访谈")
    csrf_token: str | None = Field(None, description="也可用 X-CSRF-Token 请求头")


class PlanResult(BaseModel):
    """dry_run: the rows it would create; else the interviews created (201, or 200 when none)."""
    dry_run: bool
    rows: list[dict[str, Any]] | None = Field(None, description="预览：会建的访谈")
    created: list[dict[str, Any]] | None = Field(None, description="已建的访谈")
    skipped: list[dict[str, Any]]
