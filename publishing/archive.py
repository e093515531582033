"""The archive folder (访谈回顾): plain files any web server or CDN can serve.

Layout under DATA_DIR/archive/:
    index.html, feed.xml       regenerated whole, written to a temp file and os.replace'd
    assets/                    the pages' CSS and script (copied in, so the folder stands alone)
    <id> -> .versions/<id>-j<job>   a symlink: the interview's current published folder
    .versions/<id>-j<job>/     one complete published folder (video.mp4, hls/, captions…)
    .tmp-<id>-j<job>-a<n>/     a job's work folder (same file system, so moving it is a rename)

A publish renames the finished work folder into .versions/ and then swaps the <id> symlink with
os.replace, which is atomic: a reader sees the old folder or the new one, never half of either,
and /archive/<id>/ is never missing. The version before stays one round for players still
fetching its HLS segments and is deleted at the next publish. Unpublishing unlinks <id> (atomic)
and then deletes the versions.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path

from flask import render_template
from sqlalchemy import select

from studio.platform.models import Interview
from studio.platform.timefmt import iso

from .captions import speaker_label

ROOT = Path(__file__).resolve().parent.parent
ASSETS = {"archive.css": ROOT / "static/css/archive.css", "archive.js": Path(__file__).parent / "assets/archive.js"}
VERSIONS = ".versions"


def archive_root(data_dir: str) -> Path:
    root = Path(data_dir) / "archive"
    (root / VERSIONS).mkdir(parents=True, exist_ok=True)
    return root


def work_dir_for(data_dir: str, interview_id: int, job_id: int, attempt: int) -> Path:
    return archive_root(data_dir) / f".tmp-{interview_id}-j{job_id}-a{attempt}"


def remove_work_dirs(data_dir: str, job_id: int) -> None:
    """Delete every work folder a job left (a crashed attempt leaves its folder behind)."""
    for path in archive_root(data_dir).glob(f".tmp-*-j{job_id}-a*"):
        shutil.rmtree(path, ignore_errors=True)


def write_atomically(path: Path, data: str | bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as handle:
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def current_folder(data_dir: str, interview_id: int) -> Path | None:
    """The published folder of an interview, or None."""
    link = archive_root(data_dir) / str(interview_id)
    return link.resolve() if link.is_dir() else None


def install_version(data_dir: str, interview_id: int, job_id: int, work_dir: Path) -> Path:
    """Put a finished work folder in place as the interview's published folder, atomically."""
    root = archive_root(data_dir)
    version = root / VERSIONS / f"{interview_id}-j{job_id}"
    link = root / str(interview_id)
    if version.exists():
        # A retried job whose crashed attempt got this far. If that folder is already the live
        # one, it is moved aside (not deleted) so readers keep their open files; the link points
        # at the new one again a moment later.
        aside = root / VERSIONS / f"{interview_id}-j{job_id}-replaced"
        shutil.rmtree(aside, ignore_errors=True)
        os.replace(version, aside)
    os.replace(work_dir, version)
    previous = link.resolve() if link.is_symlink() else None
    if link.exists() and not link.is_symlink():  # a hand-made folder: move it aside first
        os.replace(link, root / VERSIONS / f"{interview_id}-manual")
    tmp_link = root / f".link-{interview_id}-j{job_id}"
    tmp_link.unlink(missing_ok=True)
    os.symlink(os.path.relpath(version, root), tmp_link)
    os.replace(tmp_link, link)
    _fsync_dir(root)
    keep = {version.name} | ({previous.name} if previous else set())
    for old in (root / VERSIONS).glob(f"{interview_id}-*"):
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)
    return version


def remove_interview(data_dir: str, interview_id: int) -> bool:
    """Take an interview out of the archive: its link first (atomic), then its folders."""
    root = archive_root(data_dir)
    link = root / str(interview_id)
    existed = link.is_symlink() or link.exists()
    if link.is_symlink():
        link.unlink()
    elif link.is_dir():
        shutil.rmtree(link)
    for old in (root / VERSIONS).glob(f"{interview_id}-*"):
        shutil.rmtree(old, ignore_errors=True)
    return existed


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ---- pages ----------------------------------------------------------------------------------

def _clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = int(seconds)
    return f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 \
        else f"{seconds // 60:02d}:{seconds % 60:02d}"


def render_interview_page(meta: dict, folder: Path) -> None:
    """index.html and transcript.html of one published folder."""
    context = {"meta": meta, "interview": meta["interview"], "clock": _clock, "speaker_label": speaker_label}
    (folder / "index.html").write_text(render_template("publishing/archive_page.html", **context), encoding="utf-8")
    (folder / "transcript.html").write_text(render_template("publishing/transcript.html", **context),
                                            encoding="utf-8")


def published_entries(session, data_dir: str) -> list[dict]:
    """Every published interview that has a folder, newest first, with facts from its interview.json."""
    entries = []
    for interview in session.scalars(select(Interview).where(Interview.state == "published")):
        folder = current_folder(data_dir, interview.id)
        if folder is None or not (folder / "interview.json").is_file():
            continue
        try:
            meta = json.loads((folder / "interview.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        entries.append({"interview": interview, "meta": meta,
                        "published_at": interview.published_at or datetime.now(timezone.utc),
                        "size": (folder / "video.mp4").stat().st_size if (folder / "video.mp4").exists() else 0})
    return sorted(entries, key=lambda e: e["published_at"], reverse=True)


def _link(base_url: str, path: str) -> str:
    return (base_url.rstrip("/") + "/" + path) if base_url else "/archive/" + path


def feed_xml(entries: list[dict], base_url: str) -> str:
    """RSS 2.0 of the archive, one item per published interview with the video as enclosure."""
    rss = ET.Element("rss", version="2.0")
    channel = ET.SubElement(rss, "channel")
    ET.SubElement(channel, "title").text = "访谈回顾"
    ET.SubElement(channel, "link").text = _link(base_url, "")
    ET.SubElement(channel, "description").text = "在线访谈：视频与文字实录"
    ET.SubElement(channel, "language").text = "zh-CN"
    ET.SubElement(channel, "lastBuildDate").text = format_datetime(datetime.now(timezone.utc))
    for entry in entries:
        interview = entry["interview"]
        item = ET.SubElement(channel, "item")
        ET.SubElement(item, "title").text = interview.title
        link = _link(base_url, f"{interview.id}/")
        ET.SubElement(item, "link").text = link
        ET.SubElement(item, "guid", isPermaLink="false").text = f"fangtan-interview-{interview.id}"
        ET.SubElement(item, "pubDate").text = format_datetime(entry["published_at"].astimezone(timezone.utc))
        units = "、".join(u["name"] for u in entry["meta"]["interview"].get("units", []))
        summary = interview.description or interview.topic or ""
        summary = (f"{units}　{summary}" if units else summary)
        if entry["meta"].get("video"):
            ET.SubElement(item, "description").text = summary[:2000]
            ET.SubElement(item, "enclosure", url=_link(base_url, f"{interview.id}/video.mp4"),
                          length=str(entry["size"]), type="video/mp4")
        else:  # a text broadcast: no video to enclose
            ET.SubElement(item, "description").text = ("【图文直播实录】" + summary)[:2000]
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(rss, encoding="unicode")


def regenerate_index(session, data_dir: str, base_url: str = "") -> None:
    """Rewrite index.html, feed.xml and the shared assets from the database and the folders."""
    root = archive_root(data_dir)
    (root / "assets").mkdir(exist_ok=True)
    for name, source in ASSETS.items():
        content = source.read_bytes() if source.exists() else b""
        target = root / "assets" / name
        if not target.exists() or target.read_bytes() != content:
            write_atomically(target, content)
    entries = published_entries(session, data_dir)
    write_atomically(root / "index.html", render_template("publishing/archive_index.html", entries=entries,
                                                          clock=_clock, iso=iso))
    write_atomically(root / "feed.xml", feed_xml(entries, base_url))


def ensure_index(session, data_dir: str, base_url: str = "") -> Path:
    root = archive_root(data_dir)
    if not (root / "index.html").exists() or not (root / "feed.xml").exists():
        regenerate_index(session, data_dir, base_url)
    return root


def safe_name(name: str) -> bool:
    """A file name inside a published folder: no hidden files, no climbing out."""
    return bool(re.fullmatch(r"[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*\.[A-Za-z0-9]+", name))
