"""YouTube rolling auto-captions: every spoken word once, in order, at the time it was spoken.

YouTube shows ASR as a two-line roll-up, and its WebVTT writes every screen state as a cue:

    00:00:03.439 --> 00:00:05.749        <- speaking cue: the previous line, then the new line
    Linus, do your kids think your job is
    cool<00:00:03.760><c> or</c><00:00:04.000><c> is</c>
    00:00:05.749 --> 00:00:05.759        <- 10 ms transition cue: the finished line, then " "
    cool or is
     (a line with one space)

The older format (a `Style:` header, `##`, `<c.colorCCCCCC>` confidence colours) has the same
rolling structure with longer "finalize" cues instead of the 10 ms ones, and even older files
have overlapping single-line cues that do not repeat at all.

The usual fix (skip cues with `<c>`, drop repeated lines) keeps the text of the transition
cues and so their times: each line lands at the moment it *finished* (10 ms long). Here the
rule is per cue: the leading untimed lines that repeat the tail of the words already kept are
skipped (the shortest such run: a cue repeats one line, so a new one-word line, which has no
tags, is not lost when it happens to equal the word before it); every other word is new. A new
word's time is its `<hh:mm:ss.mmm>` tag, or the cue start for a word before the first tag (the
first word of a line is spoken when its cue starts) or in an untimed line. A transition cue
repeats only words already kept, so it adds nothing. Each cue that adds words becomes one `Cue`
from its first word to its own end (cut at the start of the next one when cues overlap), with
its `words`.

Known limit: a spoken line identical to the line before it, without timing tags, is taken for
a repeat (the file does not say otherwise).
"""

from __future__ import annotations

from itertools import pairwise

from vtdata.align.records import Cue, RawCue, Word
from vtdata.align.text import TIMING_TAG, strip_markup
from vtdata.align.timestamps import parse_timestamp


def _tag_time(tag: str) -> float:
    """A word tag's time in seconds, as `round(parse_timestamp(tag), 3)` gives it; YouTube's
    `HH:MM:SS.mmm` is read by slicing (TIMING_TAG matched digits around the separators)."""
    if len(tag) == 12 and tag[2] == ":" and tag[5] == ":" and tag[8] == "." and tag[3] < "6" and tag[6] < "6":
        return ((int(tag[:2]) * 3600 + int(tag[3:5]) * 60 + int(tag[6:8])) * 1000 + int(tag[9:])) / 1000
    return round(parse_timestamp(tag), 3)


def _line_words(raw_line: str) -> tuple[list[tuple[str, float | None]], bool]:
    """`([(word, tag time or None)], has timing tags)` of one cue line."""
    if "<" not in raw_line:
        return [(w, None) for w in strip_markup(raw_line).split()], False
    parts = TIMING_TAG.split(raw_line)
    words: list[tuple[str, float | None]] = [(w, None) for w in strip_markup(parts[0]).split()]
    for k in range(1, len(parts), 2):
        t = _tag_time(parts[k])
        words.extend((w, t) for w in strip_markup(parts[k + 1]).split())
    return words, len(parts) > 1


def _text_lines(raw: str) -> list[str]:
    return [s for s in (" ".join(strip_markup(line).split()) for line in raw.split("\n")) if s]


def is_rolling(cues: list[RawCue]) -> bool:
    """Whether cues look like YouTube's: inline word times, or (in files without them) at least
    30% of cues opening with the previous cue's last line."""
    if any(TIMING_TAG.search(c.text) for c in cues):
        return True
    lines = [_text_lines(c.text) for c in cues]
    repeats = sum(1 for a, b in pairwise(lines) if a and b and b[0] == a[-1])
    return repeats >= 2 and repeats >= 0.3 * (len(cues) - 1)


def dedup_rolling(cues: list[RawCue]) -> list[Cue]:
    """Rolling cues (file order) to de-duplicated cues with word times; see the module docstring."""
    kept: list[str] = []  # texts of the words kept so far, to match repeats against its tail
    out: list[Cue] = []
    for cue in cues:
        lines = [lw for lw in (_line_words(s) for s in cue.text.split("\n")) if lw[0]]
        untimed = 0
        while untimed < len(lines) and not lines[untimed][1]:
            untimed += 1
        skip = 0
        for k in range(1, untimed + 1):
            seq = [w for words, _ in lines[:k] for w, _ in words]
            if len(seq) <= len(kept) and kept[-len(seq) :] == seq:
                skip = k
                break
        new = [Word(cue.start if t is None else t, w) for words, _ in lines[skip:] for w, t in words]
        if new:
            out.append(Cue(new[0].start, cue.end, " ".join(w.text for w in new), new, cue.line))
            kept.extend(w.text for w in new)
            if len(kept) > 8192:  # only the tail is ever compared
                del kept[:-4096]
    for a, b in pairwise(out):
        if b.start > a.start:
            a.end = min(a.end, b.start)
    for c in out:
        c.end = max(c.end, c.words[-1].start)
    return out


def plain_cues(cues: list[RawCue]) -> list[Cue]:
    """Cues of a file that does not roll: markup removed, lines joined, no words."""
    return [Cue(c.start, c.end, " ".join(strip_markup(c.text).split()), None, c.line) for c in cues]
