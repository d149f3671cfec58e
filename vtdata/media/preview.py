"""Small encoded pictures for pages: a PNG of an array, an animated GIF of frames, a strip of frames.

The report embeds these as data URIs, so they are encoded here (PIL lives only in `media/`) and
their bytes depend only on the pixels: no timestamp or library name is written into them.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from PIL import Image

PREVIEW_HEIGHT = 128  # px: small frames (64 px shards) are shown at least this tall


def fit(frame: np.ndarray, height: int = PREVIEW_HEIGHT) -> np.ndarray:
    """`frame` scaled (whole, aspect kept) to `height` rows: up with nearest pixels, down with a filter."""
    h, w = frame.shape[:2]
    width = max(1, round(w * height / h))
    if (h, w) == (height, width):
        return frame
    resample = Image.Resampling.NEAREST if height > h else Image.Resampling.BILINEAR
    return np.asarray(Image.fromarray(frame).resize((width, height), resample))


def png_bytes(image: np.ndarray) -> bytes:
    """A PNG of an RGB uint8 [H, W, 3] array."""
    out = io.BytesIO()
    Image.fromarray(image).save(out, format="PNG", optimize=False)
    return out.getvalue()


def gif_bytes(frames: Sequence[np.ndarray], height: int = PREVIEW_HEIGHT, frame_ms: int = 250) -> bytes:
    """An animated GIF (looping) of `frames`, each scaled to `height` at the first frame's shape."""
    if not frames:
        raise ValueError("an animation needs at least one frame")
    first = fit(frames[0], height)
    images = [Image.fromarray(first)]
    for frame in frames[1:]:
        scaled = fit(frame, height)
        if scaled.shape != first.shape:
            scaled = np.asarray(Image.fromarray(scaled).resize((first.shape[1], first.shape[0])))
        images.append(Image.fromarray(scaled))
    out = io.BytesIO()
    images[0].save(
        out, format="GIF", save_all=True, append_images=images[1:], duration=frame_ms, loop=0, optimize=False
    )
    return out.getvalue()


def frame_strip(frames: Sequence[np.ndarray], height: int = PREVIEW_HEIGHT // 2, gap: int = 2) -> np.ndarray:
    """The frames side by side at one height, on white, `gap` px apart (RGB uint8)."""
    if not frames:
        raise ValueError("a strip needs at least one frame")
    scaled = [fit(f, height) for f in frames]
    width = sum(f.shape[1] for f in scaled) + gap * (len(scaled) - 1)
    strip = np.full((height, width, 3), 255, dtype=np.uint8)
    x = 0
    for f in scaled:
        strip[:, x : x + f.shape[1]] = f
        x += f.shape[1] + gap
    return strip


def evenly(frames: Sequence[np.ndarray], n: int) -> list[np.ndarray]:
    """At most `n` of `frames`, evenly spaced, first and last included."""
    if len(frames) <= n:
        return list(frames)
    picks = np.linspace(0, len(frames) - 1, n).round().astype(int)
    return [frames[i] for i in picks]
