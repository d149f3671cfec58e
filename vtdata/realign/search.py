"""The search itself, in plain numpy: candidate windows around a caption, the frames each window
shows, and the choice of the best window with its alignability score.

A caption said at `[start, end)` is tried at every shift `d` of `shifts(range, step)`: the
window `[start + d, end + d)` clamped to the video, kept when at least half of it is inside.
The chosen shift is the highest-scoring one (ties: the smallest |d|, then the earlier). The
alignability score is the best score's margin over the median of the caption's scores: a
caption that describes what one stretch of the video shows scores high there and low elsewhere,
one that describes nothing on screen scores about the same everywhere.
"""

from __future__ import annotations

import math

import numpy as np

MIN_INSIDE = 0.5  # a candidate window keeps at least this share of the caption's length in the video


def shifts(search_range: float, step: float) -> np.ndarray:
    """Candidate shifts `-k*step .. +k*step`, k = floor(range / step), rounded to the microsecond."""
    k = int(math.floor(search_range / step + 1e-9))
    return np.round(np.arange(-k, k + 1) * step, 6)


def candidates(
    start: float, end: float, duration: float, offsets: np.ndarray
) -> list[tuple[float, float, float]]:
    """(shift, window start, window end) for each shift whose window stays mostly inside `[0, duration]`.

    Never empty: when no shift fits (a caption longer than the video), the caption's own span,
    clamped, is the one candidate.
    """
    length = max(end - start, 1e-3)
    out = []
    for d in offsets:
        a, b = max(0.0, start + d), min(duration, end + d)
        if b - a >= MIN_INSIDE * length:
            out.append((float(d), round(a, 6), round(b, 6)))
    if not out:
        a = min(max(0.0, start), duration)
        out.append((0.0, a, max(a, min(duration, end))))
    return out


def pick_frames(times: np.ndarray, start: float, end: float, n: int) -> np.ndarray:
    """Indices of `n` decoded frames for the window `[start, end)`: Frozen's uniform rule over the
    frames inside it (segment middles), repeating frames when fewer than `n` are inside; the
    frame nearest the window's middle when none is."""
    inside = np.nonzero((times >= start - 1e-6) & (times < end))[0]
    if len(inside) == 0:
        inside = np.array([int(np.argmin(np.abs(times - (start + end) / 2)))])
    m = len(inside)
    if m >= n:
        edges = np.linspace(0, m, n + 1).astype(int)
        return inside[(edges[:-1] + edges[1:] - 1) // 2]
    return inside[np.floor(np.arange(n) * m / n).astype(int)]


def choose(scores: np.ndarray, offsets: np.ndarray) -> tuple[int, float]:
    """(index of the best candidate, alignability score = best - median of `scores`)."""
    order = np.lexsort((offsets, np.abs(offsets), -scores))  # highest score, then smallest |shift|
    best = int(order[0])
    return best, float(scores[best] - np.median(scores))
