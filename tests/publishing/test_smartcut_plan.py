"""Smart cut, step 1 (issue 11): which recordings can be cut by stream copy, and the plan of
copied and encoded parts (keyframes every 60 and every 250 frames at 25 fps)."""
from __future__ import annotations

from fractions import Fraction

import pytest

from publishing.edit import Piece
from publishing.smartcut import ineligible_reason, keyframe_times, plan_cut

from .media import make_coded_clip

FPS = Fraction(25)
PIECES = [Piece(1, "a", 0.0, 20.0), Piece(2, "b", 20.0, 12.0)]
KEEP = [[2.0, 7.0], [9.0, 18.0], [19.0, 30.0]]
GOP60 = [k * 2.4 for k in range(9)]          # 0, 2.4, … 19.2
GOP250 = [0.0, 10.0]


def _parts(plan):
    return [(p.piece_index, p.kind, round(p.start_s, 3), round(p.end_s, 3)) for p in plan.parts]


def test_heads_and_tails_are_encoded_and_the_middle_copied():
    plan = plan_cut(KEEP, PIECES, [GOP60, GOP250], FPS)
    assert plan.smart
    assert _parts(plan) == [
        (0, "encode", 2.0, 2.4), (0, "copy", 2.4, 4.8), (0, "encode", 4.8, 7.0),
        (0, "encode", 9.0, 9.6), (0, "copy", 9.6, 16.8), (0, "encode", 16.8, 18.0),
        (0, "encode", 19.0, 19.2), (0, "copy", 19.2, 20.0),      # the out-point is A's end
        (1, "copy", 0.0, 10.0)]                                 # 250-frame GOP: 0 and 10 s are keyframes
    # No gap and no overlap: the parts cover the kept ranges exactly.
    assert abs(plan.seconds("copy") + plan.seconds("encode") - 25.0) < 1e-9


def test_a_range_without_a_whole_keyframe_interval_is_encoded_whole():
    plan = plan_cut([[11.0, 19.0]], [Piece(1, "a", 0.0, 20.0)], [GOP250[:1] + [20.0]], FPS)
    assert _parts(plan) == [(0, "encode", 11.0, 19.0)]


def test_a_reason_makes_every_part_an_encode():
    plan = plan_cut(KEEP, PIECES, [GOP60, GOP250], FPS, reason="录像格式不同")
    assert not plan.smart and {p.kind for p in plan.parts} == {"encode"}


H264 = {"codec_name": "h264", "profile": "High", "level": 31, "width": 1280, "height": 720, "pix_fmt": "yuv420p",
        "time_base": "1/1000", "avg_frame_rate": "30/1"}


@pytest.mark.parametrize("streams, mode, expected", [
    ([H264, H264], "auto", ""),
    ([H264], "never", "PUBLISH_SMART_CUT=never"),
    ([{**H264, "codec_name": "hevc"}], "auto", "只支持 H.264"),
    ([{**H264, "pix_fmt": "yuv444p"}], "auto", "yuv420p"),
    ([{**H264, "height": 1080, "width": 1920}], "auto", "PUBLISH_MAX_HEIGHT=720"),
    ([H264, {**H264, "avg_frame_rate": "25/1"}], "auto", "avg_frame_rate"),
])
def test_why_smart_cut_cannot_be_used(streams, mode, expected):
    reason = ineligible_reason(streams, [f"r{i}.mkv" for i in range(len(streams))], 720, mode)
    assert (expected in reason) if expected else reason == "", reason


@pytest.mark.integration
@pytest.mark.ffmpeg
@pytest.mark.parametrize("gop", [60, 250])
def test_keyframes_are_read_from_the_packets(tmp_path, gop):
    clip = make_coded_clip(tmp_path / f"g{gop}.mkv", 12, gop=gop, audio=False)
    assert keyframe_times(str(clip), "matroska") == pytest.approx([k * gop / 25 for k in range(-(-300 // gop))])
