"""One shard job: a plain function of (job, config), so local processes and Ray run it unchanged.

A job writes its tar(s) under temporary names, renames them, and only then writes its done
record `<out>/_done/<name>.json` (the `ShardResult`). A job without a done record whose digest
matches is not finished: it is run again from scratch, and anything it left is replaced.
Files are read and written through `vtdata.engine.storage`, so `<out>` may also be a URL.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator

from vtdata.engine import storage
from vtdata.engine.local import parent_alive
from vtdata.engine.storage import Location
from vtdata.records.names import DONE_DIR, JOBS_LOCK
from vtdata.records.shards import Failure, IndexRow
from vtdata.shard.config import PipelineConfig
from vtdata.shard.records import ShardJob, ShardResult, VideoTask
from vtdata.shard.samples import task_samples
from vtdata.shard.tarwriter import ShardWriter


def done_path(out_dir: Location, name: str) -> Location:
    return storage.join(out_dir, DONE_DIR, f"{name}.json")


def run_shard_job(
    job: ShardJob,
    config: PipelineConfig,
    progress: Callable[[int], None] | None = None,
    threads: int = 0,
) -> ShardResult:
    """Write the shard of `job` and its done record; returns what was written.

    Bad media fail their clips (recorded in the result), never the job. `progress(n)` is called
    after every clip; `threads` is the decoder thread count (0: FFmpeg's choice). Re-running a job
    rewrites the same bytes.
    """
    started = time.monotonic()
    out = job.out_dir
    with _run_lock(out):
        return _run(job, config, progress, threads, started)


def _run(
    job: ShardJob,
    config: PipelineConfig,
    progress: Callable[[int], None] | None,
    threads: int,
    started: float,
) -> ShardResult:
    out = job.out_dir
    _check_run_alive(job)
    clear_job(out, job.name)
    writer = ShardWriter(out, job.name, config.shards.max_shard_bytes)
    rows: list[IndexRow] = []
    failures: list[Failure] = []
    try:
        for task in _here(job):
            for clip, outcome in task_samples(task, job.split, config, threads):
                row = IndexRow(
                    clip_id=clip.clip_id,
                    id=task.id,
                    shard=None,
                    split=job.split,
                    store=config.store,
                    media=task.media,
                    num_frames=0,
                    bytes=0,
                    start=clip.start,
                    end=clip.end,
                )
                row.decode_errors, row.damaged_frames = outcome.decode_errors, outcome.damaged_frames
                if isinstance(outcome, Failure):
                    row.reason = outcome.reason
                    failures.append(outcome)
                else:
                    row.shard = writer.write(clip.clip_id, outcome.members)
                    row.num_frames, row.bytes = outcome.num_frames, outcome.bytes
                rows.append(row)
                if progress is not None:
                    progress(1)
        _check_run_alive(job)
        tars = writer.commit()
    except BaseException:
        writer.abort()
        raise
    result = ShardResult(job.name, job.split, job.digest, tars, rows, failures, time.monotonic() - started)
    _check_run_alive(job)
    write_done(out, result)
    return result


class RunGone(RuntimeError):
    """The run that planned this job has ended (killed): its work must not be written any more."""


def _check_run_alive(job: ShardJob) -> None:
    if not parent_alive():
        raise RunGone(f"{job.name}: the `vtdata shard` run that started this job has ended; not written")


@contextlib.contextmanager
def _run_lock(out: Location) -> Iterator[None]:
    """Hold `<out>/.shard.jobs.lock` shared while the job runs: a new run waits for it before it
    touches the folder. A job that cannot take it belongs to a run that was replaced: it stops."""
    if storage.is_url(out):
        yield
        return
    try:
        handle = open(os.path.join(out, JOBS_LOCK), "a+")  # noqa: SIM115 - closed below
    except OSError:  # a folder without one (a job run by hand): nothing to coordinate with
        yield
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunGone(f"{out}: a newer `vtdata shard` run holds this folder; job not run") from None
        except OSError:  # a file system without flock
            pass
        yield


def _here(job: ShardJob) -> tuple[VideoTask, ...]:
    """The job's tasks, relative media paths made absolute when this process runs in another folder
    than the one that planned the job (a Ray worker)."""
    tasks = job.videos
    if not job.cwd or os.getcwd() == job.cwd:
        return tasks
    return tuple(
        dataclasses.replace(t, path=os.path.join(job.cwd, t.path))
        if t.path is not None and not os.path.isabs(t.path)
        else t
        for t in tasks
    )


def run_job(
    job: ShardJob, progress: Callable[[int], None] | None, config: PipelineConfig, threads: int
) -> ShardResult:
    """`run_shard_job` in the argument order of `Engine.map_unordered` (item, report, *shared)."""
    return run_shard_job(job, config, progress, threads)


def clear_job(out_dir: Location, name: str) -> None:
    """Remove a job's done record and tars left by an earlier, interrupted or stale run."""
    storage.remove(done_path(out_dir, name))
    for stale in [storage.join(out_dir, f"{name}.tar"), *storage.glob(out_dir, f"{name}_*.tar")]:
        storage.remove(stale)


def write_done(out_dir: Location, result: ShardResult) -> None:
    data = json.dumps(result.to_dict(), ensure_ascii=False, sort_keys=True).encode("utf-8")
    storage.write_bytes(done_path(out_dir, result.name), data)


def read_done(out_dir: Location, job: ShardJob, check: bool = True) -> ShardResult | None:
    """The job's result if it is complete: done record present, same digest, every tar in place and
    of the recorded size (`check=False` skips the tar sizes: for a job this run just finished).
    Anything else means the job must run (again).
    """
    try:
        result = ShardResult.from_dict(json.loads(storage.read_bytes(done_path(out_dir, job.name))))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if result.digest != job.digest:
        return None
    if not check:
        return result
    for name, size in result.tars.items():
        if storage.size(storage.join(out_dir, name)) != size:
            return None
    return result
