"""HowTo100M recipe: `HowTo100M_v1.csv` (one row per YouTube video) + `caption.json` (narration).

Native files (https://www.di.ens.fr/willow/research/howto100m/, `HowTo100M.zip`):
`HowTo100M_v1.csv` with columns `video_id,category_1,category_2,rank,task_id`, and
`caption.json`, one object `{video_id: {"start": [s, ...], "end": [s, ...], "text": [...]}}`
of ASR narration segments in seconds (~1.2M videos, several GB).

caption.json is streamed member by member (`jsonstream.iter_object`), so memory does not grow
with it; the CSV's rows (ids and categories: ~350 MB for all 1.2M videos) are held to join.
Items come in caption.json order, then the CSV rows that have no captions.

Joining: a CSV row without captions is kept with `segments=None` (skipped as `no_captions` with
`require_captions=True`); a caption.json video missing from the CSV is skipped as
`caption_not_in_csv` (without a CSV at all, every caption.json video is kept). A video whose
start/end/text are not lists of equal length is skipped (`bad_captions`); a single segment with
a non-numeric or negative time, end < start, or no text is dropped (`bad_segment`) and the rest
of the video kept.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from vtdata.records.ids import safe_id
from vtdata.records.sources import Segment, SourceItem
from vtdata.sources.captions import CaptionEntryError, iter_entries, parse_entry
from vtdata.sources.inputs import PathLike, csv_rows
from vtdata.sources.recipe import Located, Selection, run
from vtdata.sources.report import (
    BAD_CAPTIONS,
    BAD_SEGMENT,
    DUPLICATE_ID,
    MISSING_ID,
    NO_CAPTIONS,
    NOT_IN_CSV,
    SkipReport,
    SourceResult,
)

YOUTUBE_URL = "https://www.youtube.com/watch?v={id}"
REQUIRED_COLUMNS = ("video_id",)
_HINT = "HowTo100M_v1.csv has the header video_id,category_1,category_2,rank,task_id."
_INT_COLUMNS = ("rank", "task_id")


def video_url(video_id: str, url_template: str = YOUTUBE_URL) -> str:
    """The URL of a video: `{id}` is the YouTube id (URL-quoted), `{safe_id}` the vtdata id."""
    try:
        return url_template.format(id=quote(video_id, safe=""), safe_id=safe_id(video_id))
    except (KeyError, IndexError, ValueError) as e:
        raise ValueError(
            f"url_template {url_template!r} is not usable ({e!r}); use {{id}} and/or {{safe_id}}, "
            f"e.g. {YOUTUBE_URL!r}"
        ) from None


def _meta(header: tuple[str, ...], values: tuple[str, ...]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for key, value in zip(header, values, strict=True):
        if key == "video_id" or value == "":
            continue
        meta[key] = int(value) if key in _INT_COLUMNS and value.lstrip("-").isdigit() else value
    return meta


CsvRows = dict[str, tuple[int, tuple[str, ...]]]  # video_id -> (line, column values)


def _read_csv(path: Path, report: SkipReport) -> tuple[tuple[str, ...], CsvRows]:
    """video_id -> (line, column values) for the join; strings interned (categories repeat a lot)."""
    rows: CsvRows = {}
    header: tuple[str, ...] = ()
    for line, row in csv_rows(path, REQUIRED_COLUMNS, report, what="HowTo100M CSV", hint=_HINT):
        header = tuple(row)
        vid = row["video_id"].strip()
        if not vid:
            report.skip(MISSING_ID, f"HowTo100M CSV {path} line {line}: empty video_id; row skipped")
            continue
        if vid in rows:
            report.skip(
                DUPLICATE_ID,
                f"HowTo100M CSV {path} line {line}: video_id {vid!r} already on line {rows[vid][0]}; "
                "row skipped",
            )
            continue
        rows[vid] = (line, tuple(sys.intern(v.strip()) for v in row.values()))
    return header, rows


def parse_segments(entry: Any, where: str, report: SkipReport) -> list[Segment] | None:
    """Segments of one caption.json entry; None (reported) if the entry itself is malformed."""
    try:
        segments, problems = parse_entry(entry)
    except CaptionEntryError as exc:
        report.skip(BAD_CAPTIONS, f"{where}: {exc}")
        return None
    for k, problem in problems:
        report.skip(BAD_SEGMENT, f"{where} segment {k}: {problem}; segment dropped")
    return segments


def _item(vid: str, segments: list[Segment] | None, meta: dict, url_template: str) -> SourceItem:
    return SourceItem(
        id=safe_id(vid),
        source_id=vid,
        dataset="howto100m",
        media="video",
        url=video_url(vid, url_template),
        segments=segments or None,
        split="",
        meta=meta,
    )


def iter_located(
    csv_path: PathLike | None,
    captions_path: PathLike | None,
    report: SkipReport,
    *,
    url_template: str = YOUTUBE_URL,
    require_captions: bool = False,
) -> Iterator[Located]:
    """Parsed items with where they came from, before selection (see `recipe.select`)."""
    if csv_path is None and captions_path is None:
        raise ValueError("give HowTo100M_v1.csv, caption.json, or both")
    video_url("x", url_template)  # fail on a bad template before reading anything
    header, rows = _read_csv(Path(csv_path), report) if csv_path is not None else ((), None)
    if captions_path is not None:
        captions_path = Path(captions_path)
        for vid, entry in iter_entries(captions_path):
            where = f"HowTo100M captions {captions_path} video {vid!r}"
            if not vid.strip():
                report.skip(MISSING_ID, f"{where}: empty video id; skipped")
                continue
            meta: dict = {}
            if rows is not None:
                row = rows.pop(vid, None)
                if row is None:
                    report.skip(NOT_IN_CSV, f"{where}: not in {csv_path}; skipped")
                    continue
                meta = _meta(header, row[1])
            segments = parse_segments(entry, where, report)
            if segments is None:
                continue
            if not segments and require_captions:
                report.skip(NO_CAPTIONS, f"{where}: no usable caption segments; skipped")
                continue
            yield Located(where, _item(vid, segments, meta, url_template))
    for vid, (line, values) in (rows or {}).items():
        where = f"HowTo100M CSV {csv_path} line {line}"
        if require_captions:
            report.skip(NO_CAPTIONS, f"{where}: video {vid!r} has no captions in {captions_path}; skipped")
            continue
        yield Located(where, _item(vid, None, _meta(header, values), url_template))


def read(
    csv_path: PathLike | None,
    captions_path: PathLike | None = None,
    *,
    url_template: str = YOUTUBE_URL,
    require_captions: bool = False,
    limit: int | None = None,
    split: str = "train",
    val_fraction: float = 0.0,
    sample_fraction: float = 1.0,
    seed: int = 0,
) -> SourceResult:
    """Read HowTo100M into a list of `SourceItem`s plus a skip report.

    For the full corpus (136M segments) prefer `prepare_howto100m`, which streams to Parquet.
    `url_template` points ids elsewhere than YouTube, e.g. "http://127.0.0.1:8000/watch/{id}.html".
    """
    report = SkipReport()
    located = iter_located(
        csv_path, captions_path, report, url_template=url_template, require_captions=require_captions
    )
    return run(located, Selection(limit, split, val_fraction, sample_fraction, seed), report)


def prepare_howto100m(
    csv_path: PathLike | None,
    captions_path: PathLike | None,
    output: PathLike,
    *,
    url_template: str = YOUTUBE_URL,
    require_captions: bool = False,
    limit: int | None = None,
    split: str = "train",
    val_fraction: float = 0.0,
    sample_fraction: float = 1.0,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> SourceResult:
    """Stream HowTo100M into `output` (sources.parquet, written atomically); `items` is None."""
    report = SkipReport()
    located = iter_located(
        csv_path, captions_path, report, url_template=url_template, require_captions=require_captions
    )
    selection = Selection(limit, split, val_fraction, sample_fraction, seed)
    return run(located, selection, report, output, progress)
