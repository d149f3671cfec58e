"""The streaming plan: items -> shard jobs, from the source table alone, in bounded memory.

Items (the first row of each id, as align takes them; splits outside the pipeline's
`shards.splits` left out) are sorted by (split, id) — the order the shard plan sorts clips in —
on disk by Arrow when the table is large (`vtdata.shard.order.sorted_tables`), and cut into jobs
of `items_per_job` items, numbered per split from 0. Each job's rows are one row group of
`<shards>/_stream/items-<key>.parquet`, which the job reads where it runs: a job is a few numbers
in memory, whatever the size of the corpus, and the same table and options give the same jobs.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from vtdata.records.ids import SeenIds
from vtdata.records.sources import ARROW_SCHEMA, SourceItem, items_of
from vtdata.records.sources import TABLE as SOURCES
from vtdata.records.tables import conform, open_table
from vtdata.shard.config import PipelineConfig
from vtdata.shard.order import RUN_ROWS, sorted_tables
from vtdata.shard.plan import shard_name

ITEMS_NAME = "items-{key}.parquet"
ORDER = ("split", "id")


@dataclass(frozen=True)
class StreamJob:
    """One planned shard (`name`): row group `row_group` of the plan's items table, `count` items in
    plan order. `key` fingerprints them and the run's options, so a record of another plan is never
    trusted."""

    split: str
    number: int
    name: str
    items_file: str
    row_group: int
    count: int
    key: str

    def items(self) -> list[SourceItem]:
        table = pq.ParquetFile(self.items_file).read_row_group(self.row_group)
        return list(items_of(table))


def plan_stream(
    sources: str | Path,
    config: PipelineConfig,
    items_per_job: int,
    run_key: str,
    folder: str | Path,
    run_rows: int = RUN_ROWS,
) -> list[StreamJob]:
    """The jobs of a streaming run, in (split, number) order; writes their items table into `folder`
    (the same bytes for the same table and options). Tables over `run_rows` rows are sorted on disk."""
    wanted = sorted(config.shards.splits) if config.shards.splits is not None else None
    rows = open_table(sources, SOURCES).metadata.num_rows

    def read() -> Iterator[pa.Table]:
        seen = SeenIds()
        for batch in open_table(sources, SOURCES).iter_batches(65536):
            table = conform(pa.Table.from_batches([batch]), SOURCES)
            table = table.filter(pa.array(seen.first_seen(table.column("id").to_pylist())))
            split = pc.fill_null(table.column("split"), "train")
            split = pc.if_else(pc.equal(split, ""), "train", split)
            table = table.set_column(table.schema.get_field_index("split"), "split", split)
            if wanted is not None:
                table = table.filter(pc.is_in(table.column("split"), value_set=pa.array(wanted)))
            if table.num_rows:
                yield table

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / ITEMS_NAME.format(key=run_key)
    tmp = folder / f".{final.name}.{os.getpid()}.tmp"
    cutter = _Cutter(items_per_job, run_key, str(final.resolve()))
    try:
        with pq.ParquetWriter(tmp, ARROW_SCHEMA, compression="lz4") as writer:
            cutter.writer = writer
            for table in sorted_tables(read, ORDER, ORDER, rows, run_rows):
                cutter.add(table)
            cutter.close()
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    return cutter.jobs


class _Cutter:
    """Cuts the sorted items into jobs of `limit` items per split, one row group each."""

    def __init__(self, limit: int, run_key: str, items_file: str) -> None:
        self.limit, self.run_key, self.items_file = limit, run_key, items_file
        self.writer: pq.ParquetWriter | None = None
        self.jobs: list[StreamJob] = []
        self.pieces: list[pa.Table] = []
        self.size = 0
        self.split: str | None = None
        self.number = 0

    def add(self, table: pa.Table) -> None:
        splits = table.column("split")
        at = 0
        while at < table.num_rows:
            split = splits[at].as_py()
            if split != self.split:
                self.close()
                self.split, self.number = split, 0
            # the rest of this split in this table (sorted: one run), up to the job's room
            last = pc.index(pc.not_equal(splits.slice(at), split), True).as_py()
            run_end = table.num_rows if last < 0 else at + last
            end = min(run_end, at + self.limit - self.size)
            self.pieces.append(table.slice(at, end - at))
            self.size += end - at
            at = end
            if self.size == self.limit:
                self.close()

    def close(self) -> None:
        if not self.pieces:
            return
        rows = pa.concat_tables(self.pieces).cast(ARROW_SCHEMA)
        name = shard_name(self.split, self.number)
        content = json.dumps(rows.to_pylist(), sort_keys=True, default=str)
        key = hashlib.sha256(f"{name}\n{self.run_key}\n{content}".encode()).hexdigest()[:16]
        self.writer.write_table(rows, row_group_size=max(1, rows.num_rows))
        self.jobs.append(
            StreamJob(self.split, self.number, name, self.items_file, len(self.jobs), rows.num_rows, key)
        )
        self.number += 1
        self.pieces, self.size = [], 0
