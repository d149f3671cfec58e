"""HowTo100M narration (`caption.json` entries) to cues, through the one caption.json parser
(`vtdata.sources.captions`).

`sources howto100m` already turns the whole `caption.json` into `segments` of `sources.parquet`;
this reads one entry, or a file of entries, for use without the source table. An unusable entry
raises `TimedTextError`; a dropped segment is an `Issue` naming its position. Repairs of the
narration itself are `normalize.HOWTO100M`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vtdata.align.records import Cue, Issue, ParsedText, RawCue, TimedTextError
from vtdata.records.sources import Segment
from vtdata.sources.captions import CaptionEntryError, iter_entries, parse_entry
from vtdata.sources.report import SourceFormatError


def parse_caption_entry(entry: Any, source: str = "<caption.json>") -> ParsedText:
    """Cues of one video's entry, in entry order (times as given: `normalize` sorts and checks them)."""
    try:
        segments, problems = parse_entry(entry)
    except CaptionEntryError as exc:
        raise TimedTextError(Issue(source, None, str(exc))) from None
    issues = [Issue(source, None, f"segment {k}: {problem}; skipped") for k, problem in problems]
    return ParsedText([RawCue(s.start, s.end, s.text) for s in segments], issues, "howto100m-json")


def read_caption_json(path: str | Path) -> Iterator[tuple[str, ParsedText | TimedTextError]]:
    """`(video_id, parsed or the error)` for each entry of a `caption.json`-shaped file, streamed."""
    try:
        for video_id, entry in iter_entries(path):
            try:
                yield video_id, parse_caption_entry(entry, f"{path} video {video_id}")
            except TimedTextError as e:
                yield video_id, e
    except SourceFormatError as exc:
        raise TimedTextError(Issue(str(path), None, str(exc))) from None


def segment_cues(segments: list[Segment]) -> list[Cue]:
    """Cues of `SourceItem.segments` (already parsed by the sources stage)."""
    return [Cue(s.start, s.end, s.text) for s in segments]
