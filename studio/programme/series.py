"""Themed series (专题): a slug, a title, a description and an ordered list of interviews."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from sqlalchemy import delete, select

from studio.platform.errors import Conflict, NotFound, ValidationError
from studio.platform.http import MAX_ID
from studio.platform.models import Interview
from .models import Series, SeriesInterview

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")
MAX_INTERVIEWS = 200


def series_json(session, s: Series) -> dict:
    return {"id": s.id, "slug": s.slug, "title": s.title, "description": s.description,
            "interview_ids": interview_ids(session, s.id)}


def interview_ids(session, series_id: int) -> list[int]:
    return list(session.scalars(select(SeriesInterview.interview_id).where(SeriesInterview.series_id == series_id)
                                .order_by(SeriesInterview.position, SeriesInterview.interview_id)))


def list_series(session) -> list[Series]:
    return list(session.scalars(select(Series).order_by(Series.id)))


def get_series(session, series_id: int) -> Series:
    s = session.get(Series, series_id)
    if s is None:
        raise NotFound("没有这个专题", code="series_not_found")
    return s


def series_by_slug(session, slug: str) -> Series | None:
    return session.scalar(select(Series).where(Series.slug == slug))


def series_of_interview(session, interview_id: int) -> list[Series]:
    return list(session.scalars(select(Series).join(SeriesInterview, SeriesInterview.series_id == Series.id)
                                .where(SeriesInterview.interview_id == interview_id).order_by(Series.id)))


def _apply(session, s: Series, body: dict, creating: bool) -> None:
    if not isinstance(body, dict):
        raise ValidationError("请求体必须是 JSON 对象", code="invalid_json")
    if creating or "slug" in body:
        slug = body.get("slug")
        if not isinstance(slug, str) or not SLUG.match(slug):
            raise ValidationError("slug 只能是小写字母、数字和连字符（如 open-day-2024）", code="invalid_slug",
                                  field="slug")
        other = series_by_slug(session, slug)
        if other is not None and other.id != s.id:
            raise Conflict(f"专题地址 {slug} 已被使用", code="slug_taken", field="slug")
        s.slug = slug
    if creating or "title" in body:
        title = body.get("title")
        if not isinstance(title, str) or not title.strip() or len(title) > 200:
            raise ValidationError("请填写专题名称（不超过 200 字）", code="invalid_field", field="title")
        s.title = title.strip()
    if "description" in body or creating:
        description = body.get("description", "") or ""
        if not isinstance(description, str) or len(description) > 5000:
            raise ValidationError("description 应为不超过 5000 字的文本", code="invalid_field", field="description")
        s.description = description.strip()
    if s not in session:  # a new series joins the session only once its fields are valid
        session.add(s)
    session.flush()
    if "interview_ids" in body:
        ids = body["interview_ids"]
        if not isinstance(ids, list) or len(ids) > MAX_INTERVIEWS or \
                any(isinstance(i, bool) or not isinstance(i, int) or not 0 < i for i in ids):
            raise ValidationError("interview_ids 应为访谈编号的列表", code="invalid_field", field="interview_ids")
        ids = list(dict.fromkeys(ids))
        storable = [i for i in ids if i <= MAX_ID]  # a larger id names no interview (and overflows the column)
        found = set(session.scalars(select(Interview.id).where(Interview.id.in_(storable)))) if storable else set()
        missing = [i for i in ids if i not in found]
        if missing:
            raise ValidationError(f"没有这些访谈：{missing[:5]}", code="interview_not_found", field="interview_ids")
        session.execute(delete(SeriesInterview).where(SeriesInterview.series_id == s.id))
        for position, iid in enumerate(ids):
            session.add(SeriesInterview(series_id=s.id, interview_id=iid, position=position))
        session.flush()


def create_series(session, body) -> Series:
    s = Series()
    _apply(session, s, body, creating=True)
    return s


def update_series(session, s: Series, body) -> Series:
    _apply(session, s, body, creating=False)
    return s


def series_entries(session, s: Series, published: list[dict]) -> list[dict]:
    """The archive entries (publishing's published_entries) of the series' interviews, in its order."""
    order = {iid: n for n, iid in enumerate(interview_ids(session, s.id))}
    return sorted((e for e in published if e["interview"].id in order), key=lambda e: order[e["interview"].id])


def retitle_feed(xml: str, s: Series, link: str) -> str:
    """The archive's RSS (publishing.archive.feed_xml) with the series' own channel title."""
    head, _, body = xml.partition("\n")
    rss = ET.fromstring(body)
    channel = rss.find("channel")
    channel.find("title").text = f"{s.title} · 访谈回顾"
    channel.find("link").text = link
    channel.find("description").text = s.description or s.title
    return head + "\n" + ET.tostring(rss, encoding="unicode")


def links_html(linked: list[Series]) -> str:
    """The "part of a series" block added to an archive page."""
    from markupsafe import escape

    links = "".join(f'<a href="/archive/series/{escape(s.slug)}/">{escape(s.title)}</a>' for s in linked)
    return f'<nav class="archive-series" aria-label="所属专题">所属专题：{links}</nav>\n'
