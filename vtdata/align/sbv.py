"""YouTube's SubViewer (SBV): what YouTube Studio exports, and what yt-dlp hands over for some videos.

A cue is a `start,end` line (`0:00:01.500,0:00:04.000`, times as lenient as
`timestamps.parse_timestamp`) and the text lines after it, up to a blank line. A block whose
first line is not a timing is skipped with an error naming its line; a timing that cannot be
read, or ends before it starts, skips its cue with an error; a cue with no text stays empty
with a warning.
"""

from __future__ import annotations

import re
from pathlib import Path

from vtdata.align.records import Issue, ParsedText, RawCue
from vtdata.align.textfile import read_text
from vtdata.align.timestamps import BadTimestamp, parse_timestamp
from vtdata.align.vtt import LINE_BREAK

TIMING = re.compile(r"\s*(\d+:\d{1,2}:\d{1,2}(?:[.,]\d+)?)\s*,\s*(\d+:\d{1,2}:\d{1,2}(?:[.,]\d+)?)\s*$")


def looks_like_sbv(text: str) -> bool:
    """Whether the first non-blank line is an SBV timing line."""
    first = next((line for line in LINE_BREAK.split(text.lstrip("\ufeff")) if line.strip()), "")
    return TIMING.match(first) is not None


def parse_sbv(text: str, source: str = "<string>", encoding: str = "utf-8") -> ParsedText:
    """Cues of an SBV document in file order, with the problems met (see the module docstring)."""
    lines = LINE_BREAK.split(text.lstrip("\ufeff"))
    issues: list[Issue] = []
    cues: list[RawCue] = []
    block: list[tuple[int, str]] = []
    for n, line in [*enumerate(lines, 1), (len(lines) + 1, "")]:
        if line.strip():
            block.append((n, line.strip()))
            continue
        if block:
            _cue(block, source, cues, issues)
        block = []
    if not cues and not issues:
        issues.append(Issue(source, None, "no 'start,end' timing line: not an SBV file; no cues"))
    return ParsedText(cues, issues, "sbv", encoding)


def _cue(block: list[tuple[int, str]], source: str, cues: list[RawCue], issues: list[Issue]) -> None:
    line, first = block[0]
    m = TIMING.match(first)
    if m is None:
        issues.append(Issue(source, line, f"block {first[:40]!r} has no 'start,end' timing line; skipped"))
        return
    try:
        start, end = (round(parse_timestamp(t), 3) for t in m.groups())
    except BadTimestamp as e:
        issues.append(Issue(source, line, f"unreadable cue timing: {e}; cue skipped"))
        return
    if end < start:
        issues.append(
            Issue(source, line, f"cue ends ({end:.3f} s) before it starts ({start:.3f} s); cue skipped")
        )
        return
    text = "\n".join(t for _, t in block[1:])
    if not text:
        issues.append(Issue(source, line, "empty cue (no text line); kept empty", "warning"))
    cues.append(RawCue(start, end, text, line))


def read_sbv(path: str | Path) -> ParsedText:
    """`parse_sbv` of a file in any encoding (see `textfile.decode_text`)."""
    text, encoding, issues = read_text(path)
    parsed = parse_sbv(text, str(path), encoding)
    parsed.issues[:0] = issues
    return parsed
