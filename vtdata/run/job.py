"""One streaming job: fetch its items one at a time, verify, align, sample, write its tar(s), its
done record and its stream record (with its ledger rows), deleting each item's media as soon as its
samples are written. A plain function of (job, context): local processes and Ray run it unchanged.

The tar is written by the shard stage's own code (`task_samples`, `ShardWriter`) from the clips
align makes of the item, in the order the shard plan would put them, and the done record carries
the digest `plan_shards` would give the job: a streaming shard is the staged shard whenever the
job holds the same items (see `vtdata.run.streaming`). Disk in use is one item's media (and the
tar being written) per job in flight.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyarrow as pa

from vtdata.align.options import AlignOptions
from vtdata.align.pipeline import align_items
from vtdata.align.store import joined_item
from vtdata.align.summary import AlignSummary
from vtdata.download.config import DownloadConfig
from vtdata.download.hosts import host_of
from vtdata.download.job import download_one
from vtdata.download.store import ItemPaths
from vtdata.engine.local import parent_alive
from vtdata.records.ledger import LedgerEntry
from vtdata.records.shards import Failure, IndexRow
from vtdata.records.sources import SourceItem
from vtdata.run.hosts import host_slot, process_gate
from vtdata.run.plan import StreamJob
from vtdata.shard.config import PipelineConfig
from vtdata.shard.job import clear_job, write_done, write_task
from vtdata.shard.media import MediaRef
from vtdata.shard.plan import content_digest
from vtdata.shard.records import ClipRow, ShardResult, VideoTask
from vtdata.shard.tarwriter import ShardWriter

STREAM_DIR = "_stream"  # in the shard folder: the stream records and the run's fingerprint


@dataclass(frozen=True)
class StreamContext:
    """What every job shares: where to write, and the options of each stage."""

    out: str
    work: str  # scratch: <work>/<job name>/ is a download store of the job's items in flight
    pipeline: PipelineConfig
    download: DownloadConfig
    align: AlignOptions
    threads: int = 0


@dataclass
class StreamRecord:
    """A finished job: its shard (None when none of its items gave a clip), its ledger rows, counts."""

    name: str
    key: str
    shard_digest: str | None
    num_clips: int
    entries: list[dict] = field(default_factory=list)
    failed: int = 0  # items whose download failed + clips that failed in the shard
    clips: int = 0
    dropped: dict[str, int] = field(default_factory=dict)  # align drops by level:reason
    seconds: float = 0.0

    def ledger_entries(self) -> list[LedgerEntry]:
        return [LedgerEntry(**e) for e in self.entries]


def record_path(out: str | Path, name: str) -> Path:
    return Path(out) / STREAM_DIR / f"{name}.json"


def read_record(out: str | Path, job: StreamJob) -> StreamRecord | None:
    path = record_path(out, job.name)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        record = StreamRecord(**data)
    except (OSError, ValueError, TypeError):
        return None
    return record if record.key == job.key else None


def run_stream_job(job: StreamJob, report: Callable[[int], None] | None, ctx: StreamContext) -> StreamRecord:
    """Fetch, align and shard the items of `job`; returns (and stores) its stream record.

    A job that is run again starts from scratch (its tars and records are replaced); items it had
    fetched before being killed are still in its work folder and are not fetched again.
    """
    started = time.monotonic()
    out = Path(ctx.out)
    work = Path(ctx.work) / job.name
    work.mkdir(parents=True, exist_ok=True)
    record_path(out, job.name).unlink(missing_ok=True)
    clear_job(out, job.name)
    gate = process_gate(ctx.download)
    writer = ShardWriter(out, job.name, ctx.pipeline.shards.max_shard_bytes)
    rows: list[IndexRow] = []
    failures: list[Failure] = []
    entries: list[LedgerEntry] = []
    refs: list[tuple[str, MediaRef, int]] = []
    clip_rows: list[dict] = []
    summary = AlignSummary()
    try:
        for item in job.items():
            entry = _fetch(item, work, ctx, gate)
            entries.append(entry)
            result = next(align_items(list(joined_item(work.resolve(), item, entry)), ctx.align))
            summary.add(result)
            clips = sorted(result.clips, key=lambda c: (c.start, c.clip_id))
            if clips:
                media, dataset = item.media or "video", item.dataset or "custom"
                ref = MediaRef(str(work / entry.path), media, dataset)
                task = VideoTask(item.id, dataset, media, ref.path, tuple(_row(c) for c in clips))
                _samples(task, job, ctx, writer, rows, failures)
                refs.append((item.id, ref, len(clips)))
                clip_rows.extend(asdict(_row(c)) for c in clips)
            ItemPaths(work, item.id).clear()  # the media is in the tar now (or failed): drop it
            _memo(work, item).unlink(missing_ok=True)
            if report is not None:
                report(1)
        _check_run_alive(job)
        tars = writer.commit() if rows else {}
        if not rows:
            writer.abort()
    except BaseException:
        writer.abort()
        raise
    _check_run_alive(job)
    digest = None
    if rows:
        digest = content_digest(job.name, pa.Table.from_pylist(clip_rows), refs, ctx.pipeline)
        elapsed = time.monotonic() - started
        write_done(out, ShardResult(job.name, job.split, digest, tars, rows, failures, elapsed))
    record = StreamRecord(
        name=job.name,
        key=job.key,
        shard_digest=digest,
        num_clips=len(rows),
        entries=[asdict(e) for e in entries],
        failed=sum(e.status != "ok" for e in entries) + len(failures),
        clips=summary.clips,
        dropped=dict(sorted(summary.drops.items())),
        seconds=time.monotonic() - started,
    )
    _write_record(out, record)
    shutil.rmtree(work, ignore_errors=True)
    return record


class RunGone(RuntimeError):
    """The run that started this job has ended (killed): its work must not be written any more."""


def _check_run_alive(job: StreamJob) -> None:
    """A local worker whose run was killed stops before it writes (a rerun may own the job now)."""
    if not parent_alive():
        raise RunGone(f"{job.name}: the `vtdata run` that started this job has ended; not written")


def _fetch(item: SourceItem, work: Path, ctx: StreamContext, gate) -> LedgerEntry:
    """The item's ledger row: fetched now (holding a slot of its host), or as an earlier, killed try
    of this job left it in the work folder (`<work>/<job>/.entries/`)."""
    memo = _memo(work, item)
    if memo.exists():
        try:
            entry = LedgerEntry(**json.loads(memo.read_text(encoding="utf-8")))
            if entry.status == "ok" and entry.path and (work / entry.path).is_file():
                return entry
        except (OSError, ValueError, TypeError):
            pass
    with host_slot(Path(ctx.work) / ".hosts", host_of(item.url), ctx.download.per_host):
        entry = download_one(item, work, ctx.download, gate=gate)
    entry.updated = entry.updated or time.time()
    memo.parent.mkdir(parents=True, exist_ok=True)
    tmp = memo.with_name(f".{memo.name}.tmp")
    tmp.write_text(json.dumps(asdict(entry)), encoding="utf-8")
    tmp.replace(memo)
    return entry


def _memo(work: Path, item: SourceItem) -> Path:
    return work / ".entries" / f"{ItemPaths(work, item.id).sid}.json"


def _row(clip) -> ClipRow:
    return ClipRow(clip.clip_id, clip.start, clip.end, clip.text, tuple(clip.texts or ()), clip.context or "")


def _samples(task: VideoTask, job: StreamJob, ctx: StreamContext, writer, rows: list, failures: list) -> None:
    """The item's samples into the tar and its index rows (as `run_shard_job` writes them)."""
    for row, failure in write_task(task, job.split, ctx.pipeline, ctx.threads, writer):
        if failure is not None:
            failures.append(failure)
        rows.append(row)


def _write_record(out: Path, record: StreamRecord) -> None:
    path = record_path(out, record.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(asdict(record), ensure_ascii=False, sort_keys=True), encoding="utf-8")
    tmp.replace(path)
