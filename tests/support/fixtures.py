"""Integration fixtures shared by the area test folders: a real server process, Chromium."""
from __future__ import annotations

import pytest

from .browser import browser  # noqa: F401  (re-exported fixture)
from .server import ServerProcess

ALL_ROLES = ("admin", "host", "moderator", "director", "feed_editor", "publisher")


def start_server(data_dir) -> ServerProcess:
    """A migrated real server process with one account per role (username = role), started."""
    server = ServerProcess(data_dir)
    server.migrate()
    for role in ALL_ROLES:
        server.create_user(role, role)
    server.start()
    return server


@pytest.fixture
def live_server(tmp_path):
    """A migrated real server process with one account per role (username = role)."""
    server = start_server(tmp_path / "server")
    yield server
    server.kill()


@pytest.fixture
def made_up_event_payloads():
    """For tests of the event log's mechanics (seq, replay, fan-out, redaction): they record
    made-up payloads, which the typed-event check would refuse. What the product sends is
    checked everywhere else."""
    from studio.platform.events import unchecked_payloads

    with unchecked_payloads():
        yield
