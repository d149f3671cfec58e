"""One-pass readers for the WebVTT and SRT shapes nearly every file has, vouching or declining.

YouTube auto-captions (and most tool-written WebVTT) are a header block, then cues whose timing
lines are exactly `HH:MM:SS.mmm --> HH:MM:SS.mmm [settings]`, with text lines, `" "` rows and
optional identifiers. For that shape the general path (`vtt.parse_vtt_general`: timing checks,
repairs, webvtt-py, matching cues back to lines) is a long way to the same cues, and it is what
made align ~30x slower than reading the file. `parse_vtt_fast` reads the shape in one pass and
returns exactly what the general path returns (same cues, texts, times, lines, and no issues),
or None as soon as a line is anything it cannot vouch for, so the general path handles every
file that needs a check, a repair or a report:

- a CR other than in CRLF, a header line with `-->`, no empty line after the header;
- a line with `-->` that is not a strict timing (lenient or unreadable timestamps, whitespace
  before it, two-digit hours exceeded) or whose end is before its start;
- a block that starts with a line other than a timing line or an identifier right before one
  (NOTE, STYLE, REGION blocks, stray text: what webvtt-py skips and the checks may repair).

Within a cue every non-empty line up to the next empty or timing line is text, as in webvtt-py.

`parse_srt_fast` does the same for SRT against `srt.parse_srt_general`: blocks of an index,
a `HH:MM:SS,mmm --> HH:MM:SS,mmm` line and at least one text line (stripped, as the general
path does), one empty line between blocks; any other line (a missing index or blank line, a
whitespace-only line, a lenient timing, a backwards cue, an empty cue) leaves the file to the
general path and its reports.
"""

from __future__ import annotations

import re

from vtdata.align.records import ParsedText, RawCue

_TS = r"(\d\d):([0-5]\d):([0-5]\d)\.(\d{3})"
_TIMING = re.compile(rf"{_TS} --> {_TS}(?:[ \t]|$)")
_SRT_TIMING = re.compile(rf"{_TS.replace('.', ',')} --> {_TS.replace('.', ',')}")


def _seconds(m: re.Match | None) -> tuple[float, float] | None:
    """`(start, end)` of a strict timing match, as the general paths compute them; None if none
    or backwards (the general paths report that)."""
    if m is None:
        return None
    h0, m0, s0, f0, h1, m1, s1, f1 = m.groups()
    start = ((int(h0) * 60 + int(m0)) * 60 + int(s0)) * 1000 + int(f0)
    end = ((int(h1) * 60 + int(m1)) * 60 + int(s1)) * 1000 + int(f1)
    return None if end < start else (start / 1000, end / 1000)


def split_lines(text: str) -> list[str] | None:
    """Lines of `text` split on LF or CRLF; None when it holds a lone CR (left to the general path)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if "\r" in text:
            return None
    return text.split("\n")


def parse_vtt_fast(text: str, source: str = "<string>", encoding: str = "utf-8") -> ParsedText | None:
    """The cues of a WebVTT document in the common shape (module docstring), or None."""
    lines = split_lines(text.lstrip("\ufeff"))
    if lines is None or not lines[0].startswith("WEBVTT"):
        return None
    try:
        header_end = lines.index("")
    except ValueError:
        return None
    if any("-->" in line for line in lines[:header_end]):
        return None
    cues: list[RawCue] = []
    texts: list[list[str]] = []
    body: list[str] = []
    block_start = True  # after an empty line: the next line starts a block
    timing = _TIMING.match
    n = len(lines)
    for i in range(header_end + 1, n):
        line = lines[i]
        if not line:
            block_start = True
        elif "-->" in line:
            times = _seconds(timing(line))
            if times is None:
                return None
            body = []
            texts.append(body)
            cues.append(RawCue(times[0], times[1], "", i + 1))
            block_start = False
        elif block_start:
            if i + 1 >= n or "-->" not in lines[i + 1]:
                return None  # not an identifier: a NOTE/STYLE/REGION block or stray text
            block_start = False
            body = []  # the identifier; the timing line follows (checked on the next line)
        else:
            body.append(line)
    for cue, body in zip(cues, texts, strict=True):
        cue.text = "\n".join(body)
    return ParsedText(cues, [], "vtt", encoding)


def parse_srt_fast(text: str, source: str = "<string>", encoding: str = "utf-8") -> ParsedText | None:
    """The cues of an SRT document in the common shape (module docstring), or None."""
    lines = split_lines(text.lstrip("\ufeff"))
    if lines is None:
        return None
    while lines and not lines[-1]:
        lines.pop()
    n = len(lines)
    timing = _SRT_TIMING.fullmatch
    cues: list[RawCue] = []
    i = 0
    while i < n:
        if i + 2 >= n or not lines[i].isdigit() or not lines[i].isascii():
            return None  # index, timing and at least one text line
        times = _seconds(timing(lines[i + 1]))
        if times is None:
            return None
        j = i + 2
        while j < n and lines[j]:
            if "-->" in lines[j] or not lines[j].strip():
                return None  # a whitespace-only line splits the cue: the general path reports it
            j += 1
        body = [line.strip() for line in lines[i + 2 : j]]
        if not body:
            return None  # an empty cue: the general path reports it
        cues.append(RawCue(times[0], times[1], "\n".join(body), i + 2))
        i = j + 1
    return ParsedText(cues, [], "srt", encoding) if cues else None
