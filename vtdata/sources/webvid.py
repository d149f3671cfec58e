"""WebVid recipe: `results_*.csv` (WebVid-2M / -10M) into the source table.

Native files: `results_2M_train.csv`, `results_2M_val.csv`, `results_10M_train.csv`, ... with
columns `videoid,name,page_idx,page_dir,duration,contentUrl`; `name` is the caption, `duration`
an ISO-8601 duration (`PT00H00M17S`), `contentUrl` a direct MP4 preview link.

WebVid's owner withdrew the dataset (URLs and captions) in 2024; this recipe serves those who
already hold a copy of the CSVs, and makes no claim that the links still resolve.

A row with an empty videoid, contentUrl or name, a non-http(s) URL, or a duration that is not
ISO-8601 is reported with its file and line and skipped. Columns other than videoid, name,
duration and contentUrl (page_idx, page_dir, ...) go into `meta`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from vtdata.records.ids import safe_id
from vtdata.records.sources import MAX_SECONDS, SourceItem, to_arrow
from vtdata.sources.columnar import SAFE_ID, NotSimple, csv_batches, json_object, sources_table
from vtdata.sources.durations import parse_iso_duration
from vtdata.sources.files import run_files
from vtdata.sources.inputs import PathLike, csv_rows, expand_paths, is_http_url
from vtdata.sources.recipe import AUTO_SPLIT, Budget, Located, Selection, file_split, run
from vtdata.sources.report import (
    BAD_DURATION,
    BAD_URL,
    MISSING_CAPTION,
    MISSING_ID,
    MISSING_URL,
    SkipReport,
    SourceResult,
)

REQUIRED_COLUMNS = ("videoid", "name", "contentUrl")
FILE_PATTERN = "results_*.csv"
_HINT = "WebVid's results_*.csv files have the header videoid,name,page_idx,page_dir,duration,contentUrl."
_CONSUMED = {"videoid", "name", "duration", "contentUrl"}


def _meta(row: dict[str, str]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for key, value in row.items():
        value = value.strip()
        if key in _CONSUMED or not value:
            continue
        meta[key] = int(value) if key == "page_idx" and value.isdigit() else value
    return meta


def _item(
    path: Path, line: int, row: dict[str, str], report: SkipReport, auto_split: bool
) -> SourceItem | None:
    """One row's item, or None (reported with its file and line) when the row is unusable."""
    where = f"WebVid CSV {path} line {line}"
    vid, url, name = row["videoid"].strip(), row["contentUrl"].strip(), row["name"].strip()
    raw_duration = (row.get("duration") or "").strip()
    if not vid:
        report.skip(MISSING_ID, f"{where}: empty videoid; row skipped")
        return None
    if not url:
        report.skip(MISSING_URL, f"{where}: empty contentUrl; row skipped")
        return None
    if not is_http_url(url):
        report.skip(BAD_URL, f"{where}: contentUrl {url[:80]!r} is not an http(s) URL; row skipped")
        return None
    if not name:
        report.skip(MISSING_CAPTION, f"{where}: empty name (the caption); row skipped")
        return None
    try:
        duration = parse_iso_duration(raw_duration) if raw_duration else None
    except ValueError as e:
        report.skip(BAD_DURATION, f"{where}: {e}; row skipped")
        return None
    return SourceItem(
        id=safe_id(vid),
        source_id=vid,
        dataset="webvid",
        media="video",
        url=url,
        caption=name,
        duration=duration,
        split=file_split(path) if auto_split else "",
        meta=_meta(row),
    )


def iter_located(
    paths: PathLike | Sequence[PathLike],
    report: SkipReport,
    auto_split: bool = False,
    budget: Budget | None = None,
) -> Iterator[Located]:
    """Parsed items with their file and line, before selection; folders mean their results_*.csv.
    A file is read no further once `budget` says it is full. (The row-by-row path: `prepare_webvid`
    takes the columnar one for files that allow it.)"""
    for path in expand_paths(paths, FILE_PATTERN):
        yield from _file_located(path, report, auto_split, budget)


def _file_located(
    path: Path, report: SkipReport, auto_split: bool, budget: Budget | None, start_line: int = 2
) -> Iterator[Located]:
    rows = csv_rows(path, REQUIRED_COLUMNS, report, what="WebVid CSV", hint=_HINT, start_line=start_line)
    for line, row in rows:
        if budget is not None and budget.full(path):
            break
        item = _item(path, line, row, report, auto_split)
        if item is not None:
            yield Located(f"WebVid CSV {path} line {line}", item, str(path))


_DURATION = (
    r"(?i)^P(?:(?P<d>[0-9]+(?:\.[0-9]+)?)D)?(?:T(?:(?P<h>[0-9]+(?:\.[0-9]+)?)H)?"
    r"(?:(?P<m>[0-9]+(?:\.[0-9]+)?)M)?(?:(?P<s>[0-9]+(?:\.[0-9]+)?)S)?)?$"
)


def _columnar(path: Path, report: SkipReport, auto_split: bool) -> Iterator[tuple[pa.Table, list[int], int]]:
    """(candidate items as a source table, the line of each) per block of one file, vectorized;
    rows a check flags go through `_item` (same messages). Raises `NotSimple` (see `columnar`)."""
    split = file_split(path) if auto_split else ""
    for table, first in csv_batches(path, REQUIRED_COLUMNS, "WebVid CSV", _HINT):
        n = table.num_rows
        vid, url, name = table.column("videoid"), table.column("contentUrl"), table.column("name")
        raw = table.column("duration") if "duration" in table.column_names else pa.array([""] * n)
        parts = pc.extract_regex(raw, _DURATION)
        fields = {k: pc.struct_field(parts, k) for k in "dhms"}
        matched = pc.and_(
            pc.and_(pc.is_valid(parts), pc.invert(pc.match_substring_regex(raw, "(?i)T$"))),
            pc.or_(
                pc.or_(pc.not_equal(fields["d"], ""), pc.not_equal(fields["h"], "")),
                pc.or_(pc.not_equal(fields["m"], ""), pc.not_equal(fields["s"], "")),
            ),
        )
        clean = pc.and_(
            pc.and_(pc.match_substring_regex(vid, SAFE_ID), pc.not_equal(name, "")),
            pc.and_(
                pc.and_(pc.match_substring_regex(url, r"^https?://[^ ]+$"), pc.greater(_length(url), 8)),
                pc.or_(pc.equal(raw, ""), pc.fill_null(matched, False)),
            ),
        )
        if "page_idx" in table.column_names:  # a number Python reads but int64 cannot, or not ASCII
            idx = table.column("page_idx")
            odd = pc.or_(
                pc.match_substring_regex(idx, "[^\\x00-\\x7f]"), pc.match_substring_regex(idx, "^[0-9]{19,}$")
            )
            clean = pc.and_(clean, pc.invert(odd))
        seconds = _seconds(fields, raw)
        # over a week (records.sources.MAX_SECONDS): the row path reports it as bad_duration
        clean = pc.and_(clean, pc.fill_null(pc.less_equal(seconds, MAX_SECONDS), True))
        clean = pc.fill_null(clean, False)
        good = table.filter(clean)
        meta_keys = [c for c in table.column_names if c not in _CONSUMED]
        columns = {
            "id": good.column("videoid"),
            "source_id": good.column("videoid"),
            "dataset": pa.array(["webvid"] * good.num_rows, pa.string()),
            "media": pa.array(["video"] * good.num_rows, pa.string()),
            "url": good.column("contentUrl"),
            "caption": good.column("name"),
            "duration": pc.filter(seconds, clean),
            "split": pa.array([split] * good.num_rows, pa.string()),
            "meta": json_object(good, meta_keys, {"page_idx"}),
        }
        candidates = sources_table(columns, good.num_rows)
        lines = [first + k for k in pc.indices_nonzero(clean).to_pylist()]
        dirty = pc.indices_nonzero(pc.invert(clean)).to_pylist()
        if dirty:
            rows = table.take(pa.array(dirty, pa.int64())).to_pylist()
            items = [
                (first + k, _item(path, first + k, row, report, auto_split))
                for k, row in zip(dirty, rows, strict=True)
            ]
            items = [(line, item) for line, item in items if item is not None]
            if items:
                lines += [line for line, _ in items]
                candidates = pa.concat_tables([candidates, to_arrow([item for _, item in items])])
                order = pc.sort_indices(pa.array(lines))
                candidates = candidates.take(order)
                lines = sorted(lines)
        yield candidates, lines, first + n


def _length(array: pa.Array) -> pa.Array:
    return pc.utf8_length(array)


def _seconds(fields: dict[str, pa.Array], raw: pa.Array) -> pa.Array:
    """((days * 24 + hours) * 60 + minutes) * 60 + seconds, as `parse_iso_duration` computes it."""
    values = [
        pc.fill_null(pc.cast(pc.if_else(pc.equal(fields[k], ""), "0", fields[k]), pa.float64()), 0.0)
        for k in "dhms"
    ]
    days, hours, minutes, seconds = values
    total = pc.add(pc.multiply(days, 24.0), hours)
    total = pc.add(pc.multiply(pc.add(pc.multiply(total, 60.0), minutes), 60.0), seconds)
    return pc.if_else(pc.equal(raw, ""), pa.scalar(None, pa.float64()), total)


def read(
    paths: PathLike | Sequence[PathLike],
    *,
    limit: int | None = None,
    split: str = AUTO_SPLIT,
    val_fraction: float = 0.0,
    sample_fraction: float = 1.0,
    seed: int = 0,
) -> SourceResult:
    """Read one or more WebVid results CSVs (or folders of them) into items plus a skip report."""
    report = SkipReport()
    selection = Selection(limit, split, val_fraction, sample_fraction, seed)
    budget = Budget(limit)
    located = iter_located(paths, report, selection.split == AUTO_SPLIT, budget)
    return run(located, selection, report, budget=budget)


def prepare_webvid(
    paths: PathLike | Sequence[PathLike],
    output: PathLike,
    *,
    limit: int | None = None,
    split: str = AUTO_SPLIT,
    val_fraction: float = 0.0,
    sample_fraction: float = 1.0,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
    fast: bool = True,
) -> SourceResult:
    """Stream WebVid results CSVs into `output` (sources.parquet, written atomically).

    `fast` reads each file that allows it as Arrow columns (`columnar`); False reads every row in
    Python. Both write the same bytes and the same report (tests/sources/test_columnar.py)."""
    report = SkipReport()
    selection = Selection(limit, split, val_fraction, sample_fraction, seed)
    auto = selection.split == AUTO_SPLIT

    def columnar(path: Path) -> Iterator[tuple[pa.Table, list[int], int]]:
        if not fast:
            raise NotSimple("the row path was asked for")
        return _columnar(path, report, auto)

    return run_files(
        expand_paths(paths, FILE_PATTERN),
        selection,
        report,
        output,
        progress,
        columnar=columnar,
        rows=lambda path, budget, start: _file_located(path, report, auto, budget, start),
        what="WebVid CSV",
    )
