"""Question intake: submissions per second on ONE server process against a bare endpoint in the
same run, how long a question takes from the netizen's submit to the moderators' screens at a
steady rate, and how long the server's hub leaves other sockets waiting meanwhile.

    .venv/bin/python bench/question_intake.py --duration 3 --clients 4 --rate 10     # smoke run
    .venv/bin/python bench/question_intake.py --duration 20 --clients 16 --rate 50 --words 500
    .venv/bin/python bench/question_intake.py --duration 20 --clients 16 --rate 50 --words 500 --preload 0,5000
    .venv/bin/python bench/question_intake.py --duration 14 --clients 16 --rate 0 --words 500 --profile  # where the CPU goes

Two targets, one after the other, each in a fresh temporary DATA_DIR:
- ours: `python server.py` (eventlet, SQLite WAL; each write answered after an fdatasync of the
  WAL, shared by the commits made meanwhile: studio/platform/db.py WalSync; rate limit off), a live
  interview, a sensitive-word list of --words words, --preload questions already in the
  interview (inserted into its database before the clock starts, worded alike so every gram
  is shared by thousands); with several counts (--preload 0,5000) ours once per count, each in
  its own DATA_DIR, and "ours with 5000 / with 0" printed: the 5,000th question costs the same;
- bare: bench/_bare_intake.py, a Flask-SocketIO app on eventlet that only inserts the row
  into SQLite (same pragmas) and emits it to the staff room (with the first --preload's rows too).
Against each: two moderator consoles (python-socketio clients on /studio joined to the
interview, logged in on ours), a hub probe (bench/_probe.py: a Socket.IO client in its own
process pinging with an ack every 20 ms), and --clients netizen threads, each from its own
loopback address with its own device cookie, submitting (`POST /api/interviews/<id>/questions`)
for --duration seconds: first back to back (the most one process takes), then at a steady
--rate per second in total (a busy live). One question is sent and awaited before the clock
starts (the word list is compiled, the interview's n-gram index built). Every question
carries a token; submit → console is the time from just before its POST to the arrival of its
`question.submitted` event at each console. Prints per phase: throughput (201s per second),
delivered to the consoles (questions over the time to the last arrival: answering is not
delivering, and the bare endpoint's emits queue behind its answers), HTTP latency, the
server's CPU per question accepted (its main thread's and the whole process's user + system
time from /proc over the phase, and how busy the main thread was: the kernel's count, with
nothing sampling the server), submit → console p50/p99/max, the probe's round trip
p50/p99/max; then ours/bare for both. Loopback only; every process it starts is killed at the end.

`--profile` also samples each server with py-spy (bench/_profile.py) during the saturated phase and
prints its CPU per submission on the main thread (the one eventlet thread every request and
socket of the process shares) by part of the path, the view's calls by function, and the pool
threads' apart; then both side by side and the throughput each would reach at 100 % of that
thread. Saturated, ours is bound by that thread; the bare endpoint is not (the load generator
shares the machine's two cores). py-spy costs CPU too: take the ratio from a run without it. Its
samples miss CPU (greenlet stacks it cannot walk, time between samples): its "CPU per request"
came out at 0.19 ms for ours' stack without the view's work, where /proc counted 0.92 ms; read
its parts as shares, and the totals from the /proc line.
"""
from __future__ import annotations

import argparse
import hashlib
import math
import re
import secrets
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import requests  # noqa: E402
import socketio  # noqa: E402

from _common import cpu_seconds, percentile  # noqa: E402
from _probe import HubProbe, fmt_probe  # noqa: E402
from _profile import Sampler, breakdown, print_breakdown  # noqa: E402
from tests.moderation.support import live_interview, netizen_session  # noqa: E402
from tests.support.server import PASSWORD, ServerProcess, free_port  # noqa: E402

TOKEN = re.compile(r"#([wsr]\d+-\d+)#")
FULL_RUN = ("{python} bench/question_intake.py --duration 20 --clients 16 --rate 50 --words 500",
            "{python} bench/question_intake.py --duration 20 --clients 16 --rate 50 --words 500 --preload 0,5000")


class Console:
    """One moderator console: a /studio Socket.IO client that notes when each question arrives."""

    def __init__(self, url: str, cookie: str, interview_id: int):
        self.arrived: dict[str, float] = {}
        self.client = socketio.Client(reconnection=False)
        self.client.on("event", self._on_event, namespace="/studio")
        self.client.connect(url, namespaces=["/studio"], transports=["websocket"],
                            headers={"Cookie": cookie} if cookie else {}, wait_timeout=20)
        ack = self.client.call("join", {"interview_id": interview_id}, namespace="/studio", timeout=20)
        if not ack.get("ok"):
            raise RuntimeError(f"join refused: {ack}")

    def _on_event(self, event):
        if event.get("type") != "question.submitted":
            return
        match = TOKEN.search(event["data"].get("text", ""))
        if match:
            self.arrived[match.group(1)] = time.time()

    def close(self):
        self.client.disconnect()


# ---- the two targets ------------------------------------------------------------------------

class Ours:
    view, detail = "submit_question_api", ("submit_question",)  # --profile: the functions broken down

    def __init__(self, words: int, preload: int, name: str = "ours"):
        self.name = name
        self.data_dir = Path(tempfile.mkdtemp(prefix="bench-intake-"))
        self.server = ServerProcess(self.data_dir, env={"QUESTION_RATE_LIMIT": "off", "LOG_LEVEL": "WARNING"})
        self.server.migrate()
        for name, role in (("admin", "admin"), ("moderator", "moderator"), ("moderator2", "moderator")):
            self.server.create_user(name, role, PASSWORD)
        self.server.start()
        self.url = self.server.url
        self.interview_id = live_interview(self.server, "提问基准测试")
        text = "".join(f"测试敏感词{n}\n" for n in range(words))
        self.server.session("admin").put(self.url + "/api/wordlist", data=text.encode(), timeout=60,
                                         headers={"Content-Type": "text/plain; charset=utf-8"}).raise_for_status()
        if preload:
            self._preload(preload)

    def _preload(self, count: int) -> None:
        """Questions already in the interview, straight into its database (the API would take minutes)."""
        from sqlalchemy import create_engine

        from moderation.models import Question
        from moderation.text import match_key
        from studio.platform.db import utcnow

        rows = []
        for i in range(count):
            text = preload_text(i)
            key = match_key(text)
            rows.append({"interview_id": self.interview_id, "nickname": f"预置{i}", "text": text,
                         "match_key": key, "text_hash": hashlib.sha256(key.encode()).hexdigest(),
                         "status": ("pending", "approved", "rejected")[i % 3], "source": "web",
                         "flags": [], "labels": [], "starred": False, "askers": 1,
                         "receipt": secrets.token_hex(8).upper(), "contact": "", "client_key": f"preload{i}",
                         "reject_reason": "", "reply_text": "", "created_at": utcnow(), "updated_at": utcnow(),
                         "version": 1})
        engine = create_engine(f"sqlite:///{self.data_dir / 'fangtan.db'}", connect_args={"timeout": 30})
        with engine.begin() as conn:
            conn.execute(Question.__table__.insert(), rows)
        engine.dispose()

    def consoles(self) -> list[Console]:
        out = []
        for name in ("moderator", "moderator2"):
            http = self.server.session(name)
            out.append(Console(self.url, "; ".join(f"{c.name}={c.value}" for c in http.cookies), self.interview_id))
        return out

    @property
    def pid(self) -> int:
        return self.server.proc.pid

    def close(self) -> None:
        self.server.kill()


class Bare:
    name = "bare"
    view, detail = "submit", ()

    def __init__(self, preload: int):
        self.data_dir = Path(tempfile.mkdtemp(prefix="bench-intake-bare-"))
        db = self.data_dir / "bare.db"
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.interview_id = 1
        self.log = open(self.data_dir / "bare.log", "wb")
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "_bare_intake.py"), str(port), str(db)],
                                     cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if requests.get(self.url + "/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        else:
            self.close()
            raise RuntimeError(f"bare intake server did not start (see {self.data_dir / 'bare.log'})")
        if preload:
            import sqlite3

            conn = sqlite3.connect(db, timeout=30)
            conn.executemany("INSERT INTO questions (interview_id, nickname, text, created_at) VALUES (1, ?, ?, ?)",
                             [(f"预置{i}", preload_text(i), time.time()) for i in range(preload)])
            conn.commit()
            conn.close()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def consoles(self) -> list[Console]:
        return [Console(self.url, "", self.interview_id) for _ in range(2)]

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.log.close()


TOPICS = ("社区卫生服务中心周末几点开门", "老旧小区改造什么时候开始", "公交线路何时调整", "消防站什么时候建成")


def preload_text(i: int) -> str:
    return f"请问第{i}个问题：{TOPICS[i % len(TOPICS)]}？"


# ---- one phase --------------------------------------------------------------------------------

def phase(target, consoles: list[Console], probe: HubProbe, clients: int, duration: float,
          rate: float | None, prefix: str, profile: bool = False) -> dict:
    """Submit for `duration` s, back to back (rate None) or at `rate` per second in total;
    `profile`: sample the server with py-spy meanwhile (leaving out the first 1.5 s and the last)."""
    url = f"{target.url}/api/interviews/{target.interview_id}/questions"
    sent: dict[str, float] = {}
    http_ms: list[float] = []
    failures: dict[int, int] = {}
    lock = threading.Lock()
    start = time.time()
    stop_at = start + duration
    sampler = Sampler(target.pid).start(1.5, duration - 3) if profile else None

    def netizen(n: int) -> None:
        http = netizen_session(f"127.0.{n // 200 + 2}.{n % 200 + 2}")
        k = 0
        while True:
            if rate is not None:  # open loop: this client's k-th slot of the common schedule
                due = start + (k * clients + n) / rate
                if due >= stop_at:
                    return
                time.sleep(max(0.0, due - time.time()))
            elif time.time() >= stop_at:
                return
            token = f"{n}-{k}"
            k += 1
            text = f"请问第{k}个问题：社区卫生服务中心周末几点开门？#{prefix}{token}#"
            t0 = time.time()
            try:
                code = http.post(url, json={"nickname": f"网友{n}", "text": text}, timeout=30).status_code
            except requests.RequestException:
                code = -1
            t1 = time.time()
            with lock:
                if code == 201:
                    sent[prefix + token] = t0
                    http_ms.append((t1 - t0) * 1000)
                else:
                    failures[code] = failures.get(code, 0) + 1

    threads = [threading.Thread(target=netizen, args=(n,), daemon=True) for n in range(clients)]
    cpu_before = cpu_seconds(target.pid)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    end = time.time()
    cpu = [after - before for before, after in zip(cpu_before, cpu_seconds(target.pid))]
    samples = sampler.join() if sampler else []
    deadline = time.time() + 60  # the bare endpoint's console emits trail its answers by ~15 s
    while time.time() < deadline and any(len([t for t in sent if t in c.arrived]) < len(sent) for c in consoles):
        time.sleep(0.2)
    latencies = [[(c.arrived[t] - sent[t]) * 1000 for t in sent if t in c.arrived] for c in consoles]
    # Answered is not delivered: a server may answer 201s faster than its hub gets the staff
    # room's emits out (they queue). Delivered/s: the slower console's questions over the time
    # from the start to its last arrival.
    last_arrivals = [max((c.arrived[t] for t in sent if t in c.arrived), default=end) for c in consoles]
    delivered = min(len([t for t in sent if t in c.arrived]) for c in consoles)
    delivered_seconds = max(last_arrivals) - start
    return {"accepted": len(sent), "seconds": end - start, "rate": len(sent) / (end - start),
            "delivered": delivered, "delivered_seconds": delivered_seconds,
            "delivered_rate": delivered / delivered_seconds if delivered_seconds > 0 else math.nan,
            "failures": failures, "http_p50": percentile(http_ms, 50), "http_p99": percentile(http_ms, 99),
            "console": [{"p50": percentile(lat, 50), "p99": percentile(lat, 99), "max": max(lat or [math.nan]),
                         "missing": len(sent) - len(lat)} for lat in latencies],
            "probe": (start, end),
            # CPU per question accepted, main thread and whole process, and how busy the main
            # thread was over the phase (from /proc: the kernel's count, nothing sampling).
            "cpu_ms": [seconds * 1000 / max(1, len(sent)) for seconds in cpu],
            "main_busy": cpu[0] / (end - start),
            "profile": sampler and (sampler.error or breakdown(
                samples, len([t0 for t0 in sent.values() if sampler.window[0] <= t0 <= sampler.window[1]]),
                target.view, target.detail))}


def print_phase(label: str, fig: dict, probe: HubProbe) -> None:
    print(f"  {label}:")
    print(f"    accepted (201):     {fig['accepted']} in {fig['seconds']:.1f} s = {fig['rate']:.1f}/s")
    if fig["failures"]:
        print(f"    not accepted:       {fig['failures']}")
    print(f"    delivered to both consoles: {fig['delivered']} by {fig['delivered_seconds']:.1f} s "
          f"= {fig['delivered_rate']:.1f}/s")
    print(f"    HTTP 201 latency:   p50 {fig['http_p50']:.0f} ms   p99 {fig['http_p99']:.0f} ms")
    print(f"    server CPU per question (/proc): main thread {fig['cpu_ms'][0]:.2f} ms, whole process "
          f"{fig['cpu_ms'][1]:.2f} ms; main thread busy {fig['main_busy']:.0%} of the phase")
    for index, c in enumerate(fig["console"], start=1):
        print(f"    submit → console {index}: p50 {c['p50']:.0f} ms   p99 {c['p99']:.0f} ms   "
              f"max {c['max']:.0f} ms   missing {c['missing']}")
    print("    " + fmt_probe(probe.figures(*fig["probe"])))


def measure(target, args) -> dict:
    consoles = target.consoles()
    probe = HubProbe(target.url).start()
    try:
        # One question before the clock: the word list compiles, the n-gram index is built.
        warm = netizen_session("127.0.1.250").post(
            f"{target.url}/api/interviews/{target.interview_id}/questions",
            json={"nickname": "预热", "text": "请问预热问题 #w0-0#"}, timeout=60)
        warm.raise_for_status()
        time.sleep(0.5)
        results = {"saturated": phase(target, consoles, probe, args.clients, args.duration, None, "s",
                                      profile=args.profile)}
        if args.rate > 0:
            results["steady"] = phase(target, consoles, probe, args.clients, args.duration, args.rate, "r")
    finally:
        probe.stop()
        for console in consoles:
            try:
                console.close()
            except Exception:  # noqa: BLE001 - cleanup must go on
                pass
    print(f"{target.name}:")
    print_phase("saturated (back to back)", results["saturated"], probe)
    profiled = results["saturated"]["profile"]
    if isinstance(profiled, str):
        print(f"  profile: {profiled}")
    elif profiled:
        print_breakdown("profile, saturated", profiled)
    if "steady" in results:
        print_phase(f"steady {args.rate:g}/s", results["steady"], probe)
    return results


def _console_p99(figures: dict) -> float:
    """The steady phase's submit → console p99 of the slower console."""
    return max(c["p99"] for c in figures["steady"]["console"])


def _counts(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: a count, or counts separated by commas (0,5000)") from None
    if not counts or any(n < 0 for n in counts):
        raise argparse.ArgumentTypeError(f"{text!r}: counts of 0 or more")
    return counts


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of each phase (default 20)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent netizen clients (default 16)")
    parser.add_argument("--rate", type=float, default=50.0,
                        help="then submissions per second in total for the steady phase (default 50; 0 skips it)")
    parser.add_argument("--words", type=int, default=500, help="sensitive words in the list (default 500)")
    parser.add_argument("--preload", type=_counts, default=[0],
                        help="questions already in the interview before the clock starts (e.g. 5000); "
                             "several (0,5000): ours once for each, side by side, the bare endpoint with the first")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare Flask-SocketIO baseline")
    parser.add_argument("--profile", action="store_true",
                        help="sample each server with py-spy in the saturated phase and print its CPU per "
                             "request by part and function (py-spy costs CPU: not a run for the ratio)")
    args = parser.parse_args(argv)

    print(f"question intake, one server process each (eventlet, SQLite WAL, every answered write on disk), "
          f"{args.words} sensitive words on ours, {'/'.join(map(str, args.preload))} questions preloaded, "
          f"2 consoles on /studio, {args.clients} netizen clients, {args.duration:g} s per phase", flush=True)
    figures = {}
    names = ["ours"] + [f"ours, {n} preloaded" for n in args.preload[1:]]
    makers = [lambda n=n, name=name: Ours(args.words, n, name) for n, name in zip(args.preload, names)]
    if not args.no_bare:
        makers.append(lambda: Bare(args.preload[0]))
    for make in makers:
        target = make()
        try:
            figures[target.name] = measure(target, args)
        finally:
            target.close()
    if "bare" in figures:
        ours, bare = figures["ours"]["saturated"], figures["bare"]["saturated"]
        ratio = ours["rate"] / bare["rate"] if bare["rate"] else math.nan
        print(f"ours/bare, saturated: {ours['rate']:.1f} / {bare['rate']:.1f} submissions/s = {ratio:.2f}× "
              f"(target ≥ 0.5×)")
        if isinstance(ours.get("profile"), dict) and isinstance(bare.get("profile"), dict):
            ours_ms, bare_ms = ours["profile"]["main"], bare["profile"]["main"]
            print(f"CPU per submission on the server's main thread (where every request and socket of the process "
                  f"runs): ours {ours_ms:.2f} ms, bare {bare_ms:.2f} ms = {ours_ms / bare_ms:.2f}×; at 100 % of that "
                  f"thread: ours {1000 / ours_ms:.0f}/s, bare {1000 / bare_ms:.0f}/s")
        ours_cpu, bare_cpu = ours["cpu_ms"][0], bare["cpu_ms"][0]
        print(f"server main-thread CPU per question, saturated (/proc): ours {ours_cpu:.2f} ms, bare "
              f"{bare_cpu:.2f} ms = {ours_cpu / bare_cpu:.2f}× (busy {ours['main_busy']:.0%} / {bare['main_busy']:.0%})")
        delivered_ratio = (ours["delivered_rate"] / bare["delivered_rate"]) if bare["delivered_rate"] else math.nan
        print(f"ours/bare, saturated, delivered to the consoles: {ours['delivered_rate']:.1f} / "
              f"{bare['delivered_rate']:.1f} questions/s = {delivered_ratio:.2f}× (the bare endpoint's "
              f"staff-room emits queue behind its answers: see its submit → console)")
        if "steady" in figures["ours"]:
            ours_p99, bare_p99 = _console_p99(figures["ours"]), _console_p99(figures["bare"])
            print(f"submit → console p99 at {args.rate:g}/s: ours {ours_p99:.0f} ms, bare {bare_p99:.0f} ms "
                  f"(target ≤ 150 ms at 50/s)")
    for n, name in zip(args.preload[1:], names[1:]):
        first, more = figures["ours"], figures[name]
        print(f"ours with {n} questions preloaded / with {args.preload[0]}, saturated: {more['saturated']['rate']:.1f} / "
              f"{first['saturated']['rate']:.1f} submissions/s = {more['saturated']['rate'] / first['saturated']['rate']:.2f}× "
              f"(target: no slower)")
        if "steady" in first:
            print(f"  submit → console p99 at {args.rate:g}/s: {_console_p99(more):.0f} ms with {n}, "
                  f"{_console_p99(first):.0f} ms with {args.preload[0]}")
    print("figures from one machine: load generator, consoles, probe and server share its CPUs")
    print("full runs (for a quiet machine):")
    for line in FULL_RUN:
        print("  " + line.format(python=shlex.quote(".venv/bin/python")))


if __name__ == "__main__":
    main()
