"""The publishing pipeline: a frame-accurate cut, HLS from it, pictures, texts, the page.

Two ways to cut (the job records which, and why):
- smart cut (publishing.smartcut), when the recordings allow it: the picture is stream-copied
  between keyframes and only the frames from each cut to the next keyframe are encoded; the
  sound is encoded whole. Minutes instead of a full encode's real time.
- the full encode otherwise (another codec, an open GOP, recordings of different formats, too
  tall, PUBLISH_SMART_CUT=never): trim/atrim + setpts + concat over the kept ranges of the
  joined recordings in one encode with a fixed 2 s GOP.
Either way a cut lands on the frame asked for, not on the recording's next keyframe (OBS records
with keyframes seconds apart), and the HLS segmenter copies the MP4 at its keyframes.

Everything is written into a work folder; publishing.archive moves it into the archive in one
rename. A failure anywhere raises PipelineError with ffmpeg's or ffprobe's own reason.
"""
from __future__ import annotations

import ctypes
import json
import math
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Callable

import ffmpeg
from sqlalchemy import select

from studio.interviews import interview_json
from studio.platform.models import Interview
from studio.feed.models import FeedEntry, Image
from studio.platform.errors import ValidationError
from studio.platform.signals import archive_questions, timed_script
from studio.recordings import PROTOCOL_WHITELIST, Recording, input_args, list_markers, media_url, probe_json
from studio.platform.timefmt import iso

from . import captions, smartcut
from .edit import (Piece, is_text_only, joined_time_at, kept_duration, next_kept_time, remap, segments_for,
                   snap_to_frames)

AUDIO_RATE = 48000
GOP_SECONDS = 2
HLS_SEGMENT_SECONDS = 2
THUMB_WIDTH = 320
# Weights of the stages in the job's progress bar (the encode is nearly all of the time).
STAGES = {"probe": (0.0, 0.01), "encode": (0.01, 0.87), "hls": (0.87, 0.93), "pictures": (0.93, 0.97),
          "texts": (0.97, 1.0)}

ProgressFn = Callable[[str, float], None]  # (stage, 0..1 within the stage); may raise Cancelled


class PipelineError(Exception):
    """The job failed for a reason the publisher can read (ffmpeg's or ffprobe's own words)."""


class Cancelled(Exception):
    """The publisher cancelled the job."""


@dataclass
class EncodeOptions:
    preset: str = "veryfast"
    crf: int = 23
    max_height: int = 720
    audio_bitrate: str = "128k"
    smart_cut: str = "auto"      # PUBLISH_SMART_CUT: auto / always / never


@dataclass
class MediaInfo:
    path: str
    duration_s: float
    fps: Fraction
    width: int
    height: int
    has_audio: bool
    demuxer: str = "matroska"   # the -f every later ffmpeg call on this file names
    video_stream: dict | None = None  # ffprobe's facts of the first video stream
    format_start_s: float = 0.0  # the file's start time (ffmpeg's -ss counts from it)


def _kill_with_parent() -> None:
    """Child processes die with the worker (Linux PR_SET_PDEATHSIG), so a crash leaves no orphan ffmpeg."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)
    except OSError:
        pass


def probe_input(path: str) -> MediaInfo:
    """ffprobe one recording; a missing, unreadable or disallowed file fails with the reason."""
    if not os.path.isfile(path):
        raise PipelineError(f"录像文件不存在：{path}")
    try:
        info = probe_json(path, "-show_streams", timeout=600)
    except ValidationError as exc:
        raise PipelineError(f"ffprobe 无法读取 {Path(path).name}：{exc.message}")
    streams = info.get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    if video is None:
        raise PipelineError(f"{Path(path).name} 中没有视频流")
    rate = video.get("avg_frame_rate") or "0/0"
    if rate in ("0/0", "0/1"):
        rate = video.get("r_frame_rate") or "25/1"
    fps = Fraction(rate) if rate not in ("0/0", "0/1") else Fraction(25)
    if not 1 <= fps <= 120:
        fps = Fraction(25)
    duration = _video_duration(path, info["demuxer"], video, fps) or info.get("format", {}).get("duration")
    if duration in (None, "N/A"):
        raise PipelineError(f"ffprobe 读不出 {Path(path).name} 的时长（文件不完整？）")
    start = info.get("format", {}).get("start_time")
    return MediaInfo(path, float(duration), fps.limit_denominator(1001), int(video["width"]),
                     int(video["height"]), any(s.get("codec_type") == "audio" for s in streams),
                     info["demuxer"], video, float(start) if start not in (None, "N/A") else 0.0)


def _video_duration(path: str, demuxer: str, stream: dict, fps: Fraction) -> float | None:
    """The video stream's own length: MP4 states it; for MKV the frames are counted.

    The container's duration is the longest stream's (usually the sound's, by a few ms), and
    MKV repeats it for every stream; joining recordings by it would repeat a frame at each join.
    Counting packets reads the file without decoding it (a second or two for an hour).
    """
    if stream.get("duration") not in (None, "N/A") and stream.get("nb_frames"):
        return float(stream["duration"])
    try:
        result = subprocess.run(["ffprobe", "-v", "error", "-f", demuxer, "-protocol_whitelist", PROTOCOL_WHITELIST,
                                 "-select_streams", "v:0", "-count_packets",
                                 "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", media_url(path)],
                                capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
        packets = int(result.stdout.strip().split(",")[0])
    except (ValueError, subprocess.TimeoutExpired, IndexError):
        return None
    return float(packets / fps) if packets > 0 else None


def output_size(width: int, height: int, max_height: int) -> tuple[int, int]:
    """Scale down to max_height keeping the aspect ratio; both sides even (yuv420p needs it)."""
    if height > max_height:
        width, height = round(width * max_height / height), max_height
    return width - width % 2, height - height % 2


def build_encode_args(infos: list[MediaInfo], keep, pieces, out_path: str, opts: EncodeOptions) -> tuple[list[str], float]:
    """The ffmpeg command of the web encode and the duration it will produce.

    keep must already be snapped to the frame grid (edit.snap_to_frames). Each trim starts half a
    frame early so float rounding of frame timestamps cannot drop or add the boundary frame.
    """
    fps = infos[0].fps
    half_frame = float(1 / fps) / 2
    width, height = output_size(infos[0].width, infos[0].height, opts.max_height)
    segments = segments_for(keep, pieces)
    uses = [sum(1 for s in segments if s.piece_index == i) for i in range(len(pieces))]
    inputs = [ffmpeg.input(media_url(info.path), f=info.demuxer, protocol_whitelist=PROTOCOL_WHITELIST)
              for info in infos]
    video_sources, audio_sources = {}, {}
    for index, info in enumerate(infos):
        if not uses[index]:
            continue
        # Timestamps from 0 first: OBS's MKV may start at a non-zero PTS.
        video = inputs[index].video.setpts("PTS-STARTPTS")
        video_sources[index] = ([video] if uses[index] == 1 else
                                [video.filter_multi_output("split", uses[index]).stream(k) for k in range(uses[index])])
        if info.has_audio:
            audio = inputs[index].audio.filter("asetpts", "PTS-STARTPTS")
            audio_sources[index] = ([audio] if uses[index] == 1 else
                                    [audio.filter_multi_output("asplit", uses[index]).stream(k)
                                     for k in range(uses[index])])
    parts, taken = [], [0] * len(pieces)
    for segment in segments:
        i = segment.piece_index
        start = max(segment.local_in_s - half_frame, 0.0)
        end = segment.local_out_s - half_frame
        video = video_sources[i][taken[i]].trim(start=start, end=end).setpts("PTS-STARTPTS")
        # Scaling, padding and rate conversion only where a recording differs: each runs in
        # ffmpeg's single filter thread and would hold back x264's threads on a 720p encode.
        if (infos[i].width, infos[i].height) != (width, height):
            video = (video.filter("scale", width, height, force_original_aspect_ratio="decrease")
                     .filter("pad", width, height, "(ow-iw)/2", "(oh-ih)/2"))
        if infos[i].fps != fps:
            video = video.filter("fps", fps=str(fps))
        video = video.filter("setsar", 1).filter("format", "yuv420p")
        if i in audio_sources:
            audio = audio_sources[i][taken[i]].filter("atrim", start=start, end=end)
        else:  # a recording without sound still needs an audio track for concat and for players
            audio = ffmpeg.input(f"anullsrc=channel_layout=stereo:sample_rate={AUDIO_RATE}", f="lavfi",
                                 t=end - start).audio
        # Sound exactly as long as the picture: concat starts the next segment after the longer
        # of the two, and a gap in the picture would come out as a repeated frame.
        audio = (audio.filter("asetpts", "PTS-STARTPTS").filter("aresample", AUDIO_RATE)
                 .filter("aformat", sample_fmts="fltp", channel_layouts="stereo")
                 .filter("apad").filter("atrim", duration=float(_frames_in(start, end, fps) / fps)))
        taken[i] += 1
        parts += [video, audio]
    joined = ffmpeg.concat(*parts, v=1, a=1).node
    gop = int(round(GOP_SECONDS * fps))
    out = ffmpeg.output(
        joined[0], joined[1], out_path, vcodec="libx264", preset=opts.preset, crf=opts.crf,
        pix_fmt="yuv420p", g=gop, keyint_min=gop, sc_threshold=0, r=str(fps),
        **{"profile:v": "high", "b:a": opts.audio_bitrate}, acodec="aac", ar=AUDIO_RATE, ac=2,
        movflags="+faststart", max_muxing_queue_size=4096)
    args = ffmpeg.compile(out.global_args("-hide_banner", "-nostats", "-loglevel", "error",
                                          "-progress", "pipe:1"), overwrite_output=True)
    return args, kept_duration(keep)


def _frames_in(start: float, end: float, fps: Fraction) -> int:
    """How many frames of a constant-rate stream have timestamps in [start, end)."""
    return max(math.ceil(end * fps - 1e-9) - math.ceil(start * fps - 1e-9), 0)


def run_ffmpeg(args: list[str], expected_s: float, on_progress: Callable[[float], None], log_path: Path) -> None:
    """Run ffmpeg with `-progress pipe:1`, reporting out_time / expected duration.

    ffmpeg is killed if on_progress raises (a cancel) and on any error; a non-zero exit raises
    PipelineError with the last lines ffmpeg wrote to stderr.
    """
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL,
                                preexec_fn=_kill_with_parent)
        try:
            for raw in proc.stdout:
                line = raw.decode("ascii", "replace").strip()
                if line.startswith("out_time_us=") or line.startswith("out_time_ms="):
                    try:  # out_time_ms is microseconds too (an old ffmpeg naming slip)
                        done_s = int(line.split("=", 1)[1]) / 1e6
                    except ValueError:
                        continue
                    if expected_s > 0:
                        on_progress(min(max(done_s / expected_s, 0.0), 1.0))
            code = proc.wait()
        except BaseException:
            proc.kill()
            proc.wait()
            raise
    if code != 0:
        tail = log_path.read_text(errors="replace").strip().splitlines()[-4:]
        raise PipelineError("ffmpeg 失败：" + (" ".join(tail) or f"退出码 {code}"))


def run_quick(args: list[str], what: str) -> None:
    """A short ffmpeg step (HLS copy, a still frame); its failure names ffmpeg's reason."""
    result = subprocess.run(args, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                            preexec_fn=_kill_with_parent)
    if result.returncode != 0:
        tail = " ".join(result.stderr.strip().splitlines()[-3:])
        raise PipelineError(f"{what}失败：{tail or result.returncode}")


def segment_hls(mp4: Path, hls_dir: Path) -> None:
    """HLS VOD from the encoded MP4 by stream copy: the 2 s GOP makes every segment cut exact."""
    hls_dir.mkdir()
    run_quick(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *input_args(str(mp4), "mov"), "-c", "copy",
               "-f", "hls",
               "-hls_time", str(HLS_SEGMENT_SECONDS), "-hls_playlist_type", "vod",
               "-hls_flags", "independent_segments", "-hls_segment_filename", str(hls_dir / "seg_%05d.ts"),
               str(hls_dir / "index.m3u8")], "切分 HLS ")


def extract_frame(mp4: Path, at_s: float, out: Path, width: int | None = None) -> None:
    args = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-ss", f"{max(at_s, 0):.3f}",
            *input_args(str(mp4), "mov"), "-frames:v", "1", "-q:v", "3"]
    if width:
        args += ["-vf", f"scale={width}:-2"]
    run_quick(args + [str(out)], "截取画面")


def choose_cut(infos: list[MediaInfo], keep, pieces, opts: EncodeOptions) -> tuple[smartcut.Plan, list]:
    """The smart-cut plan with its sources, or a plan whose reason says why the full encode is used."""
    used = sorted({s.piece_index for s in segments_for(keep, pieces)})
    names = [Path(infos[i].path).name for i in used]
    fps = infos[used[0]].fps
    reason = smartcut.ineligible_reason([infos[i].video_stream or {} for i in used], names, opts.max_height,
                                        opts.smart_cut)
    sources: list = [None] * len(infos)
    for i, name in zip(used, names):
        if reason:
            break
        try:
            facts = smartcut.scan_packets(infos[i].path, infos[i].demuxer, fps, name)
        except subprocess.TimeoutExpired:
            facts = smartcut.SourceFacts(0.0, [], [], 0, f"读取录像 {name} 的关键帧超时")
        reason = facts.problem
        sources[i] = smartcut.Source(infos[i].path, infos[i].demuxer, infos[i].video_stream or {}, facts,
                                     infos[i].has_audio, infos[i].format_start_s)
    if reason and opts.smart_cut == "always":
        reason = f"设置了 PUBLISH_SMART_CUT=always，但{reason}"
    keyframes = [s.facts.keyframes if s else [] for s in sources]
    return smartcut.plan_cut(keep, pieces, keyframes, fps, reason), sources


def smart_cut(plan: smartcut.Plan, sources: list, keep, pieces, fps: Fraction, work_dir: Path, mp4: Path,
              opts: EncodeOptions, progress: ProgressFn) -> dict:
    """Run a smart-cut plan into mp4; the encode stage's progress goes by steps, then by the sound."""
    steps = len(plan.parts) + len({p.piece_index for p in plan.parts if p.kind == "copy"})
    done = [0]
    log_path = work_dir / "ffmpeg.log"

    def run(args, what):
        progress("encode", 0.5 * done[0] / max(steps, 1))
        run_quick(args, what)
        done[0] += 1

    def run_final(args):
        progress("encode", 0.5)
        run_ffmpeg(args, kept_duration(keep), lambda f: progress("encode", 0.5 + 0.5 * f), log_path)

    settings = smartcut.Settings(preset=opts.preset, crf=opts.crf, audio_bitrate=opts.audio_bitrate,
                                 audio_rate=AUDIO_RATE, log_path=log_path)
    return smartcut.run_plan(plan, sources, keep, pieces, fps, work_dir, mp4, settings, run, run_final)


def video_timeline(recordings: list[Recording], infos: list[MediaInfo]) -> list[Piece]:
    """The joined timeline by the recordings' video lengths (what the encode really joins)."""
    pieces, offset = [], 0.0
    for rec, info in zip(recordings, infos):
        pieces.append(Piece(rec.id, rec.path, offset, info.duration_s))
        offset += info.duration_s
    return pieces


# ---- what goes into the package -------------------------------------------------------------

def _feed_times(session, interview_id: int, pieces, started_at) -> dict[int, float | None]:
    """Joined time of each feed entry: its marker's record timecode when logged, else its wall clock."""
    by_seq = {m.event_seq: m for m in list_markers(session, interview_id) if m.kind == "feed" and m.event_seq}
    times = {}
    for entry in session.scalars(select(FeedEntry).where(FeedEntry.interview_id == interview_id)):
        marker = by_seq.get(entry.seq)
        if marker is not None:
            times[entry.id] = joined_time_at(marker.at, marker.record_timecode_s, pieces, started_at)
        else:
            times[entry.id] = joined_time_at(entry.created_at, None, pieces, started_at)
    return times


def default_chapters(session, interview_id: int, pieces, started_at) -> list[dict]:
    """Chapters from the cue cards shown live (markers of kind "cue"; label = the card's title)."""
    chapters = []
    for marker in list_markers(session, interview_id):
        if marker.kind != "cue" or not marker.label.strip():
            continue
        at = joined_time_at(marker.at, marker.record_timecode_s, pieces, started_at)
        if at is not None:
            chapters.append({"at_s": round(at, 3), "title": marker.label.strip()[:200]})
    return chapters


def transcript_lines(session, interview_id: int, corrections: dict, times: dict, keep) -> list[dict]:
    """The feed as the transcript shows it: withdrawn entries out, corrections applied and kept."""
    lines = []
    entries = session.scalars(select(FeedEntry).where(FeedEntry.interview_id == interview_id,
                                                      FeedEntry.deleted.is_(False))
                              .order_by(FeedEntry.created_at, FeedEntry.id))
    for entry in entries:
        fix = corrections.get(str(entry.id), {})
        if fix.get("hidden"):
            continue
        line = {"entry_id": entry.id, "at": iso(entry.created_at), "speaker": entry.speaker,
                "speaker_name": fix.get("speaker_name", entry.speaker_name or ""),
                "text": fix.get("text", entry.text or ""), "image_id": entry.image_id, "image": None,
                "video_s": None}
        joined = times.get(entry.id)
        if joined is not None:
            out = remap(joined, keep)
            line["video_s"] = round(out, 3) if out is not None else None
        if fix.get("speaker_name") is not None or fix.get("text") is not None:
            line["original"] = {"speaker_name": entry.speaker_name or "", "text": entry.text or ""}
        if not line["text"].strip() and not entry.image_id:
            continue
        lines.append(line)
    return lines


def answered_questions(session, interview_id: int) -> list:
    """Questions answered on air and written replies, from whichever area answers
    signals.archive_questions (moderation); none without it."""
    listing = [item for _receiver, items in archive_questions.send(session, interview_id=interview_id)
               for item in items or ()]
    return json.loads(json.dumps(listing, ensure_ascii=False, default=str))


def timed_script_lines(session, interview_id: int) -> list[dict]:
    """Script lines {start_s, end_s?, text} timed on the editor page, from whichever area answers
    signals.timed_script (policy explainers); [] when none were timed."""
    for _receiver, lines in timed_script.send(session, interview_id=interview_id):
        if lines:
            return list(lines)
    return []


def copy_image(session, data_dir: str, image_id: int | None, out_dir: Path) -> str | None:
    """Copy one stored photo into the package's images/ folder; its path there, or None."""
    image = session.get(Image, image_id) if image_id else None
    if image is None:
        return None
    source = (Path(data_dir) / image.path).resolve()
    if not source.is_relative_to(Path(data_dir).resolve()) or not source.is_file():
        return None
    (out_dir / "images").mkdir(exist_ok=True)
    name = f"{image.id}{source.suffix.lower() or '.jpg'}"
    shutil.copyfile(source, out_dir / "images" / name)
    return f"images/{name}"


def copy_images(session, data_dir: str, lines: list[dict], guests: list[dict], out_dir: Path) -> None:
    """Copy the transcript's photos and the guests' portraits, so the archive folder stands alone."""
    for line in lines:
        line["image"] = copy_image(session, data_dir, line["image_id"], out_dir)
    for guest in guests:
        guest["photo_url"] = copy_image(session, data_dir, guest.get("photo_image_id"), out_dir)


def build_package(session, interview: Interview, edit: dict, work_dir: Path, data_dir: str,
                  opts: EncodeOptions, progress: ProgressFn, render_page: Callable[[dict, Path], None],
                  on_cut: Callable[[str, str], None] | None = None) -> dict:
    """Make every file of a published folder in work_dir; returns interview.json's content.

    on_cut(path, reason) is told how the video is cut ("smart", "" or "full", why) once decided.
    """
    progress("probe", 0.0)
    if is_text_only(edit):
        return build_text_package(session, interview, edit, work_dir, data_dir, progress, render_page)
    by_id = {r.id: r for r in session.scalars(select(Recording).where(Recording.id.in_(edit["recording_ids"])))}
    missing = [rid for rid in edit["recording_ids"] if rid not in by_id]
    if missing:
        raise PipelineError(f"录像 {missing} 已被删除")
    recordings = [by_id[rid] for rid in edit["recording_ids"]]
    infos = [probe_input(rec.path) for rec in recordings]
    pieces = video_timeline(recordings, infos)
    started_at = {rec.id: rec.started_at for rec in recordings}
    keep = snap_to_frames(edit["keep"], float(infos[0].fps))
    if not keep:
        raise PipelineError("剪辑方案没有可保留的片段")
    progress("probe", 1.0)

    mp4 = work_dir / "video.mp4"
    started = time.monotonic()
    plan, sources = choose_cut(infos, keep, pieces, opts)
    cut = {"path": "smart" if plan.smart else "full", "reason": plan.reason}
    if on_cut:
        on_cut(cut["path"], cut["reason"])
    progress("encode", 0.0)  # a short encode may finish before ffmpeg prints any progress
    expected = kept_duration(keep)
    if plan.smart:
        cut.update(smart_cut(plan, sources, keep, pieces, infos[plan.parts[0].piece_index].fps, work_dir, mp4,
                             opts, progress))
    else:
        args, expected = build_encode_args(infos, keep, pieces, str(mp4), opts)
        run_ffmpeg(args, expected, lambda f: progress("encode", f), work_dir / "ffmpeg.log")
    progress("encode", 1.0)
    encode_seconds = time.monotonic() - started
    result = probe_input(str(mp4))
    duration = result.duration_s
    if abs(duration - expected) > 1.0:
        raise PipelineError(f"编码结果时长 {duration:.2f} 秒与剪辑方案 {expected:.2f} 秒不符")

    progress("hls", 0.0)
    segment_hls(mp4, work_dir / "hls")
    progress("hls", 1.0)

    corrections = edit.get("corrections") or {}
    times = _feed_times(session, interview.id, pieces, started_at)
    offset = float(edit.get("caption_offset_s") or 0.0)
    chapter_source = edit.get("chapters")
    if chapter_source is None:
        chapter_source = default_chapters(session, interview.id, pieces, started_at)
    chapter_cues = captions.build_chapter_cues([{"t": c["at_s"], "title": c["title"]} for c in chapter_source],
                                               keep, duration)

    progress("pictures", 0.0)
    poster_joined = edit.get("poster_s")
    poster_joined = next_kept_time(poster_joined, keep) if poster_joined is not None else None
    poster_at = remap(poster_joined, keep) if poster_joined is not None else min(duration / 10, 10.0)
    extract_frame(mp4, min(poster_at or 0.0, max(duration - 0.1, 0)), work_dir / "poster.jpg")
    (work_dir / "thumbnails").mkdir()
    extract_frame(mp4, min(poster_at or 0.0, max(duration - 0.1, 0)), work_dir / "thumbnails" / "poster.jpg",
                  THUMB_WIDTH)
    chapter_list = []
    for number, cue in enumerate(chapter_cues, 1):
        thumb = f"thumbnails/chapter-{number:03d}.jpg"
        extract_frame(mp4, min(cue.start + 1.0, max(cue.end - 0.1, cue.start)), work_dir / thumb, THUMB_WIDTH)
        chapter_list.append({"start_s": round(cue.start, 3), "end_s": round(cue.end, 3), "title": cue.text,
                             "thumbnail": thumb})
        progress("pictures", number / max(len(chapter_cues), 1))

    progress("texts", 0.0)
    lines, public_interview = _transcript_package(session, interview, corrections, times, keep, work_dir, data_dir)
    caption_items = [{"t": times[line["entry_id"]] + offset, "text": line["text"]} for line in lines
                     if times.get(line["entry_id"]) is not None and line["text"].strip()]
    # A policy explainer's script lines timed on the editor page replace the feed's lines.
    caption_items = [{"t": line["start_s"], "end": line.get("end_s"), "text": line["text"]}
                     for line in timed_script_lines(session, interview.id)] or caption_items
    caption_cues = captions.build_caption_cues(caption_items, keep, duration)
    (work_dir / "captions.vtt").write_text(captions.to_webvtt(caption_cues), encoding="utf-8")
    (work_dir / "captions.srt").write_text(captions.to_srt(caption_cues), encoding="utf-8")
    (work_dir / "chapters.vtt").write_text(captions.to_webvtt(chapter_cues), encoding="utf-8")

    meta = {
        "interview": public_interview, "kind": "video",
        "video": {"src": "video.mp4", "hls": "hls/index.m3u8", "poster": "poster.jpg",
                  "duration_s": round(duration, 3), "width": result.width, "height": result.height,
                  "fps": float(result.fps)},
        "cut": cut,
        "chapters": chapter_list, "captions": {"vtt": "captions.vtt", "srt": "captions.srt",
                                               "cues": len(caption_cues)},
        "transcript": lines, "answered_questions": answered_questions(session, interview.id),
        "edit": {"recording_ids": edit["recording_ids"], "keep": keep, "poster_s": edit.get("poster_s"),
                 "revision": edit.get("revision")},
        "encode_seconds": round(encode_seconds, 2),
    }
    return _finish_package(meta, work_dir, progress, render_page)


def build_text_package(session, interview: Interview, edit: dict, work_dir: Path, data_dir: str,
                       progress: ProgressFn, render_page: Callable[[dict, Path], None]) -> dict:
    """A text broadcast (图文直播实录) without video: the page, transcript, photos, interview.json."""
    progress("probe", 1.0)
    progress("texts", 0.0)
    lines, public_interview = _transcript_package(session, interview, edit.get("corrections") or {}, {}, [],
                                                  work_dir, data_dir)
    meta = {
        "interview": public_interview, "kind": "text", "video": None,
        # The first photo of the feed stands in for a poster on the archive index.
        "cover": next((line["image"] for line in lines if line["image"]), None),
        "chapters": [], "captions": None,
        "transcript": lines, "answered_questions": answered_questions(session, interview.id),
        "edit": {"recording_ids": [], "keep": [], "poster_s": None, "revision": edit.get("revision")},
        "encode_seconds": 0.0,
    }
    return _finish_package(meta, work_dir, progress, render_page)


def _transcript_package(session, interview: Interview, corrections: dict, times: dict, keep, work_dir: Path,
                        data_dir: str) -> tuple[list[dict], dict]:
    """The transcript lines with their photos copied in, transcript.txt, and the public interview."""
    lines = transcript_lines(session, interview.id, corrections, times, keep)
    if not lines:
        # A policy explainer has no feed: its timed script is the transcript (through the cut).
        lines = []
        for line in timed_script_lines(session, interview.id):
            out = remap(line["start_s"], keep) if keep else None
            lines.append({"entry_id": None, "at": None, "speaker": "script", "speaker_name": "",
                          "text": line["text"], "image_id": None, "image": None,
                          "video_s": round(out, 3) if out is not None else None})
    public_interview = interview_json(interview, staff=False)
    copy_images(session, data_dir, lines, public_interview["guests"], work_dir)
    (work_dir / "transcript.txt").write_text(captions.transcript_txt(interview.title, lines), encoding="utf-8")
    return lines, public_interview


def _finish_package(meta: dict, work_dir: Path, progress: ProgressFn, render_page: Callable[[dict, Path], None]) -> dict:
    (work_dir / "transcript.json").write_text(json.dumps({"lines": meta["transcript"]}, ensure_ascii=False,
                                                         indent=1), encoding="utf-8")
    render_page(meta, work_dir)
    (work_dir / "interview.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    (work_dir / "ffmpeg.log").unlink(missing_ok=True)
    progress("texts", 1.0)
    return meta
