"""uint8 crops: boxes inside the frame, the requested output size, flips only when asked."""

from __future__ import annotations

import numpy as np
import torch

from vtdata.loader.augment import Augment, ClipTransform, centre_box, random_resized_box


def test_random_boxes_stay_inside_and_follow_scale():
    rng = np.random.default_rng(0)
    aug = Augment(scale=(0.5, 1.0))
    for _ in range(200):
        top, left, h, w = random_resized_box(48, 64, aug, rng)
        assert 0 <= top and top + h <= 48 and 0 <= left and left + w <= 64
        assert 0.4 <= h * w / (48 * 64) <= 1.0


def test_centre_box_keeps_output_aspect():
    assert centre_box(48, 64, 32, 32) == (0, 8, 48, 48)
    assert centre_box(48, 64, 24, 64) == (12, 0, 24, 64)


def test_transform_output_and_same_box_for_every_frame():
    frames = torch.zeros((3, 3, 48, 64), dtype=torch.uint8)
    frames[:, :, :, :32] = 200  # left half bright in every frame
    out = ClipTransform((20, 30), train=True)(frames, np.random.default_rng(1))
    assert out.shape == (3, 3, 20, 30) and out.dtype == torch.uint8
    assert torch.equal(out[0], out[1]) and torch.equal(out[1], out[2])


def test_flip_is_off_by_default_and_on_when_asked():
    frames = torch.zeros((1, 3, 16, 16), dtype=torch.uint8)
    frames[..., :8] = 255
    whole = Augment(scale=(1.0, 1.0), ratio=(1.0, 1.0))
    plain = [ClipTransform(16, True, whole)(frames, np.random.default_rng(s)) for s in range(20)]
    assert all(torch.equal(p, frames) for p in plain)
    flipping = ClipTransform(16, True, Augment(scale=(1.0, 1.0), ratio=(1.0, 1.0), hflip=True))
    flips = [flipping(frames, np.random.default_rng(s)) for s in range(20)]
    assert any(torch.equal(f, frames.flip(-1)) for f in flips) and any(torch.equal(f, frames) for f in flips)
