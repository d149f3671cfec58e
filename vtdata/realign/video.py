"""One video's job: decode it once at a low rate, embed every candidate window of its captions,
and choose each caption's shift (search.py). Bad media fails this video only, with a reason."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vtdata.media.decode import ClipFailure, ClipRequest, extract_clips
from vtdata.media.resize import ResizeSpec
from vtdata.media.sampling import SamplingSpec
from vtdata.realign import search
from vtdata.realign.scorer import Scorer


@dataclass(frozen=True)
class Caption:
    """A clip to realign: its id, text and the span the ASR gives it."""

    clip_id: str
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Placed:
    """Where a caption went: the corrected span, the shift applied and its alignability score."""

    clip_id: str
    start: float
    end: float
    shift: float
    score: float


class VideoFailed(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def decode(path: str, rate: float, size: int, decoder: str = "auto") -> tuple[np.ndarray, np.ndarray, float]:
    """Every frame at `rate` fps, centre-cropped to `size` square: (uint8 [F,S,S,3], times [F], duration)."""
    request = ClipRequest(
        key="all",
        sampling=SamplingSpec(mode="dense", fps=rate),
        size=ResizeSpec(short_side=size, crop=True, upscale=True),
    )
    got = next(iter(extract_clips(path, [request], decoder=decoder, label=path)))
    if isinstance(got, ClipFailure):
        raise VideoFailed(got.reason, got.message)
    duration = got.info.duration or float(got.times[-1]) + 1.0 / rate
    return got.frames, got.times, float(duration)


def realign_video(
    scorer: Scorer,
    path: str,
    captions: list[Caption],
    offsets: np.ndarray,
    rate: float,
    decoder: str = "auto",
    batch_size: int = 256,
    prior_weight: float = 1.0,
    prior_span: float = 30.0,
) -> tuple[list[Placed], float]:
    """Each caption placed at its best window, and the video's duration (seconds of media searched)."""
    frames, times, duration = decode(path, rate, scorer.image_size, decoder)
    windows: dict[tuple[float, float], int] = {}  # captions of one video share many windows
    per_caption = []
    for cap in captions:
        cands = search.candidates(cap.start, cap.end, duration, offsets)
        per_caption.append((cands, [windows.setdefault((a, b), len(windows)) for _, a, b in cands]))
    picks = np.stack([search.pick_frames(times, a, b, scorer.num_frames) for a, b in windows])
    video = scorer.windows(frames, picks, batch_size)
    text = scorer.texts([c.text for c in captions])
    curves = [
        (np.array([d for d, _, _ in cands]), video[rows] @ t)
        for t, (cands, rows) in zip(text, per_caption, strict=True)
    ]
    centres = [(c.start + c.end) / 2 for c in captions]
    priors = search.neighbour_prior(curves, centres, prior_weight, prior_span)
    placed = []
    for cap, (cands, _), (offsets, scores), prior in zip(captions, per_caption, curves, priors, strict=True):
        best, score = search.choose(scores, offsets, prior if prior_weight > 0 else None)
        d, a, b = cands[best]
        placed.append(Placed(cap.clip_id, a, b, d, round(score, 6)))
    return placed, duration
