"""`shard()`: plan, skip what is done, run the rest on an engine, write index, stats and dataset.json.

Resume is the normal mode: the plan is a pure function of the clips and the config, and a job
counts as done only when its done record (same digest) and every tar it names are in place. The
plan's fingerprint is kept in `_done/plan.json`; an output folder made with another config or
clip table is refused rather than mixed (`overwrite=True` clears it first).

`out_dir` may be a URL (`s3://...`; see `vtdata.engine.storage`): every file then goes through
fsspec. Object stores have no locks, so nothing stops two runs writing one URL: run one at a time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import itertools
import json
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from vtdata.engine import Engine, TaskError, storage
from vtdata.engine.local import LocalEngine
from vtdata.engine.storage import Location
from vtdata.records.clips import Clip
from vtdata.records.folders import check_writable, owned_folder
from vtdata.records.names import (
    DATASET_NAME,
    DONE_DIR,
    INDEX_NAME,
    JOBS_LOCK,
    PLAN_NAME,
    SHARD_LOCK,
    STATS_NAME,
)
from vtdata.shard.config import PipelineConfig
from vtdata.shard.job import read_done, run_job
from vtdata.shard.media import MediaRef, Refs
from vtdata.shard.outputs import write_outputs
from vtdata.shard.plan import plan_digest, plan_shards
from vtdata.shard.records import REJECTED, ShardJob, ShardResult

_OUR_TAR = re.compile(r"^[A-Za-z0-9_-]+-\d{6}(_\d+)?\.tar$")


class ShardError(RuntimeError):
    """The run cannot go on as asked (folder busy, made with another plan, jobs that raised)."""


@dataclass
class ShardSummary:
    """What a run did; `jobs` counts every job of the plan (resumed ones included)."""

    out_dir: Location  # a Path, or the URL given
    jobs: int
    resumed: int  # jobs found complete and skipped
    stats: dict
    seconds: float
    clips_run: int  # clips processed by this run (for throughput)
    bytes_run: int  # tar bytes written by this run

    @property
    def total(self) -> dict:
        return self.stats["total"]

    @property
    def failures_by_reason(self) -> Counter:
        return Counter(self.stats["total"]["failures_by_reason"])


def shard(
    clips: str | Path | Iterable[Clip],
    out_dir: str | Path,
    config: PipelineConfig,
    refs: Refs | Mapping[str, MediaRef],
    *,
    engine: Engine | None = None,
    overwrite: bool = False,
    progress: Callable[[int], None] | None = None,
    on_plan: Callable[[int, int], None] | None = None,
) -> ShardSummary:
    """Shard `clips` (a clips.parquet or Clip records) into `out_dir`, resuming an earlier run.

    `refs` gives each item id its `MediaRef` (`vtdata.shard.media`: a store, a media table or a
    dict). `engine` (a `vtdata.engine` engine) defaults to `LocalEngine(1)`; its `threads` is the
    decoder thread count of each job.
    `on_plan(total_clips, clips_already_done)` is called once the plan is known (for a progress
    bar), `progress(n)` as clips finish. Raises `ShardError` when jobs raised; the finished ones
    stay done and a rerun picks up the rest.
    """
    started = time.monotonic()
    out = out_dir if storage.is_url(out_dir) else Path(out_dir)
    engine = engine or LocalEngine(1)
    with _output_folder(out), _locked(out) as jobs_lock:
        rejected = ShardResult(REJECTED, "", "")
        jobs = plan_shards(clips, refs, config, out, rejected)
        if not jobs:
            wanted = config.shards.splits
            splits = f" of the splits {', '.join(wanted)}" if wanted is not None else ""
            source = clips if isinstance(clips, (str, Path)) else "the clip table"
            unsafe = f" ({len(rejected.rows)} with an unsafe split or clip_id)" if rejected.rows else ""
            raise ShardError(f"no clips to shard: {source} holds no clip{splits}{unsafe}; nothing written")
        if overwrite:
            clear_output(out, keep_plan=storage.name_of(jobs[0].rows))
        _remove_temporaries(out)
        digest = plan_digest(jobs)
        _check_plan(out, digest, config)
        pending = [job for job in jobs if read_done(out, job) is None]
        if on_plan is not None:
            total = sum(j.num_clips for j in jobs)
            on_plan(total, total - sum(j.num_clips for j in pending))
        errors: list[tuple[str, str]] = []
        written = 0
        if engine.remote:
            pending = [absolute(job) for job in pending]
        jobs_lock.share()  # from here on this run's own jobs hold it too (shared)
        outcomes = engine.map_unordered(run_job, pending, config, engine.threads, progress=progress)
        for job, outcome in outcomes:
            if isinstance(outcome, TaskError):
                errors.append((job.name, outcome.error))
            else:
                written += sum(outcome.tars.values())
        if errors:
            names = ", ".join(name for name, _ in errors[:5])
            last = errors[0][1].strip().splitlines()[-1] if errors[0][1].strip() else "?"
            jobs_word = "job" if len(errors) == 1 else "jobs"
            raise ShardError(
                f"{len(errors)} shard {jobs_word} raised ({names}): {last}; the others are done, a rerun "
                f"retries these (--debug shows the traceback). First error:\n{errors[0][1]}"
            )
        done = (read_done(out, job, check=False) for job in jobs)
        results = itertools.chain([rejected] if rejected.rows else [], done)
        stats = write_outputs(out, results, config, digest)
    return ShardSummary(
        out_dir=out,
        jobs=len(jobs),
        resumed=len(jobs) - len(pending),
        stats=stats,
        seconds=time.monotonic() - started,
        clips_run=sum(j.num_clips for j in pending),
        bytes_run=written,
    )


def absolute(job: ShardJob) -> ShardJob:
    """`job` with absolute locations: a worker on another node does not share the driver's working
    directory. Paths are not part of a job's digest, so the output does not change."""
    out_dir = job.out_dir if storage.is_url(job.out_dir) else os.path.abspath(job.out_dir)
    rows = job.rows if storage.is_url(job.rows) else os.path.abspath(job.rows)
    return dataclasses.replace(job, out_dir=out_dir, rows=rows)


def clear_output(out: Location, keep_plan: str = "") -> None:
    """Remove what a shard run writes (and nothing else) from `out`; `keep_plan` names the plan rows
    file (in `_done/`) of this run, freshly written, to keep."""
    for path in storage.glob(out, "*"):
        name = storage.name_of(path)
        if _OUR_TAR.match(name) or name in (INDEX_NAME, STATS_NAME, DATASET_NAME):
            storage.remove(path)
    for path in storage.glob(storage.join(out, DONE_DIR), "*"):
        if not (keep_plan and storage.name_of(path) == keep_plan):
            storage.remove(path)


def _remove_temporaries(out: Location) -> None:
    """Temporary files of a killed run: no other run can be writing them (we hold the lock)."""
    for folder in (out, storage.join(out, DONE_DIR)):
        for path in storage.glob(folder, ".*.tmp"):
            storage.remove(path)


def _check_plan(out: Location, digest: str, config: PipelineConfig) -> None:
    path = storage.join(out, DONE_DIR, PLAN_NAME)
    if storage.size(path) is not None:
        try:
            previous = json.loads(storage.read_bytes(path)).get("digest")
        except ValueError:
            previous = None
        if previous == digest:
            return
        raise ShardError(
            f"{out} holds shards planned from a different clip table or config (see {path}); "
            "shard into a new folder, or pass --overwrite to replace them"
        )
    storage.write_bytes(path, json.dumps({"digest": digest, "config": config.to_dict()}, indent=1).encode())


@contextlib.contextmanager
def _output_folder(out: Location) -> Iterator[None]:
    """The output folder for this run (made here; removed again if the run fails before it holds
    anything but its lock). URLs are made as they are: object stores have no folders to leave."""
    if storage.is_url(out):
        storage.makedirs(out)
        yield
        return
    check_writable(out)
    with owned_folder(out):
        yield


SURVIVOR_WAIT = 10.0  # seconds a run waits for the jobs of an earlier, killed run to end


class _JobsLock:
    """`<out>/.shard.jobs.lock`: taken exclusively before the run touches the folder, so no job of an
    earlier run (a worker that outlived its killed parent) still writes there; `share()` then lets
    this run's jobs hold it shared (`vtdata.shard.job`)."""

    def __init__(self, handle) -> None:
        self.handle = handle

    def share(self) -> None:
        if self.handle is not None:
            fcntl.flock(self.handle, fcntl.LOCK_SH)


@contextlib.contextmanager
def _locked(out: Location) -> Iterator[_JobsLock]:
    if storage.is_url(out):  # no locks on object stores (see the module docstring)
        yield _JobsLock(None)
        return
    with open(out / SHARD_LOCK, "a+") as handle, open(out / JOBS_LOCK, "a+") as jobs:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ShardError(
                f"{out}: another `vtdata shard` is writing here; wait for it, or stop it"
            ) from None
        try:
            _wait_exclusive(out, jobs)
            yield _JobsLock(jobs)
        finally:
            fcntl.flock(jobs, fcntl.LOCK_UN)
            fcntl.flock(handle, fcntl.LOCK_UN)


def _wait_exclusive(out: Path, jobs) -> None:
    waited = time.monotonic() + SURVIVOR_WAIT
    while True:
        try:
            fcntl.flock(jobs, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > waited:
                raise ShardError(
                    f"{out}: jobs of an earlier `vtdata shard` still write here (they hold {JOBS_LOCK}); "
                    "stop those processes, then rerun"
                ) from None
            time.sleep(0.05)
