"""Crafted recordings (issue 16.3): ffmpeg picks a demuxer by content, so a playlist or a list
named like a video would make the server read any file it can open. Only real containers are
registered or published, and every ffmpeg call names its demuxer and reads files only."""
from __future__ import annotations

from pathlib import Path

import pytest

from publishing.edit import Piece
from publishing.pipeline import EncodeOptions, MediaInfo, build_encode_args

from .conftest import register_recording
from .media import make_coded_clip

STARTED = "2024-04-15T09:30:00+08:00"


def _crafted(folder: Path, secret: Path) -> dict[str, Path]:
    """An HLS playlist and an ffconcat list, both named .mp4, pointing at a file elsewhere."""
    folder.mkdir(parents=True, exist_ok=True)
    playlist = folder / "pl.mp4"
    playlist.write_text(f"#EXTM3U\n#EXT-X-TARGETDURATION:20\n#EXTINF:20.0,\nfile:{secret}\n"
                        f"#EXT-X-ENDLIST\n")
    concat = folder / "list.mp4"
    concat.write_text(f"ffconcat version 1.0\nfile {secret.name}\n")
    (folder / secret.name).symlink_to(secret)  # so the list would resolve without "unsafe" names
    return {"hls": playlist, "concat": concat}


@pytest.mark.integration
@pytest.mark.ffmpeg
def test_playlists_and_lists_named_mp4_are_refused_by_path_and_by_upload(app, login, interview, coded_clips):
    publisher = login("publisher")
    iid = interview["id"]
    recordings = Path(app.config["DATA_DIR"]) / "recordings"
    crafted = _crafted(recordings, Path(coded_clips["a"]).resolve())
    for kind, path in crafted.items():
        resp = publisher.post(f"/api/interviews/{iid}/recordings", json={"path": path.name, "started_at": STARTED})
        error = resp.get_json()["error"]
        assert resp.status_code == 400 and error["code"] == "unsupported_container", (kind, error)
        assert kind in error["message"] and "MKV" in error["message"], error
        with open(path, "rb") as handle:
            resp = publisher.post(f"/api/interviews/{iid}/recordings", content_type="multipart/form-data",
                                  data={"file": (handle, "studio.mp4"), "started_at": STARTED})
        assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "unsupported_container", kind
    assert publisher.get(f"/api/interviews/{iid}/recordings").get_json() == []
    uploads = recordings / "uploads"
    assert not uploads.exists() or not list(uploads.iterdir()), "refused uploads are deleted"


@pytest.mark.integration
@pytest.mark.ffmpeg
def test_real_mkv_and_mp4_still_register(app, login, interview, coded_clips, tmp_path):
    publisher = login("publisher")
    mp4 = make_coded_clip(tmp_path / "studio.mp4", 2, offset=0)
    for clip, name in ((coded_clips["b"], "b.mkv"), (mp4, "studio.mp4")):
        rec = register_recording(app, publisher, interview["id"], clip, name)
        assert rec["video_codec"] == "h264" and rec["duration_s"] > 1, rec


@pytest.mark.integration
@pytest.mark.ffmpeg
def test_a_recording_swapped_for_a_playlist_after_registering_fails_to_publish(app, login, ended_interview,
                                                                             coded_clips):
    """The pipeline probes again: a file replaced after registering is refused there too."""
    from publishing import worker

    publisher = login("publisher")
    iid = ended_interview["id"]
    rec = register_recording(app, publisher, iid, coded_clips["b"], "swap.mkv")
    assert publisher.put(f"/api/interviews/{iid}/edit", json={"recording_ids": [rec["id"]],
                                                             "keep": [[0, 2]]}).status_code == 200
    target = Path(rec["path"])
    target.unlink()  # a hard link to the shared clip: replace the link, not the clip
    target.write_text(f"#EXTM3U\n#EXT-X-TARGETDURATION:20\n#EXTINF:20.0,\nfile:{Path(coded_clips['a']).resolve()}\n"
                      "#EXT-X-ENDLIST\n")
    assert publisher.post(f"/api/interviews/{iid}/publish").status_code == 202
    with app.app_context():
        result = worker.work_once(app)
    assert result["state"] == "failed" and "hls" in result["error"], result
    assert not (Path(app.config["DATA_DIR"]) / "archive" / str(iid)).exists()


def test_every_encode_input_names_its_demuxer_and_reads_files_only():
    infos = [MediaInfo("/r/a.mkv", 20.0, 25, 320, 240, True, "matroska"),
             MediaInfo("/r/b.mp4", 12.0, 25, 320, 240, False, "mov")]
    pieces = [Piece(1, "/r/a.mkv", 0.0, 20.0), Piece(2, "/r/b.mp4", 20.0, 12.0)]
    args, _ = build_encode_args(infos, [[1.0, 5.0], [19.0, 25.0]], pieces, "/w/video.mp4", EncodeOptions())
    inputs = [i for i, arg in enumerate(args) if arg == "-i"]
    files = [i for i in inputs if not args[i + 1].startswith("anullsrc")]
    assert [args[i + 1] for i in files] == ["file:/r/a.mkv", "file:/r/b.mp4"]
    for i, demuxer in zip(files, ("matroska", "mov")):
        assert args[i - 4:i] == ["-f", demuxer, "-protocol_whitelist", "file"], args
