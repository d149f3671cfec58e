"""Contact sheets: frames laid out in a grid with a label over each and a caption underneath.

Every frame is shown whole (scaled to fit its cell, never cropped), cells are at least
`MIN_CELL` pixels on their short side so 64 px shards stay legible, and the caption is wrapped
over as many lines as it needs rather than cut.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

Sheet = Image.Image  # has .save(path)

MIN_CELL = 128  # px: the smallest cell side, whatever the frame size
LINE = 14  # px per text line (PIL's default font is ~11 px tall)


def cell_size(frames: Sequence[np.ndarray]) -> tuple[int, int]:
    """(width, height) of one cell: the largest frame, scaled up until its short side is MIN_CELL."""
    h = max(f.shape[0] for f in frames)
    w = max(f.shape[1] for f in frames)
    scale = max(1.0, MIN_CELL / min(h, w))
    return round(w * scale), round(h * scale)


def _fit(frame: np.ndarray, cell: tuple[int, int]) -> Image.Image:
    """The whole frame, scaled (aspect kept) to fit inside the cell."""
    h, w = frame.shape[:2]
    scale = min(cell[0] / w, cell[1] / h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    resample = Image.Resampling.NEAREST if scale >= 2 else Image.Resampling.BILINEAR
    return Image.fromarray(frame).resize(size, resample)


def frame_sheet(frames: Sequence[np.ndarray], labels: Sequence[str], caption: str, columns: int = 8) -> Sheet:
    """Frames (RGB uint8 [H, W, 3], any sizes) in rows of `columns`, each whole in its cell."""
    if not frames:
        raise ValueError("a contact sheet needs at least one frame")
    w, h = cell_size(frames)
    cols = min(columns, len(frames))
    rows = -(-len(frames) // cols)
    width = cols * w
    font = ImageFont.load_default()
    paragraphs = caption.splitlines() or [""]
    lines = [line for paragraph in paragraphs for line in wrap(paragraph, font, width - 4)]
    sheet = Image.new("RGB", (width, rows * (h + LINE) + (len(lines) + 1) * LINE), "white")
    draw = ImageDraw.Draw(sheet)
    for i, frame in enumerate(frames):
        x, y = (i % cols) * w, (i // cols) * (h + LINE)
        image = _fit(frame, (w, h))
        sheet.paste(image, (x + (w - image.width) // 2, y + LINE + (h - image.height) // 2))
        label = labels[i] if i < len(labels) else f"#{i}"
        draw.text((x + 2, y + 1), wrap(label, font, w - 4)[0], fill="black", font=font)
    top = rows * (h + LINE) + LINE // 2
    for n, line in enumerate(lines):
        draw.text((2, top + n * LINE), line, fill="black", font=font)
    return sheet


def wrap(text: str, font: ImageFont.ImageFont | ImageFont.FreeTypeFont, width: int) -> list[str]:
    """`text` broken into lines no wider than `width` px in `font`: at spaces, and inside a word only
    when the word alone is wider than a line. Nothing is dropped."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if font.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for ch in word:
            if line and font.getlength(line + ch) > width:
                lines.append(line)
                line = ""
            line += ch
    lines.append(line)
    return lines
