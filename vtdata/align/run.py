"""`align`: a whole download store (or bare source table) to `clips.parquet`, in chunks on an engine.

The source table is read in chunks of `CHUNK` rows; each chunk is aligned where the engine runs
it (this process, local worker processes, or Ray tasks: a worker reads the ledger rows of its
own items) and comes back as its clips and the summary of its items. Chunks are written in
source order whatever order they finish in, into row groups of the size a single process writes,
so `clips.parquet` and its report are byte-identical for any number of workers. Memory is a few
chunks, whatever the size of the store.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from vtdata.align.options import AlignOptions
from vtdata.align.pipeline import AlignItem, Drop, align_items
from vtdata.align.store import joined_item
from vtdata.align.summary import AlignSummary
from vtdata.engine import Engine, TaskError
from vtdata.engine.local import LocalEngine
from vtdata.records.clips import ARROW_SCHEMA as CLIPS_SCHEMA
from vtdata.records.folders import check_writable, owned_folder
from vtdata.records.ids import SeenIds
from vtdata.records.names import SOURCES_NAME, report_path
from vtdata.records.sources import TABLE as SOURCES
from vtdata.records.sources import items_of
from vtdata.records.tables import open_table

CHUNK = 256  # items per task: small enough to spread a small store over the workers
GROUP = 65536  # clips per row group, as `write_clips` writes them


class AlignError(RuntimeError):
    """A chunk raised outside the per-item guard (a worker died, a bug); the run stops."""


@dataclass
class Chunk:
    """`rows` of the source table, the `index`-th chunk; `first[k]` False when the id came earlier."""

    index: int
    rows: pa.Table
    first: list[bool]
    store: str | None  # a download store, or None for a bare source table


@dataclass
class ChunkResult:
    index: int
    clips: pa.Table
    summary: AlignSummary


def align(
    out: str | Path,
    opts: AlignOptions | None = None,
    *,
    store: str | Path | None = None,
    sources: str | Path | None = None,
    engine: Engine | None = None,
    progress: Callable[[int], None] | None = None,
) -> AlignSummary:
    """Align a download `store` (its sources.parquet and ledger) or a bare `sources` table into `out`
    (clips.parquet) and its report; returns the summary. A run that makes no clip writes nothing.

    `engine` (default: this process) runs the chunks; `progress(n)` is called as items finish.
    """
    if (store is None) == (sources is None):
        raise ValueError("align needs a download store or a source table (one of them)")
    opts = opts or AlignOptions()
    engine = engine or LocalEngine(1)
    table = Path(store) / SOURCES_NAME if store is not None else Path(sources)
    open_table(table, SOURCES)  # a wrong table fails now, before anything is written
    if store is not None:
        from vtdata.download.ledger import Ledger

        with Ledger(store, readonly=True):  # so does a store without a ledger
            pass
    where = str(Path(store).resolve()) if store is not None else None  # any worker, any folder
    out = Path(out)
    check_writable(out.parent)
    summary = AlignSummary()
    with owned_folder(out.parent), _ClipsWriter(out) as writer:
        pending: dict[int, ChunkResult] = {}
        expected = 0
        results = engine.map_unordered(align_chunk, _chunks(table, where), opts, progress=progress)
        for chunk, result in results:
            if isinstance(result, TaskError):
                rows = f"rows {chunk.index * CHUNK}-{(chunk.index + 1) * CHUNK - 1}"
                raise AlignError(f"aligning {rows} of {table} raised: {result.error}")
            pending[result.index] = result
            while expected in pending:
                done = pending.pop(expected)
                writer.add(done.clips)
                summary.merge(done.summary)
                expected += 1
    if writer.written:
        report = report_path(out)
        tmp = report.with_name(f".{report.name}.tmp")
        tmp.write_text(json.dumps(summary.to_dict(), indent=1, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, report)
    return summary


def _chunks(table: Path, store: str | None) -> Iterator[Chunk]:
    seen = SeenIds()
    pf = open_table(table, SOURCES)
    for index, batch in enumerate(pf.iter_batches(CHUNK)):
        rows = pa.Table.from_batches([batch])
        yield Chunk(index, rows, seen.first_seen(rows.column("id").to_pylist()), store)


def align_chunk(chunk: Chunk, report: Callable[[int], None] | None, opts: AlignOptions) -> ChunkResult:
    """Align one chunk (a plain function: any engine runs it)."""
    items = list(items_of(chunk.rows))
    if chunk.store is not None:
        from vtdata.download.ledger import Ledger

        root = Path(chunk.store).resolve()
        with Ledger(chunk.store, readonly=True) as ledger:
            entries = ledger.lookup([i.id for i, f in zip(items, chunk.first, strict=True) if f])
        prepared: list[AlignItem | Drop] = [
            x
            for item, first in zip(items, chunk.first, strict=True)
            for x in joined_item(root, item, entries.get(item.id) if first else None)
        ]
    else:
        prepared = [AlignItem(item, item.duration) for item in items]
    summary = AlignSummary()
    clips = []
    for result in align_items(prepared, opts, (lambda r: report(1)) if report is not None else None):
        summary.add(result)
        clips.extend(asdict(c) for c in result.clips)
    return ChunkResult(chunk.index, pa.Table.from_pylist(clips, schema=CLIPS_SCHEMA), summary)


class _ClipsWriter:
    """clips.parquet in row groups of `GROUP` clips, published (atomically) only if it holds any."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.tmp = out.with_name(f".{out.name}.tmp")
        self.writer: pq.ParquetWriter | None = None
        self.buffer: list[pa.Table] = []
        self.buffered = 0
        self.written = 0

    def add(self, clips: pa.Table) -> None:
        if not clips.num_rows:
            return
        self.buffer.append(clips)
        self.buffered += clips.num_rows
        while self.buffered >= GROUP:
            table = pa.concat_tables(self.buffer)
            self._write(table.slice(0, GROUP))
            rest = table.slice(GROUP)
            self.buffer, self.buffered = ([rest] if rest.num_rows else []), rest.num_rows

    def _write(self, table: pa.Table) -> None:
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.tmp, CLIPS_SCHEMA)
        self.writer.write_table(table.combine_chunks())
        self.written += table.num_rows

    def __enter__(self) -> _ClipsWriter:
        return self

    def __exit__(self, kind, exc, tb) -> None:
        try:
            if kind is None and self.buffered:
                self._write(pa.concat_tables(self.buffer))
            if self.writer is not None:
                self.writer.close()
            if kind is None and self.written:
                os.replace(self.tmp, self.out)
        finally:
            self.tmp.unlink(missing_ok=True)
