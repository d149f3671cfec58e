"""Resize geometry (shared by decode, frames and clip stores) and the frame resizer."""

from __future__ import annotations

import numpy as np
import pytest

from vtdata.media.resize import ResizeSpec, resize_frames


@pytest.mark.parametrize(
    "spec,size,scaled,out",
    [
        (ResizeSpec(224), (1280, 720), (398, 224), (398, 224)),
        (ResizeSpec(224, crop=True), (1280, 720), (398, 224), (224, 224)),
        (ResizeSpec(224, crop=True), (720, 1280), (224, 398), (224, 224)),  # portrait
        (ResizeSpec(224), (320, 180), (320, 180), (320, 180)),  # never upscale...
        (
            ResizeSpec(224, crop=True),
            (320, 180),
            (320, 180),
            (180, 180),
        ),  # ...a crop is then its own short side
        (ResizeSpec(360, upscale=True), (320, 180), (640, 360), (640, 360)),  # ...unless asked
        (ResizeSpec(None), (321, 181), (321, 181), (321, 181)),
        (ResizeSpec(crop=None), (100, 50), (100, 50), (100, 50)),  # crop=None means no crop
    ],
)
def test_plan(spec, size, scaled, out):
    plan = spec.plan(*size)
    assert (plan.scale_w, plan.scale_h) == scaled
    assert plan.out_size == out
    assert plan.x == (scaled[0] - out[0]) // 2 and plan.y == (scaled[1] - out[1]) // 2


def test_even_sizes_for_yuv420():
    plan = ResizeSpec(101).plan(1280, 720, even=True)
    assert plan.scale_w % 2 == 0 and plan.scale_h % 2 == 0 and plan.scale_h == 100
    square = ResizeSpec(101, crop=True).plan(1280, 720, even=True)
    assert square.out_size == (100, 100)


def test_resize_frames_geometry_and_content():
    frames = np.zeros((3, 72, 128, 3), dtype=np.uint8)
    frames[:, :, :64] = (255, 0, 0)  # left half red
    frames[:, :, 64:] = (0, 0, 255)  # right half blue
    out = resize_frames(frames, ResizeSpec(36))
    assert out.shape == (3, 36, 64, 3) and out.flags.c_contiguous
    assert tuple(out[0, 18, 5]) == (255, 0, 0) and tuple(out[0, 18, 60]) == (0, 0, 255)
    square = resize_frames(frames, ResizeSpec(36, crop=True))
    assert square.shape == (3, 36, 36, 3)
    assert tuple(square[1, 10, 2]) == (255, 0, 0) and tuple(square[1, 10, 33]) == (0, 0, 255)  # centred
    one = resize_frames(frames[0], ResizeSpec(36, crop=True))
    assert one.shape == (36, 36, 3)
    assert resize_frames(frames, ResizeSpec(100)).shape == frames.shape  # no upscale


def test_invalid_spec():
    with pytest.raises(ValueError, match="short_side"):
        ResizeSpec(0)
