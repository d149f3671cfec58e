"""Cue lists to clean, ordered, non-garbage cues; the HowTo100M preset repairs raw ASR narration.

Always: text cleaned (`text.clean_text` / `clean_words`), cues with unusable times (not finite,
end before start, ending before 0 or after a week, `MAX_SECONDS`) or unusable text (empty, only
`[Music]`-style annotations, no letters) dropped with a reason, negative starts set to 0,
cues sorted by start (stable).

HowTo100M's `caption.json` is YouTube ASR flattened from its roll-up display, which leaves
three artefacts that `HOWTO100M` repairs, in this order:

1. repeated text (`text_overlaps`): a cue whose words end the previous cue's words is a duplicate
   (dropped, the previous cue extended to its end); a cue that starts with all of the previous
   cue's words replaces it; a cue that starts with the last n >= 2 words of the previous one loses
   those n words (one word is not enough evidence: "the the" is spoken too);
2. overlaps (`trim_overlaps`): a line is displayed until the line after next appears, so each
   cue ends where the next one starts (a dropped `[Music]` cue counts: the speech stopped
   there); two cues starting together are joined;
3. glitch cues (`min_cue`, 0.2 s): too short to be a line of speech. A duplicate of the previous
   cue's end is dropped; otherwise its text joins the previous cue (or the next one, when the
   previous is more than `max_join_gap` away), so no word is lost.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from dataclasses import dataclass, replace

from vtdata.align.records import Cue
from vtdata.align.text import clean_text, clean_words, garbage_reason
from vtdata.records.sources import MAX_SECONDS

BAD_TIMES = "bad_times"
DUPLICATE = "duplicate"


@dataclass(frozen=True)
class NormalizeOptions:
    trim_overlaps: bool = False
    min_cue: float = 0.0
    text_overlaps: bool = False
    max_join_gap: float = 1.0


SUBTITLES = NormalizeOptions()
HOWTO100M = NormalizeOptions(trim_overlaps=True, min_cue=0.2, text_overlaps=True)


@dataclass
class CueDrop:
    """A cue left out, with why; `line` as in `Cue.line`."""

    start: float
    end: float
    text: str
    reason: str
    line: int | None = None


def _join(a: Cue, b: Cue) -> Cue:
    """`a` then `b` as one cue (text in that order, times spanning both)."""
    words = a.words + b.words if a.words is not None and b.words is not None else None
    return Cue(min(a.start, b.start), max(a.end, b.end), f"{a.text} {b.text}", words, a.line)


def _ends_with(words: list[str], tail: list[str]) -> bool:
    return 0 < len(tail) <= len(words) and words[-len(tail) :] == tail


def _clean(cues: list[Cue], drops: list[CueDrop]) -> tuple[list[Cue], list[float]]:
    """Usable cues sorted by start, and the starts of those dropped for their text (a `[Music]`
    cue still marks where the line before it stopped)."""
    out, garbage_starts = [], []
    for c in cues:
        if not (math.isfinite(c.start) and c.end <= MAX_SECONDS) or c.end < c.start or c.end < 0:
            drops.append(CueDrop(c.start, c.end, c.text, BAD_TIMES, c.line))
            continue
        if c.words is not None:
            words, had_annotation = clean_words(c.words)
            text = " ".join(w.text for w in words)
        else:
            words, (text, had_annotation) = None, clean_text(c.text)
        reason = garbage_reason(text, had_annotation)
        if reason:
            drops.append(CueDrop(c.start, c.end, c.text, reason, c.line))
            garbage_starts.append(max(c.start, 0.0))
            continue
        out.append(Cue(max(c.start, 0.0), c.end, text, words, c.line))
    out.sort(key=lambda c: c.start)
    return out, garbage_starts


def _remove_text_overlaps(cues: list[Cue], drops: list[CueDrop], notes: Counter) -> list[Cue]:
    out: list[Cue] = []
    for c in cues:
        if not out:
            out.append(c)
            continue
        prev, prev_words, words = out[-1], out[-1].text.split(" "), c.text.split(" ")
        if _ends_with(prev_words, words):
            prev.end = max(prev.end, c.end)
            drops.append(CueDrop(c.start, c.end, c.text, DUPLICATE, c.line))
        elif len(words) > len(prev_words) and words[: len(prev_words)] == prev_words:
            out[-1] = replace(c, start=prev.start, end=max(prev.end, c.end))
            notes["repeat_extended"] += 1
        else:
            n = next(
                (
                    n
                    for n in range(min(len(prev_words), len(words) - 1), 1, -1)
                    if _ends_with(prev_words, words[:n])
                ),
                0,
            )
            if n:
                c = replace(c, text=" ".join(words[n:]), words=c.words[n:] if c.words is not None else None)
                notes["repeat_trimmed"] += 1
            out.append(c)
    return out


def _trim_overlaps(cues: list[Cue], garbage_starts: list[float], notes: Counter) -> list[Cue]:
    out: list[Cue] = []
    for c in cues:
        if out and c.start == out[-1].start:
            out[-1] = _join(out[-1], c)
            notes["same_start_joined"] += 1
        else:
            out.append(c)
    starts = sorted([c.start for c in out] + garbage_starts)
    for c in out:
        k = bisect.bisect_right(starts, c.start)
        if k < len(starts) and c.end > starts[k]:
            c.end = starts[k]
            notes["overlap_trimmed"] += 1
    return out


def _merge_glitches(
    cues: list[Cue], opts: NormalizeOptions, drops: list[CueDrop], notes: Counter
) -> list[Cue]:
    out: list[Cue] = []
    carry: Cue | None = None  # a glitch waiting to be put in front of the next cue
    for i, c in enumerate(cues):
        if carry is not None:
            c, carry = _join(carry, c), None
        if c.end - c.start >= opts.min_cue:
            out.append(c)
        elif out and _ends_with(out[-1].text.split(" "), c.text.split(" ")):
            drops.append(CueDrop(c.start, c.end, c.text, DUPLICATE, c.line))
        elif out and c.start - out[-1].end <= opts.max_join_gap:
            out[-1] = _join(out[-1], c)
            notes["glitch_joined"] += 1
        elif i + 1 < len(cues) and cues[i + 1].start - c.end <= opts.max_join_gap:
            carry = c
            notes["glitch_joined"] += 1
        else:
            out.append(c)
    return out


def normalize_cues(
    cues: list[Cue], opts: NormalizeOptions = SUBTITLES
) -> tuple[list[Cue], list[CueDrop], Counter]:
    """`(cues, drops, notes)`: the usable cues in time order, those left out with a reason, and
    counts of repairs made (see the module docstring). The input cues are not modified."""
    drops: list[CueDrop] = []
    notes: Counter = Counter()
    out, garbage_starts = _clean(cues, drops)
    if opts.text_overlaps:
        out = _remove_text_overlaps(out, drops, notes)
    if opts.trim_overlaps:
        out = _trim_overlaps(out, garbage_starts, notes)
    if opts.min_cue > 0:
        out = _merge_glitches(out, opts, drops, notes)
    return out, drops, notes
