"""The normalized source table (`sources.parquet`, docs/formats.md §1): one row per media item."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
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
    with SourcesWriter(path, batch_size, max_segments, allow_empty=allow_empty) as writer:
        chunk: list[SourceItem] = []
        for item in items:
            chunk.append(item)
            if len(chunk) >= batch_size:
                writer.add(to_arrow(chunk))
                chunk = []
        if chunk:
            writer.add(to_arrow(chunk))
    return writer.path


class SourcesWriter:
    """A source table written from Arrow tables of its rows, in the row groups `write_sources` makes:
    a group closes at `batch_size` rows or once it holds `max_segments` segments, so the bytes do
    not depend on how the rows arrive. Atomic; `path` is None afterwards if nothing was published."""

    def __init__(
        self, path: str | Path, batch_size: int = 4096, max_segments: int = 32768, *, allow_empty: bool = True
    ) -> None:
        self.final = Path(path)
        self.path: Path | None = None
        self.batch_size, self.max_segments, self.allow_empty = batch_size, max_segments, allow_empty
        self.final.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = temporary(self.final)
        self.writer = pq.ParquetWriter(self.tmp, ARROW_SCHEMA)
        self.pending: list[pa.Table] = []
        self.rows = 0
        self.segments = 0

    def add(self, table: pa.Table) -> None:
        """Rows in the source table's schema, in order."""
        counts = pc.fill_null(pc.list_value_length(table.column("segments")), 0).to_numpy()
        done = np.cumsum(counts, dtype=np.int64)  # segments up to and including each row
        start, n = 0, table.num_rows
        while start < n:
            before = int(done[start - 1]) if start else 0
            by_rows = start + self.batch_size - self.rows - 1  # the row that fills the group
            by_segments = int(np.searchsorted(done, before + self.max_segments - self.segments))
            last = min(by_rows, by_segments)
            if last >= n:
                self.pending.append(table.slice(start))
                self.rows += n - start
                self.segments += int(done[-1]) - before
                return
            if not self.pending and last + 1 - start == self.batch_size:  # a run of full groups:
                whole = self._whole_groups(done, start, before)  # one write, same row groups
                if whole > 1:
                    self.writer.write_table(table.slice(start, whole * self.batch_size), self.batch_size)
                    start += whole * self.batch_size
                    continue
            self.pending.append(table.slice(start, last + 1 - start))
            self._flush()
            start = last + 1

    def _whole_groups(self, done: np.ndarray, start: int, before: int) -> int:
        """How many groups of exactly `batch_size` rows follow one another from row `start` (with
        nothing pending): a group is whole when its rows before the last hold fewer than
        `max_segments` segments (so only its row count closes it)."""
        size = self.batch_size
        ends = np.arange(start + size - 1, len(done), size)  # each group's last row
        if not len(ends) or size == 1:
            return len(ends)
        firsts = np.concatenate([[before], done[ends[:-1]]])  # segments before each group
        whole = done[ends - 1] - firsts < self.max_segments
        return int(np.argmin(whole)) if not whole.all() else len(ends)

    def _flush(self) -> None:
        self.writer.write_table(pa.concat_tables(self.pending).combine_chunks())
        self.pending, self.rows, self.segments = [], 0, 0

    def __enter__(self) -> SourcesWriter:
        return self

    def __exit__(self, kind, exc, tb) -> None:
        try:
            if kind is None and self.pending:
                self._flush()
            self.writer.close()
        except BaseException:
            self.tmp.unlink(missing_ok=True)
            raise
        if kind is not None:
            self.tmp.unlink(missing_ok=True)
            return
        self.path = publish(self.tmp, self.final, self.allow_empty)


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
