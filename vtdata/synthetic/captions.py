"""Write narration the way YouTube's automatic captions and HowTo100M's caption.json hold it.

YouTube auto-captions (as yt-dlp saves them) *roll*: the words are grouped into lines; each
line gets a cue that shows the previous line on top (plain) and the new line below with one
`<HH:MM:SS.mmm><c> word</c>` tag per word after the first (the time the word is spoken); the
cue lasts until the next line begins, and a 10 ms cue that holds only the finished line (and a
blank `" "` row) bridges the two. A naive reader therefore sees every line twice or three times.

Two variants exist in the wild and both are written here:
- ``"new"``: `Kind:`/`Language:` header, a `" "` row where the first cue has no previous line.
- ``"old"`` (2017-2019): also a `Style:` block with `::cue(c.colorXXXXXX)` rules and a `##` line,
  word runs wrapped in `<c.colorE5E5E5>` / `<c.colorCCCCCC>` (confidence shading), the closing
  `</c>` of a bridging cue's last run after its `" "` row, and an empty row (two blank lines after
  the cue) when no run is open (see ../shared/real/youtube_autocaption_old.vtt).
  Real old files bridge from the last word's tag to the next line (100-400 ms); here the bridge
  is 10 ms in both styles, so one rule holds for every synthetic file.

HowTo100M's caption.json lines are those same YouTube lines, each lasting until the line after
the next one starts, so consecutive lines overlap (`caption_json_lines`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

STYLES = ("new", "old")
BRIDGE = 0.010  # YouTube's transition cue lasts 10 ms
MAX_LINE_CHARS = 32
MAX_LINE_GAP = 1.0  # a pause this long (seconds) starts a new line
_COLOURS = ("E5E5E5", "CCCCCC")
_OLD_HEADER = (
    "WEBVTT\nKind: captions\nLanguage: en\nStyle:\n"
    "::cue(c.colorCCCCCC) { color: rgb(204,204,204);\n }\n"
    "::cue(c.colorE5E5E5) { color: rgb(229,229,229);\n }\n##\n\n"
)
_NEW_HEADER = "WEBVTT\nKind: captions\nLanguage: en\n\n"

WordTime = tuple[float, float, str]


def vtt_time(seconds: float) -> str:
    """`HH:MM:SS.mmm`, rounded to the millisecond."""
    ms = max(0, round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def group_lines(
    words: Sequence[WordTime], max_chars: int = MAX_LINE_CHARS, max_gap: float = MAX_LINE_GAP
) -> list[list[WordTime]]:
    """Split the word stream into caption lines: at most `max_chars` characters, or a long pause."""
    lines: list[list[WordTime]] = []
    for word in words:
        if lines:
            line = lines[-1]
            chars = sum(len(w[2]) + 1 for w in line) + len(word[2])
            if chars <= max_chars and word[0] - line[-1][1] < max_gap:
                line.append(word)
                continue
        lines.append([word])
    return lines


def _colour_classes(line: Sequence[WordTime]) -> list[str | None]:
    """Old-style colour class per word, fixed by the words themselves.

    About half the words carry no class, a third are grey `CCCCCC` and the rest the brighter
    `E5E5E5` (YouTube's confidence shading), in runs, as in the real files.
    """
    classes: list[str | None] = []
    for k, (start, _, text) in enumerate(line):
        h = hashlib.blake2b(f"{k}:{start:.3f}:{text}".encode(), digest_size=1).digest()[0] % 20
        if k and h < 6:  # words often share their neighbour's shade
            classes.append(classes[-1])
        else:
            classes.append(None if h < 14 else _COLOURS[1] if h < 18 else _COLOURS[0])
    return classes


def _runs(line: Sequence[WordTime], classes: Sequence[str | None]) -> list[tuple[str | None, list[int]]]:
    runs: list[tuple[str | None, list[int]]] = []
    for k, cls in enumerate(classes):
        if runs and runs[-1][0] == cls:
            runs[-1][1].append(k)
        else:
            runs.append((cls, [k]))
    return runs


def _timed_line(line: Sequence[WordTime], style: str) -> str:
    """The new line of a cue: first word bare, every later word `<time><c> word</c>`."""

    def word(k: int) -> str:
        return line[0][2] if k == 0 else f"<{vtt_time(line[k][0])}><c> {line[k][2]}</c>"

    if style == "new":
        return "".join(word(k) for k in range(len(line)))
    out = []
    for cls, ks in _runs(line, _colour_classes(line)):
        body = "".join(word(k) for k in ks)
        out.append(body if cls is None else f"<c.color{cls}>{body}</c>")
    return "".join(out)


def _plain_line(line: Sequence[WordTime], style: str, *, bridge: bool = False) -> str:
    """A finished line as the next cue repeats it; old style keeps the colour groups.

    A bridging cue has a second, blank row: `" "` in the new style; in the old style the last
    colour group closes only after that `" "` row, and with no group open the row is empty, so
    two blank lines follow the cue.
    """
    if style == "new":
        return " ".join(w[2] for w in line) + ("\n " if bridge else "")
    out = []
    runs = _runs(line, _colour_classes(line))
    for r, (cls, ks) in enumerate(runs):
        body = "".join((" " if k else "") + line[k][2] for k in ks)
        if cls is None:
            out.append(body)
        elif bridge and r == len(runs) - 1:
            return "".join(out) + f"<c.color{cls}>{body}\n </c>"
        else:
            out.append(f"<c.color{cls}>{body}</c>")
    return "".join(out) + ("\n" if bridge else "")


def youtube_autocaption_vtt(
    words: list[tuple[float, float, str]],
    *,
    style: str = "new",
    max_chars: int = MAX_LINE_CHARS,
    max_gap: float = MAX_LINE_GAP,
) -> str:
    """A YouTube-style rolling auto-caption WebVTT for `words` = [(start, end, text), ...] in seconds.

    Words must be in time order and single tokens (no spaces). Every word appears once in the
    timed (second) row of exactly one main cue, with its start time as the tag (the first word of
    a line starts at the cue start instead); webvtt-py parses the result. `style` is "new" or
    "old" (module docstring).
    """
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}, got {style!r}")
    for k, (start, end, text) in enumerate(words):
        if end < start or not text or any(c.isspace() for c in text):
            raise ValueError(f"word {k} {(start, end, text)!r}: need end >= start and one non-empty token")
        if k and start < words[k - 1][0]:
            raise ValueError(f"word {k} {text!r} starts at {start} before the word before it")
    lines = group_lines(words, max_chars, max_gap)
    out = [_OLD_HEADER if style == "old" else _NEW_HEADER]
    settings = " align:start position:0%"
    for i, line in enumerate(lines):
        start = line[0][0]
        nxt = lines[i + 1][0][0] if i + 1 < len(lines) else max(line[-1][1], line[-1][0] + 2 * BRIDGE)
        end = max(start + BRIDGE / 2, nxt - BRIDGE)
        top = _plain_line(lines[i - 1], style) if i else " "
        out.append(f"{vtt_time(start)} --> {vtt_time(end)}{settings}\n{top}\n{_timed_line(line, style)}\n\n")
        if end < nxt:
            bridge = _plain_line(line, style, bridge=True)
            out.append(f"{vtt_time(end)} --> {vtt_time(nxt)}{settings}\n{bridge}\n\n")
    return "".join(out)


def caption_json_lines(
    words: Sequence[WordTime], max_chars: int = MAX_LINE_CHARS, max_gap: float = MAX_LINE_GAP
) -> list[tuple[float, float, str]]:
    """HowTo100M caption.json lines for `words`: (start, end, text), overlapping like the real ones.

    A line starts with its first word and ends when the line after the next one starts (the
    last two lines end with the last word), the way HowTo100M's lines came from YouTube's.
    """
    lines = group_lines(words, max_chars, max_gap)
    last_end = max((w[1] for w in words), default=0.0)
    out = []
    for i, line in enumerate(lines):
        end = lines[i + 2][0][0] if i + 2 < len(lines) else last_end
        out.append((round(line[0][0], 3), round(max(end, line[-1][1]), 3), " ".join(w[2] for w in line)))
    return out
