"""What a viewer's phone pays for a public page on a slow link (issue 15), before and after.

For three pages — /i/<id> of a live interview without video, the same with the video on (a
browser without native HLS, so the player library is needed), and a published archive page —
Chromium on a 390×844 phone under slow 3G (CDP Network.emulateNetworkConditions: 400 kbit/s down
and up, 400 ms round trip) makes a first visit (empty cache) and a repeat visit (its cache kept)
and this prints, per visit:
  page   bytes transferred before video: HTTP (headers and bodies as Chromium counts them) and
         WebSocket frames, without the player library and the media;
  video  the player library (hls.min.js) and the media (playlist, segments, poster);
  total  both;
  paint  the first feed entry (archive: transcript line) painted, ms after navigation start
         (Element Timing; FCP when no entry was painted).

"before" is measured in the same run against a git worktree of the commit before the change
(default: the parent of the first commit titled "Viewer phone (issue 15)"; --before REV to
choose, --no-before to skip), with its own server; "after" is this checkout. Each server is a
real `python server.py` on SQLite in a temporary DATA_DIR; the stream is said to be on through
the OBS status row (no OBS needed), its HLS is 6 s of ffmpeg test picture on a local origin.

    .venv/bin/python bench/viewer_page.py               # before and after, side by side
    .venv/bin/python bench/viewer_page.py --no-before   # this checkout only
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.browser import ARGS, CHROMIUM  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402
from tests.viewer.pageload import (NO_NATIVE_HLS, first_and_repeat, make_interview, make_test_hls,  # noqa: E402
                                   publish_text_only, serve_folder, set_stream)

CASES = ("live, no video", "live, video", "archive page")


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def default_before() -> str:
    first = _git("log", "--reverse", "--format=%H", "--grep=^Viewer phone (issue 15)", "HEAD").splitlines()
    if not first:
        raise SystemExit("no commit titled 'Viewer phone (issue 15)': pass --before REV")
    return first[0] + "~1"


def start_server(folder: Path, hls_url: str, root: Path = ROOT) -> ServerProcess:
    server = ServerProcess(folder, env={"HLS_URL": hls_url, "FLASK_RUN_FROM_CLI": ""}, root=root)
    server.migrate()
    for role in ("admin", "feed_editor", "publisher"):
        server.create_user(role, role)
    return server.start()


def measure(browser, server: ServerProcess, entries: int) -> dict:
    """The three cases against one server: {case: (first Visit, repeat Visit)}."""
    results = {}
    live = make_interview(server, "live", entries)
    results[CASES[0]] = first_and_repeat(browser, f"{server.url}/i/{live}", ready="#conn[data-status=live]")
    video = make_interview(server, "live", entries)
    set_stream(server, video, True)
    try:
        results[CASES[1]] = first_and_repeat(browser, f"{server.url}/i/{video}", ready="#conn[data-status=live]",
                                             init_script=NO_NATIVE_HLS, settle_s=5)
    finally:
        set_stream(server, None, False)
    ended = make_interview(server, "ended", entries)
    publish_text_only(server, ended)
    results[CASES[2]] = first_and_repeat(browser, f"{server.url}/archive/{ended}/", ready=".transcript",
                                         settle_s=1.5)
    return results


def _kb(n: int) -> str:
    return f"{n / 1000:7.1f}"


def _paint(v) -> str:
    value = v.first_entry_ms if v.first_entry_ms is not None else v.fcp_ms
    return "      -" if value is None else f"{value:7.0f}"


def report(results: dict[str, dict]) -> None:
    names = list(results)
    print("\nslow 3G (400 kbit/s, 400 ms RTT), 390×844 phone; kB = 1000 bytes; paint = first entry, ms")
    header = f"{'page':<16} {'visit':<7}" + "".join(f" | {n + ': page':>14} {'video':>7} {'total':>7} {'paint':>7}"
                                                      for n in names)
    print(header)
    print("-" * len(header))
    for case in CASES:
        for i, visit_name in enumerate(("first", "repeat")):
            row = f"{case:<16} {visit_name:<7}"
            for n in names:
                v = results[n][case][i]
                row += f" | {_kb(v.page_bytes):>14} {_kb(v.video_bytes)} {_kb(v.page_bytes + v.video_bytes)} {_paint(v)}"
            print(row)
    print("\nbudget (issue 15): page ≤ 100 kB first visit, ≤ 15 kB repeat; first entry ≤ 1500 ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", help="git revision measured as 'before' (default: before issue 15's first commit)")
    parser.add_argument("--no-before", action="store_true", help="measure this checkout only")
    parser.add_argument("--entries", type=int, default=14, help="feed entries of each interview (default 14)")
    parser.add_argument("--verbose", action="store_true", help="list every request of every visit")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="viewer-page-"))
    make_test_hls(tmp / "hls")
    httpd, origin = serve_folder(tmp / "hls")
    hls_url = f"{origin}/index.m3u8"
    worktree = None
    results: dict[str, dict] = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            try:
                if not args.no_before:
                    rev = args.before or default_before()
                    worktree = tmp / "before"
                    _git("worktree", "add", "--detach", str(worktree), rev)
                    os.symlink(ROOT / "node_modules", worktree / "node_modules")
                    print(f"before: {_git('log', '-1', '--format=%h %s', rev)[:100]}")
                    server = start_server(tmp / "srv-before", hls_url, root=worktree)
                    try:
                        results["before"] = measure(browser, server, args.entries)
                    finally:
                        server.kill()
                print(f"after:  {_git('log', '-1', '--format=%h %s')[:100]} (+ uncommitted changes, if any)")
                server = start_server(tmp / "srv-after", hls_url)
                try:
                    results["after"] = measure(browser, server, args.entries)
                finally:
                    server.kill()
            finally:
                browser.close()
    finally:
        httpd.shutdown()
        if worktree is not None:
            subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, capture_output=True)
    if args.verbose:
        for name, cases in results.items():
            for case, visits in cases.items():
                for label, v in zip(("first", "repeat"), visits):
                    print(f"\n[{name}] {case}, {label} visit\n{v.summary()}")
    report(results)


if __name__ == "__main__":
    main()
