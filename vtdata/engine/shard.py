"""`vtdata shard --engine ray`: every shard job of the plan is one Ray task.

`RayShardEngine` has the shape of the shard stage's engines (`vtdata.shard.local.Engine`), so
`vtdata.shard.run.shard` plans, skips finished shards, collects results and writes the index and
stats exactly as with the local engine; only `run_shard_job` runs elsewhere. Jobs write their own
tars and done records into the output, which must therefore be a location every worker reaches:
a shared filesystem path, or an fsspec URL (see `vtdata.engine.storage`).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator, Sequence

from vtdata.config import PipelineConfig
from vtdata.engine import storage
from vtdata.engine.ray import RayExecutor, TaskError
from vtdata.shard.job import run_shard_job
from vtdata.shard.local import JobError
from vtdata.shard.records import ShardJob, ShardResult


class RayShardEngine:
    """Shard jobs as Ray tasks. `threads`: decoder threads per job (default: the task's CPUs)."""

    def __init__(self, executor: RayExecutor, threads: int | None = None):
        self.executor = executor
        self.threads = max(1, int(executor.num_cpus)) if threads is None else threads

    def __call__(
        self, jobs: Sequence[ShardJob], config: PipelineConfig, progress: Callable[[int], None]
    ) -> Iterator[ShardResult | JobError]:
        jobs = [absolute(job) for job in jobs]
        outcomes = self.executor.map_unordered(_run_job, jobs, config, self.threads, progress=progress)
        for job, outcome in outcomes:
            yield JobError(job.name, outcome.error) if isinstance(outcome, TaskError) else outcome


def absolute(job: ShardJob) -> ShardJob:
    """`job` with absolute paths: a worker on another node does not share the driver's working
    directory. Paths are not part of a job's digest, so the output does not change."""
    out_dir = job.out_dir if storage.is_url(job.out_dir) else os.path.abspath(job.out_dir)
    videos = tuple(
        dataclasses.replace(v, path=os.path.abspath(v.path)) if v.path is not None else v for v in job.videos
    )
    return dataclasses.replace(job, out_dir=out_dir, videos=videos)


def _run_job(
    job: ShardJob, progress: Callable[[int], None] | None, config: PipelineConfig, threads: int
) -> ShardResult:
    return run_shard_job(job, config, progress, threads)
