"""What the venues' routes read and answer (studio.platform.http.declare, the OpenAPI document)."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from studio.platform.http import Body, error_code

from .event_types import PublicVenue


class NewVenue(Body):
    name: str | None = Field(None, json_schema_extra=error_code("missing_field"), description="会场名称（必填）")
    is_main: bool | None = Field(None, json_schema_extra=error_code("invalid_field"), description="主会场")


class VenueOut(PublicVenue):
    """A venue as answered: the fields viewers get (the venue.on_air payload, one declaration for
    both) and, for staff, ingest_url."""
    model_config = ConfigDict(extra="allow", strict=False)


class VenueList(BaseModel):
    venues: list[VenueOut]


class OnAir(VenueOut):
    result: dict[str, Any] = Field(description="OBS 切换的结果；没有 OBS 时 {obs: disabled}")
