"""Check a media file before it may count as good: it must decode, and be whole.

A video must open, yield its first frame, and hold every packet its index announces (a file
cut short with its index in front still plays its beginning; the packet scan is a demux
without decoding, so it costs little more than reading the file). An image must fully decode.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
from PIL import Image

from vtdata.media.errors import CORRUPT, TOO_LARGE, UNSUPPORTED, MediaError, classify_av_error
from vtdata.media.probe import info_from_container, select_video_stream

MAX_PACKETS_TO_FIRST_FRAME = 1000


@dataclass(frozen=True)
class Verified:
    """What a check found out about a good file (the download ledger records it)."""

    width: int
    height: int
    duration: float | None = None
    fps: float | None = None
    codec: str = ""


def _decoding(reason: str) -> str:
    """A file that will not decode is corrupt, unless it is a format we do not support."""
    return UNSUPPORTED if reason == UNSUPPORTED else CORRUPT


def _text(exc: BaseException) -> str:
    """PyAV's message without the (temporary) file name it appends."""
    return getattr(exc, "strerror", None) or str(exc)


def verify_video(path: str | Path, label: str = "video") -> Verified:
    """Decode the first frame and demux the rest; raise `MediaError` (corrupt / unsupported) if bad.

    `label` names the file in messages (the path is a temporary name the user never sees).
    """
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            stream = select_video_stream(container, label)
            stream.codec_context.thread_count = 1  # one frame: spawning decoder threads costs more
            declared = stream.frames or 0
            first, packets, end = _scan(container, stream, label)
            info = info_from_container(container, stream, label)
    except MediaError as exc:
        raise MediaError(_decoding(exc.reason), exc.message) from exc
    except Exception as exc:  # noqa: BLE001 - PyAV raises many types; classify them
        raise MediaError(_decoding(classify_av_error(exc)), f"{label}: cannot decode: {_text(exc)}") from exc
    if declared and packets < declared:
        raise MediaError(CORRUPT, f"{label}: truncated: {packets} of {declared} frames present")
    duration = info.duration if info.duration is not None else end
    return Verified(first.width, first.height, duration, info.fps, info.codec)


def _scan(container, stream, label: str) -> tuple[av.VideoFrame, int, float | None]:
    """First decoded frame, the number of packets, and the end time; raise on a damaged packet."""
    first, packets, end = None, 0, None
    tb = float(stream.time_base) if stream.time_base else 0.0  # float math: Fractions cost per packet
    for packet in container.demux(stream):
        if not packet.size:
            continue
        if packet.is_corrupt:
            at = f" at {packet.pts * tb:.2f}s" if packet.pts is not None else ""
            raise MediaError(CORRUPT, f"{label}: truncated or damaged packet{at}")
        packets += 1
        if packet.pts is not None and tb:
            t = (packet.pts + (packet.duration or 0)) * tb
            end = t if end is None else max(end, t)
        if first is None:
            for frame in packet.decode():
                first = frame
                break
            if first is None and packets >= MAX_PACKETS_TO_FIRST_FRAME:
                raise MediaError(CORRUPT, f"{label}: no frame decoded from the first {packets} packets")
    if first is None:
        first = next(iter(_flush(stream)), None)
    if first is None:
        raise MediaError(CORRUPT, f"{label}: no decodable video frame ({packets} packets)")
    return first, packets, end


def _flush(stream) -> list:
    """Frames a decoder still holds after the last packet (short files with B-frame delay)."""
    try:
        return list(stream.codec_context.decode(None))
    except av.error.FFmpegError:
        return []


def verify_image(path: str | Path, label: str = "image") -> Verified:
    """Fully decode an image with PIL; raise `MediaError` corrupt / too_large if it does not."""
    try:
        with Image.open(path) as img:
            img.load()
            return Verified(img.width, img.height)
    except Image.DecompressionBombError as exc:
        raise MediaError(TOO_LARGE, f"{label}: {exc}") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise MediaError(CORRUPT, f"{label}: cannot decode: {_text(exc)}") from exc
