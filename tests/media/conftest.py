"""Tiny test videos of every codec, made on demand (once per session) with the bundled ffmpeg.

Fixtures: `media(name)` -> Path (names: the RECIPES keys and the `_make_*` methods), `codes`,
`vfr_times`, `real` (the shared real-file folder).

Every frame draws its own index as an 8-bit binary code: eight vertical bands, band b white when
bit b of the frame number is set. `frame_codes` reads it back, so a test can check that the frame
returned for index i IS frame i, through any codec, container, seek or resize.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from vtdata.media.ffmpeg import run_ffmpeg

W, H, FPS, SECONDS = 128, 72, 25, 2
N_FRAMES = FPS * SECONDS


def code_source(width: int = W, height: int = H, fps: int = FPS, seconds: float = SECONDS) -> list[str]:
    """lavfi input whose frame N shows N in binary (band b = bit b), grey chroma."""
    graph = (
        f"color=c=gray:s={width}x{height}:r={fps}:d={seconds},format=yuv420p,"
        "geq=lum='255*mod(floor(N/pow(2\\,floor(X*8/W)))\\,2)':cb=128:cr=128"
    )
    return ["-f", "lavfi", "-i", graph]


def frame_codes(frames: np.ndarray) -> list[int]:
    """Frame numbers drawn by `code_source`, read from the middle row of uint8 RGB frames [T, H, W, 3]."""
    frames = np.asarray(frames)
    if frames.ndim == 3:
        frames = frames[None]
    h, w = frames.shape[1:3]
    cols = ((np.arange(8) + 0.5) * w / 8).astype(int)
    bits = frames[:, h // 2, cols, :].mean(axis=2) > 128
    return [int(sum(int(bit) << b for b, bit in enumerate(row))) for row in bits]


GOP = ["-g", "12"]
RECIPES: dict[str, tuple[str, list[str]]] = {
    "h264": ("h264.mp4", ["-c:v", "libx264", "-preset", "veryfast", "-bf", "2", *GOP]),
    "h264_10bit": ("h264_10.mp4", ["-c:v", "libx264", "-bf", "2", *GOP, "-pix_fmt", "yuv420p10le"]),
    "hevc": (
        "hevc.mp4",
        [
            "-c:v",
            "libx265",
            "-preset",
            "ultrafast",
            "-x265-params",
            "log-level=error:keyint=12",
            "-tag:v",
            "hvc1",
        ],
    ),
    "hevc_closed_gop": (
        "hevc_closed.mp4",
        ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error:keyint=12:open-gop=0"]
        + ["-tag:v", "hvc1"],
    ),
    "h264_open_gop": (
        "h264_open.mp4",
        ["-c:v", "libx264", "-preset", "veryfast", "-bf", "3", *GOP, "-x264-params", "open-gop=1"],
    ),
    "hevc_10bit": (
        "hevc_10.mp4",
        [
            "-c:v",
            "libx265",
            "-preset",
            "ultrafast",
            "-x265-params",
            "log-level=error:keyint=12",
            "-tag:v",
            "hvc1",
            "-pix_fmt",
            "yuv420p10le",
        ],
    ),
    "vp8": ("vp8.webm", ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "1M", *GOP]),
    "vp9": (
        "vp9.webm",
        ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "1M", *GOP],
    ),
    "vp9_10bit": (
        "vp9_10.webm",
        ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "1M", *GOP]
        + ["-pix_fmt", "yuv420p10le", "-profile:v", "2"],
    ),
    "av1": ("av1.mp4", ["-c:v", "libaom-av1", "-cpu-used", "8", "-crf", "20", "-b:v", "0", *GOP]),
    "av1_10bit": (
        "av1_10.webm",
        ["-c:v", "libsvtav1", "-preset", "10", "-crf", "20", *GOP, "-pix_fmt", "yuv420p10le"],
    ),
    "mpegts": ("h264.ts", ["-c:v", "libx264", "-preset", "veryfast", "-bf", "2", *GOP, "-f", "mpegts"]),
    "raw_h264": ("raw.h264", ["-c:v", "libx264", "-preset", "veryfast", "-bf", "2", *GOP, "-f", "h264"]),
}

# variable frame rate: 25 frames at 25 fps, then 25 frames at 10 fps
VFR_TIMES = np.concatenate([np.arange(25) / 25, 1.0 + np.arange(25) / 10])


class MediaFactory:
    """`media("h264")` -> Path of that test file, made on first use."""

    def __init__(self, root: Path):
        self.root = root
        self.made: dict[str, Path] = {}

    def __call__(self, name: str) -> Path:
        if name not in self.made:
            maker = getattr(self, f"_make_{name}", None)
            self.made[name] = maker() if maker else self._recipe(name)
        return self.made[name]

    def _recipe(self, name: str) -> Path:
        filename, args = RECIPES[name]
        out = self.root / filename
        run_ffmpeg([*code_source(), *args, "-y", out], timeout=60)
        return out

    def _make_two_streams(self) -> Path:
        """A small 64x36 stream FIRST, then the 128x72 coded one, then audio: the larger must win."""
        out = self.root / "two_streams.mp4"
        small = ["-f", "lavfi", "-i", f"testsrc2=s=64x36:r={FPS}:d={SECONDS}"]
        audio = ["-f", "lavfi", "-i", f"sine=d={SECONDS}"]
        maps = ["-map", "1:v", "-map", "0:v", "-map", "2:a"]
        run_ffmpeg([*code_source(), *small, *audio, *maps, "-c:v", "libx264", "-c:a", "aac", "-y", out])
        return out

    def _make_streamed_mkv(self) -> Path:
        """Matroska written to a pipe: no duration, no cues (seek index), as live captures are."""
        data = run_ffmpeg([*code_source(), "-c:v", "libx264", "-bf", "2", *GOP, "-f", "matroska", "pipe:1"])
        out = self.root / "streamed.mkv"
        out.write_bytes(data)
        return out

    def _make_bad_audio(self) -> Path:
        """H.264 video with an AAC stream whose every packet is damaged (the noise bitstream filter)."""
        out = self.root / "bad_audio.mp4"
        audio = ["-f", "lavfi", "-i", f"sine=d={SECONDS}"]
        run_ffmpeg(
            [
                *code_source(),
                *audio,
                "-c:v",
                "libx264",
                *GOP,
                "-c:a",
                "aac",
                "-bsf:a",
                "noise=amount=1",
                "-y",
                out,
            ]
        )
        return out

    def _make_vfr(self) -> Path:
        out = self.root / "vfr.mp4"
        pts = "setpts='if(lt(N\\,25)\\,N*40\\,1000+(N-25)*100)'"  # in milliseconds (settb=1/1000)
        run_ffmpeg(
            [
                *code_source(),
                "-vf",
                f"settb=1/1000,{pts}",
                "-fps_mode",
                "passthrough",
                "-enc_time_base:v",
                "1/1000",
            ]
            + ["-c:v", "libx264", "-bf", "2", *GOP, "-y", out]
        )
        return out

    def _make_short(self) -> Path:
        """Five frames: shorter than the usual 8 sampled frames."""
        out = self.root / "short.mp4"
        run_ffmpeg([*code_source(seconds=0.2), "-c:v", "libx264", "-y", out])
        return out

    def _make_corrupt(self) -> Path:
        """An mp4 `ftyp` box followed by garbage, as a server error page or a broken upload gives."""
        out = self.root / "corrupt.mp4"
        ftyp = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
        out.write_bytes(ftyp + np.random.default_rng(0).integers(0, 256, 20000, dtype=np.uint8).tobytes())
        return out

    def _make_truncated(self) -> Path:
        """A +faststart mp4 (index first) cut in the middle of its media data: the index promises frames
        the file no longer has, as an interrupted download leaves it."""
        full = self.root / "full_faststart.mp4"
        run_ffmpeg([*code_source(), "-c:v", "libx264", *GOP, "-movflags", "+faststart", "-y", full])
        data = full.read_bytes()
        mdat = data.index(b"mdat")
        out = self.root / "truncated.mp4"
        out.write_bytes(data[: mdat + (len(data) - mdat) // 2])
        return out


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> MediaFactory:
    return MediaFactory(tmp_path_factory.mktemp("media"))


@pytest.fixture(scope="session")
def codes():
    """`codes(frames)` -> the frame numbers drawn into them (see `frame_codes`)."""
    return frame_codes


@pytest.fixture(scope="session")
def vfr_times() -> np.ndarray:
    """Presentation times of the frames of `media("vfr")`."""
    return VFR_TIMES




os.environ.setdefault("SVT_LOG", "1")  # SVT-AV1 prints its banner unless told to log errors only
