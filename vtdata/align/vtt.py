"""WebVTT through webvtt-py, with the line numbers and repairs webvtt-py does not give.

webvtt-py reads the blocks (header with `Kind:`/`Language:`/`Style:` lines, STYLE, NOTE and
REGION blocks, cue identifiers, cue settings, a cue with no blank line before it, a BOM, CR or
CRLF line ends) but silently drops a cue it cannot read. So every timing line is checked here
first, and rewritten to plain `HH:MM:SS.mmm --> HH:MM:SS.mmm` (cue settings dropped: clips
do not use them) before webvtt-py sees the text:

- a timing that is not WebVTT but unambiguous (`00:00:5,000`, `0:01.5`) is read, with a warning;
- an unreadable timing, or an end before the start, skips that cue, with an error naming the line;
- a cue timing line followed by one empty line and then text (a YouTube file whose whitespace-only
  padding lines were stripped) keeps that text with the cue, with a warning; webvtt-py would lose it;
- any other block of text without a timing line (not a NOTE, STYLE or REGION block) is reported
  as an error naming its line; webvtt-py drops it silently.
"""

from __future__ import annotations

import re
from pathlib import Path

import webvtt
from webvtt.errors import MalformedFileError

from vtdata.align.records import Issue, ParsedText, RawCue, TimedTextError
from vtdata.align.textfile import read_text
from vtdata.align.timestamps import BadTimestamp, format_timestamp, parse_timing_line

LINE_BREAK = re.compile(r"\r\n|\r|\n")
_STRICT_TS = r"(?:\d{2,}:)?\d{2}:\d{2}\.\d{3}"
_STRICT_TIMING = re.compile(rf"\s*{_STRICT_TS}[ \t]+-->[ \t]+{_STRICT_TS}(?:\s|$)")
# `HH:MM:SS.mmm --> HH:MM:SS.mmm`, already in the form the checks write: kept as it is
_CANONICAL = re.compile(
    r"(\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3}) --> (\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3})(?=\s|$)"
)
# Contains "-->" so webvtt-py starts a new block there, but is no timing: the cue is ignored.
_SKIPPED_TIMING = "skipped --> timing"
_BLOCK_KEYWORDS = ("NOTE", "STYLE", "REGION")


def _is_timing_candidate(line: str) -> bool:
    return "-->" in line and line.lstrip()[:1].isdigit()


def _check_timings(lines: list[str], source: str, issues: list[Issue]) -> list[tuple[int, int, int]]:
    """Rewrite timing lines in place; `(index, start ms, end ms)` of those kept."""
    kept = []
    for i in range(1, len(lines)):
        line = lines[i]
        if not _is_timing_candidate(line):
            continue
        m = _CANONICAL.match(line)
        if m:
            h0, m0, s0, f0, h1, m1, s1, f1 = map(int, m.groups())
            start = (h0 * 3600 + m0 * 60 + s0) * 1000 + f0
            end = (h1 * 3600 + m1 * 60 + s1) * 1000 + f1
            if end >= start:
                lines[i] = m.group(0)
                kept.append((i, start, end))
                continue
        try:
            start, end, _ = parse_timing_line(line)
        except BadTimestamp as e:
            issues.append(Issue(source, i + 1, f"unreadable cue timing: {e}; cue skipped"))
            lines[i] = _SKIPPED_TIMING
            continue
        start, end = round(start, 3), round(end, 3)
        if end < start:
            issues.append(
                Issue(source, i + 1, f"cue ends ({end:.3f} s) before it starts ({start:.3f} s); cue skipped")
            )
            lines[i] = _SKIPPED_TIMING
            continue
        if not _STRICT_TIMING.match(line):
            issues.append(
                Issue(
                    source,
                    i + 1,
                    f"timing {line.strip()!r} is not WebVTT; read as {format_timestamp(start)} --> "
                    f"{format_timestamp(end)}",
                    "warning",
                )
            )
        lines[i] = f"{format_timestamp(start)} --> {format_timestamp(end)}"
        kept.append((i, round(start * 1000), round(end * 1000)))
    return kept


def _keep_stripped_padding(
    lines: list[str], timings: list[tuple[int, int, int]], source: str, issues: list[Issue]
) -> None:
    """Join `timing / "" / text` so the text stays with its cue (see the module docstring)."""
    timing_rows = {i for i, _, _ in timings}
    n = len(lines)
    for i, _, _ in timings:
        j = i + 2
        if not (j < n and lines[i + 1] == "" and lines[j].strip() and "-->" not in lines[j]):
            continue
        if lines[j].startswith(_BLOCK_KEYWORDS) or (
            j + 1 < n and (j + 1 in timing_rows or "-->" in lines[j + 1])
        ):
            continue  # a NOTE/STYLE block or the next cue (with an identifier), not stray text
        lines[i + 1] = " "
        issues.append(
            Issue(
                source,
                j + 1,
                f"text after an empty line that ends the cue of line {i + 1} (whitespace-stripped "
                "YouTube file?); kept with that cue",
                "warning",
            )
        )


def _report_untimed_blocks(lines: list[str], source: str, issues: list[Issue]) -> None:
    """An error for each block (lines between empty ones) after the header that has no timing."""
    block: list[int] = []
    in_header = True
    for i, line in enumerate([*lines, ""]):
        if line != "":
            block.append(i)
            continue
        if block and not in_header and any(lines[k].strip() for k in block):
            first = lines[block[0]]
            if not any("-->" in lines[k] for k in block) and not first.startswith(_BLOCK_KEYWORDS):
                issues.append(
                    Issue(
                        source,
                        block[0] + 1,
                        f"text block {first.strip()[:40]!r} has no 'start --> end' timing line; skipped",
                    )
                )
        if block:
            in_header = False
        block = []


def parse_vtt(text: str, source: str = "<string>", encoding: str = "utf-8") -> ParsedText:
    """Cues of a WebVTT document, in file order, with the problems met (see the module docstring).

    Raises `TimedTextError` when the text has no `WEBVTT` first line or webvtt-py rejects it whole.
    """
    lines = LINE_BREAK.split(text.lstrip("\ufeff"))
    if not lines[0].startswith("WEBVTT"):
        raise TimedTextError(
            Issue(source, 1, f"first line {lines[0][:40]!r} is not 'WEBVTT': not a WebVTT file")
        )
    issues: list[Issue] = []
    timings = _check_timings(lines, source, issues)
    _keep_stripped_padding(lines, timings, source, issues)
    _report_untimed_blocks(lines, source, issues)
    try:
        captions = webvtt.WebVTT.from_string("\n".join(lines)).captions
    except MalformedFileError as e:
        raise TimedTextError(Issue(source, None, f"webvtt-py cannot read it ({e}); skipped")) from None
    cues = []
    k = 0
    for caption in captions:
        start = caption.start_time.in_milliseconds()
        end = caption.end_time.in_milliseconds()
        while k < len(timings) and (timings[k][1], timings[k][2]) != (start, end):
            issues.append(
                Issue(source, timings[k][0] + 1, "cue block not read by the WebVTT parser; cue skipped")
            )
            k += 1
        line = timings[k][0] + 1 if k < len(timings) else None
        k += 1
        cues.append(RawCue(start / 1000, end / 1000, caption.raw_text, line))
    for i, _, _ in timings[k:]:
        issues.append(Issue(source, i + 1, "cue block not read by the WebVTT parser; cue skipped"))
    issues.sort(key=lambda issue: issue.line or 0)
    return ParsedText(cues, issues, "vtt", encoding)


def read_vtt(path: str | Path) -> ParsedText:
    """`parse_vtt` of a file in any encoding (see `textfile.decode_text`)."""
    text, encoding, issues = read_text(path)
    parsed = parse_vtt(text, str(path), encoding)
    parsed.issues[:0] = issues
    return parsed
