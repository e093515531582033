"""Which browser origins may write: the app's own, plus origins named in settings.

A browser sends `Origin` on every cross-site POST and on every WebSocket; a page on another
site can still make a browser send a "simple" (text/plain, form) POST without a CORS
preflight, so public writes check the Origin header they carry. A request without Origin is
not a browser's cross-site request (the 8890 hotline desk's client, scripts, tests) and passes:
what protects staff writes is their session and CSRF token, not this check.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import current_app, request

_SEPARATORS = re.compile(r"[\s,]+")


def configured_origins(*settings: str) -> set[str]:
    """The origins listed (comma- or space-separated) in the given settings, without trailing /."""
    found: set[str] = set()
    for name in settings:
        for item in _SEPARATORS.split(str(current_app.config.get(name) or "")):
            if item.strip():
                found.add(item.strip().rstrip("/").lower())
    return found


def origin_allowed(*settings: str) -> bool:
    """True when the request has no Origin, comes from this app's own host, or from an origin
    listed in one of `settings`."""
    origin = request.headers.get("Origin")
    if not origin:
        return True
    if origin.rstrip("/").lower() in configured_origins(*settings):
        return True
    # "null" (sandboxed frames, file://) and anything unparsable are never our own origin.
    return bool(urlsplit(origin).netloc) and urlsplit(origin).netloc.lower() == request.host.lower()
