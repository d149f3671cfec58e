"""Resize rules shared by both stores: short side to S, optional centre crop, never upscale unless asked.

`ResizeSpec.plan(width, height)` is the single source of the arithmetic, so decoded frames (scaled by
swscale during RGB conversion in `decode`), `resize_frames` and the ffmpeg filter graph in `encode`
all produce the same output size for the same source.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ResizePlan:
    """Scale to `scale_w x scale_h`, then keep `crop_w x crop_h` at offset (`x`, `y`)."""

    scale_w: int
    scale_h: int
    crop_w: int
    crop_h: int
    x: int
    y: int

    @property
    def out_size(self) -> tuple[int, int]:
        """(width, height) of the result."""
        return self.crop_w, self.crop_h


@dataclass(frozen=True)
class ResizeSpec:
    """`short_side=None` keeps the size; `crop` True centre-crops to a square (None means no crop).

    Without `upscale`, a source smaller than `short_side` keeps its size (and a crop is then a square
    of its own short side). `even=True` rounds the scaled size to even numbers, as yuv420p needs.
    """

    short_side: int | None = None
    crop: bool | None = None
    upscale: bool = False

    def __post_init__(self) -> None:
        if self.short_side is not None and self.short_side < 1:
            raise ValueError(f"resize.short_side must be >= 1, got {self.short_side}")

    def plan(self, width: int, height: int, *, even: bool = False) -> ResizePlan:
        """Output geometry for a `width x height` source."""
        short = min(width, height)
        target = short if self.short_side is None else self.short_side
        if target > short and not self.upscale:
            target = short
        scale = target / short
        if width <= height:
            sw, sh = target, max(1, round(height * scale))
        else:
            sw, sh = max(1, round(width * scale)), target
        if even:
            sw, sh = max(2, sw - sw % 2), max(2, sh - sh % 2)
        if self.crop:
            side = min(sw, sh)
            return ResizePlan(sw, sh, side, side, (sw - side) // 2, (sh - side) // 2)
        return ResizePlan(sw, sh, sw, sh, 0, 0)

    def to_dict(self) -> dict:
        return {"short_side": self.short_side, "crop": bool(self.crop), "upscale": self.upscale}


def crop_frames(frames: np.ndarray, plan: ResizePlan) -> np.ndarray:
    """Apply the plan's crop to frames already scaled to (scale_h, scale_w); a view, no copy."""
    if (plan.crop_w, plan.crop_h) == (plan.scale_w, plan.scale_h):
        return frames
    return frames[..., plan.y : plan.y + plan.crop_h, plan.x : plan.x + plan.crop_w, :]


def resize_frames(frames: np.ndarray, spec: ResizeSpec) -> np.ndarray:
    """Resize uint8 RGB frames [T, H, W, 3] (or one [H, W, 3]) by `spec`; returns a new contiguous array."""
    single = frames.ndim == 3
    batch = frames[None] if single else frames
    h, w = batch.shape[1:3]
    plan = spec.plan(w, h)
    batch = np.ascontiguousarray(crop_frames(scale_frames(batch, plan.scale_w, plan.scale_h), plan))
    return batch[0] if single else batch


def scale_frames(frames: np.ndarray, width: int, height: int) -> np.ndarray:
    """Scale uint8 RGB frames [T, H, W, 3] to `width x height`; unchanged when already that size.

    Uses swscale's bicubic filter through PyAV: the filter `decode` scales with during YUV->RGB
    conversion and ffmpeg's `scale` default, so every path resizes alike. On 8 frames of 640x360 to
    398x224 it took 15 ms against 22 ms for PIL's bicubic with reducing_gap (docs/media.md).
    """
    if frames.shape[1:3] == (height, width):
        return frames
    import av

    out = np.empty((len(frames), height, width, 3), dtype=np.uint8)
    for i, frame in enumerate(frames):
        src = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
        out[i] = src.reformat(width=width, height=height, interpolation="BICUBIC").to_ndarray()
    return out
