"""Tell media from error pages by their first bytes, whatever the server's Content-Type says.

Hosts answer dead links with `200 OK` and an HTML page, often labelled `video/mp4` or
`image/jpeg`; saved as `.mp4`, such a page would only fail much later, in a decoder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SNIFF_BYTES = 512  # enough for every signature below and for an HTML prologue

_TEXT_START = re.compile(
    rb"^\s*(<!doctype|<html|<head|<body|<\?xml|<!--|<title|<div|<script|<meta|\{|\[)", re.IGNORECASE
)
_MP4_BRANDS_IMAGE = (b"avif", b"avis", b"heic", b"heix", b"mif1", b"msf1")
_ISO_BOXES = (b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot")


@dataclass(frozen=True)
class Sniffed:
    """`kind` is video | image | html | text | unknown; `ext` a file extension for it (no dot) or ''."""

    kind: str
    ext: str
    detail: str = ""

    @property
    def is_media(self) -> bool:
        return self.kind in ("video", "image")


def sniff(head: bytes) -> Sniffed:
    """Classify a body by its first bytes (pass at least `SNIFF_BYTES` when the body is longer)."""
    if len(head) >= 12 and head[4:8] in _ISO_BOXES:
        if head[4:8] == b"ftyp":
            brand = head[8:12]
            if brand in _MP4_BRANDS_IMAGE:
                return Sniffed("image", "avif" if brand.startswith(b"avi") else "heic", brand.decode())
            ext = "mov" if brand == b"qt  " else "mp4"
            return Sniffed("video", ext, f"ftyp {brand.decode('latin-1').strip()}")
        return Sniffed("video", "mp4", head[4:8].decode())
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        webm = b"webm" in head[:64]
        return Sniffed("video", "webm" if webm else "mkv", "EBML")
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return Sniffed("video", "avi", "RIFF AVI")
    if head.startswith(b"FLV\x01"):
        return Sniffed("video", "flv", "FLV")
    if head.startswith(b"OggS"):
        return Sniffed("video", "ogv", "Ogg")
    if len(head) > 188 and head[0] == 0x47 and head[188] == 0x47:
        return Sniffed("video", "ts", "MPEG-TS")
    if head.startswith(b"\x00\x00\x01\xba"):
        return Sniffed("video", "mpg", "MPEG-PS")
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("image", "jpg", "JPEG")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("image", "png", "PNG")
    if head.startswith((b"GIF87a", b"GIF89a")):
        return Sniffed("image", "gif", "GIF")
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return Sniffed("image", "webp", "WebP")
    if head.startswith(b"BM") and len(head) >= 14:
        return Sniffed("image", "bmp", "BMP")
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return Sniffed("image", "tif", "TIFF")
    stripped = head.lstrip(b"\xef\xbb\xbf")
    if _TEXT_START.match(stripped):
        is_html = re.search(rb"<(!doctype html|html|head|body|title)", stripped[:SNIFF_BYTES], re.I)
        return Sniffed("html" if is_html else "text", "", _preview(stripped))
    if stripped and _mostly_text(stripped[:SNIFF_BYTES]):
        return Sniffed("text", "", _preview(stripped))
    return Sniffed("unknown", "", "")


def _mostly_text(data: bytes) -> bool:
    printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in data)
    return printable >= 0.95 * len(data)


def _preview(data: bytes, n: int = 60) -> str:
    return " ".join(data[:n].decode("utf-8", "replace").split())
