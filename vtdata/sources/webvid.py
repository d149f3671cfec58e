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
from typing import Any

from vtdata.records.ids import safe_id
from vtdata.records.sources import SourceItem
from vtdata.sources.durations import parse_iso_duration
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


def iter_located(
    paths: PathLike | Sequence[PathLike],
    report: SkipReport,
    auto_split: bool = False,
    budget: Budget | None = None,
) -> Iterator[Located]:
    """Parsed items with their file and line, before selection; folders mean their results_*.csv.
    A file is read no further once `budget` says it is full."""
    for path in expand_paths(paths, FILE_PATTERN):
        for line, row in csv_rows(path, REQUIRED_COLUMNS, report, what="WebVid CSV", hint=_HINT):
            if budget is not None and budget.full(path):
                break
            where = f"WebVid CSV {path} line {line}"
            vid, url, name = row["videoid"].strip(), row["contentUrl"].strip(), row["name"].strip()
            raw_duration = (row.get("duration") or "").strip()
            if not vid:
                report.skip(MISSING_ID, f"{where}: empty videoid; row skipped")
                continue
            if not url:
                report.skip(MISSING_URL, f"{where}: empty contentUrl; row skipped")
                continue
            if not is_http_url(url):
                report.skip(BAD_URL, f"{where}: contentUrl {url[:80]!r} is not an http(s) URL; row skipped")
                continue
            if not name:
                report.skip(MISSING_CAPTION, f"{where}: empty name (the caption); row skipped")
                continue
            try:
                duration = parse_iso_duration(raw_duration) if raw_duration else None
            except ValueError as e:
                report.skip(BAD_DURATION, f"{where}: {e}; row skipped")
                continue
            yield Located(
                where,
                SourceItem(
                    id=safe_id(vid),
                    source_id=vid,
                    dataset="webvid",
                    media="video",
                    url=url,
                    caption=name,
                    duration=duration,
                    split=file_split(path) if auto_split else "",
                    meta=_meta(row),
                ),
                str(path),
            )


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
) -> SourceResult:
    """Stream WebVid results CSVs into `output` (sources.parquet, written atomically)."""
    report = SkipReport()
    selection = Selection(limit, split, val_fraction, sample_fraction, seed)
    budget = Budget(limit)
    located = iter_located(paths, report, selection.split == AUTO_SPLIT, budget)
    return run(located, selection, report, output, progress, budget)
