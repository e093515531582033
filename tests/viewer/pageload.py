"""What a phone on a slow link pays for a public page (issue 15), shared by tests/viewer and
bench/viewer_page.py: bytes transferred (HTTP bodies and headers as Chromium counts them, plus
WebSocket frames), first feed entry painted, under Chromium's network emulation; axe-core.

Also the states to measure: a live interview with a feed, with or without a stream (the OBS
status row says the stream is on; the HLS is a few seconds of ffmpeg test picture served from a
folder), and a published (text-only) archive page.
"""
from __future__ import annotations

import functools
import http.server
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules/axe-core/axe.min.js"
# "Slow 3G" as the issue measures it: 400 kbit/s down (and up), 400 ms round trip.
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "locale": "zh-CN"}
# What only the video needs (the player library and the media), counted apart from the page.
VIDEO = re.compile(r"hls(\.min)?\.js|\.m3u8|\.ts(\?|$)|\.m4s|\.mp4|poster\.jpg|/hls/")
# A browser without native HLS (desktop Chrome before it had it, Firefox, most Android WebViews).
NO_NATIVE_HLS = """(() => { const real = HTMLMediaElement.prototype.canPlayType;
  HTMLMediaElement.prototype.canPlayType = function (t) { return /mpegurl/i.test(t) ? '' : real.call(this, t); }; })();"""

# Marks the feed's (and the archive transcript's) text for the Element Timing API as the parser
# inserts it, so any version of the page is measured alike.
MARK_ENTRIES = """(() => { const sel = '#feed .entry .text, .transcript-lines .text';
  const mark = n => { if (n.nodeType === 1 && n.matches(sel) && !n.hasAttribute('elementtiming')) n.setAttribute('elementtiming', 'feed-entry'); };
  new MutationObserver(ms => { for (const m of ms) for (const n of m.addedNodes) {
    if (n.nodeType !== 1) continue; mark(n); n.querySelectorAll('.text').forEach(mark); } })
    .observe(document, {childList: true, subtree: true}); })();"""
_FIRST_ENTRY_JS = """() => new Promise(resolve => {
  let done = false;
  const finish = v => { if (!done) { done = true; resolve(v); } };
  try {
    new PerformanceObserver(list => {
      const t = list.getEntries().filter(e => e.identifier === 'feed-entry').map(e => e.renderTime || e.loadTime);
      if (t.length) finish(Math.min(...t));
    }).observe({type: 'element', buffered: true});
  } catch (e) { finish(null); }
  setTimeout(() => finish(null), 3000);
})"""
_FCP_JS = "() => { const e = performance.getEntriesByName('first-contentful-paint')[0]; return e ? e.startTime : null; }"


@dataclass
class Visit:
    url: str
    http_bytes: int = 0          # the page's own requests
    ws_bytes: int = 0            # WebSocket frames (Socket.IO)
    video_bytes: int = 0         # the player library and media
    first_entry_ms: float | None = None
    fcp_ms: float | None = None
    requests: list = field(default_factory=list)   # (url, bytes, from_cache)

    @property
    def page_bytes(self) -> int:
        """Transferred before video: everything but the player library and the media."""
        return self.http_bytes + self.ws_bytes

    def summary(self) -> str:
        rows = "\n".join(f"  {size:>8} {'(cache)' if cached else '       '} {url}" for url, size, cached in self.requests)
        return f"{self.url}: page {self.page_bytes} B (ws {self.ws_bytes}), video {self.video_bytes} B\n{rows}"


def visit(context, url: str, ready: str | None = None, settle_s: float = 2.5, network=SLOW_3G,
          timeout_ms: int = 60_000, loaded: str | None = None) -> Visit:
    """Open url in a new page of context (its HTTP cache is the context's) and count what moved.

    `loaded`: part of a URL the page fetches once ready (a lazy script): waited for, up to
    timeout_ms, before the settle. Over 400 kbit/s hls.js alone takes ~3 s, and a fixed settle
    cut it off on a loaded machine (CI-like run: no hls.min.js after 4 s)."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    if network:
        cdp.send("Network.emulateNetworkConditions", network)
    urls, cached, result = {}, set(), Visit(url)
    lock = threading.Lock()

    def sent(e):
        urls[e["requestId"]] = e["request"]["url"]

    def from_cache(e):
        cached.add(e["requestId"])

    def received(e):
        if e["response"].get("fromDiskCache") or e["response"].get("fromPrefetchCache"):
            cached.add(e["requestId"])

    def finished(e):
        rid, size = e["requestId"], int(e.get("encodedDataLength") or 0)
        address = urls.get(rid, "?")
        if address.startswith("data:"):  # the browser's own media-control icons: nothing moved
            return
        with lock:
            result.requests.append((address, size, rid in cached))
            if VIDEO.search(address):
                result.video_bytes += size
            else:
                result.http_bytes += size

    def frame(e):
        with lock:
            result.ws_bytes += len(e["response"].get("payloadData", "").encode("utf-8"))

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.requestServedFromCache", from_cache)
    cdp.on("Network.responseReceived", received)
    cdp.on("Network.loadingFinished", finished)
    cdp.on("Network.webSocketFrameReceived", frame)
    cdp.on("Network.webSocketFrameSent", frame)
    try:
        page.goto(url, wait_until="load", timeout=timeout_ms)
        if ready:
            page.wait_for_selector(ready, timeout=timeout_ms)
        result.first_entry_ms = page.evaluate(_FIRST_ENTRY_JS)
        result.fcp_ms = page.evaluate(_FCP_JS)
        deadline = time.monotonic() + timeout_ms / 1000
        while loaded and time.monotonic() < deadline:
            with lock:
                if any(loaded in address for address, _, _ in result.requests):
                    break
            page.wait_for_timeout(100)  # lets Playwright deliver the CDP events meanwhile
        time.sleep(settle_s)  # what the page fetches after it is ready (the snapshot, a lazy script)
    finally:
        cdp.detach()
        page.close()
    return result


def first_and_repeat(browser, url: str, ready: str | None = None, init_script: str | None = None,
                     settle_s: float = 2.5, network=SLOW_3G, loaded: str | None = None) -> tuple[Visit, Visit]:
    """A first visit (empty cache) and a repeat visit of the same phone (its cache kept)."""
    context = browser.new_context(**PHONE)
    context.add_init_script(MARK_ENTRIES)
    if init_script:
        context.add_init_script(init_script)
    try:
        first = visit(context, url, ready, settle_s, network, loaded=loaded)
        again = visit(context, url, ready, settle_s, network)  # `loaded` comes from the cache now, maybe unseen
    finally:
        context.close()
    return first, again


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """axe-core (node_modules, injected: the page never loads it itself) over the page as it is now."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => {
      const r = await axe.run(document, {resultTypes: ['violations']});
      return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                     nodes: v.nodes.slice(0, 6).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').slice(0, 160))}));
    }""")
    return [v for v in found if v["impact"] in impacts]


# ---- states to measure ----------------------------------------------------------------------

LINES = ["各位网友大家好，欢迎收看本期在线访谈，今天我们聊聊老旧小区改造。",
         "今年全县改造老旧小区 32 个，涉及居民 5000 余户，加装电梯 40 部。",
         "改造资金由财政补助和居民自筹相结合，困难家庭可以申请减免。",
         "网友问：加装电梯的补贴怎么申请？答：向所在街道提交申请，30 个工作日内答复。"]


def make_live_interview(server, entries: int = 14, title: str = "老旧小区改造 惠民生") -> int:
    """A live interview with guests and a feed of `entries` entries; returns its id."""
    admin, editor = server.session("admin"), server.session("feed_editor")
    made = admin.post(server.url + "/api/interviews", json={
        "title": title, "scheduled_at": "2024-07-15T09:30:00+08:00", "hosts": ["张敏"],
        "units": [{"name": "县住房和城乡建设局", "is_lead": True}],
        "guests": [{"name": "王建国", "title": "县住房和城乡建设局局长"}], "state": "preview"}, timeout=10)
    made.raise_for_status()
    iid, guest = made.json()["id"], made.json()["guests"][0]["id"]
    admin.post(f"{server.url}/api/interviews/{iid}/state", json={"state": "live"}, timeout=10).raise_for_status()
    for i in range(entries):
        body = {"speaker": "guest" if i % 2 else "host", "text": f"{LINES[i % len(LINES)]}（第{i + 1}条）"}
        if i % 2:
            body["guest_id"] = guest
        editor.post(f"{server.url}/api/interviews/{iid}/feed", json=body, timeout=10).raise_for_status()
    return iid


def make_interview(server, state: str, entries: int = 0) -> int:
    """An interview in preview, live or ended (ended ones had a live with `entries` entries)."""
    if state == "preview":
        admin = server.session("admin")
        made = admin.post(server.url + "/api/interviews", json={
            "title": "秋季征兵政策解读", "scheduled_at": "2030-09-01T09:30:00+08:00", "hosts": ["李华"],
            "units": [{"name": "县人民武装部", "is_lead": True}], "state": "preview"}, timeout=10)
        made.raise_for_status()
        return made.json()["id"]
    iid = make_live_interview(server, entries)
    if state == "ended":
        server.session("admin").post(f"{server.url}/api/interviews/{iid}/state", json={"state": "ended"},
                                     timeout=10).raise_for_status()
    return iid


def set_stream(server, interview_id: int | None, active: bool = True) -> None:
    """Say OBS streams for this interview, as the OBS owner would record it (no OBS needed)."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from studio.obs.models import ObsStatus
    from studio.obs.services import STATUS_ROW_ID

    engine = create_engine(f"sqlite:///{server.data_dir / 'fangtan.db'}")
    with Session(engine) as session:
        row = session.get(ObsStatus, STATUS_ROW_ID) or ObsStatus(id=STATUS_ROW_ID)
        row.stream_active = active
        row.stream_started_at = datetime.now(timezone.utc) if active else None
        row.stream_interview_id = interview_id if active else None
        session.add(row)
        session.commit()
    engine.dispose()


def publish_text_only(server, interview_id: int, timeout: float = 90) -> None:
    """Publish an ended interview without video (图文直播实录) and wait for its archive page."""
    import requests

    publisher = server.session("publisher")
    publisher.put(f"{server.url}/api/interviews/{interview_id}/edit", json={"recording_ids": []},
                  timeout=10).raise_for_status()
    publisher.post(f"{server.url}/api/interviews/{interview_id}/publish", timeout=10).raise_for_status()
    deadline = time.time() + timeout
    while time.time() < deadline:
        if requests.get(f"{server.url}/archive/{interview_id}/", timeout=5).status_code == 200:
            return
        time.sleep(0.5)
    raise RuntimeError(f"the archive page of {interview_id} did not appear: {server.log()[-2000:]}")


def make_test_hls(folder: Path, seconds: int = 6) -> Path:
    """A few seconds of ffmpeg's test picture as an HLS playlist (VOD) in folder."""
    folder.mkdir(parents=True, exist_ok=True)
    playlist = folder / "index.m3u8"
    if not playlist.exists():
        subprocess.run([shutil.which("ffmpeg") or "ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                        f"testsrc=size=320x180:rate=15:duration={seconds}", "-c:v", "libx264", "-preset", "ultrafast",
                        "-g", "30", "-pix_fmt", "yuv420p", "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod",
                        str(playlist)], check=True, timeout=120)
    return playlist


class _CorsHandler(http.server.SimpleHTTPRequestHandler):
    def end_headers(self):
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def log_message(self, *args):
        pass


def serve_folder(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve a folder on a free loopback port (an HLS origin like nginx-rtmp's); returns (server, url)."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            functools.partial(_CorsHandler, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"
