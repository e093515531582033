"""Issue 8.1: cue card text keeps what was typed: full-width ？，！：；（） stay full-width through the
script split, a card edit and a reload."""
from __future__ import annotations

LINE = "各位网友，大家好！今天我们请来了（县消防救援大队）的负责人：王大队长；欢迎您？"


def test_script_split_and_card_edit_keep_full_width_punctuation(interview, host):
    iid = interview["id"]
    script = f"【开场】（1分钟）\n主持人：{LINE}\n王建国：谢谢主持人！大家好。\n网友“春风”：楼道堆物（电动车）怎么办？"
    resp = host.put(f"/api/interviews/{iid}/script", data=script.encode(), content_type="text/plain; charset=utf-8")
    assert resp.status_code == 200, resp.get_json()
    texts = [c["text"] for c in resp.get_json()["cards"]]
    assert LINE in texts and "楼道堆物（电动车）怎么办？" in texts
    card = next(c for c in resp.get_json()["cards"] if c["text"] == LINE)
    edited = "补充：请问（第二个问题）？好！"
    resp = host.patch(f"/api/interviews/{iid}/cues/{card['id']}", json={"text": edited, "title": "开场（一）：问候"})
    assert resp.status_code == 200, resp.get_json()
    again = host.get(f"/api/interviews/{iid}/cues").get_json()["cards"]
    stored = next(c for c in again if c["id"] == card["id"])
    assert stored["text"] == edited and stored["title"] == "开场（一）：问候"
