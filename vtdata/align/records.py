"""Align's own records: cues (what the parsers hand to de-duplication and normalization), and what
the parsers report. Clips, what align hands on, are `vtdata.records.clips.Clip`.

A parser never raises on a bad cue: it returns the cues it could read plus one `Issue` per
problem (file, line, what was done about it). It raises `TimedTextError` only when the whole
file is unusable (empty, binary, not the format it claims), so the caller can fall back to the
item's next text source.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Word:
    """A word with the time it was spoken (YouTube `<00:00:01.234><c>` tags)."""

    start: float
    text: str


@dataclass
class Cue:
    """One piece of timed text after parsing and de-duplication, times in seconds.

    `line` is the 1-based line of the cue's timing in its file, for messages (None if unknown).
    """

    start: float
    end: float
    text: str
    words: list[Word] | None = None
    line: int | None = None


@dataclass
class RawCue:
    """A cue as written in the file: `text` keeps its markup (`<c>`, `<00:00:01.234>`), lines
    joined by "\\n"; `line` is the 1-based line of its timing line (None where the format has no lines)."""

    start: float
    end: float
    text: str
    line: int | None = None


@dataclass
class Issue:
    """One problem in one input file.

    `severity` is "warning" (read anyway, maybe differently) or "error" (a cue or the file skipped).
    """

    file: str
    line: int | None
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.file} line {self.line}" if self.line is not None else self.file
        return f"{where}: {self.message}"


@dataclass
class ParsedText:
    """A parsed timed-text file: its cues in file order and the problems met on the way."""

    cues: list[RawCue]
    issues: list[Issue] = field(default_factory=list)
    format: str = ""  # "vtt" | "srt" | "sbv" | "ttml" | "srv1" | "srv2" | "srv3" | "howto100m-json"
    encoding: str = "utf-8"


class TimedTextError(ValueError):
    """The file as a whole cannot be read (empty, binary, wrong format); `issue` says where and why."""

    def __init__(self, issue: Issue):
        super().__init__(str(issue))
        self.issue = issue
