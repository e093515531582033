"""Smart cut through the whole pipeline (issue 11): recordings of known content shaped like OBS's
(High profile, B-frames), keyframes every 60 frames in A and every 250 in B, in/out plus two
removed ranges plus a cut across the join of A and B. Only the frames from each cut to the next
keyframe are encoded; the result is frame-exact, in sync, with rising DTS in the MP4 and the HLS."""
from __future__ import annotations

import json
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from publishing import smartcut
from publishing.edit import Piece

from .conftest import register_recording
from .media import make_coded_clip, read_frame_numbers, runs

pytestmark = [pytest.mark.integration, pytest.mark.ffmpeg]
FPS = 25
# Joined timeline: A is 0–20 s (keyframes every 2.4 s), B is 20–32 s (keyframes at 0 and 10 s).
KEEP = [[2.0, 7.0], [9.0, 18.0], [19.0, 30.0]]
EXPECTED_RUNS = [(50, 174), (225, 449), (475, 499), (10000, 10249)]
EXPECTED_FRAMES = 625
AAC_FRAME_S = 1024 / 48000
# Output times where pieces join: each kept range's start, every head/copy/tail boundary, A → B.
JOINS = [0.4, 2.8, 5.0, 5.6, 12.8, 14.0, 14.2, 15.0]
CUTS = [5.0, 14.0]


def expected_numbers() -> list[int]:
    return [n for first, last in EXPECTED_RUNS for n in range(first, last + 1)]


def packets(path: Path, stream: str, demuxer: str | None = None) -> list[tuple[int, int, str]]:
    args = ["ffprobe", "-v", "error"] + (["-f", demuxer] if demuxer else []) + [
        "-select_streams", stream, "-show_entries", "packet=pts,dts,flags", "-of", "csv=p=0", str(path)]
    out = subprocess.run(args, capture_output=True, text=True, check=True, timeout=120).stdout
    rows = []
    for line in out.split():
        pts, dts, flags = line.split(",")[:3]
        rows.append((int(pts), int(dts), flags))
    return rows


def stream_facts(path: Path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-count_packets", "-show_streams",
                          "-of", "json", str(path)], capture_output=True, text=True, check=True, timeout=120).stdout
    return {s["codec_type"]: s for s in json.loads(out)["streams"]}


def assert_dts_rises(rows, what):
    dts = [d for _, d, _ in rows]
    bad = [(i, a, b) for i, (a, b) in enumerate(zip(dts, dts[1:])) if b <= a]
    assert not bad, (what, bad[:5])
    assert all(d <= p for p, d, _ in rows), what


@pytest.fixture
def smart_published(app, login, ended_interview, smart_clips):
    from publishing import worker

    publisher = login("publisher")
    iid = ended_interview["id"]
    ids = [register_recording(app, publisher, iid, smart_clips[name], f"{name}.mkv", offset)["id"]
           for name, offset in (("a", 0.0), ("b", 20.0))]
    assert publisher.put(f"/api/interviews/{iid}/edit", json={"recording_ids": ids, "keep": KEEP,
                                                             "poster_s": 8.0}).status_code == 200
    job_id = publisher.post(f"/api/interviews/{iid}/publish").get_json()["job_id"]
    with app.app_context():
        result = worker.work_once(app)
    assert result["state"] == "done", result
    return Path(app.config["DATA_DIR"]) / "archive" / str(iid), publisher.get(f"/api/jobs/{job_id}").get_json()


def test_smart_cut_is_frame_exact_in_sync_and_monotonic(smart_published, smart_clips):
    folder, job = smart_published
    assert job["path"] == "smart" and job["reason"] == "", job
    meta = json.loads((folder / "interview.json").read_text())
    assert meta["cut"]["path"] == "smart" and meta["cut"]["copied_s"] > 15, meta["cut"]
    assert meta["cut"]["encoded_s"] < 5, meta["cut"]
    mp4 = folder / "video.mp4"

    # Every frame the expected one: the count exact, each kept range's first and last frame exact.
    numbers = read_frame_numbers(mp4)
    assert len(numbers) == EXPECTED_FRAMES
    assert runs(numbers) == EXPECTED_RUNS
    assert numbers == expected_numbers()

    # The copied part's kind of stream, and nothing hidden: every packet is a shown frame.
    facts, source = stream_facts(mp4), stream_facts(smart_clips["a"])["video"]
    video, audio = facts["video"], facts["audio"]
    for key in ("codec_name", "profile", "level", "width", "height", "pix_fmt"):
        assert video[key] == source[key], key
    assert video["avg_frame_rate"] == f"{FPS}/1"
    assert int(video["nb_read_packets"]) == int(video["nb_read_frames"]) == EXPECTED_FRAMES
    assert audio["codec_name"] == "aac" and audio["sample_rate"] == "48000" and audio["channels"] == 2
    assert abs(float(audio["duration"]) - float(video["duration"])) <= AAC_FRAME_S, (audio["duration"],
                                                                                      video["duration"])
    assert abs(float(video["duration"]) - EXPECTED_FRAMES / FPS) < 1e-3

    # DTS strictly rising (and never after PTS) in the MP4 and across the HLS segments.
    assert_dts_rises(packets(mp4, "v:0"), "mp4 video")
    assert_dts_rises(packets(mp4, "a:0"), "mp4 audio")
    hls = folder / "hls" / "index.m3u8"
    assert_dts_rises(packets(hls, "v:0"), "hls video")
    assert "#EXT-X-ENDLIST" in hls.read_text()
    assert len(read_frame_numbers(hls)) == EXPECTED_FRAMES
    # Keyframes: each encoded head or tail starts with one, the copies keep the recordings' own
    # (A's every 2.4 s, B's at its start); nothing else was encoded.
    keyframes = sorted(round(p / 90000, 2) for p, _, flags in packets(mp4, "v:0") if "K" in flags)
    assert keyframes == [0.0, 0.4, 2.8, 5.0, 5.6, 8.0, 10.4, 12.8, 14.0, 14.2, 15.0], keyframes
    for name in ("poster.jpg", "thumbnails/poster.jpg", "captions.vtt", "chapters.vtt", "transcript.txt",
                 "index.html"):
        assert (folder / name).is_file(), name


def test_recordings_of_different_formats_or_codecs_take_the_full_encode(tmp_path, smart_clips):
    from publishing.pipeline import EncodeOptions, choose_cut, probe_input

    mp4 = make_coded_clip(tmp_path / "b.mp4", 4, offset=10000, audio=False, gop=60, preset="veryfast")
    infos = [probe_input(str(smart_clips["a"])), probe_input(str(mp4))]
    pieces = [Piece(1, infos[0].path, 0.0, infos[0].duration_s), Piece(2, infos[1].path, 20.0, infos[1].duration_s)]
    plan, _ = choose_cut(infos, [[1.0, 22.0]], pieces, EncodeOptions())
    assert not plan.smart and "b.mp4" in plan.reason and "格式不同" in plan.reason, plan.reason
    plan, _ = choose_cut(infos[:1], [[1.0, 5.0]], pieces[:1], EncodeOptions(smart_cut="never"))
    assert not plan.smart and "never" in plan.reason
    plan, _ = choose_cut(infos[:1], [[1.0, 5.0]], pieces[:1], EncodeOptions(max_height=200))
    assert not plan.smart and "PUBLISH_MAX_HEIGHT=200" in plan.reason
    plan, _ = choose_cut(infos[:1], [[1.0, 5.0]], pieces[:1], EncodeOptions(max_height=200, smart_cut="always"))
    assert plan.smart, plan.reason


def test_an_open_gop_recording_is_not_stream_copied(tmp_path):
    clip = tmp_path / "open.mkv"
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=s=320x240:r=25:d=6", "-c:v", "libx264", "-preset", "veryfast", "-g", "50",
                    "-x264-params", "open-gop=1:keyint=50:min-keyint=50:scenecut=0", str(clip)], check=True)
    facts = smartcut.scan_packets(str(clip), "matroska", Fraction(FPS), "open.mkv")
    assert "开放式 GOP" in facts.problem, facts.problem


def test_every_smart_cut_command_names_its_demuxer_and_reads_files_only(tmp_path):
    facts = smartcut.SourceFacts(0.0, [k / FPS for k in range(500)], [0.0, 2.4, 4.8], 2)
    stream = {"codec_name": "h264", "profile": "High", "level": 30, "pix_fmt": "yuv420p"}
    source = smartcut.Source("/r/a.mkv", "matroska", stream, facts, True)
    fps = Fraction(FPS)
    split, starts = smartcut.split_command(source, [smartcut.Part(0, "copy", 2.4, 4.8)], fps, tmp_path / "s%05d.ts")
    head = smartcut.piece_command(smartcut.Part(0, "encode", 2.0, 2.4), source, 250, 2, fps, tmp_path / "h.ts",
                                  smartcut.Settings())
    copy = smartcut.piece_command(smartcut.Part(0, "copy", 2.4, 4.8), source, 260, 2, fps, tmp_path / "c.ts",
                                  smartcut.Settings(), tmp_path / "s00001.ts")
    inputs, _ = smartcut.audio_graph([source], [[2.0, 4.8]], [Piece(1, "/r/a.mkv", 0.0, 20.0)], fps, 48000)
    for args in (split, head, copy, inputs):
        i = args.index("-i")
        assert args[i - 4:i] == ["-f", args[i - 3], "-protocol_whitelist", "file"] and args[i + 1].startswith("file:")
    assert split[split.index("-segment_frames") + 1] == "60,120" and starts == [0, 60, 120]
    assert "sps-id=1" in " ".join(head) and "-profile:v" in head and head[head.index("-level:v") + 1] == "3.0"
