"""Settings that several processes behind nginx rely on: TRUSTED_PROXIES and the Redis channel."""
import pytest
from sqlalchemy import select

from studio.app import _socketio_channel
from studio.platform.db import Session
from studio.platform.models import LoginFailure


@pytest.mark.parametrize("redis_url, channel, expected", [
    ("redis://127.0.0.1:6379/0", None, "fangtan-socketio-0"),
    ("redis://127.0.0.1:6379/3", None, "fangtan-socketio-3"),
    ("redis://127.0.0.1:6379", None, "fangtan-socketio-0"),
    ("redis://127.0.0.1:6379/3", "county-a", "county-a"),
])
def test_redis_channel_keeps_database_numbers_apart(redis_url, channel, expected):
    assert _socketio_channel({"REDIS_URL": redis_url, "REDIS_CHANNEL": channel}) == expected


@pytest.fixture(params=[0, 1])
def app_config(request, app_config):
    return {**app_config, "TRUSTED_PROXIES": request.param}


def test_client_address_comes_from_the_proxy_only_when_trusted(app, users):
    client = app.test_client()
    resp = client.post("/api/session", json={"username": "host", "password": "wrong-password"},
                       headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"},
                       environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert resp.status_code == 401
    with app.app_context():
        ips = Session().scalars(select(LoginFailure.ip)).all()
    # behind nginx every request comes from 127.0.0.1: without trusting the proxy, one bad
    # client would slow down logins for everybody
    assert ips == (["203.0.113.9"] if app.config["TRUSTED_PROXIES"] else ["127.0.0.1"])
