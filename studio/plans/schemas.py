"""What the plan import reads and answers (studio.platform.http.declare, the OpenAPI document)."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from studio.platform.http import Query

# Read by routes._flag: any other value (or none) imports.
_DRY_RUN = "1、true、yes 或 on（不分大小写）：只预览，不建访谈；其他值或不填：导入"


class PlanUpload(BaseModel):
    """multipart/form-data, read by the view after its permission check and body limit."""
    file: bytes = Field(json_schema_extra={"format": "binary"}, description="计划表 CSV 或 XLSX")
    year: str | None = Field(None, description="年份，如 2024")
    dry_run: str | None = Field(None, description=_DRY_RUN)
    csrf_token: str | None = Field(None, description="也可用 X-CSRF-Token 请求头")


class PlanImportQuery(Query):
    """dry_run may also come in the query string (the form field wins when both are set)."""
    dry_run: str | None = Field(None, description=_DRY_RUN)


class PlanResult(BaseModel):
    """dry_run: the rows it would create; else the interviews created (201, or 200 when none)."""
    dry_run: bool
    rows: list[dict[str, Any]] | None = Field(None, description="预览：会建的访谈")
    created: list[dict[str, Any]] | None = Field(None, description="已建的访谈")
    skipped: list[dict[str, Any]]
