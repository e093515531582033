"""Commands between processes are pushed, not polled, and survive the owner's SIGKILL once.

Two real server processes on one database, one real OBS: the second process does not own the
OBS connection, so each of its commands crosses to the owner and its answer comes back, over
Redis pub/sub (SQLite + REDIS_URL) or PostgreSQL's LISTEN/NOTIFY (PostgreSQL, no Redis).
"""
import json
import threading
import time
from datetime import datetime, timezone

import pytest

from .conftest import ObsServer, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.obs]

SCENES = ("开场", "双人", "嘉宾特写", "网友提问")
SCENE_EVENTS = 1 << 2  # obs-websocket EventSubscription::Scenes


def _program(obs):
    return obs.request("GetCurrentProgramScene")["currentProgramSceneName"]


def _query(server, sql: str) -> list[dict]:
    """Rows straight from the servers' database (SQLite file or PostgreSQL)."""
    from sqlalchemy import create_engine, text

    url = server.env.get("DATABASE_URL") or f"sqlite:///{server.data_dir / 'fangtan.db'}"
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [dict(row) for row in conn.execute(text(sql)).mappings()]
    finally:
        engine.dispose()


def _owner_pid(server) -> int | None:
    owner = _query(server, "SELECT owner_token FROM obs_status")[0]["owner_token"]
    return int(owner.split(":")[1]) if owner else None


def _insert_pending_scene(server, scene: str) -> int:
    """A pending command row written straight into the database: no message announces it."""
    from sqlalchemy import create_engine, text

    url = server.env.get("DATABASE_URL") or f"sqlite:///{server.data_dir / 'fangtan.db'}"
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO obs_commands (kind, payload, state, result, error, user_id, created_at) "
                              "VALUES ('scene', :payload, 'pending', '{}', '{}', NULL, :at)"),
                         {"payload": json.dumps({"scene_name": scene}), "at": datetime.utcnow()})
            return conn.execute(text("SELECT max(id) FROM obs_commands")).scalar_one()
    finally:
        engine.dispose()


def _at(value) -> datetime:
    if isinstance(value, str):  # SQLite keeps naive UTC text
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def _second_process(first: ObsServer, obs, env: dict) -> ObsServer:
    second = ObsServer(first.data_dir, env={"OBS_URL": obs.url, "OBS_PASSWORD": obs.password, **env})
    second.start()  # same DATA_DIR: same database
    wait_until(lambda: second.obs_state()["connected"], 20, 0.2, "second process sees OBS connected")
    assert _owner_pid(first) == first.proc.pid
    return second


def _quiet_for(watcher, seconds: float, timeout: float) -> None:
    """Until the watcher has seen no announcement for `seconds` (at most `timeout`)."""
    deadline = time.monotonic() + timeout
    seen, since = len(watcher.changes), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < seconds:
        time.sleep(0.05)
        if len(watcher.changes) != seen:
            seen, since = len(watcher.changes), time.monotonic()


class ProgramWatcher:
    """An independent OBS client counting CurrentProgramSceneChanged, i.e. what OBS really did."""

    def __init__(self, obs):
        self.ws = obs.connect(events=SCENE_EVENTS)
        self.ws.settimeout(None)
        self.changes: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            try:
                message = json.loads(self.ws.recv())
            except Exception:  # noqa: BLE001 - closed at the end
                return
            if message.get("op") == 5 and message["d"]["eventType"] == "CurrentProgramSceneChanged":
                self.changes.append(message["d"]["eventData"]["sceneName"])

    def close(self):
        self.ws.close()


@pytest.mark.parametrize("transport", ["redis", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_commands_from_another_process_arrive_pushed_not_polled(transport, request, bootstrapped_obs, obs_server):
    obs = bootstrapped_obs
    if transport == "redis":
        env = request.getfixturevalue("obs_redis_env")
    else:  # no REDIS_URL: LISTEN/NOTIFY on the shared database
        env = {"DATABASE_URL": request.getfixturevalue("postgres_url")}
    env = {**env, "LOG_LEVEL": "INFO"}
    first = obs_server(obs, env=env)
    second = _second_process(first, obs, env)
    try:
        director = second.http("director")
        round_trips, started_at = [], []
        for n in range(22):  # the first two open the connections (Redis, OBS, database) on both sides
            scene = SCENES[n % len(SCENES)]
            started = time.monotonic()
            started_at.append(datetime.now(timezone.utc).isoformat(timespec="milliseconds"))
            resp = director.post(second.url + "/api/obs/scene", json={"scene_name": scene}, timeout=20)
            round_trips.append((time.monotonic() - started) * 1000)
            assert resp.status_code == 200, resp.text
            assert resp.json()["program_scene"] == scene
            # What OBS really shows, read by another client. Straight after the answer that read
            # once returned the previous scene (1 run in 40, with a CPU burner beside it): OBS's
            # frontend may take the new scene as current a moment after answering.
            wait_until(lambda: _program(obs) == scene, 5, 0.02, f"OBS shows {scene}")
        assert _owner_pid(first) == first.proc.pid  # every one of them crossed to the other process

        rows = _query(first, "SELECT state, claimed_by, created_at, claimed_at, finished_at FROM obs_commands "
                             "ORDER BY id")[2:]
        assert [row["state"] for row in rows] == ["done"] * 20
        assert {row["claimed_by"].split(":")[1] for row in rows} == {str(first.proc.pid)}

        def spans(start, end):
            return sorted((_at(row[end]) - _at(row[start])).total_seconds() * 1000 for row in rows)

        claim_ms, answer_ms = spans("created_at", "claimed_at"), spans("created_at", "finished_at")
        print(f"row stored -> claimed by the owner process: p50 {claim_ms[9]:.1f} ms, p90 {claim_ms[17]:.1f} ms; "
              f"-> answered p50 {answer_ms[9]:.1f} ms, p90 {answer_ms[17]:.1f} ms; "
              f"HTTP round trip p50 {sorted(round_trips)[9]:.1f} ms, p90 {sorted(round_trips)[17]:.1f} ms; "
              f"max: claimed {claim_ms[-1]:.1f}, answered {answer_ms[-1]:.1f}, round trip {max(round_trips):.1f} ms")
        # Structure, not speed (timings are in bench/obs_control.py). Without the push, only the
        # owner's sweep (once per lease period, 2 s) finds a row: a command would wait a second
        # on average, and about half of them longer. Pushed, each takes tens of ms on a quiet
        # machine. One slow answer on a loaded machine (a stalled process, a lost message, which
        # costs at most bus.REPLY_CHECK_S) proves nothing either way: 18 of the 20 must be
        # answered within half a second, and the logs of both processes come with a failure.
        logs = {name: server.log().splitlines()[-40:] for name, server in (("owner", first), ("second", second))}
        quick = [ms for ms in round_trips[2:] if ms < 500]
        assert len(quick) >= 18, (round_trips, started_at, logs)

        # And the owner does not look for rows on a tick of its own: a row stored with no message
        # stays pending while nobody says "look at row N", until the fallback sweep (once per
        # 2 s lease period) finds it. A sweep may fall inside the half second looked at (one
        # chance in four): then try again; a tick of 0.5 s or less would claim it every time.
        def state_of(row_id):
            return _query(first, f"SELECT state FROM obs_commands WHERE id = {row_id}")[0]["state"]

        stayed_pending = False
        for _attempt in range(6):
            row_id = _insert_pending_scene(first, "开场")
            time.sleep(0.5)
            stayed_pending = state_of(row_id) == "pending"
            wait_until(lambda: state_of(row_id) == "done", 10, 0.1, "the sweep ran the row no message announced")
            if stayed_pending:
                break
        assert stayed_pending, "every row stored without a message was claimed within 0.5 s: a tick, not a push"
        wait_until(lambda: _query(first, f"SELECT state FROM obs_commands WHERE id = {row_id}")[0]["state"]
                   == "done", 10, 0.1, "the sweep ran the row no message announced")
    finally:
        second.kill()


def test_a_command_sent_as_the_owner_dies_runs_once_on_the_new_owner(bootstrapped_obs, obs_server, obs_redis_env):
    obs = bootstrapped_obs
    first = obs_server(obs, env=obs_redis_env)
    second = _second_process(first, obs, obs_redis_env)
    watcher = ProgramWatcher(obs)
    try:
        director = second.http("director")
        for scene in ("嘉宾特写", "网友提问"):  # two: one of them is a change whatever the program was
            assert director.post(second.url + "/api/obs/scene", json={"scene_name": scene}).status_code == 200
        # OBS announces a change once its transition ended: count from then on. Two fades that
        # overlap may be announced late or more than once (CI saw a second 网友提问 arrive after
        # the kill, on a machine twice as slow): wait until OBS has been quiet for a second.
        wait_until(lambda: watcher.changes[-1:] == ["网友提问"], 10, 0.05, "OBS announced 网友提问")
        _quiet_for(watcher, 1.0, 10)
        # A command the owner had claimed when it died: OBS may or may not have done it, so the
        # new owner must fail it, never run it a second time.
        with first.db() as db:
            db.execute("INSERT INTO obs_commands (kind, payload, state, result, error, user_id, created_at) "
                       "VALUES ('scene', ?, 'running', '{}', '{}', NULL, ?)",
                       (json.dumps({"scene_name": "结束"}), datetime.utcnow().isoformat(sep=" ")))
            orphan_id = db.execute("SELECT max(id) FROM obs_commands").fetchone()[0]

        first.kill()  # SIGKILL: its lease still looks alive for a few seconds
        killed = time.monotonic()
        watched_from = len(watcher.changes)
        answers = []
        request = threading.Thread(target=lambda: answers.append(
            director.post(second.url + "/api/obs/scene", json={"scene_name": "双人"}, timeout=40)))
        request.start()
        request.join(40)
        assert answers, "the request never returned"
        resp = answers[0]
        assert resp.status_code == 200, resp.text  # executed by the new owner after the takeover
        assert resp.json()["program_scene"] == "双人"
        assert _owner_pid(second) == second.proc.pid
        print(f"answered {time.monotonic() - killed:.1f} s after the owner was killed")
        assert _program(obs) == "双人"

        time.sleep(3)  # more than a lease period: the fallback sweep must not run it again
        with second.db() as db:
            rows = {row["id"]: row for row in db.execute("SELECT id, payload, state, error FROM obs_commands")}
        orphan = rows.pop(orphan_id)
        assert orphan["state"] == "failed" and json.loads(orphan["error"])["code"] == "obs_owner_lost"
        sent = [row for row in rows.values() if json.loads(row["payload"]) == {"scene_name": "双人"}]
        assert len(sent) == 1 and sent[0]["state"] == "done"
        # What OBS itself did after the kill: one switch to 双人, and never the orphaned 结束
        # (a late repeat of the announcement made before the kill is not a switch).
        after_kill = watcher.changes[watched_from:]
        assert after_kill[-1:] == ["双人"] and after_kill.count("双人") == 1, after_kill
        assert set(after_kill) <= {"双人", "网友提问"}, after_kill
    finally:
        watcher.close()
        second.kill()
