"""Record 20 s while cue cards advance and questions go on air: the file and the markers line up."""
import time

import pytest

from .conftest import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.obs, pytest.mark.ffmpeg]

SCRIPT = "\n\n".join([
    "主持人：各位网友，欢迎收看本期在线访谈。今天我们请来了县发展和改革局局长王建国。",
    "主持人：王局长，请您先介绍一下今年优化营商环境的主要举措。",
    "主持人：很多企业关心审批时限，今年有什么新变化？",
    "主持人：下面我们来看看网友的提问。",
    "主持人：感谢王局长，本期访谈到此结束。",
])


def _timed(fn):
    """Run fn; return (its result, the wall-clock midpoint of the call)."""
    before = time.time()
    result = fn()
    return result, (before + time.time()) / 2


def test_recording_is_registered_and_markers_match_the_file(bootstrapped_obs, obs_server):
    server = obs_server(bootstrapped_obs)
    interview = server.create_live_interview()
    iid = interview["id"]
    url = server.url
    host, moderator, director = server.http("host"), server.http("moderator"), server.http("director")

    resp = host.put(f"{url}/api/interviews/{iid}/script", data=SCRIPT.encode(),
                    headers={"Content-Type": "text/plain; charset=utf-8"})
    assert resp.status_code == 200, resp.text
    question_ids = []
    for text in ("请问企业开办最快多久能办完？", "小微企业贷款贴息政策怎么申请？"):
        resp = moderator.post(f"{url}/api/interviews/{iid}/questions",
                              json={"nickname": "网友", "text": text, "source": "onsite"})
        assert resp.status_code == 201, resp.text
        qid = resp.json()["id"]
        assert moderator.post(f"{url}/api/questions/{qid}/approve", json={}).status_code == 200
        question_ids.append(qid)

    resp = director.post(f"{url}/api/obs/record", json={"action": "start"})
    assert resp.status_code == 200, resp.text
    wait_until(lambda: server.obs_state()["record"]["active"], 10, 0.1, "recording")
    actions = []  # (marker kind, wall-clock time)

    def at(seconds_into, kind, call):
        time.sleep(max(0.0, record_started + seconds_into - time.time()))
        resp, when = _timed(call)
        assert resp.status_code == 200, resp.text
        actions.append((kind, when))

    record_started = time.time()
    for n in range(3):
        at(3 + 3 * n, "cue", lambda: host.post(f"{url}/api/interviews/{iid}/cue", json={"action": "next"}))
    for n, qid in enumerate(question_ids):
        at(12 + 3 * n, "question_on_air", lambda qid=qid: host.post(f"{url}/api/questions/{qid}/on-air", json={}))
    time.sleep(max(0.0, record_started + 20 - time.time()))
    resp, stop_requested = _timed(lambda: director.post(f"{url}/api/obs/record", json={"action": "stop"}))
    assert resp.status_code == 200, resp.text

    def registered():
        with server.db() as db:
            return db.execute("SELECT * FROM recordings WHERE interview_id = ?", (iid,)).fetchall()
    recordings = wait_until(registered, 20, 0.2, "the recording registered after OBS reported STOPPED")
    assert len(recordings) == 1
    recording = recordings[0]
    assert recording["source"] == "obs" and recording["path"].endswith(".mkv")
    from studio.recordings import probe_media
    duration = probe_media(recording["path"])["duration_s"]
    assert recording["duration_s"] == pytest.approx(duration, abs=0.01)
    assert 18 <= duration <= 24, duration

    listed = director.get(f"{url}/api/interviews/{iid}/recordings")
    if listed.status_code == 200:  # the publishing API, when present, lists it too
        body = listed.json()
        items = body if isinstance(body, list) else body.get("recordings", [])
        assert [r["path"] for r in items] == [recording["path"]]

    with server.db() as db:
        markers = db.execute("SELECT kind, record_timecode_s FROM markers WHERE interview_id = ? ORDER BY at, id",
                             (iid,)).fetchall()
    by_kind = {}
    for marker in markers:
        by_kind.setdefault(marker["kind"], []).append(marker["record_timecode_s"])
    assert len(by_kind.get("cue", [])) == 3 and len(by_kind.get("question_on_air", [])) == 2, by_kind
    # The file ends at the stop: an action t seconds before the stop sits t seconds before the end.
    expected = {"cue": [], "question_on_air": []}
    for kind, when in actions:
        expected[kind].append(duration - (stop_requested - when))
    errors = []
    for kind in expected:
        for got, want in zip(by_kind[kind], expected[kind]):
            errors.append(got - want)
            assert got == pytest.approx(want, abs=1.0), (kind, got, want)
    print("marker error vs file (s):", [round(e, 2) for e in errors])
    assert by_kind["record_start"][0] == pytest.approx(0, abs=1.0)
    assert by_kind["record_stop"][0] == pytest.approx(duration, abs=1.0)
