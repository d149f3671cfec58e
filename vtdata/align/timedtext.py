"""One entry point for a timed-text file: pick the parser, then de-duplicate rolling captions.

The parser follows the file name (`.vtt`, `.srt`, `.sbv`, `.json`, and `.ttml`, `.dfxp`,
`.xml`, `.srv1`-`.srv3` for XML) unless the content says otherwise: a file that starts with `<`
is XML (TTML or YouTube srv, by its root element), one that starts with `{` or `[` JSON, a
`.srt` that starts with `WEBVTT` is read as WebVTT, and a `.vtt` without the `WEBVTT` line but
with timing lines is read as SRT (whose reader accepts dots too), each with a warning. Other
names are sniffed the same way (an SBV timing line on the first line means SBV). Rolling
(YouTube) captions are de-duplicated when `dedup="auto"` finds them (`youtube.is_rolling`),
always with "always", never with "never".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from vtdata.align.howto100m import parse_caption_entry
from vtdata.align.options import DEDUP_MODES
from vtdata.align.records import Cue, Issue, ParsedText, TimedTextError
from vtdata.align.sbv import looks_like_sbv, parse_sbv
from vtdata.align.srt import parse_srt
from vtdata.align.textfile import read_text
from vtdata.align.vtt import parse_vtt
from vtdata.align.xmltext import parse_xml_text
from vtdata.align.youtube import dedup_rolling, is_rolling, plain_cues

XML_SUFFIXES = (".ttml", ".dfxp", ".xml", ".srv1", ".srv2", ".srv3")


@dataclass
class TimedText:
    """Cues ready for `normalize`, and how they were read."""

    cues: list[Cue]
    issues: list[Issue]
    format: str
    rolling: bool
    encoding: str = "utf-8"


def _json_entry(text: str, source: str) -> ParsedText:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise TimedTextError(Issue(source, e.lineno, f"is not valid JSON ({e.msg}); skipped")) from None
    if isinstance(data, dict) and "start" not in data and len(data) == 1:
        data = next(iter(data.values()))  # {video_id: entry} with one video
    return parse_caption_entry(data, source)


def parse_timed_text(text: str, source: str, encoding: str = "utf-8") -> ParsedText:
    """Parse decoded text with the parser its name and content call for (module docstring)."""
    suffix = Path(source).suffix.lower()
    head = text.lstrip("\ufeff \t\r\n")[:6]
    if suffix == ".json" or (suffix not in (".vtt", ".srt") and head.startswith(("{", "["))):
        return _json_entry(text, source)
    if suffix in XML_SUFFIXES or head.startswith("<"):
        return parse_xml_text(text, source, encoding)
    if suffix == ".sbv" or (suffix not in (".vtt", ".srt") and looks_like_sbv(text)):
        return parse_sbv(text, source, encoding)
    if head == "WEBVTT":
        parsed = parse_vtt(text, source, encoding)
        if suffix == ".srt":
            parsed.issues.insert(0, Issue(source, 1, "starts with WEBVTT: read as WebVTT", "warning"))
        return parsed
    if suffix == ".vtt" and "-->" not in text:
        return parse_vtt(text, source, encoding)  # raises: not WebVTT
    parsed = parse_srt(text, source, encoding)
    if suffix == ".vtt":
        parsed.issues.insert(0, Issue(source, 1, "no WEBVTT first line; read as SRT-style cues", "warning"))
    return parsed


def to_cues(parsed: ParsedText, dedup: str = "auto") -> tuple[list[Cue], bool]:
    """`(cues, rolling)`: de-duplicated when rolling (see the module docstring), else plain."""
    if dedup not in DEDUP_MODES:
        raise ValueError(f"dedup={dedup!r}: use one of {DEDUP_MODES}")
    rolling = dedup == "always" or (dedup == "auto" and is_rolling(parsed.cues))
    return (dedup_rolling(parsed.cues) if rolling else plain_cues(parsed.cues)), rolling


def read_timed_text(path: str | Path, dedup: str = "auto") -> TimedText:
    """Read, parse and de-duplicate one file; raises `TimedTextError` only if nothing is usable."""
    text, encoding, issues = read_text(path)
    parsed = parse_timed_text(text, str(path), encoding)
    cues, rolling = to_cues(parsed, dedup)
    return TimedText(cues, issues + parsed.issues, parsed.format, rolling, encoding)
