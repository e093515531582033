"""Time arithmetic of the edit and the captions, without ffmpeg."""
from __future__ import annotations

from datetime import timedelta

import pytest

from studio.platform.errors import ValidationError

from publishing import captions
from publishing.edit import (Piece, joined_time_at, remap, remap_span, removed_ranges, segments_for,
                             snap_to_frames, validate_keep)

from .conftest import T0

KEEP = [[2.0, 7.0], [9.0, 18.0], [19.0, 30.0]]


def test_remap_shifts_after_cuts_and_drops_inside():
    assert remap(2.0, KEEP) == 0.0
    assert remap(6.5, KEEP) == 4.5
    assert remap(8.0, KEEP) is None          # inside the removed 7–9
    assert remap(9.0, KEEP) == 5.0
    assert remap(25.0, KEEP) == 20.0
    assert remap(1.0, KEEP) is None and remap(31.0, KEEP) is None
    assert removed_ranges(KEEP, 32.0) == [(0.0, 2.0), (7.0, 9.0), (18.0, 19.0), (30.0, 32.0)]


def test_spans_are_clipped_at_the_next_cut():
    assert remap_span(6.0, 8.5, KEEP) == (4.0, 5.0)
    assert remap_span(7.5, 10.0, KEEP) is None


def test_segments_split_at_recording_joins():
    pieces = [Piece(1, "a", 0.0, 20.0), Piece(2, "b", 20.0, 12.0)]
    segs = segments_for(KEEP, pieces)
    assert [(s.piece_index, s.local_in_s, s.local_out_s) for s in segs] == [
        (0, 2.0, 7.0), (0, 9.0, 18.0), (0, 19.0, 20.0), (1, 0.0, 10.0)]


def test_snap_to_frames():
    assert snap_to_frames([[1.013, 2.049]], 25) == [[1.0, 2.04]]


def test_live_moments_map_to_the_right_recording():
    pieces = [Piece(1, "a", 0.0, 20.0), Piece(2, "b", 20.0, 12.0)]
    started = {1: T0, 2: T0 + timedelta(seconds=60)}  # a 40 s break between the recordings
    assert joined_time_at(T0 + timedelta(seconds=5), None, pieces, started) == 5.0
    assert joined_time_at(T0 + timedelta(seconds=63), None, pieces, started) == 23.0
    assert joined_time_at(T0 + timedelta(seconds=40), None, pieces, started) is None  # not recorded
    # OBS's own timecode is preferred to the wall clock.
    assert joined_time_at(T0 + timedelta(seconds=63), 2.5, pieces, started) == 22.5


@pytest.mark.parametrize("keep, message", [
    ([], "非空"),
    ([[5, 3]], "晚于入点"),
    ([[0, 5], [4, 8]], "重叠"),
    ([[4, 8], [0, 2]], "重叠或未按时间排序"),
    ([[0, 40]], "超出录像总长"),
    ([[-1, 3]], "不能为负"),
    ([["a", 3]], "秒数"),
    ([[0, float("nan")]], "秒数"),
    ([[0, 1, 2]], "[入点, 出点]"),
    ("0-10", "非空"),
])
def test_bad_keep_is_a_clear_400(keep, message):
    with pytest.raises(ValidationError) as err:
        validate_keep(keep, 32.0)
    assert err.value.status == 400 and message in err.value.message


def test_caption_chunks_fit_a_phone():
    text = "今年我们重点推进消防安全宣传进社区、进学校、进企业、进农村、进家庭，覆盖全县所有乡镇和街道，开展各类演练一百二十多场。"
    chunks = captions.caption_chunks(text)
    assert len(chunks) >= 2
    for chunk in chunks:
        lines = chunk.split("\n")
        assert len(lines) <= 2 and all(captions.text_width(line) <= 16 for line in lines)
    assert "".join(c.replace("\n", "") for c in chunks) == text


def test_long_entry_spreads_over_several_cues_until_the_next():
    items = [{"t": 10.0, "text": "一二三四五六七八九十" * 8}, {"t": 40.0, "text": "下一条"}]
    cues = captions.build_caption_cues(items, [[0.0, 100.0]], 100.0)
    long = [c for c in cues if c.start < 40.0]
    assert len(long) == 3 and long[0].start == 10.0
    assert all(a.end <= b.start + 1e-9 for a, b in zip(cues, cues[1:]))
    assert long[-1].end <= 40.0
    vtt = captions.to_webvtt(cues)
    assert vtt.startswith("WEBVTT\n") and "00:00:10.000 --> " in vtt
    assert "00:00:10,000 --> " in captions.to_srt(cues)


def test_vtt_escapes_markup():
    vtt = captions.to_webvtt([captions.Cue(0, 1, "a <b> & --> c")])
    assert "<b>" not in vtt and "&lt;b&gt;" in vtt and "--&gt;" not in vtt.split("\n", 3)[3]
