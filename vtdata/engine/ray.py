"""Ray as an executor: join (or start) a cluster, run a plain function over items as Ray tasks.

The functions are the stages' own job functions, shipped unchanged: Ray only decides where they
run. Each task asks for `num_cpus` CPUs (a scheduling hint: the function may use fewer or more
threads), at most `max_in_flight` tasks are submitted at once (by default twice the tasks the
cluster can run at the same time, so workers never wait for the driver while the driver holds
only a bounded amount of work in the object store), and a task whose worker died or that raised
is retried `max_retries` times, which is safe because every job function here is idempotent.

Progress flows back while a task runs: the task reports its running count to a small counter
actor a few times a second, and the driver polls it between results. Counts are kept per item
as a maximum, so a retried task does not count its clips twice. The counter lives on the
driver's node: a node lost mid-run takes only its own tasks (which are retried elsewhere), never
the run's bookkeeping. Each result comes back with the id of the node that made it
(`RayEngine.nodes`), so a run can tell where its work went.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from vtdata.engine import TaskError, require_ray

log = logging.getLogger(__name__)

REPORT_EVERY = 0.25  # s between a running task's progress reports
POLL = 0.2  # s the driver waits for a finished task before it polls progress


@contextlib.contextmanager
def ray_cluster(address: str | None = None, num_cpus: int | None = None) -> Iterator[Any]:
    """Join the Ray cluster at `address` for the block (`None`: `$RAY_ADDRESS` if set, else start a
    local Ray with `num_cpus` CPUs, all by default); yields the `ray` module.

    A Ray that this process already joined (a notebook, a test fixture) is used as is and left
    running; one joined or started here is disconnected (and, if local, stopped) at the end.
    """
    ray = require_ray()
    if ray.is_initialized():
        yield ray
        return
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no usage-stats notice, no phone-home
    address = address or os.environ.get("RAY_ADDRESS") or None
    quiet = {"logging_level": logging.ERROR, "log_to_driver": True}  # Ray's notices off, workers' logs on
    started = time.monotonic()
    if address:
        ray.init(address=address, **quiet)
    else:
        ray.init(num_cpus=num_cpus or os.cpu_count() or 1, include_dashboard=False, **quiet)
    resources = ray.cluster_resources()
    log.info(
        "ray: %s %s in %.1f s: %g CPUs on %d node(s)",
        "joined" if address else "started",
        address or "a local cluster",
        time.monotonic() - started,
        resources.get("CPU", 0),
        len(ray.nodes()),
    )
    try:
        yield ray
    finally:
        ray.shutdown()


class RayEngine:
    """Run functions as Ray tasks; needs a joined Ray (see `ray_cluster`) while it is used.

    `threads` is the thread count each task should use for decoding (default: its CPUs, at least 1).
    `nodes` counts the tasks that finished on each Ray node (by node id), over every call.
    """

    remote = True

    def __init__(
        self,
        num_cpus: float = 1.0,
        max_retries: int = 2,
        max_in_flight: int | None = None,
        threads: int | None = None,
    ):
        if num_cpus <= 0:
            raise ValueError(f"num_cpus per task must be > 0, got {num_cpus}")
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {max_retries}")
        self.ray = require_ray()
        self.num_cpus = num_cpus
        self.max_retries = max_retries
        self.max_in_flight = max_in_flight
        self.threads = max(1, int(num_cpus)) if threads is None else threads
        self.nodes: Counter[str] = Counter()
        options = {"num_cpus": num_cpus, "max_retries": max_retries, "retry_exceptions": True}
        self._item_task = self.ray.remote(**options)(_run_item)
        self._call_task = self.ray.remote(**options)(_call)

    def in_flight_limit(self) -> int:
        """`max_in_flight`, or twice the tasks the cluster's CPUs can run at once."""
        if self.max_in_flight is not None:
            return max(1, self.max_in_flight)
        cpus = self.ray.cluster_resources().get("CPU", 1.0)
        return max(1, int(2 * cpus / self.num_cpus))

    def map_unordered(
        self,
        fn: Callable[..., Any],
        items: Iterable[Any],
        *shared: Any,
        progress: Callable[[int], None] | None = None,
    ) -> Iterator[tuple[Any, Any]]:
        """Yield `(item, fn(item, report, *shared))` as tasks finish, in any order.

        `report(n)` (None without `progress`) adds `n` to the driver's `progress`; `shared` values
        are put in the object store once, not shipped with every task. The result is a
        `TaskError` when every try failed. Closing the iterator early cancels the tasks in flight.
        """
        ray = self.ray
        source = iter(enumerate(items))
        first = next(source, None)
        if first is None:
            return
        source = itertools.chain([first], source)
        shared_refs = [ray.put(value) for value in shared]
        counter = _counter_on_this_node(ray) if progress is not None else None
        limit = self.in_flight_limit()
        before = Counter(self.nodes)
        pending: dict[Any, Any] = {}
        shown = 0
        try:
            while True:
                while len(pending) < limit:
                    nxt = next(source, None)
                    if nxt is None:
                        break
                    index, item = nxt
                    pending[self._item_task.remote(fn, item, index, counter, *shared_refs)] = item
                if not pending:
                    break
                ready, _ = ray.wait(list(pending), num_returns=1, timeout=POLL)
                if counter is not None:
                    shown = _forward(ray, counter, shown, progress)
                for ref in ready:
                    yield pending.pop(ref), self._result(ref)
        finally:
            for ref in pending:
                ray.cancel(ref)
            if counter is not None:
                ray.kill(counter)
            ran = self.nodes - before
            log.info("ray: %d task(s) finished on %d node(s): %s", ran.total(), len(ran), dict(ran))

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """`fn(*args, **kwargs)` as one Ray task, waited for; raises what Ray raises when every try failed."""
        return self.ray.get(self._call_task.remote(fn, *args, **kwargs))

    def _result(self, ref: Any) -> Any:
        try:
            node, result = self.ray.get(ref)
        except self.ray.exceptions.RayError as exc:
            return TaskError(str(exc))
        self.nodes[node] += 1
        return result


def _counter_on_this_node(ray) -> Any:
    """The progress actor, pinned to the driver's node: unpinned, or pinned softly (which moves it off a
    node whose CPUs are busy), it may land on a worker node and die with it."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    here = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=False)
    return ray.remote(num_cpus=0, scheduling_strategy=here)(_Counter).remote()


def _forward(ray, counter, shown: int, progress: Callable[[int], None]) -> int:
    total = ray.get(counter.total.remote())
    if total > shown:
        progress(total - shown)
    return max(total, shown)


class _Counter:
    """Progress of every task of one `map_unordered` (an actor: tasks report, the driver polls)."""

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}

    def report(self, index: int, count: int) -> None:
        self.counts[index] = max(self.counts.get(index, 0), count)

    def total(self) -> int:
        return sum(self.counts.values())


class _Reporter:
    """The `progress(n)` a task's function calls: batches counts into a few actor calls a second."""

    def __init__(self, counter, index: int):
        self.counter, self.index = counter, index
        self.count = 0
        self.sent = time.monotonic()

    def __call__(self, n: int) -> None:
        self.count += n
        now = time.monotonic()
        if now - self.sent >= REPORT_EVERY:
            self.counter.report.remote(self.index, self.count)
            self.sent = now

    def close(self) -> None:
        """Report the final count and wait for it, so the driver sees it before the task's result."""
        import ray

        ray.get(self.counter.report.remote(self.index, self.count))


def _run_item(fn: Callable[..., Any], item: Any, index: int, counter, *shared: Any) -> tuple[str, Any]:
    """`(this node's id, fn(item, report, *shared))`."""
    import ray

    report = _Reporter(counter, index) if counter is not None else None
    try:
        return ray.get_runtime_context().get_node_id(), fn(item, report, *shared)
    finally:
        if report is not None:
            report.close()


def _call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return fn(*args, **kwargs)
