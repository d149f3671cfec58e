"""Damage made on purpose: a synthetic file broken the way real downloads break, for tests."""

from __future__ import annotations

import random


def flip_second_half(data: bytes, n: int = 200, seed: int = 1) -> bytes:
    """An mp4 with `n` bytes inverted in the second half of its `mdat` (the frames), its `moov`
    (the index) untouched: it still demuxes and its first frame decodes, so it passes download
    verification, but the decoder conceals broken macroblocks from there on."""
    start = data.index(b"mdat") + 4
    end = data.index(b"moov") - 4
    if end <= start:
        raise ValueError("flip_second_half needs an mp4 whose moov comes after its mdat")
    out = bytearray(data)
    rng = random.Random(seed)
    for _ in range(n):
        out[rng.randrange((start + end) // 2, end)] ^= 0xFF
    return bytes(out)
