"""Decode the members of one shard sample into uint8 frames [T, H, W, 3].

Frames store: only the chosen JPEGs are decoded, by simplejpeg (libjpeg-turbo straight into a
reused numpy buffer: 1.9x PIL's decode + copy for the same pixels); PIL takes what simplejpeg
does not (CMYK/YCCK JPEGs, other formats). Clip store: the in-memory
mp4 goes to decord (`VideoReader(BytesIO)`), which seeks to the keyframe before each chosen frame
(the shard writer keeps the GOP short for this); PyAV decodes the clip sequentially when decord
cannot. The stored frame count is only a hint to decord (it over-reports on some containers).
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import simplejpeg
from PIL import Image

from vtdata.media.errors import CORRUPT, EMPTY, MediaError

ChooseFrames = Callable[[np.ndarray], np.ndarray]
"""Given the times (seconds) of the available frames, the indices of those to keep."""


def frame_members(sample: dict) -> list[str]:
    """The sample's frame members (`000.jpg`, `001.jpg`, ...) in frame order."""
    names = [k for k in sample if k.endswith(".jpg") and k[:-4].isdigit()]
    return sorted(names, key=lambda k: int(k[:-4]))


def decode_jpeg_pil(data: bytes) -> np.ndarray:
    """RGB uint8 [H, W, 3] by PIL; raises on truncated data (PIL refuses it by default)."""
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        if image.mode != "RGB":
            image = image.convert("RGB")
        return np.asarray(image)


_TURBO_SPACES = {"YCbCr", "Gray", "RGB"}
"""Colour spaces simplejpeg converts to RGB exactly as PIL does (CMYK/YCCK it would not)."""


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(height, width) when simplejpeg can decode `data` to RGB, else None (PIL's turn)."""
    try:
        height, width, space, _ = simplejpeg.decode_jpeg_header(data)
    except ValueError:
        return None
    return (height, width) if space in _TURBO_SPACES else None


def _check_size(out: np.ndarray, height: int, width: int) -> None:
    if out.shape != (height, width, 3):
        raise ValueError(f"frame is {width}x{height}, the clip's first frame {out.shape[1]}x{out.shape[0]}")


def decode_jpeg(data: bytes, out: np.ndarray | None = None) -> np.ndarray:
    """RGB uint8 [H, W, 3], into `out` when given (it must have that shape).

    Raises on a truncated or corrupt member: simplejpeg in strict mode refuses what libjpeg
    would only warn about, and so does PIL.
    """
    size = jpeg_size(data)
    if size is not None:
        if out is not None:
            _check_size(out, *size)
        return simplejpeg.decode_jpeg(data, colorspace="RGB", buffer=out, strict=True)
    frame = decode_jpeg_pil(data)
    if out is None:
        return frame
    _check_size(out, *frame.shape[:2])
    out[...] = frame
    return out


class FrameBuffer:
    """A reused uint8 array for a clip's decoded frames, so decoding allocates (and page-faults) nothing.

    The returned view is overwritten by the next `view` call: whoever keeps frames copies them.
    """

    def __init__(self) -> None:
        self.array = np.empty(0, dtype=np.uint8)

    def view(self, shape: tuple[int, ...]) -> np.ndarray:
        need = int(np.prod(shape))
        if self.array.size < need:
            self.array = np.empty(need, dtype=np.uint8)
        return self.array[:need].reshape(shape)


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
                first = decode_jpeg_pil(data) if size is None else None
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
