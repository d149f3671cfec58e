"""Cues to training clips: which time ranges, with which text.

Builders choose spans of (shifted) cue time:

- `whole`: the whole item, text = the item's caption (else all cue text); images always get this;
- `cue`: one clip per cue;
- `merge`: consecutive cues joined until the span lasts `min_duration`, never growing past
  `max_duration`; a short last group joins the one before when that stays within `max_duration`.
  Every cue lands in exactly one clip, in order;
- `window`: windows of `window` seconds every `stride` seconds from 0 to the end of the media
  (the last one aligned to the end), text = the cues overlapping the window, or just the words
  spoken inside it when the cues carry word times (YouTube); windows without text are dropped;
- `milnce`: one clip per cue exactly as MIL-NCE cuts it (`vtdata.align.milnce`: `pad_to`, whole
  seconds, K nearest-in-time `candidates`); only `shift` of the steps below applies.

Then, per clip, in this order: `shift` moves text time to media time (positive = later; ASR
often lags or leads the picture) before spans are chosen; `pad` extends both edges; `pad_to`
grows a shorter clip symmetrically to that length (MIL-NCE's `min_time`: start at
max(0, middle - pad_to / 2)); `max_duration` caps the clip (padding shrinks first, a single
longer cue is cut at start + max_duration); the range is clamped to [0, duration]
(a clip that was grown to `pad_to` slides back inside instead of shrinking, when the media is
long enough); a clip whose text lies wholly outside the media (`outside_media`), or that is
empty or shorter than `min_clip` after all this (`too_short`), is dropped.

`text` joins the clip's cue texts, `texts` lists them (MIL-NCE positives; with `neighbours` N,
plus up to N cues each side, in time order), `context` joins up to `context` K cues before and
K after (DECEMBERT). Clips come sorted by start; ids are `<id>_<k>`, k counting kept clips.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from vtdata.align.milnce import nearest_candidates, padded_seconds
from vtdata.align.options import ClipOptions
from vtdata.align.records import Cue, Word
from vtdata.align.text import clean_text, garbage_reason
from vtdata.records.clips import Clip

NO_DURATION = "no_duration"
OUTSIDE_MEDIA = "outside_media"
TOO_SHORT = "too_short"
NO_TEXT = "no_text"


@dataclass
class Span:
    """A range of cue time with the cues `first..last` (inclusive) and its text pieces."""

    start: float
    end: float
    first: int
    last: int
    pieces: list[str]


@dataclass
class ClipDrop:
    """A clip left out, with why."""

    start: float
    end: float
    text: str
    reason: str


def spans_cue(cues: list[Cue]) -> list[Span]:
    return [Span(c.start, c.end, i, i, [c.text]) for i, c in enumerate(cues)]


def spans_merge(cues: list[Cue], min_duration: float, max_duration: float | None) -> list[Span]:
    """Greedy groups of consecutive cues (cues sorted by start); see the module docstring."""
    groups: list[list] = []  # [first, last, end]
    i, n = 0, len(cues)
    while i < n:
        j, end = i, cues[i].end
        while end - cues[i].start < min_duration and j + 1 < n:
            grown = max(end, cues[j + 1].end)
            if max_duration is not None and grown - cues[i].start > max_duration:
                break
            j, end = j + 1, grown
        groups.append([i, j, end])
        i = j + 1
    if len(groups) >= 2:
        (a0, _, a_end), (b0, b1, b_end) = groups[-2], groups[-1]
        joined = max(a_end, b_end)
        if b_end - cues[b0].start < min_duration and (
            max_duration is None or joined - cues[a0].start <= max_duration
        ):
            groups[-2:] = [[a0, b1, joined]]
    return [Span(cues[a].start, end, a, b, [c.text for c in cues[a : b + 1]]) for a, b, end in groups]


def window_starts(end_time: float, window: float, stride: float) -> list[float]:
    """Window starts covering [0, end_time]: every `stride`, the last one aligned to the end."""
    if end_time <= window:
        return [0.0] if end_time > 0 else []
    starts = [k * stride for k in range(int((end_time - window) / stride + 1e-9) + 1)]
    if starts[-1] + window < end_time - 1e-6:
        starts.append(end_time - window)
    return starts


def _words_in(words: list[Word], start: float, end: float) -> str:
    return " ".join(w.text for w in words if start <= w.start < end)


def spans_window(cues: list[Cue], window: float, stride: float, end_time: float) -> list[Span]:
    """Windows over [0, end_time] with the text overlapping each (cues sorted by start)."""
    starts = [c.start for c in cues]
    spans = []
    for ws in window_starts(end_time, window, stride):
        we = min(ws + window, end_time)
        first = last = -1
        pieces = []
        for i in range(bisect.bisect_left(starts, we)):
            c = cues[i]
            inside = c.end > ws if c.end > c.start else c.start >= ws
            if not inside:
                continue
            piece = _words_in(c.words, ws, we) if c.words else c.text
            if piece:
                pieces.append(piece)
                first = i if first < 0 else first
                last = i
        spans.append(Span(ws, we, first, last, pieces))
    return spans


def shift_cues(cues: list[Cue], shift: float) -> list[Cue]:
    """Cues (and their words) moved by `shift` seconds; the same list when `shift` is 0."""
    if not shift:
        return cues
    return [
        Cue(
            c.start + shift,
            c.end + shift,
            c.text,
            [Word(w.start + shift, w.text) for w in c.words] if c.words else c.words,
            c.line,
        )
        for c in cues
    ]


def _place(start: float, end: float, duration: float | None, opts: ClipOptions) -> tuple[float, float]:
    """Pad, grow to `pad_to`, cap and clamp one span (module docstring)."""
    cap = opts.max_duration
    if cap is not None and end - start >= cap:
        end = start + cap
    else:
        pad = opts.pad if cap is None else min(opts.pad, (cap - (end - start)) / 2)
        start, end = start - pad, end + pad
        target = opts.pad_to if cap is None else min(opts.pad_to, cap)
        if end - start < target:
            start = max(0.0, (start + end - target) / 2)
            end = start + target
            if duration is not None and end > duration:
                start, end = max(0.0, duration - target), duration
    start, end = max(round(start, 6), 0.0), round(end, 6)
    return start, min(end, duration) if duration is not None else end


def _neighbour_texts(cues: list[Cue], first: int, last: int, k: int) -> tuple[list[str], list[str]]:
    if k <= 0 or first < 0:
        return [], []
    return [c.text for c in cues[max(first - k, 0) : first]], [c.text for c in cues[last + 1 : last + 1 + k]]


def _whole(
    item_id: str, cues: list[Cue], duration: float | None, caption: str | None, media: str, split: str
) -> tuple[list[Clip], list[ClipDrop]]:
    texts = [c.text for c in cues]
    raw = caption if caption and caption.strip() else " ".join(texts)
    text, had_annotation = clean_text(raw)
    end = 0.0 if media == "image" else duration
    reason = garbage_reason(text, had_annotation)
    if reason is None and end is None:
        reason = NO_DURATION
    if reason is not None:
        return [], [ClipDrop(0.0, end or 0.0, raw, reason)]
    return [Clip(f"{item_id}_0", item_id, 0.0, float(end), text, texts or [text], "", split)], []


def build_clips(
    item_id: str,
    cues: list[Cue],
    opts: ClipOptions,
    *,
    duration: float | None = None,
    caption: str | None = None,
    media: str = "video",
    split: str = "train",
) -> tuple[list[Clip], list[ClipDrop]]:
    """Clips of one item from its normalized cues (sorted by start); see the module docstring.

    `duration` is the media's probed length (clips are clamped to it; None: only to >= 0).
    """
    if opts.builder == "whole" or media == "image":
        return _whole(item_id, cues, duration, caption, media, split)
    cues = shift_cues(cues, opts.shift)
    if opts.builder == "milnce":
        return _milnce(item_id, cues, opts, duration, split)
    if opts.builder == "cue":
        spans = spans_cue(cues)
    elif opts.builder == "merge":
        spans = spans_merge(cues, opts.min_duration, opts.max_duration)
    else:
        end_time = duration if duration is not None else max((c.end for c in cues), default=0.0)
        spans = spans_window(cues, opts.window, opts.stride or opts.window, end_time)
    placed: list[tuple[float, float, Span]] = []
    drops: list[ClipDrop] = []
    for span in spans:
        text = " ".join(span.pieces)
        if not span.pieces:
            drops.append(ClipDrop(span.start, span.end, text, NO_TEXT))
            continue
        start, end = _place(span.start, span.end, duration, opts)
        before = span.end < 0 or (span.end == 0 and span.start < 0)
        if before or (duration is not None and span.start >= duration):
            drops.append(ClipDrop(span.start, span.end, text, OUTSIDE_MEDIA))
        elif end <= start or end - start < opts.min_clip:
            drops.append(ClipDrop(start, end, text, TOO_SHORT))
        else:
            placed.append((start, end, span))
    placed.sort(key=lambda p: (p[0], p[1]))
    clips = []
    for k, (start, end, span) in enumerate(placed):
        before, after = _neighbour_texts(cues, span.first, span.last, opts.neighbours)
        ctx_before, ctx_after = _neighbour_texts(cues, span.first, span.last, opts.context)
        clips.append(
            Clip(
                f"{item_id}_{k}",
                item_id,
                start,
                end,
                " ".join(span.pieces),
                before + span.pieces + after,
                " ".join(ctx_before + ctx_after),
                split,
            )
        )
    return clips, drops


def _milnce(
    item_id: str, cues: list[Cue], opts: ClipOptions, duration: float | None, split: str
) -> tuple[list[Clip], list[ClipDrop]]:
    """One clip per cue, as MIL-NCE's loader cuts it (`vtdata.align.milnce`)."""
    placed: list[tuple[int, int, int]] = []
    drops: list[ClipDrop] = []
    for i, cue in enumerate(cues):
        start, end = padded_seconds(cue.start, cue.end, opts.pad_to)
        if cue.end < 0 or (duration is not None and start >= duration):
            drops.append(ClipDrop(cue.start, cue.end, cue.text, OUTSIDE_MEDIA))
        elif end <= start:
            drops.append(ClipDrop(start, end, cue.text, TOO_SHORT))
        else:
            placed.append((start, end, i))
    placed.sort()
    clips = []
    for k, (start, end, i) in enumerate(placed):
        texts = [cues[j].text for j in nearest_candidates(cues, i, opts.candidates)]
        clips.append(
            Clip(f"{item_id}_{k}", item_id, float(start), float(end), cues[i].text, texts, "", split)
        )
    return clips, drops
