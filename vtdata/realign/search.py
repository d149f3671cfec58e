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


def choose(scores: np.ndarray, offsets: np.ndarray, prior: np.ndarray | None = None) -> tuple[int, float]:
    """(index of the best candidate, alignability score = its score - the median of `scores`).

    `prior` (one value per candidate, added to the standardised scores) is the neighbours' vote.
    """
    rank = scores if prior is None else _standard(scores) + prior
    order = np.lexsort((offsets, np.abs(offsets), -rank))  # highest, then smallest |shift|, then earlier
    best = int(order[0])
    return best, float(scores[best] - np.median(scores))


def _standard(scores: np.ndarray) -> np.ndarray:
    return (scores - scores.mean()) / (scores.std() + 1e-6)


def neighbour_prior(
    curves: list[tuple[np.ndarray, np.ndarray]], centres: list[float], weight: float, span: float
) -> list[np.ndarray]:
    """Per caption, `weight` x the Gaussian-weighted (sigma = `span` seconds) mean of the *other*
    captions' standardised score curves at the same shifts.

    Narration drifts slowly: the captions around one (same speaker, same recording) mostly share
    its lag, so their curves vote for a shift, and a caption whose own curve is flat or has two
    peaks follows them. 0 for a caption alone in its video.
    """
    if weight <= 0 or len(curves) < 2:
        return [np.zeros(len(o)) for o, _ in curves]
    index = {float(d): k for k, d in enumerate(np.unique(np.concatenate([o for o, _ in curves])))}
    z = np.zeros((len(curves), len(index)))
    seen = np.zeros_like(z)
    for i, (offsets, scores) in enumerate(curves):
        cols = [index[float(d)] for d in offsets]
        z[i, cols], seen[i, cols] = _standard(scores), 1.0
    t = np.asarray(centres)
    w = np.exp(-0.5 * ((t[:, None] - t[None, :]) / span) ** 2)
    np.fill_diagonal(w, 0.0)
    vote = (w @ (z * seen)) / np.maximum(w @ seen, 1e-9)
    return [weight * vote[i, [index[float(d)] for d in offsets]] for i, (offsets, _) in enumerate(curves)]
