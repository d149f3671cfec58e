"""The normalized source table (`sources.parquet`, docs/formats.md §1): one row per media item."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from vtdata.records.names import temporary
from vtdata.records.tables import TableKind, open_table, publish, register

SCHEMA_VERSION = 1
DATASETS = ("howto100m", "webvid", "cc3m", "custom")
MEDIA = ("video", "image")
# The longest duration or time a recipe accepts (a week): a larger value is a broken row, and
# values like 1e308 would overflow every sum and histogram downstream.
MAX_SECONDS = 7 * 24 * 3600.0


@dataclass(frozen=True)
class Segment:
    """A timed piece of whole-item text (HowTo100M narration), in seconds."""

    start: float
    end: float
    text: str


@dataclass
class SourceItem:
    """One media item of any corpus; `id` is filesystem- and key-safe (see `ids.safe_id`)."""

    id: str
    source_id: str
    dataset: str
    media: str
    url: str
    caption: str | None = None
    segments: list[Segment] | None = None
    duration: float | None = None
    split: str = "train"
    meta: dict = field(default_factory=dict)


_COLUMNS = pa.schema(
    [
        ("id", pa.string()),
        ("source_id", pa.string()),
        ("dataset", pa.string()),
        ("media", pa.string()),
        ("url", pa.string()),
        ("caption", pa.string()),
        (
            "segments",
            pa.list_(pa.struct([("start", pa.float64()), ("end", pa.float64()), ("text", pa.string())])),
        ),
        ("duration", pa.float64()),
        ("split", pa.string()),
        ("meta", pa.string()),
    ]
)
TABLE = register(
    TableKind(
        name="sources",
        what="source table (sources.parquet, written by `vtdata sources`)",
        schema=_COLUMNS,
        version=SCHEMA_VERSION,
        required=("id", "url"),
    )
)
ARROW_SCHEMA = _COLUMNS.with_metadata(TABLE.metadata())


_FIELDS = tuple(f.name for f in fields(SourceItem))


def _row(item: SourceItem) -> dict:
    # Built by hand: dataclasses.asdict deep-copies every segment (it dominated HowTo100M runs).
    row = {name: getattr(item, name) for name in _FIELDS}
    if item.segments is not None:
        row["segments"] = [{"start": s.start, "end": s.end, "text": s.text} for s in item.segments]
    row["meta"] = json.dumps(item.meta, ensure_ascii=False, sort_keys=True)
    return row


def to_arrow(items: Iterable[SourceItem]) -> pa.Table:
    return pa.Table.from_pylist([_row(i) for i in items], schema=ARROW_SCHEMA)


def write_sources(
    items: Iterable[SourceItem],
    path: str | Path,
    batch_size: int = 4096,
    max_segments: int = 32768,
    *,
    allow_empty: bool = True,
) -> Path | None:
    """Write the table atomically (temporary name, then rename), a batch at a time. With
    `allow_empty=False` a run of no items writes nothing (an older file stays) and returns None.

    Items are consumed lazily, so a generator over a huge corpus never sits in memory whole: a
    batch (one row group) holds at most `batch_size` items and about `max_segments` segments.
    If `items` raises, the temporary file is removed and `path` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary(path)
    try:
        with pq.ParquetWriter(tmp, ARROW_SCHEMA) as writer:
            batch: list[SourceItem] = []
            segments = 0
            for item in items:
                batch.append(item)
                segments += len(item.segments or ())
                if len(batch) >= batch_size or segments >= max_segments:
                    writer.write_table(to_arrow(batch))
                    batch, segments = [], 0
            if batch:
                writer.write_table(to_arrow(batch))
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return publish(tmp, path, allow_empty)


def read_sources(path: str | Path) -> Iterator[SourceItem]:
    """Yield the items of a `sources.parquet`, batch by batch; `TableError` if it is not one.

    The file is checked when this is called, not at the first item. A hand-made table needs only
    `id` and `url`; its other columns default (dataset custom, media video, split train).
    """
    pf = open_table(path, TABLE)
    return _items(pf)


def count_sources(path: str | Path) -> int:
    """Rows of a source table (from its footer, for progress bars)."""
    return open_table(path, TABLE).metadata.num_rows


def _items(pf: pq.ParquetFile) -> Iterator[SourceItem]:
    for batch in pf.iter_batches(batch_size=4096):
        yield from items_of(batch)


def items_of(batch: pa.RecordBatch | pa.Table) -> Iterator[SourceItem]:
    """The items of one batch of a source table (missing optional columns take their defaults)."""
    for row in batch.to_pylist():
        segs = row.get("segments")
        meta = row.get("meta")
        yield SourceItem(
            id=row["id"],
            source_id=row.get("source_id") or row["id"],
            dataset=row.get("dataset") or "custom",
            media=row.get("media") or "video",
            url=row["url"],
            caption=row.get("caption"),
            segments=[Segment(**s) for s in segs] if segs is not None else None,
            duration=row.get("duration"),
            split=row.get("split") or "train",
            meta=json.loads(meta) if meta else {},
        )
