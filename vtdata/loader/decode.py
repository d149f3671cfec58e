"""Decode the members of one shard sample into uint8 frames [T, H, W, 3].

Frames store: only the chosen JPEGs are decoded (PIL, libjpeg-turbo). Clip store: the in-memory
mp4 goes to decord (`VideoReader(BytesIO)`), which seeks to the keyframe before each chosen frame
(the shard writer keeps the GOP short for this); PyAV decodes the clip sequentially when decord
cannot. The stored frame count is only a hint to decord (it over-reports on some containers).
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
from PIL import Image

from vtdata.media.errors import CORRUPT, EMPTY, MediaError

ChooseFrames = Callable[[np.ndarray], np.ndarray]
"""Given the times (seconds) of the available frames, the indices of those to keep."""


def frame_members(sample: dict) -> list[str]:
    """The sample's frame members (`000.jpg`, `001.jpg`, ...) in frame order."""
    names = [k for k in sample if k.endswith(".jpg") and k[:-4].isdigit()]
    return sorted(names, key=lambda k: int(k[:-4]))


def decode_jpeg(data: bytes) -> np.ndarray:
    """RGB uint8 [H, W, 3]; raises on a truncated or non-JPEG member (PIL refuses truncated data)."""
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        if image.mode != "RGB":
            image = image.convert("RGB")
        return np.asarray(image)


def decode_frames(
    sample: dict, times: np.ndarray | None, choose: ChooseFrames, expected: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Decode the chosen stored JPEGs of a frames-store sample; returns (frames, indices).

    `expected` is the frame count the metadata promises: fewer members means the sample was cut
    short (a truncated tar ends with a partial sample), and it is refused rather than silently thin.
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
    frames = []
    for i in indices:
        try:
            frames.append(decode_jpeg(sample[names[i]]))
        except Exception as exn:
            raise MediaError(CORRUPT, f"member {names[i]}: {type(exn).__name__}: {exn}") from exn
    return np.stack(frames), indices


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
) -> tuple[np.ndarray, np.ndarray, str]:
    """Decode the chosen frames of an in-memory mp4; returns (frames, indices, decoder name)."""
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
        return frames, indices, "pyav"
