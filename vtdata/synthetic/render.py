"""Draw the synthetic items' pixels with numpy: anti-aliased shapes over a shaded backdrop.

Shapes are signed-distance functions, so a shape moving by a fraction of a pixel per frame
still moves smoothly; distances wrap around the frame edges (a shape leaving on the left comes
back on the right) for videos, not for images.
"""

from __future__ import annotations

import numpy as np

from vtdata.synthetic.truth import ShownSegment, SyntheticItem
from vtdata.synthetic.world import COLOURS


def _sdf(shape: str, dx: np.ndarray, dy: np.ndarray, r: float) -> np.ndarray:
    """Signed distance (pixels, < 0 inside) from each pixel to the shape centred at 0."""
    dx, dy = np.broadcast_arrays(dx, dy)
    ax, ay = np.abs(dx), np.abs(dy)
    if shape == "circle":
        return np.hypot(dx, dy) - r
    if shape == "square":
        return np.maximum(ax, ay) - 0.8 * r
    if shape == "diamond":
        return (ax + ay - 1.15 * r) / np.sqrt(2.0)
    if shape == "triangle":  # pointing up; circumradius 1.25 r
        big = 1.25 * r
        return np.maximum.reduce([dy, -0.866 * dx - 0.5 * dy, 0.866 * dx - 0.5 * dy]) - big / 2
    if shape == "cross":
        arm = 0.35 * r
        return np.minimum(np.maximum(ax - arm, ay - r), np.maximum(ax - r, ay - arm))
    raise ValueError(f"unknown shape {shape!r}")


def backdrop(item: SyntheticItem, width: int, height: int) -> np.ndarray:
    """float32 [H, W, 3]: the item's background colour with a gentle vertical shade."""
    shade = np.linspace(-12.0, 12.0, height, dtype=np.float32)[:, None, None]
    return np.broadcast_to(np.asarray(item.background, np.float32) + shade, (height, width, 3)).copy()


def draw(canvas: np.ndarray, segment: ShownSegment, cx: float, cy: float, *, wrap: bool) -> np.ndarray:
    """Blend `segment`'s shape centred at (cx, cy) onto `canvas` (float32 [H, W, 3]) in place."""
    h, w = canvas.shape[:2]
    dx = np.arange(w, dtype=np.float32)[None, :] + 0.5 - cx
    dy = np.arange(h, dtype=np.float32)[:, None] + 0.5 - cy
    if wrap:
        dx = (dx + w / 2) % w - w / 2
        dy = (dy + h / 2) % h - h / 2
    cover = np.clip(0.5 - _sdf(segment.shape, dx, dy, segment.size), 0.0, 1.0)[..., None]
    canvas *= 1.0 - cover
    canvas += cover * np.asarray(COLOURS[segment.colour], np.float32)
    return canvas


def video_frames(item: SyntheticItem) -> np.ndarray:
    """uint8 [num_frames, H, W, 3] RGB: frame j shows time j / fps."""
    base = backdrop(item, item.width, item.height)
    frames = np.empty((item.num_frames, item.height, item.width, 3), np.uint8)
    for j in range(item.num_frames):
        t = j / item.fps
        seg = next((s for s in item.segments if s.start <= t + 1e-6 < s.end), item.segments[-1])
        local = t - seg.start
        canvas = draw(base.copy(), seg, seg.x0 + seg.vx * local, seg.y0 + seg.vy * local, wrap=True)
        frames[j] = np.clip(np.rint(canvas), 0, 255).astype(np.uint8)
    return frames


def image_pixels(item: SyntheticItem) -> np.ndarray:
    """uint8 [H, W, 3] RGB of a still image, as it should look once EXIF orientation is applied."""
    seg = item.segments[0]
    canvas = draw(backdrop(item, item.width, item.height), seg, seg.x0, seg.y0, wrap=False)
    return np.clip(np.rint(canvas), 0, 255).astype(np.uint8)
