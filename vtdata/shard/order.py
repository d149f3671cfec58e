"""Sorting in bounded memory: the plan's clip order, and tables joined to it by id.

A clip table can hold HowTo100M's 136M clips, far more than one process should hold. Tables
that fit in one run (`run_rows`) are sorted in memory by Arrow. Larger ones are range-partitioned
on disk: a first pass samples the grouping key (e.g. split and id) to choose splitters, a second
sorts each input batch and appends its slices to one Parquet file per key range, and each range
is then read back and sorted in turn. Every step is an Arrow kernel, memory is about one run, and
rows of one group (one video) always land in the same range. Arrow compares strings by their
UTF-8 bytes, which is the order of Python's `sorted` (and of SQLite's BINARY collation) on the
same strings, so the order is the one the plan always had.
"""

from __future__ import annotations

import bisect
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from vtdata.records.clips import ARROW_SCHEMA as CLIPS_SCHEMA
from vtdata.records.clips import TABLE as CLIPS
from vtdata.records.clips import Clip
from vtdata.records.tables import conform, open_table

CLIP_ORDER = ("split", "id", "start", "clip_id")
CLIP_GROUP = ("split", "id")
RUN_ROWS = 500_000  # rows sorted in memory at a time (~150 MB of Arrow for typical captions)
READ_BATCH = 65536
SAMPLES = 100_000  # keys sampled to choose the range splitters


def sort_table(table: pa.Table, keys: Sequence[str]) -> pa.Table:
    return table.take(pc.sort_indices(table, sort_keys=[(k, "ascending") for k in keys]))


def group_key(table: pa.Table, group: Sequence[str]) -> pa.Array:
    """The grouping columns joined with NUL: bytewise order of the joined strings is the tuple order."""
    columns = [pc.cast(table.column(name), pa.string()) for name in group]
    if len(columns) == 1:
        return columns[0].combine_chunks() if isinstance(columns[0], pa.ChunkedArray) else columns[0]
    joined = pc.binary_join_element_wise(*columns, "\x00")
    return joined.combine_chunks() if isinstance(joined, pa.ChunkedArray) else joined


def sorted_tables(
    read: Callable[[], Iterator[pa.Table]],
    keys: Sequence[str],
    group: Sequence[str],
    rows_hint: int | None,
    run_rows: int = RUN_ROWS,
) -> Iterator[pa.Table]:
    """The rows of `read()` (called once, or twice for large inputs) as sorted tables, in order.

    `group` is a prefix of `keys`: rows equal on it land in the same output table. `rows_hint` is
    the number of rows when known (a Parquet footer's); without it, or when it fits in one run,
    everything is sorted in memory.
    """
    if rows_hint is None or rows_hint <= run_rows:
        tables = list(read())
        if tables:
            yield sort_table(pa.concat_tables(tables), keys)
        return
    splitters = _splitters(read(), group, -(-rows_hint // run_rows), rows_hint)
    tmp = Path(tempfile.mkdtemp(prefix="vtdata-sort-"))
    try:
        writers: dict[int, pq.ParquetWriter] = {}
        for table in read():
            table = sort_table(table, keys)
            key = group_key(table, group)
            cuts = [0, *(_lower_bound(key, s) for s in splitters), table.num_rows]
            for part, (a, b) in enumerate(zip(cuts, cuts[1:], strict=False)):
                if b > a:
                    if part not in writers:
                        path = tmp / f"{part:06d}.parquet"
                        writers[part] = pq.ParquetWriter(path, table.schema, compression="lz4")
                    writers[part].write_table(table.slice(a, b - a))
        for writer in writers.values():
            writer.close()
        for part in sorted(writers):
            yield sort_table(pq.read_table(tmp / f"{part:06d}.parquet"), keys)
            (tmp / f"{part:06d}.parquet").unlink()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _splitters(tables: Iterable[pa.Table], group: Sequence[str], parts: int, rows: int) -> list[str]:
    """`parts - 1` group keys cutting the sampled key distribution into equal ranges."""
    step = max(1, rows // SAMPLES)
    sample: list[str] = []
    offset = 0
    for table in tables:
        first = (-offset) % step
        if first < table.num_rows:
            picked = table.take(pa.array(range(first, table.num_rows, step)))
            sample.extend(group_key(picked, group).to_pylist())
        offset += table.num_rows
    sample.sort()
    cuts = {sample[len(sample) * k // parts] for k in range(1, parts) if sample}
    return sorted(cuts)


def _lower_bound(key: pa.Array, value: str) -> int:
    """First index of the sorted `key` whose value is >= `value` (bisect over the Arrow array)."""
    return bisect.bisect_left(_Indexed(key), value)


class _Indexed(Sequence):
    def __init__(self, array: pa.Array) -> None:
        self.array = array

    def __len__(self) -> int:
        return len(self.array)

    def __getitem__(self, i):  # bisect asks for single positions only
        return self.array[i].as_py()


# --- the clip table -------------------------------------------------------------------------------


def clip_tables(clips: str | Path | Iterable[Clip], splits: set[str] | None) -> Iterator[pa.Table]:
    """The clip table (a clips.parquet, checked on open, or Clip records) as Arrow tables in the
    clips schema, nulls filled as the plan reads them, keeping only `splits` (all when None)."""
    if isinstance(clips, (str, Path)):
        pf = open_table(clips, CLIPS)
        names = [c for c in CLIPS_SCHEMA.names if c in pf.schema_arrow.names]
        batches = pf.iter_batches(READ_BATCH, columns=names)
        tables = (conform(pa.Table.from_batches([b]), CLIPS) for b in batches)
    else:
        tables = _record_tables(clips)
    for table in tables:
        table = _filled(table)
        if splits is not None:
            table = table.filter(pc.is_in(table.column("split"), value_set=pa.array(sorted(splits))))
        if table.num_rows:
            yield table


def sorted_clips(clips: str | Path | Iterable[Clip], splits: set[str] | None) -> Iterator[pa.Table]:
    """The clip table in the plan's order (split, id, start, clip_id), as sorted Arrow tables; the
    clips of one video are always in one table."""
    rows = open_table(clips, CLIPS).metadata.num_rows if isinstance(clips, (str, Path)) else None
    if rows is None:
        clips = list(clips)  # records in memory already: one sort
    yield from sorted_tables(lambda: clip_tables(clips, splits), CLIP_ORDER, CLIP_GROUP, rows)


def _record_tables(clips: Iterable[Clip]) -> Iterator[pa.Table]:
    chunk: list[dict] = []
    for clip in clips:
        chunk.append(vars(clip))
        if len(chunk) >= READ_BATCH:
            yield pa.Table.from_pylist(chunk, schema=CLIPS_SCHEMA)
            chunk = []
    if chunk:
        yield pa.Table.from_pylist(chunk, schema=CLIPS_SCHEMA)


def _filled(table: pa.Table) -> pa.Table:
    """Nulls as clip records read them: no texts -> [], no context -> "", no split -> "train"."""
    fixes = {
        "texts": pc.fill_null(table.column("texts"), pa.scalar([], pa.list_(pa.string()))),
        "context": pc.fill_null(table.column("context"), ""),
        "split": pc.fill_null(table.column("split"), "train"),
    }
    for name, column in fixes.items():
        table = table.set_column(table.schema.get_field_index(name), name, column)
    return table
