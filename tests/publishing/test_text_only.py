"""A text-only interview (图文直播 with no recording) is published (issue 8.5, CONTRACT "Publishing
without video"): page, transcript from the feed, photos and interview.json, and no video files."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from studio.platform.db import Session
from studio.feed.models import FeedEntry, Image

from .conftest import at

# Not a real JPEG: the package copies the stored file byte for byte.
PHOTO = b"\xff\xd8\xff\xe0fake-jpeg-for-the-copy\xff\xd9"


def seed_text_feed(app, interview_id: int) -> None:
    """Host and guest lines, one photo, one withdrawn entry."""
    with app.app_context():
        session = Session()
        folder = Path(app.config["DATA_DIR"]) / "images"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "site.jpg").write_bytes(PHOTO)
        image = Image(interview_id=interview_id, sha256="0" * 64, mime="image/jpeg", width=4, height=3,
                      path="images/site.jpg", thumb_path="images/site.jpg")
        session.add(image)
        session.flush()
        for seq, (offset, speaker, text, image_id) in enumerate([
                (1.0, "host", "各位网友，欢迎收看图文直播！", None),
                (5.0, "guest", "今年全县新建消防站两座（江浦、城东）。", None),
                (9.0, "narrator", "图为演练现场：", image.id)], 1):
            session.add(FeedEntry(interview_id=interview_id, speaker=speaker, speaker_name="", text=text,
                                  image_id=image_id, seq=2000 + seq, created_at=at(offset), updated_at=at(offset)))
        session.add(FeedEntry(interview_id=interview_id, speaker="host", text="撤回的一条", deleted=True,
                              seq=2100, created_at=at(7.0), updated_at=at(7.0)))
        session.commit()


def publish_now(app, publisher, interview_id: int) -> dict:
    from publishing import worker

    resp = publisher.post(f"/api/interviews/{interview_id}/publish")
    assert resp.status_code == 202, resp.get_json()
    with app.app_context():
        return worker.work_once(app)


@pytest.mark.parametrize("body", [{"recording_ids": []}, {"recording_ids": [], "keep": []}, {}])
def test_a_text_only_edit_is_accepted(login, ended_interview, body):
    publisher = login("publisher")
    iid = ended_interview["id"]
    resp = publisher.put(f"/api/interviews/{iid}/edit", json=body)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["recording_ids"] == [] and resp.get_json()["keep"] == []
    material = publisher.get(f"/api/interviews/{iid}/edit").get_json()
    assert material["text_only"] is True and material["saved"] and material["recordings"] == []


@pytest.mark.parametrize("body, field", [({"recording_ids": [], "keep": [[0, 5]]}, "keep"),
                                         ({"recording_ids": [], "poster_s": 3}, "poster_s"),
                                         ({"recording_ids": [], "chapters": [{"at_s": 1, "title": "开场"}]},
                                          "chapters")])
def test_a_text_only_edit_has_no_video_settings(login, ended_interview, body, field):
    resp = login("publisher").put(f"/api/interviews/{ended_interview['id']}/edit", json=body)
    assert resp.status_code == 400 and resp.get_json()["error"]["field"] == field, resp.get_json()
    assert "图文实录" in resp.get_json()["error"]["message"]


def test_a_text_only_interview_publishes_page_transcript_photos_and_no_video(app, login, client, ended_interview):
    publisher = login("publisher")
    iid = ended_interview["id"]
    seed_text_feed(app, iid)
    entry_id = publisher.get(f"/api/interviews/{iid}/edit").get_json()["entries"][1]["id"]
    resp = publisher.put(f"/api/interviews/{iid}/edit", json={
        "recording_ids": [], "corrections": {str(entry_id): {"text": "今年全县新建消防站两座（江浦、城东），已投用。"}}})
    assert resp.status_code == 200, resp.get_json()
    result = publish_now(app, publisher, iid)
    assert result["state"] == "done", result
    folder = Path(app.config["DATA_DIR"]) / "archive" / str(iid)
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    for name in ("index.html", "transcript.html", "transcript.txt", "transcript.json", "interview.json"):
        assert name in files, files
    images = [f for f in files if f.startswith("images/")]
    assert len(images) == 1 and (folder / images[0]).read_bytes() == PHOTO
    for absent in ("video.mp4", "poster.jpg", "captions.vtt", "captions.srt", "chapters.vtt"):
        assert absent not in files, files
    assert not any(f.startswith(("hls/", "thumbnails/")) for f in files), files

    meta = json.loads((folder / "interview.json").read_text(encoding="utf-8"))
    assert meta["kind"] == "text" and meta["video"] is None and meta["cover"].startswith("images/")
    texts = [line["text"] for line in meta["transcript"]]
    assert texts == ["各位网友，欢迎收看图文直播！", "今年全县新建消防站两座（江浦、城东），已投用。", "图为演练现场："]
    assert all(line["video_s"] is None for line in meta["transcript"])
    assert "撤回" not in (folder / "transcript.txt").read_text(encoding="utf-8")

    page = client.get(f"/archive/{iid}/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "图文直播实录" in html and "<video" not in html and "没有视频" in html
    assert "已投用" in html and 'src="images/' in html
    index = client.get("/archive/").get_data(as_text=True)
    assert f'href="{iid}/"' in index and "图文直播实录" in index and f"{iid}/thumbnails/poster.jpg" not in index
    item = ET.fromstring(client.get("/archive/feed.xml").data).find("./channel/item")
    assert item.findtext("title") == ended_interview["title"] and item.find("enclosure") is None
    assert item.findtext("description").startswith("【图文直播实录】")
    assert client.get(f"/api/interviews/{iid}").get_json()["state"] == "published"
