"""Fixtures for the scale tests: a fresh PostgreSQL database per test, a Redis message queue.

PostgreSQL (127.0.0.1:5432, trust auth, user postgres) and Redis (127.0.0.1:6379) run as
services on the project's machines and are started by deploy/start-test-services.sh before
`make test`; on a machine without them these tests skip and say why.
"""
from __future__ import annotations

import uuid

import pytest

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
REDIS_BASE = "redis://127.0.0.1:6379"


def _pg_admin_connection():
    import psycopg

    return psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres",
                           connect_timeout=3, autocommit=True)


def _drop_database(name: str) -> None:
    from studio.platform import db

    engine = db.get_engine()
    if engine is not None and engine.url.database == name:
        db.Session.remove()
        engine.dispose()  # the app's pooled connections would block DROP DATABASE
    with _pg_admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url():
    """A fresh, empty PostgreSQL database for one test (dropped afterwards), as a SQLAlchemy URL."""
    try:
        conn = _pg_admin_connection()
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server means skip
        pytest.skip(f"PostgreSQL is not reachable on {PG_HOST}:{PG_PORT} as user {PG_USER} "
                    f"(deploy/start-test-services.sh starts it): {str(exc).strip()[:200]}")
    name = f"fangtan_test_{uuid.uuid4().hex[:12]}"
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        _drop_database(name)


@pytest.fixture
def redis_url():
    """A Redis URL and a Socket.IO channel of this test's own, so parallel runs never cross-talk."""
    import redis

    url = f"{REDIS_BASE}/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"Redis is not reachable at {REDIS_BASE} "
                    f"(deploy/start-test-services.sh starts it): {str(exc).strip()[:200]}")
    return url
