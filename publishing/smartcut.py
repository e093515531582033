"""Smart cut (issue 11): cut the recordings without re-encoding them, when they allow it.

OBS records web-grade H.264 with a keyframe every 2 s; re-encoding all of it is wasted work. A
kept range is stream-copied from the first keyframe at or after its in-point to the last
keyframe at or before its out-point; only the frames before that first keyframe (the head) and
after that last one (the tail) are encoded, with the copied part's codec, profile, level, size,
pixel format and frame rate, so the pieces join into one stream. This module decides whether
that is possible (else the reason, in Chinese, for the job's log and the editor page), plans
the pieces and runs them.

How the pieces join into one valid stream:
- Parameter sets. x264 cannot be made to write the recording's SPS/PPS byte for byte, so the
  encoded heads use their own ids (sps-id 1; recordings use 0) and every piece carries its
  parameter sets in-band before each keyframe (MPEG-TS is Annex B). The joined stream has both
  sets; a decoder never sees one id change its meaning mid-stream. Each head's keyframe also
  carries its recording's id-0 sets ahead of its own: hls.js builds the decoder's configuration
  (avcC) from the first SPS and PPS it finds and Chromium's MSE decoder then fails on the copied
  P-frames if those were a head's; so the first sets of the output and of every HLS segment
  (they start at keyframes) are the recording's, the head's id-1 sets following in-band.
- Timestamps. Every piece is written on the final timeline by the setts bitstream filter: a
  frame's PTS is its place on the frame grid, its DTS the packet's place in decoding order
  minus the recording's reordering depth (its B-frames), the same depth for all pieces. So DTS
  rises strictly across every join, and the encoded heads (no B-frames) fit the same rule.
- The pieces are MPEG-TS files of the same timeline, so they join by appending bytes; one
  stream copy into MP4 then adds the sound, encoded whole from the same kept ranges (sample
  exact, as long as the picture), and HLS is cut from that MP4 at its keyframes.
"""
from __future__ import annotations

import bisect
import math
import subprocess
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable

from studio.recordings import PROTOCOL_WHITELIST, input_args, media_url

from .edit import segments_for

MODES = ("auto", "always", "never")     # the PUBLISH_SMART_CUT setting
SMART_CODECS = ("h264",)
# ffprobe's profile names -> x264's, for the encoded heads (10-bit and 4:2:2 profiles are not web video).
X264_PROFILES = {"Constrained Baseline": "baseline", "Baseline": "baseline", "Main": "main", "High": "high"}
# x264 signals the lowest profile its tools need (a fast preset without CABAC says Baseline), so
# the tools that make each profile are switched on: the heads then say the copied part's profile.
X264_FEATURES = {"baseline": "cabac=0:8x8dct=0:weightp=0", "main": "cabac=1:8x8dct=0", "high": "cabac=1:8x8dct=1"}
HEAD_SPS_ID = 1          # recordings' encoders (x264, NVENC, QSV…) use 0
BASE_FRAMES_S = 10       # the TS pieces start 10 s in, so no DTS of the first piece is negative
WEB_PIX_FMT = "yuv420p"
# The facts that must be the same in every recording joined, and equal in the re-encoded heads.
MATCHING = ("codec_name", "profile", "level", "width", "height", "pix_fmt", "time_base", "avg_frame_rate")


@dataclass(frozen=True)
class Part:
    """One piece of the cut video, in a recording's own seconds: copied as it is, or encoded."""

    piece_index: int
    kind: str            # "copy" or "encode"
    start_s: float
    end_s: float


@dataclass
class Plan:
    """Either parts to cut (smart) or the reason the full encode is used instead."""

    parts: list[Part]
    reason: str = ""     # empty when smart cut is used

    @property
    def smart(self) -> bool:
        return not self.reason

    def seconds(self, kind: str) -> float:
        return sum(p.end_s - p.start_s for p in self.parts if p.kind == kind)


def keyframe_times(path: str, demuxer: str, timeout: float = 600) -> list[float]:
    """Presentation times of the video keyframes, from the packets (no decoding: seconds for an hour)."""
    result = subprocess.run(["ffprobe", "-v", "error", "-f", demuxer, "-protocol_whitelist", PROTOCOL_WHITELIST,
                             "-select_streams", "v:0", "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0",
                             media_url(path)], capture_output=True, text=True, timeout=timeout,
                            stdin=subprocess.DEVNULL)
    times = []
    for line in result.stdout.splitlines():
        pts, _, flags = line.partition(",")
        if "K" in flags and pts not in ("", "N/A"):
            times.append(float(pts))
    return sorted(times)


def ineligible_reason(streams: list[dict], names: list[str], max_height: int, mode: str) -> str:
    """Why the recordings cannot be smart-cut ("" when they can). streams: ffprobe's video streams."""
    if mode == "never":
        return "设置 PUBLISH_SMART_CUT=never：使用完整重新编码"
    for stream, name in zip(streams, names):
        if stream.get("codec_name") not in SMART_CODECS:
            return f"录像 {name} 的视频编码是 {stream.get('codec_name') or '未知'}，智能剪辑只支持 H.264"
        if stream.get("pix_fmt") != WEB_PIX_FMT:
            return f"录像 {name} 的像素格式是 {stream.get('pix_fmt')}，网页播放需要 {WEB_PIX_FMT}"
        if stream.get("profile") not in X264_PROFILES:
            return f"录像 {name} 的 H.264 档次是 {stream.get('profile') or '未知'}，不是网页播放用的 Baseline/Main/High"
        if stream.get("field_order") not in (None, "", "progressive", "unknown"):
            return f"录像 {name} 是隔行扫描（{stream.get('field_order')}），需要重新编码"
        if int(stream.get("height") or 0) > max_height and mode != "always":
            return f"录像 {name} 高 {stream.get('height')} 像素，超过 PUBLISH_MAX_HEIGHT={max_height}，需要缩小"
    first = streams[0]
    for stream, name in zip(streams[1:], names[1:]):
        differs = [key for key in MATCHING if stream.get(key) != first.get(key)]
        if differs:
            return f"录像 {name} 与第一个录像的格式不同（{'、'.join(differs)}），拼接需要重新编码"
    return ""


def plan_cut(keep, pieces, keyframes: list[list[float]], fps: Fraction, reason: str = "") -> Plan:
    """Parts of a smart cut of the frame-snapped keep ranges; keyframes per recording (its seconds).

    A kept range with no whole keyframe interval inside it is encoded whole; so is everything
    when reason says smart cut cannot be used.
    """
    half = float(1 / fps) / 2
    parts = []
    for segment in segments_for(keep, pieces):
        start, end = segment.local_in_s, segment.local_out_s
        if reason:
            parts.append(Part(segment.piece_index, "encode", start, end))
            continue
        # The recording's end is a boundary too: a copy may run to the end of the file.
        bounds = keyframes[segment.piece_index] + [pieces[segment.piece_index].duration_s]
        inside = [k for k in bounds if start - half <= k <= end + half]
        first, last = (inside[0], inside[-1]) if inside else (None, None)
        if first is None or last - first < half:
            parts.append(Part(segment.piece_index, "encode", start, end))
            continue
        if first - start > half:
            parts.append(Part(segment.piece_index, "encode", start, first))
        parts.append(Part(segment.piece_index, "copy", max(first, start), min(last, end)))
        if end - last > half:
            parts.append(Part(segment.piece_index, "encode", last, end))
    return Plan(parts, reason)


# ---- the recording's packets ------------------------------------------------------------------

@dataclass
class SourceFacts:
    """What a stream copy needs to know of one recording, read from its packets without decoding.

    Times are the recording's own seconds from its first video frame (the timeline the edit and
    the full encode use: PTS - STARTPTS), frame_times sorted, keyframes those of keyframe packets.
    """

    start_s: float                  # the first video frame's PTS in the file
    frame_times: list[float]
    keyframes: list[float]
    delay: int                      # how many frames decoding runs ahead of display (B-frames)
    problem: str = ""               # why this recording cannot be stream-copied ("" when it can)

    def frames_between(self, start: float, end: float, fps: Fraction) -> int:
        """How many frames have their time in [start, end) (half a frame of slack for rounding)."""
        half = float(1 / fps) / 2
        return bisect.bisect_left(self.frame_times, end - half) - bisect.bisect_left(self.frame_times, start - half)


def scan_packets(path: str, demuxer: str, fps: Fraction, name: str, timeout: float = 600) -> SourceFacts:
    """Read the video packets (PTS, flags, side data) once: keyframes, reordering, the problems.

    Problems that rule out a stream copy: an open GOP (frames after a keyframe in decoding order
    shown before it would lose their references once cut there), a recording that does not start
    on a keyframe, timestamps off a constant frame grid (two frames in one grid slot), and
    parameters that change inside the recording (new extradata on a packet).
    """
    result = subprocess.run(["ffprobe", "-v", "error", "-f", demuxer, "-protocol_whitelist", PROTOCOL_WHITELIST,
                             "-select_streams", "v:0", "-show_entries",
                             "packet=pts_time,flags:packet_side_data=side_data_type", "-of", "csv=p=0",
                             media_url(path)], capture_output=True, text=True, timeout=timeout,
                            stdin=subprocess.DEVNULL)
    pts, keys, problem = [], [], ""
    for line in result.stdout.splitlines():
        fields = line.split(",")
        if len(fields) >= 3 and "extradata" in ",".join(fields[2:]).lower():
            problem = problem or f"录像 {name} 中途改变了编码参数（新的 SPS/PPS），拼接需要重新编码"
        if fields[0] in ("", "N/A"):
            continue
        pts.append(float(fields[0]))
        keys.append(len(fields) > 1 and "K" in fields[1])
    if not pts:
        return SourceFacts(0.0, [], [], 0, f"录像 {name} 读不出视频帧的时间戳")
    start = min(pts)
    if not keys[0] or pts[0] != start:
        problem = problem or f"录像 {name} 不是从关键帧开始的"
    key_pts = None
    for value, key in zip(pts, keys):
        if key:
            key_pts = value
        elif key_pts is not None and value < key_pts - 1e-6:
            problem = problem or f"录像 {name} 是开放式 GOP（关键帧后的帧引用它之前的画面），不能在关键帧处直接拼接"
            break
    order = sorted(range(len(pts)), key=pts.__getitem__)
    rank = [0] * len(pts)
    for position, index in enumerate(order):
        rank[index] = position
    delay = max(0, max(i - rank[i] for i in range(len(pts))))
    times = [pts[i] - start for i in order]
    slots = [round(t * fps) for t in times]
    if any(b <= a for a, b in zip(slots, slots[1:])):
        problem = problem or f"录像 {name} 的帧时间戳不在固定帧率上（可变帧率），需要重新编码"
    return SourceFacts(start, times, sorted(pts[i] - start for i in range(len(pts)) if keys[i]), delay, problem)


# ---- running the plan ---------------------------------------------------------------------------

@dataclass
class Source:
    """One recording as the cut reads it."""

    path: str
    demuxer: str
    stream: dict                    # ffprobe's facts of its video stream
    facts: SourceFacts
    has_audio: bool
    format_start_s: float = 0.0     # the file's start (ffmpeg's -ss counts from here)
    audio_start_s: float | None = None


@dataclass
class Settings:
    preset: str = "veryfast"
    crf: int = 23
    audio_bitrate: str = "128k"
    audio_rate: int = 48000
    log_path: Path | None = None
    runs: list = field(default_factory=list)   # the ffmpeg commands run (for tests and the log)


def _grid(frames: str, fps: Fraction, tb: str = "TB") -> str:
    """A setts expression: frame-grid position `frames` in the packet's time base, rounded."""
    return f"round(({frames})*{fps.denominator}/({fps.numerator}*{tb}))"


def setts_filter(first_frame: int, delay: int, fps: Fraction, in_order: bool = False) -> str:
    """Timestamps of one piece on the final timeline (see the module's docstring).

    in_order: the packets are shown in decoding order (a head: no B-frames, read from a raw H.264
    file whose packets carry no PTS), so a frame's place on the grid is its packet number. Those
    packets reach the filter in the TS muxer's time base (90 kHz) while TB says the raw demuxer's
    (ffmpeg 5.1), so the time base is written out.
    """
    base = f"{first_frame}"
    if in_order:
        return f"setts=pts={_grid(base + '+N', fps, '1/90000')}:dts={_grid(base + '+N-' + str(delay), fps, '1/90000')}"
    rank = f"round((PTS-STARTPTS)*TB*{fps.numerator}/{fps.denominator})"
    return f"setts=pts={_grid(base + '+' + rank, fps)}:dts={_grid(base + '+N-' + str(delay), fps)}"


def nal_units(data: bytes) -> list[bytes]:
    """The NAL units of an Annex B byte stream, without their start codes."""
    units, at = [], data.find(b"\x00\x00\x01")
    while at >= 0:
        start = at + 3
        at = data.find(b"\x00\x00\x01", start)
        end = len(data) if at < 0 else at
        units.append(data[start:end].rstrip(b"\x00") if at >= 0 else data[start:end])
    return [u for u in units if u]


def parameter_sets(path: str, demuxer: str, timeout: float = 120) -> bytes:
    """The recording's SPS and PPS (Annex B, in the order of its first keyframe), read by stream copy.

    Empty if they cannot be read: the heads then carry only their own sets, which every player
    but hls.js takes.
    """
    result = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-loglevel", "error",
                             *input_args(path, demuxer), "-map", "0:v:0", "-c:v", "copy", "-frames:v", "1",
                             "-f", "h264", "pipe:1"], capture_output=True, timeout=timeout,
                            stdin=subprocess.DEVNULL)
    return b"".join(b"\x00\x00\x00\x01" + u for u in nal_units(result.stdout) if u[0] & 0x1F in (7, 8))


def x264_head_args(stream: dict, settings: Settings) -> list[str]:
    """x264 options making a head the copied part's kind of stream: profile, level, colours, its own ids."""
    level = int(stream.get("level") or 0)
    args = ["-c:v", "libx264", "-preset", settings.preset, "-crf", str(settings.crf),
            "-profile:v", X264_PROFILES[stream["profile"]], "-pix_fmt", "yuv420p", "-bf", "0",
            "-sc_threshold", "0", "-g", "100000",
            "-x264-params", f"sps-id={HEAD_SPS_ID}:{X264_FEATURES[X264_PROFILES[stream['profile']]]}"]
    if level > 0:
        args[args.index("-profile:v"):args.index("-profile:v")] = ["-level:v", f"{level // 10}.{level % 10}"]
    for option, key in (("-color_primaries", "color_primaries"), ("-color_trc", "color_transfer"),
                        ("-colorspace", "color_space"), ("-color_range", "color_range")):
        if stream.get(key) not in (None, "", "unknown", "reserved"):
            args += [option, stream[key]]
    return args


def frame_index(facts: SourceFacts, t: float, fps: Fraction) -> int:
    """How many frames of the recording are shown before time t (the index of the frame at t)."""
    return bisect.bisect_left(facts.frame_times, t - float(1 / fps) / 2)


def split_command(source: Source, copies: list[Part], fps: Fraction, pattern: Path) -> tuple[list[str], list[int]]:
    """One stream copy of a recording split at the copied parts' keyframes (ffmpeg's segment muxer).

    The split goes by frame index in decoding order, which in a closed GOP is also the display
    index at a keyframe: no timestamp arithmetic, no seeking that lands a keyframe early. Part
    k of the plan becomes segment number starts.index(its first frame).
    """
    bounds = sorted({frame_index(source.facts, t, fps) for p in copies for t in (p.start_s, p.end_s)})
    split_at = [b for b in bounds if b > 0]
    args = ["ffmpeg", "-hide_banner", "-nostats", "-loglevel", "error", "-y", *input_args(source.path, source.demuxer),
            "-map", "0:v:0", "-c:v", "copy", "-frames:v", str(bounds[-1]), "-f", "segment",
            "-segment_format", "mpegts"]
    if split_at:
        args += ["-segment_frames", ",".join(map(str, split_at))]
    return args + [str(pattern)], [0] + split_at


def piece_command(part: Part, source: Source, first_frame: int, delay: int, fps: Fraction, out: Path,
                  settings: Settings, copied: Path | None = None) -> list[str]:
    """The ffmpeg command writing one part: a copy on the final timeline as an MPEG-TS piece.

    copied: the part's segment from split_command (a copy); else the part is decoded and encoded
    into a raw H.264 file (out), which head_mux_command puts on the timeline once the
    recording's parameter sets are ahead of its own.
    """
    head = ["ffmpeg", "-hide_banner", "-nostats", "-loglevel", "error", "-y"]
    if part.kind == "copy":
        return head + [*input_args(str(copied), "mpegts"), "-map", "0:v:0", "-c:v", "copy",
                       "-bsf:v", setts_filter(first_frame, delay, fps), "-f", "mpegts", str(out)]
    half = float(1 / fps) / 2
    offset = source.facts.start_s - source.format_start_s  # -ss counts from the file's start
    frames = source.facts.frames_between(part.start_s, part.end_s, fps)
    at = max(part.start_s - half + offset, 0.0)   # decoding seeks exactly: the frame at start is first
    return head + ["-ss", f"{at:.6f}", *input_args(source.path, source.demuxer), "-map", "0:v:0",
                   "-fps_mode", "passthrough", *x264_head_args(source.stream, settings),
                   "-frames:v", str(frames), "-f", "h264", str(out)]


def head_mux_command(raw: Path, first_frame: int, delay: int, fps: Fraction, out: Path) -> list[str]:
    """The stream copy putting an encoded head (raw H.264, frames in display order) on the timeline."""
    return ["ffmpeg", "-hide_banner", "-nostats", "-loglevel", "error", "-y", "-framerate", str(fps),
            *input_args(str(raw), "h264"), "-map", "0:v:0", "-c:v", "copy",
            "-bsf:v", setts_filter(first_frame, delay, fps, in_order=True), "-f", "mpegts", str(out)]


def audio_graph(sources: list[Source], keep, pieces, fps: Fraction, rate: int,
                first_input: int = 1) -> tuple[list[str], str]:
    """Input options and filter graph of the sound: the kept ranges, each exactly as long as its picture.

    The sound is cut by the same kept ranges, at the video's frame boundaries on the recording's
    timeline (its first video frame is 0), so it stays in sync to the sample at every cut.
    """
    segments = segments_for(keep, pieces)
    used = sorted({s.piece_index for s in segments if sources[s.piece_index].has_audio})
    inputs, labels, chains = [], {}, []
    for number, index in enumerate(used):
        inputs += input_args(sources[index].path, sources[index].demuxer)
        uses = sum(1 for s in segments if s.piece_index == index)
        names = [f"s{index}_{k}" for k in range(uses)]
        stream = f"[{first_input + number}:a:0]"
        chains.append(f"{stream}asplit={uses}" + "".join(f"[{n}]" for n in names) if uses > 1
                      else f"{stream}anull[{names[0]}]")
        labels[index] = names
    outs, taken = [], {}
    for k, segment in enumerate(segments):
        source = sources[segment.piece_index]
        frames = round((segment.local_out_s - segment.local_in_s) * fps)
        length = float(Fraction(frames) / fps)
        if source.has_audio:
            # ffmpeg's input timestamps count from the file's start; the edit's from the first frame.
            shift = source.facts.start_s - source.format_start_s
            name = labels[segment.piece_index][taken.setdefault(segment.piece_index, 0)]
            taken[segment.piece_index] += 1
            start = max(segment.local_in_s + shift, 0.0)
            chains.append(f"[{name}]atrim=start={start:.6f}:end={segment.local_out_s + shift:.6f},"
                          f"asetpts=PTS-STARTPTS,aresample={rate},aformat=sample_fmts=fltp:channel_layouts=stereo,"
                          f"apad,atrim=duration={length:.6f}[o{k}]")
        else:
            chains.append(f"anullsrc=channel_layout=stereo:sample_rate={rate},atrim=duration={length:.6f}[o{k}]")
        outs.append(f"[o{k}]")
    chains.append("".join(outs) + f"concat=n={len(outs)}:v=0:a=1[aout]")
    return inputs, ";".join(chains)


def run_plan(plan: Plan, sources: list[Source], keep, pieces, fps: Fraction, work: Path, mp4: Path,
             settings: Settings, run: Callable[[list[str], str], None],
             run_final: Callable[[list[str]], None]) -> dict:
    """Write every part as a TS piece, join them, add the sound into a faststart MP4.

    run(args, what) runs a short ffmpeg step; run_final(args) the last one (with -progress). Returns
    facts for the job's log: seconds copied and encoded, pieces.
    """
    pieces_dir = work / "smartcut"
    pieces_dir.mkdir(exist_ok=True)
    delay = max([sources[p.piece_index].facts.delay for p in plan.parts if p.kind == "copy"] or [0])
    segments: dict[int, Path] = {}   # part number -> its copied segment
    for index, source in enumerate(sources):
        copies = [(n, p) for n, p in enumerate(plan.parts) if p.kind == "copy" and p.piece_index == index]
        if not copies:
            continue
        pattern = pieces_dir / f"rec{index}-%05d.ts"
        args, starts = split_command(source, [p for _, p in copies], fps, pattern)
        settings.runs.append(args)
        run(args, "复制视频")
        for n, part in copies:
            segments[n] = Path(str(pattern) % starts.index(frame_index(source.facts, part.start_s, fps)))
    first_frame = round(BASE_FRAMES_S * fps)
    joined = pieces_dir / "joined.ts"
    total_frames = 0
    sets: dict[int, bytes] = {}     # recording -> its SPS/PPS, put ahead of its heads' own
    with open(joined, "wb") as out:
        for number, part in enumerate(plan.parts):
            source = sources[part.piece_index]
            frames = source.facts.frames_between(part.start_s, part.end_s, fps)
            if frames > 0:
                piece = pieces_dir / f"part-{number:04d}.ts"
                if part.kind == "copy":
                    args = piece_command(part, source, first_frame, delay, fps, piece, settings, segments[number])
                    settings.runs.append(args)
                    run(args, "拼接视频片段")
                else:
                    raw = pieces_dir / f"part-{number:04d}.h264"
                    args = piece_command(part, source, first_frame, delay, fps, raw, settings)
                    settings.runs.append(args)
                    run(args, "编码剪辑点画面")
                    if part.piece_index not in sets:
                        sets[part.piece_index] = parameter_sets(source.path, source.demuxer)
                    # Ahead of everything, so in the head's keyframe before x264's own sets.
                    raw.write_bytes(sets[part.piece_index] + raw.read_bytes())
                    args = head_mux_command(raw, first_frame, delay, fps, piece)
                    settings.runs.append(args)
                    run(args, "拼接视频片段")
                    raw.unlink()
                with open(piece, "rb") as handle:
                    while chunk := handle.read(1 << 20):
                        out.write(chunk)
                piece.unlink()
            total_frames += frames
            first_frame += round((part.end_s - part.start_s) * fps)
    for segment in pieces_dir.glob("rec*-*.ts"):
        segment.unlink()
    audio_inputs, graph = audio_graph(sources, keep, pieces, fps, settings.audio_rate)  # the joined TS is input 0
    args = ["ffmpeg", "-hide_banner", "-nostats", "-loglevel", "error", "-progress", "pipe:1", "-y",
            *input_args(str(joined), "mpegts"), *audio_inputs, "-filter_complex", graph,
            "-map", "0:v:0", "-c:v", "copy", "-map", "[aout]", "-c:a", "aac", "-b:a", settings.audio_bitrate,
            "-ar", str(settings.audio_rate), "-ac", "2", "-movflags", "+faststart",
            "-max_muxing_queue_size", "4096", "-f", "mp4", str(mp4)]
    settings.runs.append(args)
    run_final(args)
    joined.unlink(missing_ok=True)
    return {"frames": total_frames, "copied_s": round(plan.seconds("copy"), 3),
            "encoded_s": round(plan.seconds("encode"), 3), "parts": len(plan.parts), "delay": delay}

