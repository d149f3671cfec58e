"""Probe a media file with PyAV (there is no ffprobe binary): size, rate, duration, codec, streams.

Files with several video streams are common in the wild (thumbnails, renditions of several sizes):
we always use the LARGEST one (width x height; ties go to the default-flagged, then the lower index)
and say which in `stream_index`, so every later stage (decode, encode) reads the same stream.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import av

from vtdata.media.errors import CORRUPT, UNSUPPORTED, MediaError, classify_av_error


@dataclass(frozen=True)
class MediaInfo:
    """What one video file holds, as far as the container and a packet scan tell.

    `num_frames` is a HINT from the container (or duration x fps): decoders must not trust it;
    `vtdata.media.decode` counts the frames it can actually index. `duration` is in seconds and comes
    from `duration_source` ("stream", "container" or "packets" when the container states none).
    Times are relative to `start_time` (the container's start), as players and `ffmpeg -ss` count them.
    """

    path: str
    width: int
    height: int
    fps: float | None  # average frame rate; None when the container cannot say
    duration: float | None
    num_frames: int | None  # hint, not a fact
    codec: str  # decoder name, e.g. h264, hevc, vp8, vp9, av1
    pix_fmt: str  # e.g. yuv420p, yuv420p10le
    bit_depth: int  # 8, 10, 12
    stream_index: int  # absolute stream index in the container (ffmpeg `-map 0:<i>`)
    n_video_streams: int
    has_audio: bool
    container: str  # demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm"
    start_time: float  # seconds; the origin of every time vtdata reports
    duration_source: str  # "stream" | "container" | "packets" | "none"

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def probe(path: str | Path) -> MediaInfo:
    """Probe `path`; raise `MediaError` (reason corrupt / unsupported / error) when it is not usable video."""
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            stream = select_video_stream(container, path)
            return info_from_container(container, stream, path)
    except MediaError:
        raise
    except Exception as exc:  # noqa: BLE001 - PyAV raises many types; we classify them
        raise MediaError(classify_av_error(exc), f"{path}: cannot probe: {exc}") from exc


def video_streams(container: av.container.InputContainer) -> list[av.video.stream.VideoStream]:
    """Real video streams: attached pictures (cover art) are images, not video, and are skipped."""
    return [s for s in container.streams.video if not (s.disposition & av.stream.Disposition.attached_pic)]


def select_video_stream(
    container: av.container.InputContainer, path: str | Path = ""
) -> av.video.stream.VideoStream:
    """The largest video stream (pixels), ties broken by the default flag, then the lower index."""
    streams = video_streams(container)
    if not streams:
        raise MediaError(UNSUPPORTED, f"{path}: no video stream")

    def key(s: av.video.stream.VideoStream) -> tuple:
        cc = s.codec_context
        default = bool(s.disposition & av.stream.Disposition.default)
        return ((cc.width or 0) * (cc.height or 0), default, -s.index)

    stream = max(streams, key=key)
    if not stream.codec_context.width or not stream.codec_context.height:
        raise MediaError(CORRUPT, f"{path}: video stream {stream.index} states no frame size")
    return stream


def info_from_container(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    path: str | Path = "",
    *,
    scan: bool = True,
) -> MediaInfo:
    """Build `MediaInfo` for an open container; scans packets (if `scan`) only when no duration is stated.

    After a scan the container is at its end (see `_duration_from_packets`).
    """
    cc = stream.codec_context
    fps = _rate(stream)
    start_time = container.start_time / av.time_base if container.start_time is not None else 0.0
    duration, source = None, "none"
    if stream.duration and stream.time_base:
        duration, source = float(stream.duration * stream.time_base), "stream"
    elif container.duration and container.duration > 0:
        duration, source = container.duration / av.time_base, "container"
    elif scan:
        duration = _duration_from_packets(container, stream, start_time, fps)
        source = "packets" if duration is not None else "none"
    hint = stream.frames or (round(duration * fps) if duration and fps else None)
    pix_fmt = cc.pix_fmt or ""
    return MediaInfo(
        path=str(path),
        width=cc.width,
        height=cc.height,
        fps=fps,
        duration=duration,
        num_frames=hint,
        codec=cc.codec.canonical_name,  # "av1", not the decoder's name (libdav1d)
        pix_fmt=pix_fmt,
        bit_depth=_bit_depth(pix_fmt),
        stream_index=stream.index,
        n_video_streams=len(video_streams(container)),
        has_audio=len(container.streams.audio) > 0,
        container=container.format.name,
        start_time=start_time,
        duration_source=source,
    )


def _rate(stream: av.video.stream.VideoStream) -> float | None:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate and 0 < float(rate) < 1000:
            return float(rate)
    return None


def _bit_depth(pix_fmt: str) -> int:
    try:
        return int(av.video.format.VideoFormat(pix_fmt).components[0].bits)
    except (ValueError, IndexError, TypeError):
        return 8


def _duration_from_packets(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    start_time: float,
    fps: float | None,
) -> float | None:
    """Last presentation time + its duration, by demuxing (no decoding); frames / fps when pts are absent.

    Consumes the container: raw elementary streams cannot seek back, so callers reopen if they need to.
    """
    end, count = None, 0
    for packet in container.demux(stream):
        if not packet.size:
            continue
        count += 1
        if packet.pts is not None and packet.time_base:
            t = float((packet.pts + (packet.duration or 0)) * packet.time_base)
            end = t if end is None else max(end, t)
    if end is not None:
        return max(0.0, end - start_time)
    return count / fps if count and fps else None
