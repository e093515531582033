"""OBS area fixtures: a real OBS (tests/support/obs.py), nginx-rtmp, and server processes using them."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.support.nginx import nginx_rtmp  # noqa: F401  (fixture)
from tests.scale.conftest import postgres_url  # noqa: F401  (fixture)
from tests.support.obs import ObsProcess, obs_private, obs_studio  # noqa: F401  (fixtures)
from tests.support.server import PASSWORD, ROOT, ServerProcess

ROLES_NEEDED = ("admin", "director", "host", "moderator")


def wait_until(predicate, timeout: float, interval: float = 0.05, message: str = "condition"):
    """Poll predicate() until it returns something truthy; its value, or AssertionError after timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"{message} not reached in {timeout}s (last: {last!r})")


PREPARE = """
import sys
from studio.app import create_app
from studio.platform.auth import create_user
from studio.platform.cli import upgrade_database
from studio.platform.db import Session
app = create_app()
upgrade_database(app.config["DATABASE_URL"])
with app.app_context():
    session = Session()
    for role in sys.argv[1:]:
        create_user(session, role, PASSWORD, role)
    session.commit()
"""


class ObsServer(ServerProcess):
    """A real server process wired to an OBS, with sessions per role and direct DB reads."""

    def prepare(self, roles=ROLES_NEEDED) -> None:
        """Migrate and create the accounts in one interpreter (each `flask` run costs seconds here)."""
        subprocess.run([sys.executable, "-c", f"PASSWORD = {PASSWORD!r}\n" + PREPARE, *roles], cwd=ROOT,
                       env={**self.env, "FANGTAN_NO_EVENTLET": "1"}, check=True, capture_output=True, timeout=120)

    def db(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.data_dir / "fangtan.db", timeout=10)
        conn.row_factory = sqlite3.Row
        return conn

    def obs_state(self) -> dict:
        return self.http("director").get(self.url + "/api/obs", timeout=5).json()

    def http(self, role: str):
        cache = self.__dict__.setdefault("_sessions", {})
        if role not in cache:
            cache[role] = self.session(role, PASSWORD)
        return cache[role]

    def create_live_interview(self) -> dict:
        admin = self.http("admin")
        resp = admin.post(self.url + "/api/interviews", json={
            "title": "优化营商环境 服务企业发展", "state": "preview", "hosts": ["张敏"],
            "units": [{"name": "县发展和改革局", "is_lead": True}],
            "guests": [{"name": "王建国", "title": "县发展和改革局局长"}, {"name": "李芳", "title": "县政务服务中心主任"}]},
            timeout=10)
        assert resp.status_code == 201, resp.text
        interview = resp.json()
        resp = admin.post(f"{self.url}/api/interviews/{interview['id']}/state", json={"state": "live"}, timeout=10)
        assert resp.status_code == 200, resp.text
        return resp.json()


@pytest.fixture
def obs_server(tmp_path):
    """obs_server(obs, env=None, password=None) -> a started ObsServer (killed at the end)."""
    made: list[ObsServer] = []

    def _make(obs: ObsProcess, env: dict | None = None, password: str | None = None, wait_connected=True):
        settings = {"OBS_URL": obs.url, "OBS_PASSWORD": password if password is not None else obs.password,
                    **(env or {})}
        server = ObsServer(tmp_path / f"server{len(made)}", env=settings)
        made.append(server)
        server.prepare()
        server.start()
        if wait_connected:
            wait_until(lambda: server.http("director").get(server.url + "/healthz").json()["obs"] == "connected",
                       20, 0.2, "server connected to OBS")
        return server

    yield _make
    for server in made:
        server.kill()


@pytest.fixture
def obs_redis_env():
    """REDIS_URL and a channel of this test's own (parallel test runs share the Redis server)."""
    import uuid

    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"Redis is not reachable at {url} (deploy/start-test-services.sh starts it): {exc}")
    return {"REDIS_URL": url, "REDIS_CHANNEL": f"fangtan-test-obs-{uuid.uuid4().hex}"}


@pytest.fixture(scope="session")
def bootstrapped_obs(obs_studio):
    """The session OBS with the standard scenes and overlays."""
    from studio.obs.bootstrap import bootstrap
    from studio.obs.client import ObsConnection

    conn = ObsConnection(obs_studio.url, obs_studio.password, request_timeout=10).connect()
    try:
        bootstrap(conn)
    finally:
        conn.close()
    return obs_studio
