"""SubRip (SRT), read by timing lines rather than by blank lines, because real files break both.

A cue is a `start --> end` line (timestamps as lenient as `timestamps.parse_timestamp`:
`00:00:5,000` is 5 s) and the text lines after it, up to the next timing line. The next cue's
index (a digits-only line right before its timing line) is not text. So a missing index or a
missing blank line between cues lose nothing. Between two timing lines, blank lines split the
text into blocks:

- a block that starts with an index (a digits-only line) is a cue that lost its timing line:
  skipped, with an error naming its line (it is not glued to the cue before, index and all);
- any other block after the first is text after a stray blank line: kept with the cue, with a
  warning naming its line;
- a cue with no text (its timing line followed by a blank line) stays empty, with a warning (the
  next cue's index is not its text);
- text before the first timing line (other than an index) is an error: a cue without timing.

An unreadable timing or an end before the start skips that cue (its text with it) with an error
naming the line; a timestamp that is not SRT's `HH:MM:SS,mmm` (a dot before the milliseconds,
one-digit fields) is read with a warning.
"""

from __future__ import annotations

import re
from pathlib import Path

from vtdata.align.records import Issue, ParsedText, RawCue
from vtdata.align.textfile import read_text
from vtdata.align.timestamps import BadTimestamp, format_timestamp, parse_timing_line
from vtdata.align.vtt import LINE_BREAK

_STRICT_TS = r"\d{2}:\d{2}:\d{2},\d{3}"  # SRT's own form; a dot is read, with a warning
_STRICT_TIMING = re.compile(rf"\s*{_STRICT_TS}\s*-->\s*{_STRICT_TS}(?:\s|$)")

Line = tuple[int, str]  # (1-based line number, text)


def _blocks(lines: list[Line]) -> list[list[Line]]:
    """Runs of non-blank lines."""
    blocks: list[list[Line]] = []
    current: list[Line] = []
    for n, text in lines:
        if text.strip():
            current.append((n, text.strip()))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _cue_text(
    body: list[Line], before_timing: bool, timing_line: int, source: str, issues: list[Issue]
) -> str:
    """The text of the cue whose timing is on `timing_line`, from the lines up to the next timing
    (see the module docstring); every repair is reported."""
    blocks = _blocks(body)
    if before_timing and blocks and blocks[-1][-1][1].isdigit():
        last = blocks[-1]
        if len(last) > 1 or len(blocks) > 1 or (body and not body[0][1].strip()):
            last.pop()  # the next cue's index
            if not last:
                blocks.pop()
    starts_blank = bool(body) and not body[0][1].strip()
    kept: list[str] = []
    for k, block in enumerate(blocks):
        first_line, first = block[0]
        if k == 0 and not starts_blank:
            kept += [t for _, t in block]
        elif first.isdigit():
            issues.append(
                Issue(
                    source,
                    first_line,
                    f"block {first!r} has no 'start --> end' timing line; skipped "
                    f"({' / '.join(t for _, t in block[1:])[:60]!r} lost)",
                )
            )
        else:
            kept += [t for _, t in block]
            issues.append(
                Issue(
                    source,
                    first_line,
                    f"text after a blank line inside the cue of line {timing_line}; kept with that cue",
                    "warning",
                )
            )
    if not kept:
        issues.append(Issue(source, timing_line, "empty cue (no text line); kept empty", "warning"))
    return "\n".join(kept)


def _orphans_before_first_cue(body: list[Line], source: str, issues: list[Issue]) -> None:
    """Text before the first timing line is a cue that lost its timing (an index alone is not)."""
    for block in _blocks(body):
        if len(block) == 1 and block[0][1].isdigit():
            continue
        issues.append(
            Issue(source, block[0][0], "text before the first 'start --> end' timing line; skipped")
        )


def parse_srt(text: str, source: str = "<string>", encoding: str = "utf-8") -> ParsedText:
    """Cues of an SRT document in file order, with the problems met (see the module docstring)."""
    lines = LINE_BREAK.split(text.lstrip("\ufeff"))
    issues: list[Issue] = []
    cues: list[RawCue] = []
    current: tuple[float, float, int] | None = None  # start, end, 1-based line of the open cue
    body: list[Line] = []
    seen_timing = False

    def close(before_timing: bool) -> None:
        if current is not None:
            cue_text = _cue_text(body, before_timing, current[2], source, issues)
            cues.append(RawCue(current[0], current[1], cue_text, current[2]))
        elif not seen_timing:
            _orphans_before_first_cue(body, source, issues)

    for i, line in enumerate(lines):
        if "-->" not in line or not line.lstrip()[:1].isdigit():
            body.append((i + 1, line))
            continue
        close(True)
        seen_timing = True
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
    if seen_timing or current is not None:
        close(False)
    if not cues and not issues:
        issues.append(Issue(source, None, "no 'start --> end' timing line: not an SRT file; no cues"))
    issues.sort(key=lambda issue: issue.line or 0)
    return ParsedText(cues, issues, "srt", encoding)


def read_srt(path: str | Path) -> ParsedText:
    """`parse_srt` of a file in any encoding (see `textfile.decode_text`)."""
    text, encoding, issues = read_text(path)
    parsed = parse_srt(text, str(path), encoding)
    parsed.issues[:0] = issues
    return parsed
