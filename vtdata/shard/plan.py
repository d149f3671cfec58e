"""The shard plan: which clips go into which shard, decided from the clip table and config alone.

Clips are sorted by (split, id, start, clip_id) and packed into shards of at most
`samples_per_shard` clips, keeping the clips of one video together so the file is decoded once:
a shard closes before a video that does not fit in it, unless the shard is less than half full,
in which case the video's first clips fill it and the rest start the next shard. Shards are
numbered per split from 0 (`train-000000`, `train-000001`, ...).

Nothing here looks at the media, so the same clips and config always give the same plan: a clip
that fails to decode leaves its shard one sample smaller, it never renumbers anything, and a
resumed run finds every shard where the first run put it.

Memory is bounded by a shard, not by the corpus: the clips are sorted on disk
(`vtdata.shard.order`), joined to their media by a merge on id (`vtdata.shard.media`), and each
job's clips are written as one row group of the plan's rows table (`<out>/_done/rows.parquet`),
which the job reads where it runs. Only the jobs (a few numbers each) stay in memory.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from itertools import groupby
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from vtdata.engine import storage
from vtdata.engine.storage import Location
from vtdata.records.clips import Clip
from vtdata.records.ids import name_problem
from vtdata.records.names import DONE_DIR
from vtdata.records.shards import BAD_CLIP_ID, BAD_SPLIT, Failure, IndexRow
from vtdata.shard.config import PipelineConfig
from vtdata.shard.media import MediaRef, RefCursor, Refs, as_refs
from vtdata.shard.order import CLIP_GROUP, group_key, sorted_clips
from vtdata.shard.records import REJECTED, ClipRow, ShardJob, ShardResult, VideoTask

ROWS_NAME = "rows-{digest}.parquet"  # the plan's digest in the name: a job reads its own plan
ROWS_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("dataset", pa.string()),
        ("media", pa.string()),
        ("path", pa.string()),
        ("missing", pa.string()),
        ("clip_id", pa.string()),
        ("start", pa.float64()),
        ("end", pa.float64()),
        ("text", pa.string()),
        ("texts", pa.list_(pa.string())),
        ("context", pa.string()),
    ]
)


def shard_name(split: str, number: int) -> str:
    return f"{split}-{number:06d}"


def plan_shards(
    clips: str | Path | Iterable[Clip],
    refs: Refs | Mapping[str, MediaRef],
    config: PipelineConfig,
    out_dir: Location,
    rejected: ShardResult | None = None,
) -> list[ShardJob]:
    """Jobs in (split, number) order; clips of splits outside `config.shards.splits` are left out.

    `clips` is a clips.parquet or Clip records. Writes the plan's rows table into
    `<out_dir>/_done/` (a rerun of the same plan rewrites the same file with the same bytes).
    A clip whose split or clip_id cannot be a file or tar member name goes into no shard: it is
    added to `rejected` as a failed index row and failure (`bad_split`, `bad_clip_id`).
    """
    rejected = rejected if rejected is not None else ShardResult(REJECTED, "", "")
    refs = as_refs(refs)
    splits = set(config.shards.splits) if config.shards.splits is not None else None
    packer = _Packer(config.shards.samples_per_shard, _digest(config.to_dict()), str(out_dir))
    try:
        with _RowsWriter(storage.join(out_dir, DONE_DIR), packer.jobs) as writer:
            packer.writer = writer
            cursor: RefCursor | None = None
            for table in sorted_clips(clips, splits):
                table = _without_unsafe(table, config.store, rejected)
                for split, item_id, first, count in _videos(table):
                    if split != packer.split:
                        packer.close()
                        packer.start_split(split)
                        cursor = RefCursor(refs)
                    packer.add(table, first, count, cursor.get(item_id))
            packer.close()
    finally:
        refs.close()
    return [dataclasses.replace(job, rows=str(writer.location)) for job in packer.jobs]


_SAFE_NAME = "^[A-Za-z0-9_][A-Za-z0-9_-]*$"  # `vtdata.records.ids.name_problem`, vectorized
MAX_CLIP_ID = 200


def _without_unsafe(table: pa.Table, store: str, rejected: ShardResult) -> pa.Table:
    """`table` less the clips whose split or clip_id could steer a write (`../x`, `a/b`, a dot),
    each appended to `rejected` as a failed row; the table itself when every name is safe."""
    split_ok = pc.and_(
        pc.match_substring_regex(table.column("split"), _SAFE_NAME),
        pc.less_equal(pc.utf8_length(table.column("split")), 64),
    )
    clip_ok = pc.and_(
        pc.match_substring_regex(table.column("clip_id"), _SAFE_NAME),
        pc.less_equal(pc.utf8_length(table.column("clip_id")), MAX_CLIP_ID),
    )
    ok = pc.fill_null(pc.and_(split_ok, clip_ok), False)
    if pc.all(ok).as_py():
        return table
    bad = table.filter(pc.invert(ok)).select(["clip_id", "id", "split", "start", "end"]).to_pylist()
    for row in bad:
        problem = name_problem(row["split"])
        reason = BAD_SPLIT if problem else BAD_CLIP_ID
        problem = problem or name_problem(row["clip_id"], "clip_id", MAX_CLIP_ID)
        where = f"clip {str(row['clip_id'])[:80]!r} of id {str(row['id'])[:80]!r}"
        rejected.failures.append(
            Failure(str(row["clip_id"]), str(row["id"]), reason, f"{where}: {problem}; in no shard")
        )
        rejected.rows.append(
            IndexRow(
                clip_id=str(row["clip_id"]),
                id=str(row["id"]),
                shard=None,
                split=str(row["split"]),
                store=store,
                media="",
                num_frames=0,
                bytes=0,
                start=float(row["start"]),
                end=float(row["end"]),
                reason=reason,
            )
        )
    return table.filter(ok)


def _videos(table: pa.Table) -> Iterator[tuple[str, str, int, int]]:
    """(split, id, first row, rows) of each video of a table sorted by (split, id, ...)."""
    if not table.num_rows:
        return
    key = group_key(table, CLIP_GROUP)
    changes = pc.not_equal(key.slice(1), key.slice(0, len(key) - 1))
    starts = [0, *(i + 1 for i in pc.indices_nonzero(changes).to_pylist())]
    ends = [*starts[1:], table.num_rows]
    picked = pa.array(starts)
    splits = table.column("split").take(picked).to_pylist()
    ids = table.column("id").take(picked).to_pylist()
    for split, item_id, a, b in zip(splits, ids, starts, ends, strict=True):
        yield split, item_id, a, b - a


class _Packer:
    """Packs videos, in plan order, into shards of at most `limit` clips (see the module docstring)
    and turns each shard into a job: its rows written as one row group, its digest computed."""

    def __init__(self, limit: int, config_digest: str, out_dir: str) -> None:
        self.limit = limit
        self.config_digest = config_digest
        self.out_dir = out_dir
        self.cwd = os.getcwd()
        self.jobs: list[ShardJob] = []
        self.writer: _RowsWriter | None = None
        self.split: str | None = None
        self.number = 0
        self.pieces: list[tuple[pa.Table, int, int, str, MediaRef]] = []
        self.size = 0

    def start_split(self, split: str) -> None:
        self.split, self.number = split, 0

    def add(self, table: pa.Table, first: int, count: int, ref: MediaRef) -> None:
        item_id = table.column("id")[first].as_py()
        while count:
            room = self.limit - self.size
            if count <= room:
                self._piece(table, first, count, item_id, ref)
                count = 0
            elif 2 * self.size >= self.limit:  # half full or more: close it, the video starts the next
                self.close()
            else:  # fill the shard with the video's first clips
                self._piece(table, first, room, item_id, ref)
                first, count = first + room, count - room
                self.close()
            if self.size == self.limit:
                self.close()

    def _piece(self, table: pa.Table, first: int, count: int, item_id: str, ref: MediaRef) -> None:
        self.pieces.append((table, first, count, item_id, ref))
        self.size += count

    def close(self) -> None:
        """Turn the shard being filled (if any) into a job."""
        if not self.pieces:
            return
        name = shard_name(self.split, self.number)
        clips = pa.concat_tables([t.slice(a, n) for t, a, n, _, _ in self.pieces]).select(_CLIP_COLUMNS)
        refs = [(item_id, ref, n) for _, _, n, item_id, ref in self.pieces]
        rows = _rows_table(clips, refs)
        self.jobs.append(
            ShardJob(
                split=self.split,
                number=self.number,
                name=name,
                out_dir=self.out_dir,
                rows="",  # named once the plan's digest is known
                row_group=self.writer.write(rows),
                num_clips=rows.num_rows,
                digest=_job_digest(name, clips, refs, self.config_digest),
                cwd=self.cwd,
            )
        )
        self.number += 1
        self.pieces, self.size = [], 0


_CLIP_COLUMNS = ["clip_id", "start", "end", "text", "texts", "context"]


def _rows_table(clips: pa.Table, refs: list[tuple[str, MediaRef, int]]) -> pa.Table:
    """The job's row group: each clip with its item's id and media reference."""

    def repeated(values: list, kind: pa.DataType) -> pa.Array:
        return pa.array([v for v, (_, _, n) in zip(values, refs, strict=True) for _ in range(n)], kind)

    columns = {
        "id": repeated([i for i, _, _ in refs], pa.string()),
        "dataset": repeated([r.dataset for _, r, _ in refs], pa.string()),
        "media": repeated([r.media for _, r, _ in refs], pa.string()),
        "path": repeated([r.path for _, r, _ in refs], pa.string()),
        "missing": repeated([r.missing for _, r, _ in refs], pa.string()),
    }
    arrays = [columns[name] if name in columns else clips.column(name) for name in ROWS_SCHEMA.names]
    return pa.Table.from_arrays(arrays, schema=ROWS_SCHEMA)


def plan_digest(jobs: list[ShardJob]) -> str:
    """Fingerprint of a whole plan: a resumed run must find the same one."""
    return hashlib.sha256("\n".join(f"{j.name} {j.digest}" for j in jobs).encode()).hexdigest()


def load_tasks(job: ShardJob) -> tuple[VideoTask, ...]:
    """The clips of `job`, grouped by media item in plan order, from the plan's rows table."""
    if storage.is_url(job.rows):
        fs, path = storage.filesystem(job.rows)
        with fs.open(path, "rb") as f:
            table = pq.ParquetFile(f).read_row_group(job.row_group)
    else:
        table = pq.ParquetFile(job.rows).read_row_group(job.row_group)
    tasks = []
    for item_id, group in groupby(table.to_pylist(), key=lambda row: row["id"]):
        rows = list(group)
        first = rows[0]
        clips = tuple(
            ClipRow(r["clip_id"], r["start"], r["end"], r["text"], tuple(r["texts"]), r["context"])
            for r in rows
        )
        tasks.append(
            VideoTask(item_id, first["dataset"], first["media"], first["path"], clips, first["missing"])
        )
    return tuple(tasks)


class _RowsWriter:
    """The plan's rows table: one row group per job, written under a temporary name and published
    under the digest of `jobs` (the plan) when the block ends."""

    def __init__(self, folder: Location, jobs: list[ShardJob]) -> None:
        self.folder = folder
        self.jobs = jobs
        self.location: Location = ""
        if storage.is_url(folder):
            self.local = Path(tempfile.mkdtemp(prefix="vtdata-plan-")) / "rows.parquet"
        else:
            Path(folder).mkdir(parents=True, exist_ok=True)
            self.local = Path(folder) / f".rows-{os.getpid()}.parquet.tmp"
        self.writer = pq.ParquetWriter(self.local, ROWS_SCHEMA, compression="lz4")
        self.groups = 0

    def write(self, rows: pa.Table) -> int:
        """Write one job's rows as one row group; returns its number."""
        self.writer.write_table(rows, row_group_size=max(1, rows.num_rows))
        self.groups += 1
        return self.groups - 1

    def __enter__(self) -> _RowsWriter:
        return self

    def __exit__(self, kind, exc, tb) -> None:
        self.writer.close()
        if kind is not None or self.groups == 0:  # failed, or no job: nothing to publish
            self.local.unlink(missing_ok=True)
            if storage.is_url(self.folder):
                self.local.parent.rmdir()
            return
        self.location = storage.join(self.folder, ROWS_NAME.format(digest=plan_digest(self.jobs)[:16]))
        storage.publish(self.local, self.location)
        if storage.is_url(self.location):
            self.local.parent.rmdir()


def _job_digest(name: str, clips: pa.Table, refs: list[tuple[str, MediaRef, int]], config_digest: str) -> str:
    """Fingerprint of the job's content: name, config, and per item its kind and clips."""
    rows = clips.to_pylist()
    content: list = [name, config_digest]
    at = 0
    for item_id, ref, n in refs:
        clip_rows = [
            [r["clip_id"], float(r["start"]), float(r["end"]), r["text"], list(r["texts"]), r["context"]]
            for r in rows[at : at + n]
        ]
        content.append([item_id, ref.media, ref.dataset, clip_rows])
        at += n
    return _digest(content)


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
