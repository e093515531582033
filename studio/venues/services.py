"""Venues: creation with their ingest and HLS URLs, putting one on air, the viewer's snapshot,
and the OBS scenes bootstrap adds for them. Plain functions (no Flask request)."""
from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from sqlalchemy import select, update

from studio.platform.errors import NotFound, ValidationError
from studio.platform.events import record_event
from studio.platform.http import MAX_ID
from studio.interviews import clean_text
from .models import Venue

SCENE_PREFIX = "会场·"
MEDIA_KIND = "ffmpeg_source"
MAX_VENUES = 20


def ingest_base(rtmp_url: str | None) -> str | None:
    """rtmp://host:1935/live/KEY -> rtmp://host:1935/live (the application venues stream into)."""
    if not rtmp_url:
        return None
    parts = urlsplit(rtmp_url)
    path = parts.path.strip("/")
    app = path.rsplit("/", 1)[0] if "/" in path else path
    return f"{parts.scheme}://{parts.netloc}/{app}"


def hls_base(hls_url: str | None) -> str | None:
    """http://host/hls/KEY.m3u8 -> http://host/hls (nginx-rtmp writes <key>.m3u8 in one folder)."""
    return hls_url.rsplit("/", 1)[0] if hls_url and "/" in hls_url else None


def venue_json(venue: Venue, settings, staff: bool) -> dict:
    """The public sees the name, HLS and whether it is on air; the ingest URL (its key lets anyone
    stream into it) is for staff."""
    hls = hls_base(settings.get("HLS_URL"))
    data = {"id": venue.id, "interview_id": venue.interview_id, "name": venue.name, "is_main": venue.is_main,
            "on_air": venue.on_air, "hls_url": f"{hls}/{venue.stream_key}.m3u8" if hls else None,
            "obs_scene": scene_name(venue)}
    if staff:
        base = ingest_base(settings.get("RTMP_URL"))
        data["ingest_url"] = f"{base}/{venue.stream_key}" if base else None
    return data


def scene_name(venue: Venue) -> str:
    return f"{SCENE_PREFIX}{venue.name}"


def list_venues(session, interview_id: int) -> list[Venue]:
    return list(session.scalars(select(Venue).where(Venue.interview_id == interview_id)
                                .order_by(Venue.position, Venue.id)))


def create_venue(session, interview, body: dict) -> Venue:
    if not isinstance(body, dict):
        raise ValidationError("请求体必须是 JSON 对象 {name, is_main?}", code="invalid_json")
    name = body.get("name")
    if not isinstance(name, str) or not clean_text(name, "会场名称", 100):
        raise ValidationError("请填写会场名称", code="missing_field", field="name")
    name = clean_text(name, "会场名称", 100)
    is_main = body.get("is_main", False)
    if not isinstance(is_main, bool):
        raise ValidationError("is_main 必须是 true 或 false", code="invalid_field", field="is_main")
    existing = list_venues(session, interview.id)
    if len(existing) >= MAX_VENUES:
        raise ValidationError(f"最多 {MAX_VENUES} 个会场", code="too_many_items")
    if any(v.name == name for v in existing):
        raise ValidationError(f"已有名为「{name}」的会场", code="duplicate_name", field="name")
    if is_main or not existing:
        # One main venue (主会场): the first one unless another is named.
        session.execute(update(Venue).where(Venue.interview_id == interview.id).values(is_main=False))
        is_main = True
    venue = Venue(interview_id=interview.id, name=name, is_main=is_main, position=len(existing),
                  stream_key=f"i{interview.id}-{secrets.token_hex(6)}")
    session.add(venue)
    session.flush()
    return venue


def get_venue(session, interview_id: int, venue_id: int) -> Venue:
    venue = session.get(Venue, venue_id) if 0 < venue_id <= MAX_ID else None
    if venue is None or venue.interview_id != interview_id:
        raise NotFound("会场不存在", code="venue_not_found")
    return venue


def put_on_air(session, venue: Venue, settings) -> Venue:
    """Mark the venue as the programme output and tell viewers (`venue.on_air`, public)."""
    session.execute(update(Venue).where(Venue.interview_id == venue.interview_id).values(on_air=False))
    venue.on_air = True
    session.flush()
    record_event(session, venue.interview_id, "venue.on_air", venue_json(venue, settings, staff=False))
    return venue


def snapshot(session, interview, audience: str, settings) -> list[dict]:
    return [venue_json(v, settings, staff=audience == "staff") for v in list_venues(session, interview.id)]


def obs_scenes(session, settings, width: int, height: int) -> dict[str, list[dict]]:
    """Scene name -> [media source settings] for every venue of an interview not yet published:
    bootstrap adds each as a scene with an ffmpeg_source pulling the venue's RTMP stream."""
    from studio.platform.models import Interview

    base = ingest_base(settings.get("RTMP_URL"))
    if not base:
        return {}
    rows = session.execute(select(Venue).join(Interview, Interview.id == Venue.interview_id)
                           .where(Interview.state != "published").order_by(Venue.id)).scalars()
    return {scene_name(v): [{"source": f"{SCENE_PREFIX}{v.name}·信号", "kind": MEDIA_KIND,
                             "settings": {"input": f"{base}/{v.stream_key}", "is_local_file": False,
                                          "restart_on_activate": False, "reconnect_delay_sec": 1,
                                          "buffering_mb": 1, "hw_decode": False},
                             "bounds": (width, height)}] for v in rows}
