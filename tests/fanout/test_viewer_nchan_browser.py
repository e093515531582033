"""A viewer in Chromium follows the feed through nginx+nchan (PUBLIC_FANOUT=nchan) while the app
is killed with SIGKILL and restarted, and while nginx itself is killed and restarted: it ends with
every entry exactly once, in order."""
from __future__ import annotations

import threading
import time

import pytest
import requests

from .conftest import public_entries, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.browser]

# Every event the page's follower applies, through a FangtanViewer plugin registered before
# viewer.js starts following (init scripts run first; so does their DOMContentLoaded listener).
RECORDER = """
window.__applied = []; window.__snapshots = [];
document.addEventListener('DOMContentLoaded', function () {
  window.FangtanViewer.register({
    onSnapshot: function (s, last) { window.__snapshots.push(last); },
    onEvent: function (ev) { window.__applied.push(ev.seq); },
  });
});
"""


class Poster:
    """Posts numbered entries directly to the app, riding out its restarts."""

    def __init__(self, server, interview_id):
        self.server, self.iid = server, interview_id
        self.n = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        editor = None
        while not self.stop.is_set():
            try:
                editor = editor or self.server.session("feed_editor")
                resp = editor.post(f"{self.server.url}/api/interviews/{self.iid}/feed", timeout=3,
                                   json={"speaker": "narrator", "text": f"第{self.n + 1}条：政策解读"})
                if resp.status_code == 201:
                    self.n += 1
                time.sleep(0.15)
            except requests.RequestException:
                editor = None  # the app is down: log in again once it is back
                time.sleep(0.3)

    def wait_posted(self, count, timeout=60):
        wait_for(lambda: self.n >= count, timeout, f"only {self.n} entries posted")


def _check_exactly_once_in_order(page, server, iid, timeout=40):
    def settled():
        expected = [e["id"] for e in public_entries(server.url, iid)]
        shown = page.eval_on_selector_all("#feed .entry[data-id]", "ns => ns.map(n => Number(n.dataset.id))")
        return (expected, shown) if shown == list(reversed(expected)) else None  # newest first while live

    expected, shown = wait_for(settled, timeout, "the viewer did not end with every entry", interval=0.5)
    applied = page.evaluate("window.__applied")
    assert applied == sorted(applied) and len(applied) == len(set(applied)), "an event applied twice or out of order"
    return expected


def test_viewer_follows_through_nchan_across_app_kill_and_nginx_restart(fanout_stack, browser, tmp_path):
    server, nginx = fanout_stack
    admin = server.session("admin")
    iid = admin.post(server.url + "/api/interviews", timeout=10, json={
        "title": "优化营商环境 在线访谈", "hosts": ["张敏"], "state": "preview"}).json()["id"]
    assert admin.post(f"{server.url}/api/interviews/{iid}/state", json={"state": "live"}, timeout=10).ok

    context = browser.new_context(base_url=nginx.url, locale="zh-CN", viewport={"width": 420, "height": 900})
    context.add_init_script(RECORDER)
    page = context.new_page()
    sse = []
    page.on("request", lambda req: sse.append(req.url) if "/live/" in req.url and req.url.endswith("/events") else None)
    page.goto(f"/i/{iid}")
    assert page.get_attribute("#viewer-root", "data-fanout") == "nchan"
    page.wait_for_selector("#conn[data-status=live]", timeout=15_000)
    assert sse and sse[0].endswith(f"/live/{iid}/events")

    poster = Poster(server, iid)
    poster.thread.start()
    try:
        poster.wait_posted(8)
        # The live feed arrives through nchan: entries appear without reload.
        wait_for(lambda: page.locator("#feed .entry").count() >= 5, 20, "no live entries through nchan")
        socketio_used = page.evaluate("!!(window.FangtanViewer.live && window.FangtanViewer.live.transport === 'nchan')")
        assert socketio_used

        server.kill()                      # SIGKILL the app mid-feed
        time.sleep(1.5)
        server.start()
        poster.wait_posted(poster.n + 8)
        first = _check_exactly_once_in_order(page, server, iid)

        nginx.kill()                       # and nginx: every channel and subscriber gone
        poster.wait_posted(poster.n + 4)   # posted while nginx is down: retried, then given up
        time.sleep(3)
        nginx.start()
        poster.wait_posted(poster.n + 6)
        poster.stop.set()
        poster.thread.join(timeout=10)
        final = _check_exactly_once_in_order(page, server, iid, timeout=60)
        assert len(final) > len(first) >= 16
        page.screenshot(path=str(tmp_path / "viewer-nchan.png"), full_page=False)
        print(f"entries: {len(final)}, snapshots taken: {page.evaluate('window.__snapshots.length')}, "
              f"screenshot: {tmp_path / 'viewer-nchan.png'}")
        assert page.locator("#conn").get_attribute("data-status") == "live"
        # Publishes were really lost while nginx was down: the page filled them from the events API.
        assert "given up" in server.log()
    finally:
        poster.stop.set()
        context.close()
