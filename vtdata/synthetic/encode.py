"""Turn rendered pixels into media files: one ffmpeg process per video, Pillow for images.

Files appear atomically (a dot-prefixed temporary name, then `os.replace`). Encoding is
single-threaded and bit-exact so the same frames give the same bytes from the same ffmpeg.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
from PIL import Image

from vtdata.media.ffmpeg import run_ffmpeg


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp")


def write_mp4(
    path: Path, frames: np.ndarray, fps: int, *, gop: int, crf: int = 23, audio: bool = False
) -> None:
    """H.264 (yuv420p, keyframe every `gop` frames, B-frames on) in MP4, moov first; silent AAC if `audio`."""
    n, h, w, _ = frames.shape
    args = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", str(fps), "-i", "pipe:0"]
    if audio:
        args += ["-f", "lavfi", "-t", f"{n / fps:.6f}", "-i", "anullsrc=r=16000:cl=mono"]
        args += ["-map", "0:v", "-map", "1:a", "-c:a", "aac", "-b:a", "24k", "-flags:a", "+bitexact"]
    args += [
        "-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf), "-pix_fmt", "yuv420p",
        "-g", str(gop), "-keyint_min", str(gop), "-threads", "1",
        "-flags:v", "+bitexact", "-fflags", "+bitexact", "-map_metadata", "-1",
        "-movflags", "+faststart", "-f", "mp4", "-y", str(_tmp(path)),
    ]  # fmt: skip
    try:
        run_ffmpeg(args, input=np.ascontiguousarray(frames).tobytes(), timeout=120)
        os.replace(_tmp(path), path)
    finally:
        _tmp(path).unlink(missing_ok=True)


def write_image(path: Path, pixels: np.ndarray, *, exif_orientation: int | None = None) -> None:
    """JPEG (quality 90) or PNG by suffix. With orientation 6 the pixels are stored turned a
    quarter left and tagged so that an EXIF-aware reader shows `pixels` (as phones write photos)."""
    image = Image.fromarray(pixels, "RGB")
    buf = io.BytesIO()
    if path.suffix.lower() == ".png":
        image.save(buf, format="PNG")
    else:
        exif = Image.Exif()
        if exif_orientation == 6:
            image = image.transpose(Image.Transpose.ROTATE_90)
            exif[0x0112] = 6
        elif exif_orientation is not None:
            raise ValueError(f"only EXIF orientation 6 is generated, got {exif_orientation}")
        image.save(buf, format="JPEG", quality=90, exif=exif.tobytes())
    _tmp(path).write_bytes(buf.getvalue())
    os.replace(_tmp(path), path)
