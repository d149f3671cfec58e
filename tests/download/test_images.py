import numpy as np
from PIL import Image

from vtdata.download.images import shrink_image


def test_shrinks_short_side_and_never_upscales(tmp_path):
    src = tmp_path / "a.png"
    Image.fromarray(np.zeros((96, 128, 3), np.uint8)).save(src)
    assert shrink_image(src, tmp_path / "small.jpg", 48) == (64, 48)
    with Image.open(tmp_path / "small.jpg") as img:
        assert img.format == "JPEG" and img.size == (64, 48)
    assert shrink_image(src, tmp_path / "same.jpg", 500) == (128, 96)


def test_exif_orientation_is_applied(tmp_path):
    src = tmp_path / "rot.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    Image.fromarray(np.zeros((40, 80, 3), np.uint8)).save(src, exif=exif)
    assert shrink_image(src, tmp_path / "up.jpg", 1000) == (40, 80)
