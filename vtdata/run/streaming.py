"""`mode: streaming`: shards planned from the source table before anything is fetched, each written
by one job that fetches, aligns and samples its items and deletes their media (`vtdata.run.job`).

The plan. Items (the first row of each id, splits outside `shards.splits` left out) are sorted by
(split, id), the order the shard plan sorts clips in, and cut into jobs of `items_per_job` items
(default `shards.samples_per_shard`), numbered per split from 0: `train-000000`, ... It depends on
the source table and the recipe alone, so a resumed run finds every job where the first put it.

When it equals the staged plan. The staged plan packs *clips*, counted after download and align;
this one packs *items*, counted before. They coincide, and the two modes write the same tars,
index rows, stats and dataset.json byte for byte, when every item of a split gives exactly one
clip and `items_per_job` is `samples_per_shard`: the `whole` builder (WebVid, CC3M) with no item
lost to the download or to align. They part ways (same samples and bytes per sample, other shard
boundaries) after the first item of a split that gives no clip (a failed download: staged packs
the next items into its place, streaming leaves the gap) or several (the cue/merge/window builders:
a streaming shard then holds the clips of `items_per_job` items, in one tar or as many as
`max_shard_bytes` asks for). With fewer items in a split than `items_per_job` there is one job per
split, and any builder gives the staged shard.

Resume. A job is finished when its stream record (`<shards>/_stream/<name>.json`, same key) and its
shard's done record with every tar are in place; those are never touched again and their items are
never fetched again. Anything else is rerun. `retry_failed` reruns the finished jobs that hold
failed items. The plan (`vtdata.run.plan`) is sorted on disk and each job reads
its own items: memory is bounded by a job, not by the corpus.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from vtdata.download.ledger import Ledger
from vtdata.download.store import copy_sources
from vtdata.engine import TaskError
from vtdata.records.names import DONE_DIR, PLAN_NAME
from vtdata.run.job import STREAM_DIR, StreamContext, StreamRecord, read_record, run_stream_job
from vtdata.run.plan import StreamJob, plan_stream
from vtdata.run.recipe import Recipe
from vtdata.run.stages import (
    RunError,
    align_options,
    download_config,
    engine_request,
    opened,
    pipeline_config,
    run_sources,
    sources_path,
)
from vtdata.shard.job import read_done
from vtdata.shard.outputs import write_outputs
from vtdata.shard.plan import plan_digest
from vtdata.shard.records import ShardJob

LOCK_NAME = ".stream.lock"


@dataclass
class StreamSummary:
    """What a streaming run did; `jobs` counts every planned job (resumed ones included)."""

    out_dir: Path
    jobs: int
    resumed: int
    items: int
    ok: int = 0  # items fetched ok (all jobs)
    failed_downloads: dict[str, int] = field(default_factory=dict)
    clips: int = 0
    stats: dict = field(default_factory=dict)
    seconds: float = 0.0


def run_streaming(
    recipe: Recipe,
    *,
    retry_failed: bool = False,
    on_stage: Callable[[str, object], None] = lambda stage, summary: None,
    progress: Callable[[int], None] | None = None,
) -> StreamSummary:
    """Run `recipe` in streaming mode: sources, then the jobs on the recipe's engine, then the
    shard folder's index.parquet, stats.json and dataset.json; resumes an earlier run."""
    started = time.monotonic()
    pipeline = pipeline_config(recipe)
    on_stage("sources", run_sources(recipe))
    sources = sources_path(recipe)
    out, store = recipe.shards, recipe.store
    items_per_job = recipe.streaming.items_per_job or pipeline.shards.samples_per_shard
    dl = download_config(recipe, retry_failed=retry_failed)
    opts = align_options(recipe)
    run_key = _digest([pipeline.to_dict(), asdict(opts), _fetch_options(dl), items_per_job])
    for folder in (out, store):
        folder.mkdir(parents=True, exist_ok=True)
    copy_sources(sources, store)
    with _locked(out):
        _check_run(out, run_key, recipe)
        jobs = plan_stream(sources, pipeline, items_per_job, run_key, out / STREAM_DIR)
        if not jobs:
            raise RunError(f"{sources}: no item of the splits the pipeline shards; nothing to do")
        work = recipe.path(recipe.streaming.work) if recipe.streaming.work else out / STREAM_DIR / "work"
        records: dict[str, StreamRecord] = {}
        pending = []
        with Ledger(store) as ledger:
            for job in jobs:
                record = _finished(out, job)
                if record is not None and not (retry_failed and record.failed):
                    records[job.name] = record
                    ledger.put_many(record.ledger_entries())  # again: a kill may have come before
                else:
                    pending.append(job)
            request = engine_request(recipe)
            threads = request.threads if request.threads is not None else 0
            ctx = StreamContext(str(out.resolve()), str(work.resolve()), pipeline, dl, opts, threads)
            errors = []
            with opened(request) as engine:
                if request.threads is None:
                    ctx = StreamContext(ctx.out, ctx.work, pipeline, dl, opts, engine.threads)
                for job, outcome in engine.map_unordered(run_stream_job, pending, ctx, progress=progress):
                    if isinstance(outcome, TaskError):
                        errors.append((job.name, outcome.error))
                        continue
                    records[job.name] = outcome
                    ledger.put_many(outcome.ledger_entries())
        if errors:
            first = errors[0][1].strip().splitlines()[-1] if errors[0][1].strip() else "?"
            raise RunError(
                f"{len(errors)} streaming job(s) raised ({', '.join(n for n, _ in errors[:5])}): {first}; "
                f"the others are done, a rerun retries these. First error:\n{errors[0][1]}"
            )
        summary = StreamSummary(out, len(jobs), len(jobs) - len(pending), sum(j.count for j in jobs))
        stats = _write_outputs(out, jobs, records, pipeline)
    for job in jobs:
        for entry in records[job.name].entries:
            if entry["status"] == "ok":
                summary.ok += 1
            else:
                reason = entry.get("reason") or "error"
                summary.failed_downloads[reason] = summary.failed_downloads.get(reason, 0) + 1
        summary.clips += records[job.name].clips
    summary.stats, summary.seconds = stats, time.monotonic() - started
    return summary


def _write_outputs(out: Path, jobs: list[StreamJob], records: dict[str, StreamRecord], config) -> dict:
    """index.parquet, stats.json, dataset.json and `_done/plan.json`, as `vtdata shard` writes them."""
    shard_jobs = [
        ShardJob(
            j.split,
            j.number,
            j.name,
            str(out),
            "",
            0,
            records[j.name].num_clips,
            records[j.name].shard_digest,
        )
        for j in jobs
        if records[j.name].shard_digest is not None
    ]
    if not shard_jobs:
        raise RunError(f"no clips: no item of the run gave a sample; nothing written to {out}")
    digest = plan_digest(shard_jobs)
    plan = out / DONE_DIR / PLAN_NAME
    plan.write_text(json.dumps({"digest": digest, "config": config.to_dict()}, indent=1), encoding="utf-8")
    return write_outputs(out, (read_done(out, j, check=False) for j in shard_jobs), config, digest)


def _finished(out: Path, job: StreamJob) -> StreamRecord | None:
    record = read_record(out, job)
    if record is None:
        return None
    if record.shard_digest is None:
        return record
    shard = ShardJob(job.split, job.number, job.name, str(out), "", 0, record.num_clips, record.shard_digest)
    return record if read_done(out, shard) is not None else None


def _fetch_options(config) -> dict:
    """The download options that change what is fetched (not how fast, nor whether failures retry)."""
    keep = (
        "max_bytes",
        "max_height",
        "subs",
        "auto_subs",
        "image_size",
        "sections",
        "section_pad",
        "backend",
    )
    return {k: getattr(config, k) for k in keep}


def _check_run(out: Path, run_key: str, recipe: Recipe) -> None:
    path = out / STREAM_DIR / PLAN_NAME
    if path.exists():
        try:
            previous = json.loads(path.read_text(encoding="utf-8")).get("key")
        except ValueError:
            previous = None
        if previous == run_key:
            return
        raise RunError(
            f"{out} holds shards of a streaming run with other options (see {path}); use another "
            "outputs.shards folder, or remove this one"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"key": run_key, "recipe": recipe.to_dict()}, indent=1), encoding="utf-8")


@contextlib.contextmanager
def _locked(out: Path) -> Iterator[None]:
    with open(out / LOCK_NAME, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunError(f"{out}: another `vtdata run` is writing here; wait for it, or stop it") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]
