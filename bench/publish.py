"""Benchmark: publish a long 720p30 recording with in/out and two removed ranges.

In one run, on the same recording and edit: the smart-cut publish (PUBLISH_SMART_CUT=auto: the
copy between keyframes, only the frames at the cuts encoded), the full-encode publish
(PUBLISH_SMART_CUT=never), both as job queued → done through the real worker code, and a bare
ffmpeg command doing the full cut and encode. Prints wall and CPU seconds and the ratios.

    .venv/bin/python bench/publish.py              # 30 minutes (the issue's figure: smart cut ≤ 60 s)
    .venv/bin/python bench/publish.py --minutes 1  # a smoke run

The recording is shaped like OBS's (x264 veryfast, High profile with B-frames, a keyframe every
2 s, AAC, MKV) and cached in bench/results/media/ (git-ignored): generating it is timed and
printed on its own, and a later run reuses it. Each publish runs in a child process of its own
(a fresh app and database).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CACHE = ROOT / "bench" / "results" / "media"


def generate_recording(minutes: float) -> tuple[Path, float | None]:
    """A 1280x720 30 fps MKV like OBS's recording (cached); returns (path, seconds spent generating or None)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"recording-{minutes:g}min-720p30-obs.mkv"
    if path.exists():
        return path, None
    seconds = minutes * 60
    tmp = path.with_suffix(".part.mkv")
    print(f"generating {minutes:g} min 720p30 recording (cached at {path}) …", flush=True)
    started = time.monotonic()
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
                    "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=30:duration={seconds}",
                    "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
                    "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-b:v", "2500k",
                    "-g", "60", "-keyint_min", "60", "-sc_threshold", "0", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-b:a", "160k", "-ac", "2", str(tmp)], check=True)
    os.replace(tmp, path)
    took = time.monotonic() - started
    print(f"generated in {took:.0f} s", flush=True)
    return path, took


def edit_ranges(duration: float) -> list[list[float]]:
    """In at 10 s, out 10 s before the end, two removed ranges (a false start and a break)."""
    a, b = 10.0, duration - 10.0
    cut1 = (duration * 0.20, duration * 0.20 + min(60.0, duration * 0.05))
    cut2 = (duration * 0.60, duration * 0.60 + min(30.0, duration * 0.02))
    return [[a, cut1[0]], [cut1[1], cut2[0]], [cut2[1], b]]


def bare_ffmpeg(recording: Path, keep, out: Path, preset: str, crf: int) -> float:
    """The same cut and encode as one plain ffmpeg command; returns its wall time."""
    parts, labels = [], []
    for index, (start, end) in enumerate(keep):
        parts.append(f"[0:v]trim=start={start}:end={end},setpts=PTS-STARTPTS[v{index}]")
        parts.append(f"[0:a]atrim=start={start}:end={end},asetpts=PTS-STARTPTS[a{index}]")
        labels.append(f"[v{index}][a{index}]")
    graph = ";".join(parts) + ";" + "".join(labels) + f"concat=n={len(keep)}:v=1:a=1[v][a]"
    started = time.monotonic()
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(recording),
                    "-filter_complex", graph, "-map", "[v]", "-map", "[a]", "-c:v", "libx264", "-preset", preset,
                    "-crf", str(crf), "-pix_fmt", "yuv420p", "-g", "60", "-keyint_min", "60", "-sc_threshold", "0",
                    "-c:a", "aac", "-ar", "48000", "-ac", "2", "-b:a", "128k", "-movflags", "+faststart", str(out)],
                   check=True)
    return time.monotonic() - started


def publish_with_pipeline(recording: Path, keep, data_dir: Path, mode: str) -> tuple[float, dict]:
    """Queue and run a real publishing job in a throw-away app; returns (seconds, job)."""
    os.environ["FLASK_RUN_FROM_CLI"] = "true"  # no background worker: we run the job ourselves
    from studio.app import create_app
    from studio.platform.cli import upgrade_database
    from studio.platform.db import Session
    from studio.interviews import change_state, create_interview
    from studio.recordings import register_recording

    from publishing import jobs, worker
    from publishing.edit import save_edit

    app = create_app({"DATA_DIR": str(data_dir), "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING",
                      "SOCKETIO_ASYNC_MODE": "threading", "PUBLISH_SMART_CUT": mode})
    upgrade_database(app.config["DATABASE_URL"])
    (data_dir / "recordings").mkdir(exist_ok=True)
    with app.app_context():
        session = Session()
        interview = create_interview(session, {"title": "基准测试：30 分钟访谈", "state": "live"})
        change_state(session, interview, "ended")
        started_at = datetime.now(timezone.utc) - timedelta(hours=2)
        rec = register_recording(session, interview.id, str(recording), started_at, source="path")
        save_edit(session, interview.id, {"recording_ids": [rec.id], "keep": keep}, None)
        session.commit()
        began = time.monotonic()
        job = jobs.enqueue_publish(session, interview.id, None)
        session.commit()
        result = worker.work_once(app)
        elapsed = time.monotonic() - began
    return elapsed, result


def child_cpu_seconds() -> float:
    """User + system CPU time of finished child processes (ffmpeg, ffprobe) so far.

    Wall time on a shared machine moves with everyone else's load; CPU time much less, so both
    are printed.
    """
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def publish_in_child(recording: Path, keep, data_dir: Path, mode: str, args) -> tuple[float, float, dict]:
    """One publish in a child process (a fresh app); returns (wall seconds, CPU seconds, job)."""
    cpu0 = child_cpu_seconds()
    result = subprocess.run([sys.executable, __file__, "--child", mode, "--recording", str(recording),
                             "--keep", json.dumps(keep), "--data-dir", str(data_dir), "--preset", args.preset,
                             "--crf", str(args.crf)], capture_output=True, text=True)
    cpu = child_cpu_seconds() - cpu0
    if result.returncode != 0:
        sys.exit(f"publishing ({mode}) crashed:\n{result.stderr[-2000:]}")
    seconds, job = json.loads(result.stdout.strip().splitlines()[-1])
    if job["state"] != "done":
        sys.exit(f"publishing ({mode}) failed: {job.get('error')}")
    return seconds, cpu, job


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="recording length (default 30)")
    parser.add_argument("--preset", default="veryfast", help="x264 preset (the PUBLISH_PRESET default)")
    parser.add_argument("--crf", type=int, default=23)
    parser.add_argument("--child", help=argparse.SUPPRESS)       # internal: one publish, JSON on stdout
    parser.add_argument("--recording", help=argparse.SUPPRESS)
    parser.add_argument("--keep", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ["PUBLISH_PRESET"], os.environ["PUBLISH_CRF"] = args.preset, str(args.crf)
    if args.child:
        seconds, job = publish_with_pipeline(Path(args.recording), json.loads(args.keep), Path(args.data_dir),
                                             args.child)
        print(json.dumps([seconds, job], default=str))
        return

    recording, generated = generate_recording(args.minutes)
    if generated is None:
        print(f"recording cached: {recording}")
    from publishing.pipeline import probe_input
    length = probe_input(str(recording)).duration_s
    keep = edit_ranges(length)
    kept = sum(b - a for a, b in keep)
    print(f"recording {length:.0f} s, keeping {kept:.0f} s in {len(keep)} ranges; preset {args.preset}, crf {args.crf}")
    with tempfile.TemporaryDirectory(prefix="bench-publish-") as tmp:
        tmp = Path(tmp)
        smart, cpu_smart, job = publish_in_child(recording, keep, tmp / "smart", "auto", args)
        if job.get("path") != "smart":
            sys.exit(f"the smart cut was not used: {job.get('reason')}")
        print(f"smart-cut publish: {smart:.1f} s, {cpu_smart:.1f} CPU s", flush=True)
        full, cpu_full, job = publish_in_child(recording, keep, tmp / "full", "never", args)
        print(f"full-encode publish: {full:.1f} s, {cpu_full:.1f} CPU s", flush=True)
        cpu0 = child_cpu_seconds()
        bare = bare_ffmpeg(recording, keep, tmp / "bare.mp4", args.preset, args.crf)
        cpu_bare = child_cpu_seconds() - cpu0
        print(f"bare ffmpeg: {bare:.1f} s, {cpu_bare:.1f} CPU s", flush=True)
    load = os.getloadavg()[0]
    print()
    if generated is not None:
        print(f"generating the recording {generated:8.1f} s   (not part of any figure below; cached for the next run)")
    print(f"recording length        {length:8.1f} s   (load average now {load:.1f} on {os.cpu_count()} cores)")
    print(f"smart-cut publish       {smart:8.1f} s   {cpu_smart:8.1f} CPU s   (target ≤ 60 s for 30 min)")
    print(f"full-encode publish     {full:8.1f} s   {cpu_full:8.1f} CPU s")
    print(f"bare ffmpeg full encode {bare:8.1f} s   {cpu_bare:8.1f} CPU s")
    print(f"smart / recording       {smart / length:8.3f}")
    print(f"smart / full publish    {smart / full:8.3f}   (wall; {full / smart:.1f}× faster)   "
          f"CPU {cpu_smart / cpu_full:.3f}")
    print(f"smart / bare ffmpeg     {smart / bare:8.3f}   (wall)   CPU {cpu_smart / cpu_bare:.3f}")
    print(f"full / bare ffmpeg      {full / bare:8.3f}   (wall; overhead {100 * (full / bare - 1):+.1f} %)   "
          f"CPU {cpu_full / cpu_bare:.3f}")


if __name__ == "__main__":
    main()
