"""SubRip (SRT), read by timing lines rather than by blank lines, because real files break both.

A cue is a `start --> end` line (timestamps as lenient as `timestamps.parse_timestamp`:
`00:00:5,000` is 5 s) and the text lines after it, up to the next timing line. The next cue's
index (a digits-only line right before its timing line) and blank lines around the text are
not text; a blank line inside the text is dropped. So a missing index, a missing blank line
between cues or a stray blank line in a cue lose nothing. An unreadable timing or an end before
the start skips that cue (its text with it) with an error naming the line; a timestamp that is
not SRT's `HH:MM:SS,mmm` is read with a warning.
"""

from __future__ import annotations

import re
from pathlib import Path

from vtdata.align.fastpath import parse_srt_fast
from vtdata.align.records import Issue, ParsedText, RawCue
from vtdata.align.textfile import read_text
from vtdata.align.timestamps import BadTimestamp, format_timestamp, parse_timing_line
from vtdata.align.vtt import LINE_BREAK

_STRICT_TS = r"\d{2}:\d{2}:\d{2}[,.]\d{3}"
_STRICT_TIMING = re.compile(rf"\s*{_STRICT_TS}\s*-->\s*{_STRICT_TS}(?:\s|$)")


def _text(lines: list[str], before_timing: bool) -> str:
    lines = [s.strip() for s in lines if s.strip()]
    if before_timing and len(lines) >= 2 and lines[-1].isdigit():
        lines.pop()  # the next cue's index
    return "\n".join(lines)


def parse_srt(text: str, source: str = "<string>", encoding: str = "utf-8") -> ParsedText:
    """Cues of an SRT document in file order, with the problems met (see the module docstring);
    the common shape in one pass (`fastpath.parse_srt_fast`, same answer)."""
    return parse_srt_fast(text, source, encoding) or parse_srt_general(text, source, encoding)


def parse_srt_general(text: str, source: str = "<string>", encoding: str = "utf-8") -> ParsedText:
    """`parse_srt` line by line, for any SRT document: the reports come from here."""
    lines = LINE_BREAK.split(text.lstrip("\ufeff"))
    issues: list[Issue] = []
    cues: list[RawCue] = []
    current: tuple[float, float, int] | None = None  # start, end, 1-based line of the open cue
    body: list[str] = []

    def close(before_timing: bool) -> None:
        if current is not None:
            cues.append(RawCue(current[0], current[1], _text(body, before_timing), current[2]))

    for i, line in enumerate(lines):
        if "-->" not in line or not line.lstrip()[:1].isdigit():
            body.append(line)
            continue
        close(True)
        current, body = None, []
        try:
            start, end, _ = parse_timing_line(line)
        except BadTimestamp as e:
            issues.append(Issue(source, i + 1, f"unreadable cue timing: {e}; cue skipped"))
            continue
        start, end = round(start, 3), round(end, 3)
        if end < start:
            issues.append(
                Issue(source, i + 1, f"cue ends ({end:.3f} s) before it starts ({start:.3f} s); cue skipped")
            )
            continue
        if not _STRICT_TIMING.match(line):
            issues.append(
                Issue(
                    source,
                    i + 1,
                    f"timing {line.strip()!r} is not SRT's HH:MM:SS,mmm; read as "
                    f"{format_timestamp(start)} --> {format_timestamp(end)}",
                    "warning",
                )
            )
        current = (start, end, i + 1)
    close(False)
    if not cues and not issues:
        issues.append(Issue(source, None, "no 'start --> end' timing line: not an SRT file; no cues"))
    return ParsedText(cues, issues, "srt", encoding)


def read_srt(path: str | Path) -> ParsedText:
    """`parse_srt` of a file in any encoding (see `textfile.decode_text`)."""
    text, encoding, issues = read_text(path)
    parsed = parse_srt(text, str(path), encoding)
    parsed.issues[:0] = issues
    return parsed
