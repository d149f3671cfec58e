"""Decode what a shard sample stores into uint8 frames [T, H, W, 3]: its JPEG members (frames
store) or its in-memory mp4 (clip store).

Frames store: only the chosen JPEGs are decoded (`jpeg.decode_jpeg`, into a reused buffer).
Clip store: the mp4 vtdata encoded itself (H.264, no B-frames, a short fixed GOP) goes to decord,
which seeks to the keyframe before each chosen frame; when decord cannot read it, PyAV decodes
the clip sequentially and the fallback is recorded (`decoders.record_fallback`). These clips are
trusted as written, so unlike `decode.extract_clips` (for downloaded files) no packet index is
built first: the stored frame count caps decord's (it over-reports on some containers).
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np

from vtdata.media.decoders import record_fallback
from vtdata.media.errors import CORRUPT, EMPTY, MediaError
from vtdata.media.jpeg import FrameBuffer, decode_image_pil, decode_jpeg, jpeg_size

ChooseFrames = Callable[[np.ndarray], np.ndarray]
"""Given the times (seconds) of the available frames, the indices of those to keep."""


def frame_members(sample: dict) -> list[str]:
    """The sample's frame members (`000.jpg`, `001.jpg`, ...) in frame order."""
    names = [k for k in sample if k.endswith(".jpg") and k[:-4].isdigit()]
    return sorted(names, key=lambda k: int(k[:-4]))


def decode_frames(
    sample: dict,
    times: np.ndarray | None,
    choose: ChooseFrames,
    expected: int | None = None,
    buffer: FrameBuffer | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Decode the chosen stored JPEGs of a frames-store sample; returns (frames [T,H,W,3], indices).

    `expected` is the frame count the metadata promises: fewer members means the sample was cut
    short (a truncated tar ends with a partial sample), and it is refused rather than silently thin.
    With a `buffer` the frames are a view of it (valid until its next use); all frames of a
    sample must have one size.
    """
    names = frame_members(sample)
    if not names:
        raise MediaError(EMPTY, "no NNN.jpg frame members")
    if expected is not None and len(names) != expected:
        raise MediaError(
            CORRUPT, f"{len(names)} frame members, the metadata says {expected} (truncated shard?)"
        )
    if times is None or len(times) != len(names):
        times = np.arange(len(names), dtype=np.float64)
    indices = choose(times)
    if len(indices) == 0:
        raise MediaError(EMPTY, f"sampling chose no frame of {len(names)}")
    frames = None
    for slot, i in enumerate(indices):
        data = sample[names[i]]
        try:
            if frames is None:  # the first frame fixes the size (read from its header, else decoded)
                size = jpeg_size(data)
                first = decode_image_pil(data) if size is None else None
                shape = (len(indices), *(size or first.shape[:2]), 3)
                frames = buffer.view(shape) if buffer is not None else np.empty(shape, dtype=np.uint8)
                if first is not None:
                    frames[0] = first
                    continue
            decode_jpeg(data, out=frames[slot])
        except Exception as exn:
            raise MediaError(CORRUPT, f"member {names[i]}: {type(exn).__name__}: {exn}") from exn
    return frames, indices


def _clip_times(n: int, fps: float | None, stored: np.ndarray | None) -> np.ndarray:
    if stored is not None and len(stored) == n:
        return stored
    return np.arange(n, dtype=np.float64) / (fps or 1.0)


def decode_mp4_decord(
    data: bytes,
    choose: ChooseFrames,
    count_hint: int | None,
    fps: float | None,
    stored: np.ndarray | None,
    threads: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    import decord

    reader = decord.VideoReader(io.BytesIO(data), num_threads=threads)
    n = len(reader)
    if count_hint:
        n = min(n, count_hint)
    if n == 0:
        raise MediaError(EMPTY, "the mp4 has no frame")
    indices = choose(_clip_times(n, fps or reader.get_avg_fps(), stored))
    return reader.get_batch([int(i) for i in indices]).asnumpy(), indices


def decode_all_frames(data: bytes) -> list[np.ndarray]:
    """Every frame of an in-memory video, RGB uint8, in order (PyAV, sequential)."""
    import av

    with av.open(io.BytesIO(data)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def decode_mp4_pyav(
    data: bytes, choose: ChooseFrames, fps: float | None, stored: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    import av

    with av.open(io.BytesIO(data)) as container:
        decoded = list(container.decode(video=0))
    if not decoded:
        raise MediaError(EMPTY, "the mp4 has no frame")
    indices = choose(_clip_times(len(decoded), fps, stored))
    return np.stack([decoded[i].to_ndarray(format="rgb24") for i in indices]), indices


def decode_clip(
    data: bytes,
    choose: ChooseFrames,
    count_hint: int | None = None,
    fps: float | None = None,
    stored: np.ndarray | None = None,
    threads: int = 1,
    label: str = "<mp4 member>",
) -> tuple[np.ndarray, np.ndarray, str]:
    """Decode the chosen frames of an in-memory mp4; returns (frames, indices, decoder name).

    `label` names the sample in the fallback record.
    """
    try:
        frames, indices = decode_mp4_decord(data, choose, count_hint, fps, stored, threads)
        return frames, indices, "decord"
    except MediaError:
        raise
    except Exception as decord_error:
        try:
            frames, indices = decode_mp4_pyav(data, choose, fps, stored)
        except Exception as exn:
            raise MediaError(
                CORRUPT, f"mp4 unreadable by decord ({decord_error}) and PyAV ({type(exn).__name__}: {exn})"
            ) from exn
        record_fallback(label, "pyav", "decord", decord_error)
        return frames, indices, "pyav"
