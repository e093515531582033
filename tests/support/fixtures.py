"""Integration fixtures shared by the area test folders: a real server process, Chromium."""
from __future__ import annotations

import pytest

from .browser import browser  # noqa: F401  (re-exported fixture)
from .server import ServerProcess

ALL_ROLES = ("admin", "host", "moderator", "director", "feed_editor", "publisher")


@pytest.fixture
def live_server(tmp_path):
    """A migrated real server process with one account per role (username = role)."""
    server = ServerProcess(tmp_path / "server")
    server.migrate()
    for role in ALL_ROLES:
        server.create_user(role, role)
    server.start()
    yield server
    server.kill()
