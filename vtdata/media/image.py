"""Load a still image (CC3M) as RGB uint8, the way it is meant to be seen.

Web images come rotated by an EXIF tag, in CMYK (print JPEGs), with alpha (PNG/WebP/GIF), as
palettes, or in 16-bit. We apply the EXIF orientation, flatten alpha onto white (black behind a
transparent logo hides it), and convert everything to 8-bit RGB. With a `size`, JPEGs are decoded
at reduced scale (libjpeg's DCT scaling via `Image.draft`), which is several times faster for the
large photos CC3M links to.
"""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from vtdata.media.errors import CORRUPT, UNSUPPORTED, MediaError
from vtdata.media.resize import ResizeSpec, resize_frames

MAX_PIXELS = 100_000_000  # refuse decompression bombs; CC3M photos are far smaller


def load_image(src: str | Path | bytes, size: ResizeSpec | None = None) -> np.ndarray:
    """uint8 [H, W, 3] RGB of an image file or its bytes; resized by `size` when given.

    Raises `MediaError`: `corrupt` for undecodable bytes, `unsupported` for an oversized image.
    """
    name = "<bytes>" if isinstance(src, bytes) else str(src)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(src) if isinstance(src, bytes) else src)
            if img.width * img.height > MAX_PIXELS:
                raise MediaError(UNSUPPORTED, f"{name}: {img.width}x{img.height} exceeds {MAX_PIXELS} pixels")
            if size is not None and size.short_side and img.format == "JPEG":
                img.draft("RGB", (size.short_side, size.short_side))
            img = ImageOps.exif_transpose(img)
            rgb = _to_rgb(img)
    except MediaError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise MediaError(CORRUPT, f"{name}: cannot decode image: {exc}") from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaError(UNSUPPORTED, f"{name}: {exc}") from exc
    return resize_frames(rgb, size) if size is not None else rgb


def _to_rgb(img: Image.Image) -> np.ndarray:
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img, dtype=np.uint32)
        arr = (arr >> 8 if arr.max() > 255 else arr).astype(np.uint8)
        return np.repeat(arr[..., None], 3, axis=2)
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba)
    return np.asarray(img.convert("RGB"), dtype=np.uint8).copy()


def image_header(path: str | Path) -> tuple[int, int, str]:
    """(width, height, format in lower case) read from the header, without decoding the pixels."""
    with Image.open(path) as img:
        return img.width, img.height, (img.format or "").lower()


def shrink_image(src: str | Path, dest: str | Path, short_side: int, quality: int = 95) -> tuple[int, int]:
    """Write `src` to `dest` as RGB JPEG with its short side at most `short_side`; returns (w, h).

    EXIF orientation is applied first so the stored pixels are upright; images already small
    enough are re-encoded but never upscaled (as img2dataset does on download).
    """
    with Image.open(src) as img:
        img = ImageOps.exif_transpose(img).convert("RGB")
        scale = short_side / min(img.size)
        if scale < 1:
            size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
            img = img.resize(size, Image.Resampling.LANCZOS)
        img.save(dest, format="JPEG", quality=quality)
        return img.size


def save_image(path: Path, pixels: np.ndarray, *, exif_orientation: int | None = None) -> None:
    """Write RGB `pixels` atomically as JPEG (quality 90) or PNG by suffix. With orientation 6 the
    pixels are stored turned a quarter left and tagged so that an EXIF-aware reader shows `pixels`
    (as phones write photos)."""
    image = Image.fromarray(pixels, "RGB")
    buf = io.BytesIO()
    if path.suffix.lower() == ".png":
        image.save(buf, format="PNG")
    else:
        exif = Image.Exif()
        if exif_orientation == 6:
            image = image.transpose(Image.Transpose.ROTATE_90)
            exif[0x0112] = 6
        elif exif_orientation is not None:
            raise ValueError(f"only EXIF orientation 6 is generated, got {exif_orientation}")
        image.save(buf, format="JPEG", quality=90, exif=exif.tobytes())
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(buf.getvalue())
    os.replace(tmp, path)
