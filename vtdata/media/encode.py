"""The `clip` store: re-encode one clip with ONE ffmpeg process and ONE filter graph.

The output is made for cheap random access in the loader: H.264 (libx264), yuv420p, no B-frames,
a keyframe every `gop` frames (scene-cut keyframes off, so the interval is fixed), `+faststart` so the
index comes first. Seeking is accurate: `-ss` before `-i` with re-encoding decodes from the previous
keyframe and drops frames before `start`; `-t` cuts at `end`. Raw elementary streams (`.h264`), which
cannot seek, are cut by a `trim` filter at the head of the same graph instead. The filter graph is
`fps -> scale -> crop -> format`, in that order so only kept frames are scaled. The frame shown at
output time k / fps is chosen by the `fps` filter (round to nearest), which `sampling`'s `dense`
mode reproduces for the `frames` store.

`+faststart` rewrites the file after encoding, which a pipe cannot do, so ffmpeg writes into a
private temporary directory and we read the bytes back; nothing else touches the disk.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from vtdata.media.damage import stderr_errors
from vtdata.media.errors import CORRUPT, EMPTY, ERROR, MediaError
from vtdata.media.ffmpeg import FFmpegError, run_ffmpeg, run_ffmpeg_logged
from vtdata.media.probe import MediaInfo, probe
from vtdata.media.resize import ResizeSpec

log = logging.getLogger(__name__)

# Elementary streams without an index: input seeking fails there.
RAW_STREAM_FORMATS = frozenset({"h264", "hevc", "mpegvideo", "m4v", "obu", "rawvideo", "mjpeg"})


def encode_args(
    path: str | Path,
    out: str | Path,
    start: float,
    end: float | None,
    *,
    info: MediaInfo,
    size: ResizeSpec,
    fps: float | None,
    gop: int | None = None,
    crf: int = 23,
    preset: str = "veryfast",
    keep_audio: bool = False,
    threads: int = 0,
) -> list[str]:
    """The ffmpeg argument list (without the binary) that `encode_clip` runs; benchmarks reuse it.

    `fps=None` keeps the source's frames, every one once (no fps filter, `-fps_mode passthrough`).
    """
    plan = size.plan(info.width, info.height, even=True)
    gop = gop or max(1, round(fps or info.fps or 25.0))
    filters = [f"scale={plan.scale_w}:{plan.scale_h}:flags=bicubic"]
    if fps is not None:
        filters.insert(0, f"fps={fps:g}")
    if plan.out_size != (plan.scale_w, plan.scale_h):
        filters.append(f"crop={plan.crop_w}:{plan.crop_h}:{plan.x}:{plan.y}")
    filters.append("format=yuv420p")
    if info.container in RAW_STREAM_FORMATS:
        # cannot seek: decode from the top and cut in the graph, keeping the fps grid anchored at `start`
        cut = f"trim=start={start:.6f}" + (f":end={end:.6f}" if end is not None else "")
        filters = [cut, f"setpts=PTS-{start:.6f}/TB", *filters]
        args = ["-i", str(path)]
    else:
        args = ["-ss", f"{start:.6f}", "-i", str(path)]
        if end is not None:
            args += ["-t", f"{max(0.0, end - start):.6f}"]
    args += ["-map", f"0:{info.stream_index}"]
    args += ["-map", "0:a:0?", "-c:a", "aac", "-b:a", "96k"] if keep_audio else ["-an"]
    args += ["-sn", "-dn", "-map_metadata", "-1", "-map_chapters", "-1"]
    args += ["-filter:v", ",".join(filters)]
    if fps is None:
        args += ["-fps_mode", "passthrough"]
    args += ["-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p"]
    args += ["-bf", "0", "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0"]
    args += ["-threads", str(threads), "-movflags", "+faststart", "-f", "mp4", "-y", str(out)]
    return args


def encode_clip(
    path: str | Path,
    start: float,
    end: float | None,
    *,
    size: ResizeSpec,
    fps: float | None,
    gop: int | None = None,
    crf: int = 23,
    preset: str = "veryfast",
    keep_audio: bool = False,
    stream_index: int | None = None,
    info: MediaInfo | None = None,
    threads: int = 0,
    timeout: float | None = 120.0,
    errors: list[str] | None = None,
) -> bytes:
    """MP4 bytes of `[start, end)` seconds of `path` at `fps`, resized by `size` (sizes rounded to even).

    Output geometry is `size.plan(info.width, info.height, even=True).out_size`; output frame k shows
    the source around `start + k / fps` (`fps=None`: the source's own frames, unchanged in number
    and time, for loaders that sample per epoch as the papers do). `gop` defaults to one second of
    frames. `stream_index` (default: probe's largest video stream) picks the video stream; pass
    `info` to skip the probe.
    With `keep_audio`, the first audio stream is kept as AAC; if that audio cannot be decoded the clip
    is encoded without it (a warning is logged). Raises `MediaError` (corrupt / empty / error).
    The decoder errors ffmpeg logged (a damaged input, `media.damage`) are appended to `errors`.
    """
    if fps is not None and fps <= 0:
        raise ValueError(f"fps must be > 0, got {fps}")
    if info is None:
        info = probe(path)
    if stream_index is not None and stream_index != info.stream_index:
        info = _with_stream(path, stream_index)
    with tempfile.TemporaryDirectory(prefix="vtdata-clip-") as tmp:
        out = Path(tmp) / "clip.mp4"
        kwargs = dict(info=info, size=size, fps=fps, gop=gop, crf=crf, preset=preset, threads=threads)
        try:
            stderr = _run(encode_args(path, out, start, end, keep_audio=keep_audio, **kwargs), timeout, path)
        except MediaError:
            if not keep_audio:
                raise
            log.warning("%s: encoding with audio failed; encoding the clip without audio", path)
            stderr = _run(encode_args(path, out, start, end, keep_audio=False, **kwargs), timeout, path)
        if errors is not None:
            errors.extend(stderr_errors(stderr))
        data = out.read_bytes() if out.exists() else b""
    if not _has_video_frames(data):
        span = "the end" if end is None else f"{end:.3f}s"
        raise MediaError(EMPTY, f"{path}: no frame between {start:.3f}s and {span}")
    return data


def encode_frames(
    path: Path, frames: np.ndarray, fps: int, *, gop: int, crf: int = 23, audio: bool = False
) -> None:
    """Encode RGB frames [N, H, W, 3] into an MP4 at `path`, atomically: H.264 (yuv420p, a keyframe every
    `gop` frames, B-frames on), moov first, silent AAC if `audio`. Single-threaded and bit-exact, so the
    same frames give the same bytes from the same ffmpeg. Raises `FFmpegError`."""
    n, h, w, _ = frames.shape
    tmp = path.with_name(f".{path.name}.tmp")
    args = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", str(fps), "-i", "pipe:0"]
    if audio:
        args += ["-f", "lavfi", "-t", f"{n / fps:.6f}", "-i", "anullsrc=r=16000:cl=mono"]
        args += ["-map", "0:v", "-map", "1:a", "-c:a", "aac", "-b:a", "24k", "-flags:a", "+bitexact"]
    args += [
        "-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf), "-pix_fmt", "yuv420p",
        "-g", str(gop), "-keyint_min", str(gop), "-threads", "1",
        "-flags:v", "+bitexact", "-fflags", "+bitexact", "-map_metadata", "-1",
        "-movflags", "+faststart", "-f", "mp4", "-y", str(tmp),
    ]  # fmt: skip
    try:
        run_ffmpeg(args, input=np.ascontiguousarray(frames).tobytes(), timeout=120)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def count_video_frames(data: bytes) -> int:
    """Frames (non-empty video packets) of an in-memory video, by demuxing its first video stream."""
    import av

    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        return sum(1 for p in container.demux(stream) if p.size)


def _run(args: list[str], timeout: float | None, path: str | Path) -> str:
    """Run ffmpeg; its stderr (errors only) on success."""
    try:
        return run_ffmpeg_logged(args, timeout=timeout)[1]
    except subprocess.TimeoutExpired as exc:
        raise MediaError(ERROR, f"{path}: ffmpeg did not finish within {timeout}s") from exc
    except FFmpegError as exc:
        text = exc.stderr_tail.lower()
        bad_input = any(s in text for s in ("invalid data", "moov atom not found", "error while decoding"))
        reason = CORRUPT if bad_input else ERROR
        raise MediaError(reason, f"{path}: ffmpeg failed: {exc.stderr_tail}") from exc


def _has_video_frames(data: bytes) -> bool:
    import av

    if not data:
        return False
    try:
        with av.open(io.BytesIO(data)) as container:
            stream = container.streams.video[0]
            return any(p.size for p in container.demux(stream))
    except (av.error.FFmpegError, IndexError):
        return False


def _with_stream(path: str | Path, stream_index: int) -> MediaInfo:
    """Probe facts for an explicitly chosen stream instead of the largest one."""
    import av

    from vtdata.media.probe import info_from_container

    with av.open(str(path)) as container:
        streams = [s for s in container.streams.video if s.index == stream_index]
        if not streams:
            raise MediaError(ERROR, f"{path}: no video stream with index {stream_index}")
        return info_from_container(container, streams[0], path)
