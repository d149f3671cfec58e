"""Spatial augmentation on uint8 clips [T, 3, H, W], one crop (and flip) per clip.

Every frame of a clip gets the same box so motion stays coherent. The resize runs on uint8
channels-last tensors (torch's antialiased bilinear kernel has a fast path for exactly that),
so workers never materialise float frames. Horizontal flip is off by default: captions say
"left" and "right".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

Box = tuple[int, int, int, int]  # top, left, height, width


@dataclass(frozen=True)
class Augment:
    """Train-time augmentation: RandomResizedCrop's `scale`/`ratio` (torchvision's rules) and a flip."""

    scale: tuple[float, float] = (0.5, 1.0)
    ratio: tuple[float, float] = (3 / 4, 4 / 3)
    hflip: bool = False


def random_resized_box(height: int, width: int, augment: Augment, rng: np.random.Generator) -> Box:
    """torchvision's RandomResizedCrop box: 10 tries at area x aspect, else the centre crop."""
    area = height * width
    log_ratio = (math.log(augment.ratio[0]), math.log(augment.ratio[1]))
    for _ in range(10):
        target = area * rng.uniform(*augment.scale)
        aspect = math.exp(rng.uniform(*log_ratio))
        w = int(round(math.sqrt(target * aspect)))
        h = int(round(math.sqrt(target / aspect)))
        if 0 < w <= width and 0 < h <= height:
            return int(rng.integers(0, height - h + 1)), int(rng.integers(0, width - w + 1)), h, w
    in_ratio = width / height
    if in_ratio < augment.ratio[0]:
        w, h = width, int(round(width / augment.ratio[0]))
    elif in_ratio > augment.ratio[1]:
        h, w = height, int(round(height * augment.ratio[1]))
    else:
        h, w = height, width
    return (height - h) // 2, (width - w) // 2, h, w


def centre_box(height: int, width: int, out_h: int, out_w: int) -> Box:
    """The largest centred box with the output's aspect: resize-short-side + centre-crop in one step."""
    scale = min(height / out_h, width / out_w)
    h, w = min(height, round(out_h * scale)), min(width, round(out_w * scale))
    return (height - h) // 2, (width - w) // 2, h, w


def crop_resize(frames: torch.Tensor, box: Box, size: tuple[int, int]) -> torch.Tensor:
    """Crop `box` from uint8 [T, 3, H, W] frames and resize it to `size` (antialiased bilinear)."""
    top, left, h, w = box
    crop = frames[:, :, top : top + h, left : left + w]
    if (h, w) == tuple(size):
        return crop
    return F.interpolate(crop, size=size, mode="bilinear", antialias=True, align_corners=False)


class ClipTransform:
    """Train: random resized crop (+ optional flip); eval: centre crop; `size=None` keeps frames as stored."""

    def __init__(
        self, size: int | tuple[int, int] | None, train: bool, augment: Augment | None = None
    ) -> None:
        self.size = (size, size) if isinstance(size, int) else (tuple(size) if size is not None else None)
        self.train = train
        self.augment = augment or Augment()

    def __call__(self, frames: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
        if self.size is None:
            return frames
        height, width = frames.shape[-2:]
        if self.train:
            box = random_resized_box(height, width, self.augment, rng)
        else:
            box = centre_box(height, width, *self.size)
        out = crop_resize(frames, box, self.size)
        if self.train and self.augment.hflip and rng.random() < 0.5:
            out = out.flip(-1)
        return out
