"""Settings: environment variables, overridable by a plain mapping passed to create_app.

Every setting here is documented in docs/configuration.md; tests/test_docs.py fails when
one is added without its entry.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

# name -> (default, parser). A default of None means "unset".
SETTINGS: dict[str, tuple[object, object]] = {
    "HOST": ("127.0.0.1", str),
    "PORT": (5000, int),
    "DATA_DIR": ("instance", str),
    "DATABASE_URL": (None, str),
    "SECRET_KEY": (None, str),
    "OBS_URL": (None, str),
    "OBS_PASSWORD": (None, str),
    "RTMP_URL": (None, str),
    "HLS_URL": (None, str),
    "QUESTION_RATE_LIMIT": ("5/minute", str),
    "REDIS_URL": (None, str),
    "REDIS_CHANNEL": (None, str),
    "PUBLIC_FANOUT": ("socketio", str),
    "NCHAN_PUBLISH_URL": (None, str),
    "NCHAN_REDIS_URL": (None, str),
    "NCHAN_PUBLISH_RETRY_SECONDS": (30.0, float),
    "TIMEZONE": ("Asia/Shanghai", str),
    "TRUSTED_ORIGINS": ("", str),
    "SOCKETIO_CORS_ORIGINS": ("*", str),
    "TRUSTED_PROXIES": (0, int),
    "SESSION_COOKIE_SECURE": (False, lambda v: str(v).lower() in ("1", "true", "yes")),
    "SESSION_LIFETIME_HOURS": (12, int),
    "STAFF_SOCKET_CHECK_SECONDS": (5.0, float),
    "MAX_CONNECTIONS": (10000, int),
    "MAX_CONNECTIONS_PER_IP": (200, int),
    "SOCKET_TIMEOUT_SECONDS": (30.0, float),
    "MAX_REQUEST_KB": (1024, int),
    "MAX_UPLOAD_MB": (10, int),
    "MAX_RECORDING_UPLOAD_MB": (8192, int),
    "EVENT_RETENTION": (0, int),
    # The year's programme (studio/programme): deadlines in days from the interview's schedule.
    "DEADLINE_PREVIEW_DAYS": (30, int),
    "DEADLINE_QUESTIONS_OPEN_DAYS": (20, int),
    "DEADLINE_SCRIPT_DAYS": (3, int),
    "DEADLINE_PUBLISH_DAYS": (3, int),
    "DEADLINE_REPLIES_DAYS": (15, int),
    "SCRIPT_MIN_CHARS": (8000, int),
    "SMTP_URL": (None, str),
    "SMTP_FROM": ("fangtan@localhost", str),
    "DIGEST_HOUR": (-1, int),
    "LOGIN_MAX_FAILURES": (5, int),
    "LOGIN_WINDOW_SECONDS": (900, int),
    "LOGIN_MAX_USERNAMES_PER_IP": (10, int),
    "EMBED_ORIGINS": ("", str),
    "WORKER": ("inprocess", str),
    "RECORDINGS_DIR": ("", str),
    "ARCHIVE_BASE_URL": ("", str),
    "PUBLISH_PRESET": ("veryfast", str),
    "PUBLISH_CRF": (23, int),
    "PUBLISH_MAX_HEIGHT": (720, int),
    "PUBLISH_SMART_CUT": ("auto", str),
    "LOG_LEVEL": ("INFO", str),
}


def load_settings(overrides: dict | None = None, create: bool = True) -> dict:
    """Read every setting from the environment, then apply overrides (tests pass a mapping).

    create=False (a `flask …` command) creates nothing: DATA_DIR and its secret key are made by
    `db upgrade` and the server, so a command run before the first migration leaves no trace.
    """
    overrides = dict(overrides or {})
    settings: dict = {}
    for name, (default, parse) in SETTINGS.items():
        if name in overrides:
            settings[name] = overrides.pop(name)
        elif os.environ.get(name) not in (None, ""):
            settings[name] = parse(os.environ[name])
        else:
            settings[name] = default
    settings.update(overrides)  # extra keys (e.g. TESTING) pass through untouched

    data_dir = Path(settings["DATA_DIR"]).resolve()
    settings["DATA_DIR"] = str(data_dir)
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = f"sqlite:///{data_dir / 'fangtan.db'}"
    if create:
        ensure_data_dir(settings)
    elif not settings["SECRET_KEY"]:
        key = data_dir / "secret_key"
        # Commands sign nothing; a stored key is used when there is one, else a throwaway.
        settings["SECRET_KEY"] = key.read_text().strip() if key.exists() else secrets.token_hex(32)
        settings["SECRET_KEY_EPHEMERAL"] = not key.exists()
    return settings


def ensure_data_dir(settings: dict) -> None:
    """Create DATA_DIR and its stored secret key (the server at start, `db upgrade`)."""
    data_dir = Path(settings["DATA_DIR"])
    data_dir.mkdir(parents=True, exist_ok=True)
    if not settings.get("SECRET_KEY") or settings.pop("SECRET_KEY_EPHEMERAL", False):
        settings["SECRET_KEY"] = _stored_secret_key(data_dir)


def _stored_secret_key(data_dir: Path) -> str:
    """A generated key kept in DATA_DIR so sessions survive restarts and all processes agree."""
    path = data_dir / "secret_key"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.write_text(secrets.token_hex(32))
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)  # first writer wins when several processes start at once
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text().strip()
