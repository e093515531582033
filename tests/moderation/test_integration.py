"""Against a real server process (eventlet): rate limit per client address, nothing lost on SIGKILL."""
from __future__ import annotations

import threading
import time

import pytest

from moderation.text import clean_text
from tests.support.fixtures import ALL_ROLES
from tests.support.server import ServerProcess

from .support import live_interview, netizen_session

pytestmark = pytest.mark.integration


def test_rate_limit_429_for_one_address_while_another_is_unaffected(live_server):
    iid = live_interview(live_server)
    url = live_server.url + f"/api/interviews/{iid}/questions"
    noisy = netizen_session("127.0.0.2")
    codes = [noisy.post(url, json={"nickname": "甲", "text": f"第 {n} 个问题，关于道路维修"}, timeout=10).status_code
             for n in range(5)]
    assert codes == [201] * 5  # the default QUESTION_RATE_LIMIT is 5/minute
    over = noisy.post(url, json={"nickname": "甲", "text": "第六个问题"}, timeout=10)
    assert over.status_code == 429
    error = over.json()["error"]
    assert error["code"] == "rate_limited" and "请" in error["message"] and "秒后再试" in error["message"]
    assert int(over.headers["Retry-After"]) >= 1
    # Throwing the device cookie away on every request gains little: requests without a cookie
    # share the address's cookieless bucket (its first request already counted there).
    codes = []
    for n in range(8):
        noisy.cookies.clear()
        codes.append(noisy.post(url, json={"text": f"换个设备再问 {n}"}, timeout=10).status_code)
    assert codes == [201] * 4 + [429] * 4
    other = netizen_session("127.0.0.3")
    for n in range(3):
        resp = other.post(url, json={"nickname": "乙", "text": f"另一位网友的问题 {n}"}, timeout=10)
        assert resp.status_code == 201, resp.text


def test_nothing_lost_when_the_server_is_killed(tmp_path):
    server = ServerProcess(tmp_path / "server", env={"QUESTION_RATE_LIMIT": "1000/minute"})
    server.migrate()
    for role in ALL_ROLES:
        server.create_user(role, role)
    server.start()
    try:
        iid = live_interview(server)
        url = server.url + f"/api/interviews/{iid}/questions"
        accepted: dict[int, str] = {}
        lock = threading.Lock()
        enough = threading.Event()

        def netizen(n: int) -> None:
            http = netizen_session(f"127.0.{n // 200 + 2}.{n % 200 + 2}")
            for k in range(40):
                text = f"客户端{n}的第{k}个问题：请问社区服务中心几点开门"
                try:
                    resp = http.post(url, json={"nickname": f"网友{n}", "text": text}, timeout=10)
                except Exception:  # the server was killed under us: that request never got a 201
                    return
                if resp.status_code == 201:
                    with lock:
                        accepted[resp.json()["id"]] = clean_text(text)  # as stored: as typed (issue 8.1)
                        if len(accepted) >= 150:
                            enough.set()

        threads = [threading.Thread(target=netizen, args=(n,)) for n in range(24)]
        for thread in threads:
            thread.start()
        assert enough.wait(120), f"only {len(accepted)} accepted before the deadline"
        server.kill()  # SIGKILL with requests in flight
        for thread in threads:
            thread.join(30)
        with lock:
            acknowledged = dict(accepted)
        server.start()
        moderator = server.session("moderator")
        stored = moderator.get(url + "?status=pending", timeout=30).json()["questions"]
        by_text: dict[str, list[int]] = {}
        for q in stored:
            by_text.setdefault(q["text"], []).append(q["id"])
        missing = [qid for qid, text in acknowledged.items() if qid not in {q["id"] for q in stored}]
        assert not missing, f"{len(missing)} acknowledged questions lost: {missing[:10]}"
        doubled = {text: ids for text, ids in by_text.items() if len(ids) > 1}
        assert not doubled, f"stored more than once: {list(doubled.items())[:5]}"
        for qid, text in acknowledged.items():
            assert by_text[text] == [qid]
        assert len(acknowledged) >= 150
    finally:
        server.kill()
