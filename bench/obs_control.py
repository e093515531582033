"""OBS control latency: director → OBS, and OBS → director, against a real OBS 29 under Xvfb.

    .venv/bin/python bench/obs_control.py              # 30 round trips each way
    .venv/bin/python bench/obs_control.py --rounds 100

It starts its own OBS (throw-away HOME, Xvfb -displayfd, as in the tests), bootstraps the
standard scenes, starts a real server process (`python server.py`, eventlet) wired to it, and
measures, on one machine and one clock:

OBS announces a program change when its transition has finished (Fade: 300 ms by default;
--cut measures with the Cut transition, i.e. our own overhead).

  director → OBS   from the director's `POST /api/obs/scene` being sent to an independent OBS
                   websocket client receiving `CurrentProgramSceneChanged` (the program really
                   changed in OBS); the HTTP answer time is shown too;
  OBS → director   from another OBS client's `SetCurrentProgramScene` being sent to the
                   director's /studio Socket.IO connection receiving the new program scene
                   (`obs.state` event or `obs.telemetry`, whichever is first).

Prints p50 / p99 / max in milliseconds. Asserts nothing; stops every process it started.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import socketio  # noqa: E402

from bench._common import percentile  # noqa: E402
from tests.support.obs import ObsProcess  # noqa: E402
from tests.support.server import PASSWORD, ServerProcess  # noqa: E402

SCENES = ("开场", "双人", "嘉宾特写", "网友提问", "结束")
SCENE_EVENTS = 1 << 2  # obs-websocket EventSubscription::Scenes


class Arrivals:
    """(scene, time) pairs as they arrive, and waiting for the first one after a moment."""

    def __init__(self):
        self.seen: list[tuple[str, float]] = []
        self.cond = threading.Condition()

    def note(self, scene: str) -> None:
        with self.cond:
            self.seen.append((scene, time.time()))
            self.cond.notify_all()

    def wait_for(self, name: str, after: float, timeout: float = 10) -> float:
        deadline = time.time() + timeout
        with self.cond:
            while True:
                for scene, at in self.seen:
                    if scene == name and at >= after:
                        return at
                if not self.cond.wait(max(0.0, deadline - time.time())):
                    raise TimeoutError(f"{name} never arrived")


class SceneWatcher(Arrivals):
    """An independent OBS client: records when each program-scene change arrives."""

    def __init__(self, obs: ObsProcess):
        super().__init__()
        import base64
        import hashlib

        import websocket

        self.ws = websocket.create_connection(obs.url, timeout=10)
        hello = json.loads(self.ws.recv())["d"]
        salt, challenge = hello["authentication"]["salt"], hello["authentication"]["challenge"]
        secret = base64.b64encode(hashlib.sha256((obs.password + salt).encode()).digest())
        auth = base64.b64encode(hashlib.sha256(secret + challenge.encode()).digest()).decode()
        self.ws.send(json.dumps({"op": 1, "d": {"rpcVersion": 1, "authentication": auth,
                                                "eventSubscriptions": SCENE_EVENTS}}))
        assert json.loads(self.ws.recv())["op"] == 2
        self.ws.settimeout(None)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            try:
                message = json.loads(self.ws.recv())
            except Exception:  # noqa: BLE001 - closed at the end
                return
            if message.get("op") == 5 and message["d"]["eventType"] == "CurrentProgramSceneChanged":
                self.note(message["d"]["eventData"]["sceneName"])

    def set_scene(self, name: str):
        self.ws.send(json.dumps({"op": 6, "d": {"requestType": "SetCurrentProgramScene", "requestId": str(time.time()),
                                                "requestData": {"sceneName": name}}}))


class DirectorSocket(Arrivals):
    """The director page's Socket.IO connection: records when each program scene is first seen."""

    def __init__(self, url: str, http, interview_id: int):
        super().__init__()
        self.client = socketio.Client(reconnection=False)
        cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)

        def on_state(state):
            scene = (state or {}).get("program_scene")
            if scene:
                self.note(scene)

        self.client.on("obs.telemetry", on_state, namespace="/studio")
        self.client.on("event", lambda ev: on_state(ev.get("data")) if ev.get("type") == "obs.state" else None,
                       namespace="/studio")
        self.client.connect(url, namespaces=["/studio"], transports=["websocket"], headers={"Cookie": cookie})
        ack = self.client.call("join", {"interview_id": interview_id}, namespace="/studio", timeout=15)
        assert ack["ok"], ack


def figures(label: str, values_s: list[float]) -> str:
    ms = [v * 1000 for v in values_s]
    return (f"{label:<42} n={len(ms):<4} p50={percentile(ms, 50):7.1f} ms  p99={percentile(ms, 99):7.1f} ms  "
            f"max={max(ms):7.1f} ms")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--cut", action="store_true",
                        help="use OBS's Cut transition (OBS reports a program change only after its transition; "
                             "the default Fade takes 300 ms)")
    args = parser.parse_args(argv)

    from studio.obs.bootstrap import bootstrap
    from studio.obs.client import ObsConnection

    with tempfile.TemporaryDirectory(prefix="fangtan-obs-bench-") as tmp:
        obs = ObsProcess(Path(tmp) / "obs")
        server = None
        try:
            obs.start()
            conn = ObsConnection(obs.url, obs.password, request_timeout=10).connect()
            bootstrap(conn)
            conn.close()
            server = ServerProcess(Path(tmp) / "server", env={"OBS_URL": obs.url, "OBS_PASSWORD": obs.password})
            server.migrate()
            server.create_user("admin", "admin")
            server.create_user("director", "director")
            server.start()
            director, admin = server.session("director"), server.session("admin")
            deadline = time.time() + 30
            while director.get(server.url + "/healthz").json()["obs"] != "connected":
                if time.time() > deadline:
                    raise RuntimeError("server never connected to OBS")
                time.sleep(0.2)
            interview = admin.post(server.url + "/api/interviews", json={"title": "导播延迟测试", "state": "preview"}).json()
            admin.post(f"{server.url}/api/interviews/{interview['id']}/state", json={"state": "live"})

            if args.cut:
                obs.request("SetCurrentSceneTransition", {"transitionName": "Cut"})
            transition = obs.request("GetCurrentSceneTransition")
            watcher = SceneWatcher(obs)
            page = DirectorSocket(server.url, director, interview["id"])
            to_obs, http_answer, to_director = [], [], []
            for n in range(args.rounds):
                scene = SCENES[n % len(SCENES)]
                sent = time.time()
                resp = director.post(server.url + "/api/obs/scene", json={"scene_name": scene}, timeout=15)
                answered = time.time()
                resp.raise_for_status()
                to_obs.append(watcher.wait_for(scene, sent) - sent)
                http_answer.append(answered - sent)
                time.sleep(0.2)

                other = SCENES[(n + 2) % len(SCENES)]
                sent = time.time()
                watcher.set_scene(other)
                to_director.append(page.wait_for(other, sent) - sent)
                time.sleep(0.2)
            page.client.disconnect()

            print(f"OBS control latency, {args.rounds} rounds each way (OBS {obs.request('GetVersion')['obsVersion']}, "
                  f"transition {transition['transitionName']} {transition.get('transitionDuration') or 0} ms, "
                  "one server process, eventlet, SQLite)")
            print(figures("director POST /api/obs/scene -> OBS program", to_obs))
            print(figures("  (HTTP answer to the director)", http_answer))
            print(figures("change in OBS -> director's socket", to_director))
        finally:
            if server is not None:
                server.kill()
            obs.close()


if __name__ == "__main__":
    main()
