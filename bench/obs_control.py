"""OBS control latency: ours against a bare obs-websocket client, same OBS, same run.

    .venv/bin/python bench/obs_control.py              # 30 rounds
    .venv/bin/python bench/obs_control.py --rounds 100

It starts its own OBS 29 (throw-away HOME, Xvfb -displayfd, as in the tests), bootstraps the
standard scenes, starts a real server process (`python server.py`, eventlet, SQLite) wired to
it, and connects a plain obs-websocket-py client (`obswebsocket.obsws`, all events) to the same
OBS. The transition is Cut (OBS announces a program change only after its transition; --fade
keeps OBS's 300 ms Fade). Each round, interleaved so both see the same load:

  bare request        the plain client's `SetCurrentProgramScene` call, sent -> answered;
  bare event          the same request, sent -> the plain client receiving its
                      `CurrentProgramSceneChanged` (the program really changed: one frame);
  director -> OBS     the director's `POST /api/obs/scene` sent -> the plain client receiving
                      `CurrentProgramSceneChanged`; its HTTP answer is shown against the bare request;
  OBS -> director     the plain client's `SetCurrentProgramScene` sent -> the director's /studio
                      Socket.IO connection receiving the `obs.state` event with the new scene,
                      against the plain client's own `CurrentProgramSceneChanged` for that change.

Prints bare, ours and the overhead (ours - bare) at p50 and p99 in milliseconds. Asserts
nothing; stops every process it started.

`--profile` samples the server with py-spy (bench/_profile.py) over the rounds and prints its CPU
per round on the main thread (one director command and two changes made in OBS) by part: the
scene request's view and its calls, the OBS owner's task and its calls; the pool threads apart.
py-spy costs CPU too: take the latencies from a run without it.
"""
from __future__ import annotations

import argparse
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
from bench._profile import Sampler, breakdown, print_breakdown  # noqa: E402
from tests.support.obs import ObsProcess  # noqa: E402
from tests.support.server import PASSWORD, ServerProcess  # noqa: E402

SCENES = ("开场", "双人", "嘉宾特写", "网友提问", "结束")


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


class BareClient(Arrivals):
    """A plain obs-websocket-py client (the baseline): its requests, and the program changes it hears."""

    def __init__(self, obs: ObsProcess):
        super().__init__()
        from obswebsocket import events, obsws

        self.ws = obsws("127.0.0.1", obs.port, obs.password, legacy=False, timeout=10)
        self.ws.connect()
        self.ws.register(lambda event: self.note(event.datain.get("sceneName")), events.CurrentProgramSceneChanged)

    def set_scene(self, name: str) -> float:
        """SetCurrentProgramScene; returns the time it was sent (its answer time is in self.answered)."""
        from obswebsocket import requests as obs_requests

        sent = time.time()
        self.ws.call(obs_requests.SetCurrentProgramScene(sceneName=name))
        self.answered = time.time()
        return sent

    def close(self) -> None:
        self.ws.disconnect()


class DirectorSocket(Arrivals):
    """The director page's Socket.IO connection: when each `obs.state` event with a program scene arrives."""

    def __init__(self, url: str, http, interview_id: int):
        super().__init__()
        self.client = socketio.Client(reconnection=False)
        cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)

        def on_event(ev):
            scene = ((ev or {}).get("data") or {}).get("program_scene")
            if ev.get("type") == "obs.state" and scene:
                self.note(scene)

        self.client.on("event", on_event, namespace="/studio")
        self.client.connect(url, namespaces=["/studio"], transports=["websocket"], headers={"Cookie": cookie})
        ack = self.client.call("join", {"interview_id": interview_id}, namespace="/studio", timeout=15)
        assert ack["ok"], ack


def versus(label: str, bare_s: list[float], ours_s: list[float]) -> str:
    """One line: bare and ours at p50 / p99 and the overhead (ours - bare), in milliseconds."""
    bare, ours = [v * 1000 for v in bare_s], [v * 1000 for v in ours_s]
    cells = []
    for pct in (50, 99):
        b, o = percentile(bare, pct), percentile(ours, pct)
        cells.append(f"p{pct}: bare {b:6.1f}  ours {o:6.1f}  overhead {o - b:+6.1f}")
    return f"{label:<44} n={len(ours):<4} " + "   |   ".join(cells) + f"   (ours max {max(ours):.1f})"


# --profile: the functions whose calls are broken down (py-spy's names: Class.method).
PROFILED_CALLS = ("_run", "ObsOwner.run", "ObsOwner._handle", "ObsCommandExecution._execute",
                  "ObsEventTranslation._handle_obs_event", "ObsCommandExecution._do_scene",
                  "ObsEventTranslation._change_status")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--fade", action="store_true",
                        help="keep OBS's Fade transition (300 ms: OBS announces the change after it) instead of Cut")
    parser.add_argument("--cut", action="store_true", help=argparse.SUPPRESS)  # the default now
    parser.add_argument("--profile", action="store_true",
                        help="sample the server with py-spy over the rounds: its CPU per round by part and function")
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

            if not args.fade:
                obs.request("SetCurrentSceneTransition", {"transitionName": "Cut"})
            transition = obs.request("GetCurrentSceneTransition")
            obs.request("SetCurrentProgramScene", {"sceneName": SCENES[-1]})  # round 0 then changes it
            time.sleep(0.5)
            bare = BareClient(obs)
            page = DirectorSocket(server.url, director, interview["id"])
            bare_request, bare_event, to_obs, http_answer = [], [], [], []
            to_director, its_event = [], []
            sampler = Sampler(server.proc.pid).start(0) if args.profile else None
            try:
                for n in range(args.rounds):
                    # The baseline: a plain client switches the program and hears OBS announce it.
                    scene = SCENES[n % len(SCENES)]
                    sent = bare.set_scene(scene)
                    bare_request.append(bare.answered - sent)
                    bare_event.append(bare.wait_for(scene, sent) - sent)
                    time.sleep(0.2)

                    # Ours: the director's request, until OBS announces the change.
                    scene = SCENES[(n + 1) % len(SCENES)]
                    sent = time.time()
                    resp = director.post(server.url + "/api/obs/scene", json={"scene_name": scene}, timeout=15)
                    answered = time.time()
                    resp.raise_for_status()
                    to_obs.append(bare.wait_for(scene, sent) - sent)
                    http_answer.append(answered - sent)
                    time.sleep(0.2)

                    # A change in OBS (another client): its own event, and the director's obs.state.
                    scene = SCENES[(n + 3) % len(SCENES)]
                    sent = bare.set_scene(scene)
                    its_event.append(bare.wait_for(scene, sent) - sent)
                    to_director.append(page.wait_for(scene, sent) - sent)
                    time.sleep(0.2)
            finally:
                samples = sampler.stop().join() if sampler else []
                page.client.disconnect()
                bare.close()

            print(f"OBS control latency, {args.rounds} rounds (OBS {obs.request('GetVersion')['obsVersion']}, "
                  f"transition {transition['transitionName']} {transition.get('transitionDuration') or 0} ms, "
                  "one server process, eventlet, SQLite; bare = a plain obs-websocket-py client on the same OBS)")
            print(versus("director POST /api/obs/scene -> OBS program", bare_event, to_obs))
            print(versus("  HTTP answer vs the bare request's answer", bare_request, http_answer))
            print(versus("change in OBS -> director's obs.state", its_event, to_director))
            if sampler and sampler.error:
                print(f"profile: {sampler.error}")
            elif sampler:
                print_breakdown("profile, per round", breakdown(
                    samples, args.rounds, "obs_scene_api", detail=PROFILED_CALLS,
                    parts_first=(("the OBS owner's task (commands, OBS events, status, broadcast)", "ObsOwner.run"),)),
                    unit="round")
        finally:
            if server is not None:
                server.kill()
            obs.close()


if __name__ == "__main__":
    main()
