"""Generic recipe: any CSV / TSV / Parquet / JSONL table of media URLs with configurable columns.

For corpora without a recipe of their own (`dataset="custom"`). Only the URL column is required.
Defaults: `id,url,caption,duration,media,split,start,end`; a column left at its default name
may be absent, a column you rename must exist. Without an id, the id is `ids.id_from_url(url)`.
`duration` is seconds or ISO-8601; `media` is video|image (else the `media` argument);
`split` in a row wins over the run's split options. Every other column goes into `meta`.

Rows that carry `start` and `end` are timed captions: rows of the same id are gathered into one
item whose `segments` hold them (held in memory until the end of the input, then emitted in
first-seen order). Rows without times are whole items with `caption`, emitted as they are read.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from vtdata.records.ids import id_from_url, safe_id
from vtdata.records.sources import MAX_SECONDS, MEDIA, Segment, SourceItem
from vtdata.sources.durations import parse_iso_duration
from vtdata.sources.inputs import PathLike, base_suffix, csv_rows, expand_paths, open_text
from vtdata.sources.recipe import Budget, Located, Selection, run
from vtdata.sources.report import (
    BAD_DURATION,
    BAD_MEDIA,
    BAD_ROW,
    BAD_TIMES,
    BAD_URL,
    CONFLICT,
    MISSING_CAPTION,
    MISSING_URL,
    SkipReport,
    SourceFormatError,
    SourceResult,
)

FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
_BAD_URL_CHAR = re.compile(r"[\s\x00-\x1f\x7f]")
_HINT = "Name the columns to use (Columns(...), or --url-col etc. on the command line)."


@dataclass(frozen=True)
class Columns:
    """Which input column holds each field of the source table."""

    url: str = "url"
    id: str = "id"
    caption: str = "caption"
    duration: str = "duration"
    media: str = "media"
    split: str = "split"
    start: str = "start"
    end: str = "end"

    def required(self) -> list[str]:
        """The URL column, plus every column given a name other than its default."""
        default = Columns()
        names = [f.name for f in fields(self)]
        return [getattr(self, n) for n in names if n == "url" or getattr(self, n) != getattr(default, n)]


def table_format(path: Path, fmt: str | None = None) -> str:
    """The format of `path`: `fmt` if given, else from the suffix (`.gz` ignored)."""
    if fmt is not None:
        if fmt not in set(FORMATS.values()):
            raise ValueError(f"format {fmt!r} is not one of {sorted(set(FORMATS.values()))}")
        return fmt
    suffix = base_suffix(path)
    if suffix not in FORMATS:
        raise SourceFormatError(
            f"{path}: cannot tell the table format from {suffix!r}; use one of {sorted(FORMATS)} "
            "or name the format (csv, tsv, parquet, jsonl)"
        )
    return FORMATS[suffix]


def _records(path: Path, fmt: str, required: list[str], report: SkipReport) -> Iterator[tuple[str, dict]]:
    if fmt in ("csv", "tsv"):
        delimiter = "\t" if fmt == "tsv" else ","
        rows = csv_rows(path, required, report, what="table", delimiter=delimiter, hint=_HINT)
        for line, row in rows:
            yield f"table {path} line {line}", row
    elif fmt == "jsonl":
        with open_text(path) as f:
            for line_no, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                where = f"table {path} line {line_no}"
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as e:
                    report.skip(BAD_ROW, f"{where}: not JSON ({e.msg}); row skipped")
                    continue
                if not isinstance(row, dict):
                    report.skip(BAD_ROW, f"{where}: a JSON {type(row).__name__}, not an object; row skipped")
                    continue
                yield where, row
    else:
        pf = pq.ParquetFile(path)
        names = pf.schema_arrow.names
        missing = [c for c in required if c not in names]
        if missing:
            raise SourceFormatError(
                f"table {path}: missing required column(s) {', '.join(map(repr, missing))}; "
                f"found columns: {', '.join(map(repr, names))}. {_HINT}"
            )
        row_no = 0
        for batch in pf.iter_batches(batch_size=4096):
            for row in batch.to_pylist():
                row_no += 1
                yield f"table {path} row {row_no}", row


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _seconds(value: Any, what: str) -> float | None:
    """Seconds from a number, a numeric string or an ISO-8601 duration; None when empty."""
    text = _text(value)
    if text is None:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            seconds = parse_iso_duration(text)
        except ValueError:
            raise ValueError(f"{what} {text!r} is neither seconds nor an ISO-8601 duration") from None
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"{what} {value!r} is not a non-negative number of seconds")
    if seconds > MAX_SECONDS:
        raise ValueError(f"{what} {value!r} is over a week ({MAX_SECONDS:.0f} s): not a real time")
    return seconds


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return str(value)


def iter_located(
    paths: PathLike | Sequence[PathLike],
    report: SkipReport,
    *,
    columns: Columns = Columns(),
    media: str = "video",
    fmt: str | None = None,
    budget: Budget | None = None,
) -> Iterator[Located]:
    """Parsed items with their file and line (or Parquet row), before selection. A file is read no
    further once `budget` says it is full."""
    if media not in MEDIA:
        raise ValueError(f"media must be one of {MEDIA}, got {media!r}")
    mapped = {getattr(columns, f.name) for f in fields(columns)}
    timed: dict[str, Located] = {}
    for path in expand_paths(paths, "*"):
        fmt_here = table_format(path, fmt)
        for where, row in _records(path, fmt_here, columns.required(), report):
            if budget is not None and budget.full(path):
                break
            url = _text(row.get(columns.url))
            if url is None:
                report.skip(MISSING_URL, f"{where}: empty {columns.url!r}; row skipped")
                continue
            if _BAD_URL_CHAR.search(url):
                report.skip(
                    BAD_URL, f"{where}: url {url[:80]!r} holds whitespace or control characters; skipped"
                )
                continue
            raw_id = _text(row.get(columns.id))
            item_media = (_text(row.get(columns.media)) or media).lower()
            if item_media not in MEDIA:
                report.skip(BAD_MEDIA, f"{where}: media {item_media!r} is not one of {MEDIA}; row skipped")
                continue
            try:
                duration = _seconds(row.get(columns.duration), "duration")
            except ValueError as e:
                report.skip(BAD_DURATION, f"{where}: {e}; row skipped")
                continue
            try:
                start = _seconds(row.get(columns.start), "start")
                end = _seconds(row.get(columns.end), "end")
            except ValueError as e:
                report.skip(BAD_TIMES, f"{where}: {e}; row skipped")
                continue
            if (start is None) != (end is None) or (start is not None and end < start):
                report.skip(BAD_TIMES, f"{where}: start {start} / end {end} is not a time range; row skipped")
                continue
            caption = _text(row.get(columns.caption))
            item = SourceItem(
                id=safe_id(raw_id) if raw_id else id_from_url(url),
                source_id=raw_id or url,
                dataset="custom",
                media=item_media,
                url=url,
                caption=caption,
                duration=duration,
                split=_text(row.get(columns.split)) or "",
                meta={k: _jsonable(v) for k, v in row.items() if k not in mapped and _text(v) is not None},
            )
            if start is None:
                yield Located(where, item, str(path))
                continue
            if caption is None:
                report.skip(MISSING_CAPTION, f"{where}: timed row with an empty {columns.caption!r}; skipped")
                continue
            segment = Segment(start=start, end=end, text=caption)
            if item.id not in timed:
                item.caption, item.segments = None, [segment]
                timed[item.id] = Located(where, item, str(path))
            elif timed[item.id][1].url != url:
                first_where, first, _ = timed[item.id]
                report.skip(
                    CONFLICT,
                    f"{where}: id {item.source_id!r} has url {url!r} but {first.url!r} at {first_where}; "
                    "row skipped",
                )
            else:
                timed[item.id][1].segments.append(segment)
    yield from timed.values()


def read(
    paths: PathLike | Sequence[PathLike],
    *,
    columns: Columns = Columns(),
    media: str = "video",
    fmt: str | None = None,
    limit: int | None = None,
    split: str = "train",
    val_fraction: float = 0.0,
    sample_fraction: float = 1.0,
    seed: int = 0,
) -> SourceResult:
    """Read one or more tables into `dataset="custom"` items plus a skip report."""
    report = SkipReport()
    budget = Budget(limit)
    located = iter_located(paths, report, columns=columns, media=media, fmt=fmt, budget=budget)
    return run(located, Selection(limit, split, val_fraction, sample_fraction, seed), report, budget=budget)


def prepare_table(
    paths: PathLike | Sequence[PathLike],
    output: PathLike,
    *,
    columns: Columns = Columns(),
    media: str = "video",
    fmt: str | None = None,
    limit: int | None = None,
    split: str = "train",
    val_fraction: float = 0.0,
    sample_fraction: float = 1.0,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> SourceResult:
    """Stream one or more tables into `output` (sources.parquet, written atomically)."""
    report = SkipReport()
    budget = Budget(limit)
    located = iter_located(paths, report, columns=columns, media=media, fmt=fmt, budget=budget)
    selection = Selection(limit, split, val_fraction, sample_fraction, seed)
    return run(located, selection, report, output, progress, budget)
