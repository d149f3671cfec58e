"""HowTo100M narration (`caption.json` entries) to cues.

An entry is `{"start": [s, ...], "end": [s, ...], "text": [...]}` in seconds. `sources
howto100m` already turns the whole `caption.json` into `segments` of `sources.parquet`; this
reads one entry or a file of entries for use without the source table. An entry that is not
three lists of equal length is unusable (pairing texts with times would be a guess):
`TimedTextError`. A single segment with a time that is not a number or a text that is not a
string is skipped with an error; a bare number as text (pandas-written files) is kept as text.
Repairs of the narration itself are `normalize.HOWTO100M`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vtdata.align.records import Issue, ParsedText, RawCue, TimedTextError
from vtdata.align.schema import Cue
from vtdata.sources.schema import Segment


def _time(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        t = float(value)
    except (TypeError, ValueError):
        return None
    return t if math.isfinite(t) else None


def parse_caption_entry(entry: Any, source: str = "<caption.json>") -> ParsedText:
    """Cues of one video's entry, in entry order (times as given: `normalize` sorts and checks them)."""
    arrays = [entry.get(k) for k in ("start", "end", "text")] if isinstance(entry, dict) else []
    if len(arrays) != 3 or not all(isinstance(a, list) for a in arrays):
        raise TimedTextError(
            Issue(source, None, "expected {'start': [...], 'end': [...], 'text': [...]}; video skipped")
        )
    starts, ends, texts = arrays
    if not len(starts) == len(ends) == len(texts):
        raise TimedTextError(
            Issue(
                source,
                None,
                f"start/end/text lengths differ ({len(starts)}/{len(ends)}/{len(texts)}); video skipped",
            )
        )
    cues, issues = [], []
    for k, (s, e, t) in enumerate(zip(starts, ends, texts, strict=True)):
        start, end = _time(s), _time(e)
        if isinstance(t, (int, float)) and not isinstance(t, bool):
            t = str(t)
        if start is None or end is None or not isinstance(t, str):
            issues.append(
                Issue(source, None, f"segment {k}: start={s!r} end={e!r} text={t!r} unusable; skipped")
            )
            continue
        cues.append(RawCue(start, end, t))
    return ParsedText(cues, issues, "howto100m-json")


def read_caption_json(path: str | Path) -> Iterator[tuple[str, ParsedText | TimedTextError]]:
    """`(video_id, parsed or the error)` for each entry of a `caption.json`-shaped file."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if not isinstance(data, dict):
        raise TimedTextError(Issue(str(path), None, "is not a JSON object of video_id -> captions"))
    for video_id, entry in data.items():
        try:
            yield video_id, parse_caption_entry(entry, f"{path} video {video_id}")
        except TimedTextError as e:
            yield video_id, e


def segment_cues(segments: list[Segment]) -> list[Cue]:
    """Cues of `SourceItem.segments` (already parsed by the sources stage)."""
    return [Cue(s.start, s.end, s.text) for s in segments]
