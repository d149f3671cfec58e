"""`vtdata.media.preview`: the report's embedded pictures, byte-identical for the same pixels."""

import io

import numpy as np
from PIL import Image

from vtdata.media.preview import evenly, fit, frame_strip, gif_bytes, png_bytes


def _frames(n=6, h=64, w=96):
    rng = np.random.default_rng(0)
    return [rng.integers(0, 255, (h, w, 3), dtype=np.uint8) for _ in range(n)]


def test_gif_is_animated_and_deterministic():
    frames = _frames()
    data = gif_bytes(frames, height=128)
    assert data == gif_bytes(frames, height=128)
    image = Image.open(io.BytesIO(data))
    assert image.format == "GIF" and image.n_frames == 6 and image.size == (192, 128)


def test_strip_and_png():
    strip = frame_strip(_frames(3), height=32, gap=2)
    assert strip.shape == (32, 3 * 48 + 2 * 2, 3)
    image = Image.open(io.BytesIO(png_bytes(strip)))
    assert image.format == "PNG" and image.size == (strip.shape[1], 32)
    assert png_bytes(strip) == png_bytes(strip.copy())


def test_fit_and_evenly():
    assert fit(_frames(1)[0], 128).shape == (128, 192, 3)
    assert len(evenly(list(range(31)), 8)) == 8 and evenly(list(range(31)), 8)[-1] == 30
    assert evenly([1, 2], 8) == [1, 2]
