"""Recordings of known content for the publishing tests: each frame's number coded as blocks.

The top BAND_HEIGHT rows hold BITS blocks of BLOCK_WIDTH pixels; block b is white when bit b of
the frame number (plus an offset per recording) is set. read_frame_numbers() decodes every frame
of a video back to those numbers, so a test can check exactly which source frames a cut kept.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

BITS = 16
BLOCK_WIDTH = 20
BAND_HEIGHT = 40
WIDTH, HEIGHT = BITS * BLOCK_WIDTH, 240


def make_coded_clip(path: Path, seconds: float, fps: int = 25, offset: int = 0, audio: bool = True,
                    gop: int = 250, scale: int = 1, preset: str = "ultrafast") -> Path:
    """A 320x240 H.264 recording (MKV like OBS's) whose frame n shows n + offset in its top band.

    Keyframes every `gop` frames (OBS's default 250) so that a cut must not snap to keyframes.
    `scale` 2 makes it 640x480 with the band drawn twice as large: still readable once scaled down.
    `preset` "veryfast" makes it like OBS's (High profile, B-frames: decoding order differs from display).
    """
    block, band = BLOCK_WIDTH * scale, BAND_HEIGHT * scale
    bit = f"mod(floor((N+{offset})/pow(2,floor(X/{block}))),2)"
    lum = f"if(lt(Y,{band}),16+219*{bit},128+50*sin(N/7+X/23)*cos(Y/17))"
    args = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
            "-i", f"color=c=gray:s={WIDTH * scale}x{HEIGHT * scale}:r={fps}:d={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]
    args += ["-vf", f"format=gray,geq=lum='{lum}',format=yuv420p", "-c:v", "libx264", "-preset", preset,
             "-crf", "18", "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0"]
    if audio:
        args += ["-c:a", "aac", "-ac", "2"]
    subprocess.run(args + [str(path)], check=True, timeout=300)
    return path


def read_frame_numbers(path: Path) -> list[int]:
    """Decode every frame of a video and read the number in its band."""
    raw = subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-i", str(path), "-map", "0:v:0",
                          "-vf", f"scale={WIDTH}:{HEIGHT},crop={WIDTH}:{BAND_HEIGHT}:0:0,format=gray",
                          "-vsync", "passthrough", "-f", "rawvideo", "-"],
                         check=True, capture_output=True, timeout=300).stdout
    frame_size = WIDTH * BAND_HEIGHT
    numbers = []
    for start in range(0, len(raw) - frame_size + 1, frame_size):
        row = raw[start + (BAND_HEIGHT // 2) * WIDTH: start + (BAND_HEIGHT // 2 + 1) * WIDTH]
        numbers.append(sum(1 << b for b in range(BITS) if row[b * BLOCK_WIDTH + BLOCK_WIDTH // 2] > 128))
    return numbers


def runs(numbers: list[int]) -> list[tuple[int, int]]:
    """Consecutive runs of frame numbers: [(first, last), ...]."""
    result = []
    for n in numbers:
        if result and n == result[-1][1] + 1:
            result[-1] = (result[-1][0], n)
        else:
            result.append((n, n))
    return result


def moov_before_mdat(path: Path) -> bool:
    """True when the MP4's index (moov) comes before its media (mdat): a faststart file."""
    data = path.read_bytes()
    offset, order = 0, []
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset:offset + 4], "big")
        kind = data[offset + 4:offset + 8].decode("latin-1")
        if size == 1:
            size = int.from_bytes(data[offset + 8:offset + 16], "big")
        order.append(kind)
        if size < 8:
            break
        offset += size
    return "moov" in order and "mdat" in order and order.index("moov") < order.index("mdat")
