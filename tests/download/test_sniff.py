import io

import numpy as np
import pytest
from PIL import Image

from vtdata.download.sniff import SNIFF_BYTES, sniff


def _image_bytes(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(buf, format=fmt)
    return buf.getvalue()


def test_real_mp4_and_webm(real_file):
    mp4 = sniff((real_file("nasa_13013.mp4")).read_bytes()[:SNIFF_BYTES])
    assert (mp4.kind, mp4.ext) == ("video", "mp4")
    webm = sniff((real_file("big_buck_bunny_432_433.webm")).read_bytes()[:SNIFF_BYTES])
    assert (webm.kind, webm.ext) == ("video", "webm")


@pytest.mark.parametrize(
    "fmt,ext", [("JPEG", "jpg"), ("PNG", "png"), ("GIF", "gif"), ("WEBP", "webp"), ("BMP", "bmp")]
)
def test_images(fmt, ext):
    got = sniff(_image_bytes(fmt))
    assert (got.kind, got.ext) == ("image", ext)


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><body>404</body></html>",
        b"\xef\xbb\xbf\n   <html lang='en'><head><title>Error</title></head>",
        b"<HTML><BODY>Access denied</BODY></HTML>",
    ],
)
def test_html_error_pages(body):
    got = sniff(body)
    assert got.kind == "html" and not got.is_media
    assert got.detail.startswith("<")


def test_text_bodies_are_not_media():
    assert sniff(b'{"error": "gone"}').kind == "text"
    assert sniff(b"Forbidden: you do not have access to this resource\n").kind == "text"


def test_image_brands_of_iso_files_are_images():
    assert sniff(b"\x00\x00\x00\x1cftypavif" + b"\x00" * 20).kind == "image"
    assert sniff(b"\x00\x00\x00\x1cftypqt  " + b"\x00" * 20).ext == "mov"


def test_unknown_binary_is_left_to_the_decoder():
    rng = np.random.default_rng(0)
    body = bytes([0x00, 0x9F]) + rng.integers(0, 256, 510, dtype=np.uint8).tobytes()
    assert sniff(body).kind == "unknown"
    assert sniff(b"").kind == "unknown"
