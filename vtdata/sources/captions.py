"""HowTo100M's `caption.json`: the one parser of its entries, used by the recipe and by align.

An entry is `{"start": [s, ...], "end": [s, ...], "text": [...]}` in seconds. An entry that is
not three lists of equal length is unusable (pairing texts with times would be a guess):
`CaptionEntryError`. A single segment whose time is not a finite non-negative number up to a week
(`MAX_SECONDS`), whose end is before its start, or whose text is not a string is dropped and
reported by its position; a bare number as text (pandas-written files) is kept as text. The file
is streamed member by member (`jsonstream.iter_object`), so the multi-GB original never sits in
memory.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vtdata.records.sources import MAX_SECONDS, Segment
from vtdata.sources.jsonstream import iter_object


class CaptionEntryError(ValueError):
    """One video's entry cannot be used at all; the message ends with what was done ("video skipped")."""


def _time(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        t = float(value)
    except (TypeError, ValueError):
        return None
    return t if math.isfinite(t) and 0 <= t <= MAX_SECONDS else None


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return str(value)  # pandas-written captions sometimes hold a bare number
    return None


def parse_entry(entry: Any) -> tuple[list[Segment], list[tuple[int, str]]]:
    """The usable segments of one entry, and `(position, problem)` for each dropped one.

    Raises `CaptionEntryError` when the entry itself is malformed (see the module docstring).
    """
    arrays = [entry.get(k) for k in ("start", "end", "text")] if isinstance(entry, dict) else []
    if len(arrays) != 3 or not all(isinstance(a, list) for a in arrays):
        found = f"keys {sorted(entry)}" if isinstance(entry, dict) else f"a {type(entry).__name__}"
        raise CaptionEntryError(
            f"expected {{'start': [...], 'end': [...], 'text': [...]}} lists, found {found}; video skipped"
        )
    starts, ends, texts = arrays
    if not len(starts) == len(ends) == len(texts):
        raise CaptionEntryError(
            f"start/end/text have different lengths ({len(starts)}/{len(ends)}/{len(texts)}); video skipped"
        )
    segments: list[Segment] = []
    problems: list[tuple[int, str]] = []
    for k, (s_raw, e_raw, t_raw) in enumerate(zip(starts, ends, texts, strict=True)):
        start, end, text = _time(s_raw), _time(e_raw), _text(t_raw)
        if start is None or end is None:
            problems.append(
                (k, f"time is not a number of seconds in [0, a week] (start={s_raw!r}, end={e_raw!r})")
            )
        elif end < start:
            problems.append((k, f"end {end} < start {start}"))
        elif text is None:
            problems.append((k, f"text {t_raw!r} is not a string"))
        else:
            segments.append(Segment(start=start, end=end, text=text))
    return segments, problems


def iter_entries(path: str | Path) -> Iterator[tuple[str, Any]]:
    """`(video_id, entry)` for every member of a caption.json (or .json.gz), streamed in file order."""
    return iter_object(path)
