"""Times on the wire: ISO 8601 with the studio's offset (Asia/Shanghai by default)."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def local_zone() -> ZoneInfo:
    name = current_app.config.get("TIMEZONE", "Asia/Shanghai") if has_app_context() else "Asia/Shanghai"
    return ZoneInfo(name)


def iso(value: datetime | None) -> str | None:
    """Format an aware datetime as ISO 8601 in the studio's zone, e.g. 2024-05-15T09:30:00+08:00."""
    if value is None:
        return None
    return value.astimezone(local_zone()).isoformat(timespec="milliseconds")


def parse_iso(value, field: str = "time") -> datetime | None:
    """Parse an ISO 8601 string; a value without offset is taken as the studio's local time."""
    from .errors import ValidationError

    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{field}: 需要 ISO 8601 时间字符串", code="invalid_time", field=field)
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(f"{field}: 无法识别的时间 {value[:40]!r}", code="invalid_time", field=field)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=local_zone())
    return parsed.astimezone(timezone.utc)
