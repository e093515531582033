"""Publishing fixtures: coded recordings (made once per run), an ended interview, a publish helper."""
from __future__ import annotations

import os
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.support.server import ServerProcess

from .media import make_coded_clip

T0 = datetime(2024, 4, 15, 1, 30, 0, tzinfo=timezone.utc)  # 09:30 in the studio
FAST = {"PUBLISH_PRESET": "ultrafast", "PUBLISH_CRF": 30}


@pytest.fixture
def app_config(app_config):
    app_config.update(FAST)
    return app_config


@pytest.fixture(scope="session")
def coded_clips(tmp_path_factory):
    """Two recordings: A 20 s with sound (frames 0…499), B 12 s without (frames 10000…10299)."""
    folder = tmp_path_factory.mktemp("clips")
    return {"a": make_coded_clip(folder / "a.mkv", 20, offset=0),
            "b": make_coded_clip(folder / "b.mkv", 12, offset=10000, audio=False)}


@pytest.fixture(scope="session")
def smart_clips(tmp_path_factory):
    """Like coded_clips but shaped like OBS's (x264 veryfast: High profile, B-frames) for smart cut:
    A 20 s with sound, a keyframe every 60 frames; B 12 s without, every 250 frames."""
    folder = tmp_path_factory.mktemp("smart-clips")
    return {"a": make_coded_clip(folder / "a.mkv", 20, offset=0, gop=60, preset="veryfast"),
            "b": make_coded_clip(folder / "b.mkv", 12, offset=10000, gop=250, audio=False, preset="veryfast")}


def place_recording(app, clip: Path, name: str) -> Path:
    """Put a clip into the app's recordings folder (a hard link: no copy, same real path rules)."""
    folder = Path(app.config["DATA_DIR"]) / "recordings"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    try:
        os.link(clip, target)
    except OSError:
        shutil.copyfile(clip, target)
    return target


def start_publishing_server(folder: Path, preset: str, **env: str) -> ServerProcess:
    """A real server (its in-process worker publishes) with an admin and a publisher."""
    server = ServerProcess(folder, env={"PUBLISH_PRESET": preset, "FLASK_RUN_FROM_CLI": "", **env})
    server.migrate()
    for role in ("admin", "publisher"):
        server.create_user(role, role)
    return server.start()


def register_recording(app, publisher, interview_id: int, clip: Path, name: str, offset: float = 0.0) -> dict:
    """Place a clip in the recordings folder and register it, started `offset` s after T0."""
    path = place_recording(app, clip, name)
    resp = publisher.post(f"/api/interviews/{interview_id}/recordings",
                          json={"path": str(path), "started_at": iso(at(offset))})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def open_editor(browser, server: ServerProcess, interview_id: int):
    """The publisher's editor page in Chromium, loaded; returns (context, page)."""
    from tests.support.browser import login_context
    from tests.support.server import PASSWORD

    context = login_context(browser, server.url, "publisher", PASSWORD)
    page = context.new_page()
    page.goto(f"/studio/{interview_id}/edit")
    page.wait_for_selector("#editor[data-ready='1']", timeout=20_000)
    return context, page


@pytest.fixture
def ended_interview(admin, interview):
    for state in ("live", "ended"):
        resp = admin.patch(f"/api/interviews/{interview['id']}", json={"state": state})
        assert resp.status_code == 200, resp.get_json()
    return interview


def iso(dt: datetime) -> str:
    return dt.isoformat()


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)
