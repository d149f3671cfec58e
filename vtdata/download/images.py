"""Shrink images on download (as img2dataset does), so a CC3M store holds what training uses."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageOps


def shrink_image(src: str | Path, dest: str | Path, short_side: int, quality: int = 95) -> tuple[int, int]:
    """Write `src` to `dest` as RGB JPEG with its short side at most `short_side`; returns (w, h).

    EXIF orientation is applied first so the stored pixels are upright; images already small
    enough are re-encoded but never upscaled.
    """
    with Image.open(src) as img:
        img = ImageOps.exif_transpose(img).convert("RGB")
        scale = short_side / min(img.size)
        if scale < 1:
            size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
            img = img.resize(size, Image.Resampling.LANCZOS)
        img.save(dest, format="JPEG", quality=quality)
        return img.size
