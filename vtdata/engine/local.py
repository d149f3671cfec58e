"""The local engine: a function over items in this process (`workers=1`) or in a pool of spawned
processes, with the same `map_unordered` contract as the Ray engine (`vtdata.engine.ray`).

Workers are started with `spawn`, never `fork`: decord and PyAV keep threads and FFmpeg state
that a forked child must not inherit. Workers die with the process that started them, however it
ends (`kill -9` included): on Linux the kernel sends them SIGKILL (PR_SET_PDEATHSIG), and on every
platform a watcher thread exits a worker within `WATCH_INTERVAL` of finding its parent gone, so no
orphan keeps writing beside a resumed run (`parent_alive` lets a job check before it writes).
Progress reported inside a worker (`report(n)`) travels back through a queue and reaches the
caller's `progress` between results.
"""

from __future__ import annotations

import ctypes
import itertools
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from vtdata.engine import TaskError


def default_threads(workers: int) -> int:
    """Decoder threads per worker: the cores shared out, FFmpeg's own choice for a single worker."""
    return 0 if workers <= 1 else max(1, (os.cpu_count() or 1) // workers)


class LocalEngine:
    """Run `fn` over items on `workers` local processes (1: in this process, no pool).

    `threads` is the thread count each task should use for decoding (default: `default_threads`).
    """

    remote = False

    def __init__(self, workers: int = 1, threads: int | None = None):
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.workers = workers
        self.threads = default_threads(workers) if threads is None else threads

    def map_unordered(
        self,
        fn: Callable[..., Any],
        items: Iterable[Any],
        *shared: Any,
        progress: Callable[[int], None] | None = None,
    ) -> Iterator[tuple[Any, Any]]:
        """Yield `(item, fn(item, report, *shared))` as items finish, in any order.

        `report(n)` adds `n` to `progress` (a no-op without it). An item whose function raised (or
        whose worker died) yields a `TaskError` with the traceback; the other items go on.
        """
        report = progress or _ignore
        source = iter(items)
        head = list(itertools.islice(source, 2))
        if self.workers == 1 or len(head) <= 1:
            for item in itertools.chain(head, source):
                try:
                    yield item, fn(item, report, *shared)
                except Exception:  # noqa: BLE001 - reported, the other items go on
                    yield item, TaskError(traceback.format_exc())
            return
        yield from self._pool(fn, itertools.chain(head, source), shared, report)

    def _pool(
        self, fn: Callable[..., Any], items: Iterator[Any], shared: tuple, progress: Callable[[int], None]
    ) -> Iterator[tuple[Any, Any]]:
        ctx = multiprocessing.get_context("spawn")
        ticks = ctx.Queue()
        executor = ProcessPoolExecutor(
            max_workers=self.workers, mp_context=ctx, initializer=_init_worker, initargs=(ticks, os.getpid())
        )
        limit = 2 * self.workers  # items submitted ahead: the input is read lazily, never all at once
        futures: dict[Future, Any] = {}
        try:
            while True:
                while len(futures) < limit:
                    item = next(items, _END)
                    if item is _END:
                        break
                    futures[executor.submit(_run_in_worker, fn, item, *shared)] = item
                if not futures:
                    break
                finished, _ = wait(list(futures), timeout=0.2, return_when=FIRST_COMPLETED)
                _drain(ticks, progress)
                for future in finished:
                    item = futures.pop(future)
                    try:
                        yield item, future.result()
                    except Exception as exc:  # noqa: BLE001 - includes a worker that died
                        yield item, TaskError("".join(traceback.format_exception(exc)))
            _drain(ticks, progress)
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
            ticks.close()


_END = object()


def _ignore(n: int) -> None:
    pass


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
_parent: int | None = None  # in a pool worker: the pid of the process that started it
WATCH_INTERVAL = 0.1  # seconds between a worker's checks that its parent lives
PR_SET_PDEATHSIG = 1


def _init_worker(ticks, parent: int) -> None:
    global _ticks, _parent
    _ticks, _parent = ticks, parent
    die_with_parent()
    if not parent_alive():  # the parent died before the signal was armed
        os._exit(1)
    threading.Thread(target=_watch_parent, name="vtdata-parent-watch", daemon=True).start()


def die_with_parent() -> bool:
    """Ask the kernel to SIGKILL this process when its parent ends (Linux); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def parent_alive() -> bool:
    """False in a pool worker whose parent (the run) has ended: its work must not be written."""
    return _parent is None or os.getppid() == _parent


def _watch_parent() -> None:
    while parent_alive():
        time.sleep(WATCH_INTERVAL)
    os._exit(1)


def _run_in_worker(fn: Callable[..., Any], item: Any, *shared: Any) -> Any:
    return fn(item, _ticks.put, *shared)
