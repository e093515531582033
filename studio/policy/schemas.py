"""What the caption-timing routes read and answer (studio.platform.http.declare, the OpenAPI document)."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from studio.platform.http import Body, error_code


class Timings(Body):
    """Each line's fields are checked by services.validate_lines (its codes)."""
    lines: list[Any] | None = Field(None, json_schema_extra=error_code("invalid_json"),
                                    description="[{text, start_s, end_s?}]（必填）")


class TimingsOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    interview_id: int
    lines: list[dict[str, Any]]
    revision: int


class TimingsWithScript(TimingsOut):
    script_lines: list[Any]
