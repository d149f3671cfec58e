"""`vtdata.media.sheet`: contact sheets that stay legible at any frame size."""

import numpy as np
from PIL import ImageFont

from vtdata.media.sheet import LINE, MIN_CELL, frame_sheet, wrap


def _frame(h, w, colour=(200, 30, 30)):
    frame = np.zeros((h, w, 3), dtype=np.uint8)
    frame[:] = colour
    return frame


def test_small_frames_get_cells_of_at_least_min_cell():
    sheet = frame_sheet([_frame(64, 64)] * 8, [f"{i}.0s" for i in range(8)], "a caption", columns=4)
    pixels = np.asarray(sheet)
    assert sheet.width == 4 * MIN_CELL
    # the first frame fills its whole cell: red from the label line down MIN_CELL rows
    cell = pixels[LINE : LINE + MIN_CELL, :MIN_CELL]
    assert (cell == (200, 30, 30)).all()


def test_frames_of_another_shape_fit_whole():
    wide = _frame(48, 96, (10, 200, 10))
    tall = _frame(96, 48, (10, 10, 200))
    pixels = np.asarray(frame_sheet([wide, tall], ["a", "b"], "", columns=2))
    green = np.argwhere((pixels == (10, 200, 10)).all(axis=2))
    blue = np.argwhere((pixels == (10, 10, 200)).all(axis=2))
    # each frame keeps its aspect ratio (2:1 and 1:2), nothing cropped
    gh, gw = np.ptp(green, axis=0) + 1
    bh, bw = np.ptp(blue, axis=0) + 1
    assert abs(gw / gh - 2) < 0.05 and abs(bh / bw - 2) < 0.05


def test_long_captions_wrap_instead_of_being_cut():
    caption = "img00000_7: " + " ".join(f"word{i}" for i in range(60))
    sheet = frame_sheet([_frame(64, 64)], ["0.0s"], caption, columns=8)
    font = ImageFont.load_default()
    lines = wrap(caption, font, sheet.width - 4)
    assert len(lines) > 3
    assert " ".join(lines).split() == caption.split()  # every word kept, in order
    assert all(font.getlength(line) <= sheet.width - 4 for line in lines)
    assert sheet.height >= MIN_CELL + (len(lines) + 1) * LINE


def test_a_word_longer_than_a_line_is_broken_not_dropped():
    font = ImageFont.load_default()
    lines = wrap("x" * 200, font, 100)
    assert "".join(lines) == "x" * 200 and len(lines) > 1
