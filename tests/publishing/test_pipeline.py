"""The whole pipeline on recordings of known content: cuts to the frame, remapped captions and
chapters, a faststart MP4, HLS from the same encode, the archive files.

This module runs the full encode (PUBLISH_SMART_CUT=never: its fixed 2 s GOP is checked here);
the smart cut of the same edit is test_smartcut_pipeline.py."""
from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from studio.platform.db import Session
from studio.feed.models import FeedEntry
from studio.recordings import add_marker

from .conftest import at, register_recording
from .media import moov_before_mdat, read_frame_numbers, runs

pytestmark = [pytest.mark.integration, pytest.mark.ffmpeg]
FPS = 25
# Joined timeline: A is 0–20 s, B is 20–32 s. In 2.0, out 30.0, removed 7–9 and 18–19;
# the last kept range crosses from A into B.
KEEP = [[2.0, 7.0], [9.0, 18.0], [19.0, 30.0]]
EXPECTED_RUNS = [(50, 174), (225, 449), (475, 499), (10000, 10249)]
EXPECTED_DURATION = 25.0


@pytest.fixture
def app_config(app_config):
    app_config["PUBLISH_SMART_CUT"] = "never"
    return app_config


def _vtt_cues(text: str) -> list[tuple[float, float, str]]:
    def seconds(stamp):
        h, m, s = stamp.split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)
    cues = []
    for block in text.strip().split("\n\n")[1:]:
        lines = block.splitlines()
        timing = next(i for i, line in enumerate(lines) if "-->" in line)
        start, end = [seconds(p.strip()) for p in lines[timing].split("-->")]
        cues.append((start, end, "\n".join(lines[timing + 1:])))
    return cues


def _seed_live_log(app, interview_id: int) -> None:
    """Feed entries and markers at known moments of the live programme."""
    with app.app_context():
        session = Session()
        entries = [  # (wall seconds after T0, speaker, text)
            (3.0, "host", "各位网友大家好，欢迎收看在线访谈。"),
            (8.0, "guest", "这一句在被剪掉的片段里。"),
            (12.0, "guest", "今年我们重点推进消防安全宣传进社区、进学校、进企业、进农村、进家庭，"
                            "覆盖全县所有乡镇和街道，开展各类演练一百二十多场。"),
            (25.0, "netizen", "网友提问：老旧小区的消防通道怎么管？"),
        ]
        for seq, (offset, speaker, text) in enumerate(entries, 1):
            session.add(FeedEntry(interview_id=interview_id, speaker=speaker, speaker_name="", text=text,
                                  seq=1000 + seq, created_at=at(offset), updated_at=at(offset)))
        # A withdrawn entry never reaches captions or transcript.
        session.add(FeedEntry(interview_id=interview_id, speaker="host", text="撤回的条目", deleted=True,
                              seq=1100, created_at=at(14.0), updated_at=at(14.0)))
        # This entry was typed at 22.0 s but OBS's timecode says B's 3.5 s (joined 23.5): timecode wins.
        session.add(FeedEntry(interview_id=interview_id, speaker="guest", text="以录像时间码为准。",
                              seq=1200, created_at=at(22.0), updated_at=at(22.0)))
        add_marker(session, interview_id, "feed", "以录像时间码为准。", at=at(22.0), record_timecode_s=3.5,
                   event_seq=1200)
        try:  # answered questions come from the moderation package when it is there
            from moderation.models import Question
            session.add(Question(interview_id=interview_id, nickname="热心网友", text="老旧小区的消防通道怎么管？",
                                 status="answered", receipt="R-PUB-1", answered_at=at(26.0), created_at=at(1.0),
                                 updated_at=at(26.0)))
        except ImportError:
            pass
        add_marker(session, interview_id, "cue", "开场", at=at(2.5))
        add_marker(session, interview_id, "cue", "被剪掉的提示卡", at=at(8.5))
        add_marker(session, interview_id, "cue", "网友提问", at=at(20.5))
        session.commit()


@pytest.fixture
def published(app, login, ended_interview, coded_clips):
    """Publish the known-content interview once; returns (folder, job, publisher client, interview)."""
    from publishing import worker

    publisher = login("publisher")
    interview_id = ended_interview["id"]
    ids = [register_recording(app, publisher, interview_id, coded_clips[name], f"{name}.mkv", offset)["id"]
           for name, offset in (("a", 0.0), ("b", 20.0))]
    _seed_live_log(app, interview_id)
    resp = publisher.put(f"/api/interviews/{interview_id}/edit",
                         json={"recording_ids": ids, "keep": KEEP, "poster_s": 8.0})
    assert resp.status_code == 200, resp.get_json()
    resp = publisher.post(f"/api/interviews/{interview_id}/publish")
    assert resp.status_code == 202, resp.get_json()
    job_id = resp.get_json()["job_id"]
    with app.app_context():
        result = worker.work_once(app)
    assert result is not None and result["state"] == "done", result
    job = publisher.get(f"/api/jobs/{job_id}").get_json()
    folder = Path(app.config["DATA_DIR"]) / "archive" / str(interview_id)
    return folder, job, publisher, ended_interview


def _check_cuts_are_frame_accurate_across_keyframes_and_recordings(published):
    folder, job, _, _ = published
    numbers = read_frame_numbers(folder / "video.mp4")
    assert abs(len(numbers) - EXPECTED_DURATION * FPS) <= 1
    found = runs(numbers)
    assert len(found) == len(EXPECTED_RUNS), found
    for (first, last), (want_first, want_last) in zip(found, EXPECTED_RUNS):
        assert abs(first - want_first) <= 1 and abs(last - want_last) <= 1, (found, EXPECTED_RUNS)
    assert job["state"] == "done" and job["progress"] == 1.0
    assert abs(job["duration_s"] - EXPECTED_DURATION) <= 0.1
    assert job["path"] == "full" and "PUBLISH_SMART_CUT=never" in job["reason"], job


def _check_encode_is_web_ready_and_hls_comes_from_it(published):
    folder, _, _, _ = published
    mp4 = folder / "video.mp4"
    assert moov_before_mdat(mp4)
    probe = json.loads(subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_streams",
                                       str(mp4)], capture_output=True, text=True, check=True).stdout)
    video = next(s for s in probe["streams"] if s["codec_type"] == "video")
    audio = next(s for s in probe["streams"] if s["codec_type"] == "audio")
    assert video["codec_name"] == "h264" and video["pix_fmt"] == "yuv420p"
    assert audio["codec_name"] == "aac" and audio["channels"] == 2 and audio["sample_rate"] == "48000"
    keyframes = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v", "-skip_frame", "nokey",
                                "-show_entries", "frame=pts_time", "-of", "csv=p=0", str(mp4)],
                               capture_output=True, text=True, check=True).stdout.split()
    assert [round(float(t.strip(",")), 2) for t in keyframes] == [float(2 * k) for k in range(len(keyframes))]
    playlist = (folder / "hls" / "index.m3u8").read_text()
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in playlist and "#EXT-X-ENDLIST" in playlist
    hls = json.loads(subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_format",
                                     str(folder / "hls" / "index.m3u8")], capture_output=True, text=True,
                                    check=True).stdout)
    assert abs(float(hls["format"]["duration"]) - EXPECTED_DURATION) < 0.5
    for name in ("index.html", "poster.jpg", "chapters.vtt", "captions.vtt", "captions.srt", "transcript.txt",
                 "transcript.html", "interview.json", "transcript.json", "thumbnails/poster.jpg"):
        assert (folder / name).is_file(), name
    assert not list(folder.parent.glob(".tmp-*")), "work folders are cleaned up"


def _check_captions_and_chapters_land_at_remapped_times(published):
    folder, _, _, _ = published
    frame = 1 / FPS
    captions = _vtt_cues((folder / "captions.vtt").read_text())
    texts = " ".join(c[2].replace("\n", "") for c in captions)
    assert "被剪掉" not in texts and "撤回" not in texts
    starts = {c[2].replace("\n", "")[:6]: c[0] for c in captions}
    assert abs(starts["各位网友大家好"[:6]] - 1.0) <= frame            # 3.0 → 3.0 − 2.0
    assert abs(starts["今年我们重点推进"[:6]] - 8.0) <= frame          # 12.0 → 5 + (12 − 9)
    assert abs(starts["以录像时间码为"[:6]] - 18.5) <= frame          # B 3.5 s = 23.5 → 14 + 4.5
    assert abs(starts["网友提问：老旧"[:6]] - 20.0) <= frame           # 25.0 → 14 + 6
    for start, end, text in captions:
        lines = text.splitlines()
        assert len(lines) <= 2 and all(len(line) <= 16 for line in lines), text
        assert end > start
    # The long entry (joined 12 s, shown until the next entry at 23.5 s) runs into the cut at
    # joined 18 s (output 14 s): its cue is clipped there and the pieces after the cut are gone.
    long_cues = [c for c in captions if 8.0 - frame <= c[0] < 14.0]
    assert long_cues and all(c[1] <= 14.0 + 1e-3 for c in long_cues)
    assert "进家庭" not in texts
    assert all(a[1] <= b[0] + 1e-3 for a, b in zip(captions, captions[1:]))
    srt = (folder / "captions.srt").read_text()
    assert "00:00:01,000 --> " in srt
    chapters = _vtt_cues((folder / "chapters.vtt").read_text())
    assert [c[2] for c in chapters] == ["开场", "网友提问"]
    assert abs(chapters[0][0] - 0.5) <= frame and abs(chapters[1][0] - 15.5) <= frame
    assert abs(chapters[-1][1] - EXPECTED_DURATION) <= 0.1


def _check_transcript_and_archive_index(published, client):
    folder, _, _, interview = published
    text = (folder / "transcript.txt").read_text()
    assert "各位网友大家好" in text and "这一句在被剪掉的片段里" in text and "撤回的条目" not in text
    meta = json.loads((folder / "interview.json").read_text())
    assert meta["interview"]["title"] == interview["title"]
    assert [c["title"] for c in meta["chapters"]] == ["开场", "网友提问"]
    assert client.get(f"/api/interviews/{interview['id']}").get_json()["state"] == "published"
    page = client.get(f"/archive/{interview['id']}/")
    assert page.status_code == 200 and interview["title"] in page.get_data(as_text=True)
    video = client.get(f"/archive/{interview['id']}/video.mp4", headers={"Range": "bytes=0-99"})
    assert video.status_code == 206 and len(video.data) == 100
    index = client.get("/archive/").get_data(as_text=True)
    assert f'href="{interview["id"]}/"' in index
    feed = ET.fromstring(client.get("/archive/feed.xml").data)
    items = feed.findall("./channel/item")
    assert [i.findtext("title") for i in items] == [interview["title"]]
    assert items[0].find("enclosure").get("type") == "video/mp4"


def _check_answered_questions(published):
    folder, _, _, _ = published
    meta = json.loads((folder / "interview.json").read_text())
    try:
        import moderation.models  # noqa: F401
    except ImportError:
        return
    assert [q["nickname"] for q in meta["answered_questions"]] == ["热心网友"]
    assert "热心网友" in (folder / "index.html").read_text()


def _check_unpublish(published, client):
    folder, _, publisher, interview = published
    iid = interview["id"]
    resp = publisher.delete(f"/api/interviews/{iid}/publish")
    assert resp.status_code == 200 and resp.get_json()["state"] == "ended"
    assert client.get(f"/archive/{iid}/").status_code == 404
    assert not folder.exists() and not list((folder.parent / ".versions").iterdir())
    assert ET.fromstring(client.get("/archive/feed.xml").data).findall("./channel/item") == []
    assert f'href="{iid}/"' not in client.get("/archive/").get_data(as_text=True)


def test_publish_known_content(published, client):
    """One encode (they take a while on a shared machine), every property checked on it."""
    _check_cuts_are_frame_accurate_across_keyframes_and_recordings(published)
    _check_encode_is_web_ready_and_hls_comes_from_it(published)
    _check_captions_and_chapters_land_at_remapped_times(published)
    _check_transcript_and_archive_index(published, client)
    _check_answered_questions(published)
    _check_unpublish(published, client)
