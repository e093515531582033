"""Static files for phones on slow links (issue 15): content-hashed URLs, a year's cache, compression.

- Every `url_for('static', …)`, `url_for('<area>.static', …)` (an area's own static folder) and
  `url_for('vendor', …)` gets `?v=<hash of the file's bytes>`
  (a url_defaults hook, so no template spells a version). A request whose `v` is the file's
  current hash is answered `Cache-Control: public, max-age=31536000, immutable`: a repeat visit
  asks for nothing. Without `v`, or with a stale one, the answer is revalidated (`no-cache`), so
  an old URL never pins new bytes, nor new bytes an old URL, for a year.
- The archive pages are plain files rendered at publish time: their templates call
  `asset_version('static/css/archive.css')` for the same `?v=`.
- Text files (CSS, JavaScript, JSON, SVG) are sent compressed (brotli, else gzip) from a copy
  compressed once per file version, not on every request; dynamic answers (HTML, JSON) are
  compressed by Flask-Compress. Streams (media, send_file of recordings) are left alone.
"""
from __future__ import annotations

import gzip
import hashlib
import threading
from pathlib import Path

from flask import Flask, current_app, request

ROOT = Path(__file__).resolve().parents[2]
IMMUTABLE = "public, max-age=31536000, immutable"
# Compressed on the way out: text only (images, video and fonts like WOFF2 are compressed already).
TEXT_TYPES = {"text/css", "text/javascript", "application/javascript", "application/json", "text/plain",
              "image/svg+xml", "text/html", "application/xml", "text/xml", "text/vtt"}
_lock = threading.Lock()
_hashes: dict[Path, tuple[tuple[int, int], str]] = {}
_compressed: dict[tuple[Path, str], tuple[tuple[int, int], bytes]] = {}

try:  # brotli is Flask-Compress's dependency; gzip alone still does
    import brotli
except ImportError:  # pragma: no cover - the requirement installs it
    brotli = None


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def file_hash(path: Path) -> str | None:
    """The first 12 hex digits of the file's SHA-256 (re-read only when its mtime or size changes)."""
    stamp = _stamp(path)
    if stamp is None:
        return None
    known = _hashes.get(path)
    if known and known[0] == stamp:
        return known[1]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    with _lock:
        _hashes[path] = (stamp, digest)
    return digest


def asset_version(relative: str) -> str:
    """`v=` value for a file of the repository (the archive pages' assets); '' if it is missing."""
    path = (ROOT / relative).resolve()
    if ROOT not in path.parents:
        return ""
    return file_hash(path) or ""


def _is_static(endpoint: str | None) -> bool:
    """The app's static endpoint or a blueprint's (`<name>.static`, an area's static folder)."""
    return endpoint == "static" or (endpoint is not None and endpoint.endswith(".static"))


def _static_folder(endpoint: str) -> str | None:
    if endpoint == "static":
        return current_app.static_folder
    blueprint = current_app.blueprints.get(endpoint[:-len(".static")])
    return blueprint.static_folder if blueprint is not None and blueprint.has_static_folder else None


def _served_file(endpoint: str | None, values: dict) -> Path | None:
    """The file a hashed endpoint serves for these URL values."""
    if _is_static(endpoint) and values.get("filename"):
        folder = _static_folder(endpoint)
        if folder is None:
            return None
        root = Path(folder).resolve()
        path = (root / values["filename"]).resolve()
        return path if root in path.parents else None
    if endpoint == "vendor" and values.get("name"):
        from .app import VENDOR_FILES
        return VENDOR_FILES.get(values["name"])
    if endpoint == "publishing.archive_asset" and values.get("name"):
        # The copy in DATA_DIR/archive/assets/ is what is served (ensure_index keeps it current).
        return Path(current_app.config["DATA_DIR"]) / "archive" / "assets" / Path(values["name"]).name
    return None


def _compressed_bytes(path: Path, algorithm: str) -> bytes | None:
    stamp = _stamp(path)
    if stamp is None:
        return None
    known = _compressed.get((path, algorithm))
    if known and known[0] == stamp:
        return known[1]
    data = path.read_bytes()
    packed = brotli.compress(data, quality=11) if algorithm == "br" else gzip.compress(data, 9, mtime=0)
    with _lock:
        _compressed[(path, algorithm)] = (stamp, packed)
    return packed


def _accepted(header: str) -> str | None:
    offered = {}
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        offered[name.strip().lower()] = q
    if brotli is not None and offered.get("br", 0) > 0:
        return "br"
    if offered.get("gzip", 0) > 0:
        return "gzip"
    return None


# The archive's pages are files too (send_file streams them, which Flask-Compress leaves alone);
# small, they are compressed as they go out. Media in the same folders is not text: untouched.
ARCHIVE_PAGES = {"publishing.archive_index", "publishing.archive_file", "publishing.archive_feed"}
ARCHIVE_PAGE_LIMIT = 2 * 1024 * 1024


def _compress_archive_page(resp):
    if resp.status_code != 200 or request.method != "GET" or resp.mimetype not in TEXT_TYPES \
            or "Content-Encoding" in resp.headers or (resp.content_length or 0) > ARCHIVE_PAGE_LIMIT:
        return resp
    vary = resp.headers.get("Vary")
    if not vary or "accept-encoding" not in vary.lower():
        resp.headers["Vary"] = f"{vary}, Accept-Encoding" if vary else "Accept-Encoding"
    algorithm = _accepted(request.headers.get("Accept-Encoding", ""))
    if algorithm is None:
        return resp
    resp.direct_passthrough = False
    data = resp.get_data()
    resp.set_data(brotli.compress(data, quality=5) if algorithm == "br" else gzip.compress(data, 6, mtime=0))
    resp.headers["Content-Encoding"] = algorithm
    etag, _weak = resp.get_etag()
    if etag:
        resp.set_etag(etag, weak=True)
    return resp


def init_app(app: Flask) -> None:
    from flask_compress import Compress

    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"] if brotli is not None else ["gzip"])
    app.config.setdefault("COMPRESS_STREAMS", False)   # media and downloads: never buffered here
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    Compress(app)
    app.jinja_env.globals["asset_version"] = asset_version

    @app.url_defaults
    def _hashed_static(endpoint, values):
        if "v" in values or not (_is_static(endpoint) or endpoint == "vendor"):
            return
        path = _served_file(endpoint, values)
        digest = file_hash(path) if path else None
        if digest:
            values["v"] = digest

    @app.after_request
    def _static_cache_and_compression(resp):
        endpoint = request.endpoint
        if endpoint in ARCHIVE_PAGES:
            return _compress_archive_page(resp)
        if not (_is_static(endpoint) or endpoint in ("vendor", "publishing.archive_asset")):
            return resp
        path = _served_file(endpoint, request.view_args or {})
        if path is None or resp.status_code not in (200, 304):
            return resp
        wanted = request.args.get("v")
        if wanted:
            # Only the bytes the URL names may be kept for a year.
            resp.headers["Cache-Control"] = IMMUTABLE if wanted == file_hash(path) else "no-cache"
        elif _is_static(endpoint):
            resp.headers["Cache-Control"] = "no-cache"
        if resp.status_code != 200 or request.method != "GET" or resp.mimetype not in TEXT_TYPES \
                or "Content-Encoding" in resp.headers:
            return resp
        vary = resp.headers.get("Vary")
        if not vary or "accept-encoding" not in vary.lower():
            resp.headers["Vary"] = f"{vary}, Accept-Encoding" if vary else "Accept-Encoding"
        algorithm = _accepted(request.headers.get("Accept-Encoding", ""))
        packed = _compressed_bytes(path, algorithm) if algorithm else None
        if packed is None:
            return resp
        resp.direct_passthrough = False
        resp.set_data(packed)
        resp.headers["Content-Encoding"] = algorithm
        etag, weak = resp.get_etag()
        if etag:  # the same content in another encoding: a weak validator, so revalidation still 304s
            resp.set_etag(etag, weak=True)
        return resp
