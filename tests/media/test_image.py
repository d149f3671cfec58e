"""load_image: EXIF orientation, CMYK, alpha, palettes, 16-bit, bytes, bad data; shrink_image."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from vtdata.media.errors import MediaError
from vtdata.media.image import load_image, shrink_image
from vtdata.media.resize import ResizeSpec


def encoded(img: Image.Image, fmt: str, **kwargs) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kwargs)
    return buf.getvalue()


def landscape() -> Image.Image:
    """40x20: red left half, blue right half."""
    arr = np.zeros((20, 40, 3), dtype=np.uint8)
    arr[:, :20] = (255, 0, 0)
    arr[:, 20:] = (0, 0, 255)
    return Image.fromarray(arr)


def test_exif_orientation_is_applied():
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    data = encoded(landscape(), "JPEG", quality=95, exif=exif.tobytes())
    rgb = load_image(data)
    assert rgb.shape == (40, 20, 3)  # displayed portrait
    assert rgb[2, 10, 0] > 200 and rgb[2, 10, 2] < 60  # red on top after a clockwise turn
    assert rgb[37, 10, 2] > 200


def test_cmyk_jpeg(tmp_path):
    path = tmp_path / "cmyk.jpg"
    landscape().convert("CMYK").save(path, "JPEG", quality=95)
    rgb = load_image(path)
    assert rgb.dtype == np.uint8 and rgb.shape == (20, 40, 3)
    assert rgb[10, 5, 0] > 200 and rgb[10, 5, 2] < 60


def test_alpha_is_flattened_on_white():
    rgba = np.zeros((10, 10, 4), dtype=np.uint8)
    rgba[:, :5] = (0, 0, 0, 255)  # opaque black
    rgba[:, 5:] = (0, 0, 0, 0)  # transparent
    rgb = load_image(encoded(Image.fromarray(rgba, "RGBA"), "PNG"))
    assert rgb.shape == (10, 10, 3)
    assert rgb[5, 2].tolist() == [0, 0, 0] and rgb[5, 8].tolist() == [255, 255, 255]


def test_palette_with_transparency_and_16bit_grey():
    pal = Image.new("P", (8, 8), 0)
    pal.putpalette([0, 255, 0] + [0, 0, 0] * 255)
    pal.info["transparency"] = 1
    assert load_image(encoded(pal, "PNG"))[0, 0].tolist() == [0, 255, 0]
    grey = Image.fromarray(np.full((6, 6), 65535, dtype=np.uint16))
    out = load_image(encoded(grey, "PNG"))
    assert out.shape == (6, 6, 3) and out.max() == 255


def test_resize_and_draft():
    big = Image.fromarray(np.tile(np.linspace(0, 255, 800, dtype=np.uint8), (600, 1))).convert("RGB")
    out = load_image(encoded(big, "JPEG", quality=90), size=ResizeSpec(100, crop=True))
    assert out.shape == (100, 100, 3)
    assert abs(int(out[50, 50, 0]) - 128) < 20  # the centre of the gradient


def test_bad_bytes():
    with pytest.raises(MediaError) as err:
        load_image(b"<html>not an image</html>")
    assert err.value.reason == "corrupt"
    with pytest.raises(MediaError) as err:
        load_image(encoded(landscape(), "JPEG")[:200])
    assert err.value.reason == "corrupt"


def test_shrinks_short_side_and_never_upscales(tmp_path):
    src = tmp_path / "a.png"
    Image.fromarray(np.zeros((96, 128, 3), np.uint8)).save(src)
    assert shrink_image(src, tmp_path / "small.jpg", 48) == (64, 48)
    with Image.open(tmp_path / "small.jpg") as img:
        assert img.format == "JPEG" and img.size == (64, 48)
    assert shrink_image(src, tmp_path / "same.jpg", 500) == (128, 96)


def test_shrink_applies_exif_orientation(tmp_path):
    src = tmp_path / "rot.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    Image.fromarray(np.zeros((40, 80, 3), np.uint8)).save(src, exif=exif)
    assert shrink_image(src, tmp_path / "up.jpg", 1000) == (40, 80)
