"""Issue 16.2 with PUBLIC_FANOUT=nchan: what was withdrawn is gone from nchan's message buffer too.

redact_public_events rewrites the DB log; nchan keeps its own copies of every published message,
and any subscriber may ask for them with a made-up Last-Event-ID. After the redacting commit the
publisher deletes the interview's channel (real nginx+nchan from the printed configuration)."""
from __future__ import annotations

import http.client
import re
import socket
import time

import pytest
import requests

from .conftest import public_entries, wait_for
from .test_viewer_nchan_browser import RECORDER, _check_exactly_once_in_order

pytestmark = pytest.mark.integration

# Every connection status the page shows (#conn's data-status), in order.
STATUSES = """
window.__statuses = [];
document.addEventListener('DOMContentLoaded', function () {
  var conn = document.getElementById('conn');
  new MutationObserver(function () { window.__statuses.push(conn.dataset.status); })
    .observe(conn, { attributes: true, attributeFilter: ['data-status'] });
});
"""
SECRET = "家住幸福路8号，电话13912345678"


def replay(nginx, iid: int, *, last_event_id: str | None = None, query: str = "",
           seconds: float = 1.0) -> tuple[int, str]:
    """Subscribe to /live/<id>/events as a fresh EventSource would; everything nchan sends in
    `seconds` (the buffered messages come at once)."""
    conn = http.client.HTTPConnection("127.0.0.1", nginx.port, timeout=seconds)
    headers = {"Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    conn.request("GET", f"/live/{iid}/events{query}", headers=headers)
    resp = conn.getresponse()
    chunks = []
    deadline = time.time() + seconds
    try:
        while time.time() < deadline:
            chunk = resp.read1(65536)
            if not chunk:
                break
            chunks.append(chunk)
    except (socket.timeout, TimeoutError):
        pass
    finally:
        conn.close()
    return resp.status, b"".join(chunks).decode("utf-8", "replace")


def made_up_ids(old_id: str) -> list[str]:
    return ["0", "0:0", "1:0", old_id]


def channel_info(nginx, iid: int) -> str:
    """nchan's publisher location answers GET with the channel's info (queued messages: N)."""
    resp = requests.get(f"{nginx.url}/internal/nchan/pub/{iid}", timeout=5)
    return resp.text if resp.ok else ""


def _live_interview(server):
    """(feed editor's session, id, feed URL) of a new interview that is live."""
    admin = server.session("admin")
    iid = admin.post(server.url + "/api/interviews", timeout=10, json={
        "title": "优化营商环境 在线访谈", "hosts": ["张敏"], "state": "preview"}).json()["id"]
    assert admin.post(f"{server.url}/api/interviews/{iid}/state", json={"state": "live"}, timeout=10).ok
    return server.session("feed_editor"), iid, f"{server.url}/api/interviews/{iid}/feed"


def test_withdrawn_entry_cannot_be_replayed_from_nchans_buffer(fanout_stack):
    server, nginx = fanout_stack
    editor, iid, feed = _live_interview(server)
    assert editor.post(feed, json={"speaker": "narrator", "text": "访谈开始"}, timeout=10).status_code == 201
    entry = editor.post(feed, json={"speaker": "narrator", "text": SECRET}, timeout=10).json()
    assert editor.post(feed, json={"speaker": "host", "text": "下一个问题"}, timeout=10).status_code == 201

    # Before the withdrawal the buffer does hold it: a made-up Last-Event-ID replays it all.
    _, before = wait_for(lambda: (lambda r: r if SECRET in r[1] else None)(replay(nginx, iid, last_event_id="1:0")),
                         10, "the entry never reached nchan's buffer")
    old_id = re.findall(r"^id: (\S+)$", before, re.M)[0]

    assert editor.delete(f"{server.url}/api/feed/{entry['id']}", timeout=10).status_code == 200
    assert SECRET not in str(public_entries(server.url, iid))
    # The publisher's queue is ordered: once the next entry is in the channel, the withdrawal's
    # publish and the purge queued right behind it are done.
    assert editor.post(feed, json={"speaker": "host", "text": "撤回之后的一条"}, timeout=10).status_code == 201
    wait_for(lambda: "撤回之后的一条" in replay(nginx, iid, last_event_id="1:0")[1], 10,
             "the entry after the withdrawal never reached nchan")

    for lei in made_up_ids(old_id):
        status, text = replay(nginx, iid, last_event_id=lei)
        assert status == 200 and SECRET not in text, (lei, text)
        if lei != "0":  # "0" is no message id to nchan: it starts with the newest, as without one
            assert "撤回之后的一条" in text, (lei, text)  # the channel works: it only lost the old copies
        status, text = replay(nginx, iid, query=f"?last_event_id={lei}")
        assert status == 200 and SECRET not in text, (lei, text)
    plain = requests.get(f"{nginx.url}/live/{iid}/events", timeout=5)
    assert SECRET not in plain.text
    assert "queued messages: 1" in channel_info(nginx, iid)  # only the entry after the purge


@pytest.mark.browser
def test_a_viewer_connected_during_the_withdrawal_reconnects_and_ends_with_every_event_once(
        fanout_stack, browser, tmp_path):
    server, nginx = fanout_stack
    editor, iid, feed = _live_interview(server)

    context = browser.new_context(base_url=nginx.url, locale="zh-CN", viewport={"width": 420, "height": 900})
    context.add_init_script(RECORDER)
    context.add_init_script(STATUSES)
    page = context.new_page()
    try:
        page.goto(f"/i/{iid}")
        page.wait_for_selector("#conn[data-status=live]", timeout=15_000)
        for n in range(1, 4):
            assert editor.post(feed, json={"speaker": "narrator", "text": f"第{n}条"}, timeout=10).status_code == 201
        entry = editor.post(feed, json={"speaker": "narrator", "text": SECRET}, timeout=10).json()
        page.wait_for_selector(f"#feed .entry[data-id='{entry['id']}']", timeout=15_000)

        seen = page.evaluate("window.__statuses.length")
        assert editor.delete(f"{server.url}/api/feed/{entry['id']}", timeout=10).status_code == 200
        # Published while the page is cut off by the purge and before its EventSource is back.
        for n in range(4, 7):
            assert editor.post(feed, json={"speaker": "narrator", "text": f"第{n}条"}, timeout=10).status_code == 201
        # The purge cut the page off (nchan ends the stream); the EventSource comes back by itself.
        wait_for(lambda: "offline" in page.evaluate("window.__statuses")[seen:], 20, "the page was never cut off")
        page.wait_for_selector("#conn[data-status=live]", timeout=20_000)
        _check_exactly_once_in_order(page, server, iid, timeout=30)
        assert SECRET not in page.locator("#feed").inner_text()
        assert page.get_attribute("#conn", "data-status") == "live"
        page.screenshot(path=str(tmp_path / "viewer-after-purge.png"))
        print(f"screenshot: {tmp_path / 'viewer-after-purge.png'}")
    finally:
        context.close()
