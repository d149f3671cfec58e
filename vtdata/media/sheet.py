"""Contact sheets: frames laid out in a grid with a label over each and a caption underneath."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw

Sheet = Image.Image  # has .save(path)


def frame_sheet(frames: Sequence[np.ndarray], labels: Sequence[str], caption: str, columns: int = 8) -> Sheet:
    """Frames (RGB uint8 [H, W, 3], drawn at the first one's size) in rows of `columns`."""
    if not frames:
        raise ValueError("a contact sheet needs at least one frame")
    h, w = frames[0].shape[:2]
    cols = min(columns, len(frames))
    rows = -(-len(frames) // cols)
    label = 12
    sheet = Image.new("RGB", (cols * w, rows * (h + label) + 2 * label), "white")
    draw = ImageDraw.Draw(sheet)
    for i, frame in enumerate(frames):
        x, y = (i % cols) * w, (i // cols) * (h + label)
        sheet.paste(Image.fromarray(frame).resize((w, h)), (x, y + label))
        draw.text((x + 2, y), labels[i] if i < len(labels) else f"#{i}", fill="black")
    draw.text((2, rows * (h + label) + 2), caption[: 8 * cols * w // 50], fill="black")
    return sheet
