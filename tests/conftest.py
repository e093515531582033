"""Shared fixtures: an app on a fresh migrated database, HTTP clients per role, socket clients.

Area fixtures (real OBS, nginx, Chromium, server processes) live in tests/support/ and the
area folders' own conftest.py.
"""
from __future__ import annotations

import os

import pytest

from studio.platform.models import ROLES

PASSWORD = "correct-horse-battery"
pytest_plugins = ["tests.support.fixtures"]
os.environ.setdefault("FANGTAN_TESTING", "1")


def pytest_configure(config):
    for marker, doc in (
        ("integration", "uses real external components or server processes (left out by make test-fast)"),
        ("obs", "drives a real OBS Studio under Xvfb"),
        ("browser", "drives real Chromium through Playwright"),
        ("ffmpeg", "runs real ffmpeg encodes"),
        ("postgres", "needs the PostgreSQL server"),
        ("redis", "needs the Redis server"),
    ):
        config.addinivalue_line("markers", f"{marker}: {doc}")


@pytest.fixture
def app_config(tmp_path):
    """Settings for a test app; tests may add keys before `app` is built."""
    return {
        "DATA_DIR": str(tmp_path / "data"),
        "SECRET_KEY": "test-secret",
        "SOCKETIO_ASYNC_MODE": "threading",
        "TESTING": True,
        "LOG_LEVEL": "WARNING",
    }


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    """A migrated SQLite file made once per run; each test copies it (migrating each time is slow)."""
    from studio.platform.cli import upgrade_database

    path = tmp_path_factory.mktemp("template") / "fangtan.db"
    upgrade_database(f"sqlite:///{path}")
    return path


@pytest.fixture
def app(app_config, migrated_template):
    import shutil

    from studio.app import create_app
    from studio.platform.cli import upgrade_database

    if "DATABASE_URL" not in app_config:
        os.makedirs(app_config["DATA_DIR"], exist_ok=True)
        shutil.copy(migrated_template, os.path.join(app_config["DATA_DIR"], "fangtan.db"))
    flask_app = create_app(app_config)
    upgrade_database(flask_app.config["DATABASE_URL"])
    yield flask_app
    from studio.platform import db
    db.Session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def users(app):
    """One account per role: username = role name."""
    from studio.platform.auth import create_user
    from studio.platform.db import Session

    with app.app_context():
        session = Session()
        made = {role: create_user(session, role, PASSWORD, role).id for role in ROLES}
        session.commit()
    return made


class StaffClient:
    """A test client logged in as one role that sends its CSRF token on every write."""

    def __init__(self, app, role):
        self.client = app.test_client()
        resp = self.client.post("/api/session", json={"username": role, "password": PASSWORD})
        assert resp.status_code == 200, resp.get_json()
        self.csrf = resp.get_json()["csrf_token"]
        self.role = role

    def open(self, method, url, **kwargs):
        headers = dict(kwargs.pop("headers", {}) or {})
        if method.upper() != "GET" and kwargs.pop("csrf", True):
            headers.setdefault("X-CSRF-Token", self.csrf)
        return self.client.open(url, method=method.upper(), headers=headers, **kwargs)

    def get(self, url, **kw):
        return self.open("GET", url, **kw)

    def post(self, url, **kw):
        return self.open("POST", url, **kw)

    def put(self, url, **kw):
        return self.open("PUT", url, **kw)

    def patch(self, url, **kw):
        return self.open("PATCH", url, **kw)

    def delete(self, url, **kw):
        return self.open("DELETE", url, **kw)


@pytest.fixture
def login(app, users):
    """login("feed_editor") -> a StaffClient for that role."""
    cache = {}

    def _login(role):
        if role not in cache:
            cache[role] = StaffClient(app, role)
        return cache[role]
    return _login


@pytest.fixture
def admin(login):
    return login("admin")


@pytest.fixture
def interview(admin):
    """A live-ready interview with two guests and a lead unit."""
    resp = admin.post("/api/interviews", json={
        "title": "全民消防安全宣传教育", "scheduled_at": "2024-04-15T09:30:00+08:00",
        "units": [{"name": "消防大队", "is_lead": True}, {"name": "江浦街道"}],
        "guests": [{"name": "王建国", "title": "消防大队大队长", "bio": "从事消防工作二十年"},
                   {"name": "李芳", "title": "江浦街道副主任"}],
        "hosts": ["张敏"], "liaison_name": "赵强", "liaison_phone": "13800000000",
        "liaison_email": "zhao@example.gov.cn", "state": "preview",
    })
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


@pytest.fixture
def socket_client(app, users):
    """socket_client(namespace, role=None) -> a Flask-SocketIO test client (logged in for a role)."""
    from studio.platform.extensions import socketio

    made = []

    def _make(namespace="/live", role=None):
        flask_client = None
        if role:
            flask_client = StaffClient(app, role).client
        sc = socketio.test_client(app, namespace=namespace, flask_test_client=flask_client)
        made.append(sc)
        return sc
    yield _make
    for sc in made:
        if sc.is_connected():
            sc.disconnect()
