"""The local engine: shard jobs in this process (`workers=1`) or in a pool of spawned processes.

An engine is any callable `engine(jobs, config, progress) -> Iterator[ShardResult | JobError]`
that runs `run_shard_job` on each job and yields results as jobs finish (in any order); the Ray
engine has the same shape. Workers are started with `spawn`, never `fork`: decord and PyAV keep
threads and FFmpeg state that a forked child must not inherit.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass

from vtdata.config import PipelineConfig
from vtdata.shard.job import run_shard_job
from vtdata.shard.records import ShardJob, ShardResult


@dataclass
class JobError:
    """A job that raised (a bug or a full disk, not bad media); its shard is left for a rerun."""

    name: str
    error: str  # the formatted traceback


Engine = Callable[
    [Sequence[ShardJob], PipelineConfig, Callable[[int], None]], Iterator["ShardResult | JobError"]
]


def default_threads(workers: int) -> int:
    """Decoder threads per worker: the cores shared out, FFmpeg's own choice for a single worker."""
    return 0 if workers <= 1 else max(1, (os.cpu_count() or 1) // workers)


class LocalEngine:
    """Run jobs on `workers` local processes (1: in this process, no pool)."""

    def __init__(self, workers: int = 1, threads: int | None = None):
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.workers = workers
        self.threads = default_threads(workers) if threads is None else threads

    def __call__(
        self, jobs: Sequence[ShardJob], config: PipelineConfig, progress: Callable[[int], None]
    ) -> Iterator[ShardResult | JobError]:
        if self.workers == 1 or len(jobs) <= 1:
            for job in jobs:
                try:
                    yield run_shard_job(job, config, progress, self.threads)
                except Exception:  # noqa: BLE001 - reported, the other jobs go on
                    yield JobError(job.name, traceback.format_exc())
            return
        yield from self._pool(jobs, config, progress)

    def _pool(
        self, jobs: Sequence[ShardJob], config: PipelineConfig, progress: Callable[[int], None]
    ) -> Iterator[ShardResult | JobError]:
        ctx = multiprocessing.get_context("spawn")
        ticks = ctx.Queue()
        executor = ProcessPoolExecutor(
            max_workers=min(self.workers, len(jobs)),
            mp_context=ctx,
            initializer=_init_worker,
            initargs=(ticks,),
        )
        try:
            futures: dict[Future, str] = {
                executor.submit(_run_in_worker, job, config, self.threads): job.name for job in jobs
            }
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                _drain(ticks, progress)
                for future in finished:
                    try:
                        yield future.result()
                    except Exception as exc:  # noqa: BLE001 - includes a worker that died
                        yield JobError(futures[future], "".join(traceback.format_exception(exc)))
            _drain(ticks, progress)
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
            ticks.close()


def _drain(ticks, progress: Callable[[int], None]) -> None:
    n = 0
    while True:
        try:
            n += ticks.get_nowait()
        except queue.Empty:
            break
    if n:
        progress(n)


_ticks = None


def _init_worker(ticks) -> None:
    global _ticks
    _ticks = ticks


def _run_in_worker(job: ShardJob, config: PipelineConfig, threads: int) -> ShardResult:
    return run_shard_job(job, config, _ticks.put, threads)
