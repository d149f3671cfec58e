"""Run a whole download: plan, fetch concurrently with per-host limits, record, summarize.

Threads, not processes: the work is waiting on sockets, and the CPU-heavy parts (ffmpeg
merges and cuts) already run in subprocesses. Workers are daemon threads fed by one scheduler
thread, which alone writes the ledger, keeps at most `per_host` requests on any host, holds
back hosts that are cooling down, and abandons a worker that outlives the hard per-item
deadline (its item is recorded `timeout`), so a run always ends.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq

from vtdata.download.config import DownloadConfig
from vtdata.download.hosts import HostGate, new_gate
from vtdata.download.job import download_one
from vtdata.download.ledger import Ledger
from vtdata.download.plan import PlanCounts, Task, count_plan, plan, plan_table
from vtdata.download.remote import RemoteFetch
from vtdata.download.store import copy_sources, store_lock, sweep_partials
from vtdata.engine import Engine
from vtdata.records.folders import check_writable, owned_folder
from vtdata.records.ledger import LedgerEntry, Reason
from vtdata.records.names import LEDGER_NAME
from vtdata.records.sources import TABLE as SOURCES
from vtdata.records.sources import SourceItem
from vtdata.records.tables import open_table

log = logging.getLogger(__name__)

PREVIEW = 20

# Runs one item's fetch (`download_one`) and returns its ledger row: in this process, or as a task
# of a remote engine (`vtdata.download.remote.RemoteFetch`). The scheduler's threads call it.
Fetch = Callable[[SourceItem, Path, DownloadConfig, HostGate], LedgerEntry]


@dataclass
class ProgressUpdate:
    """Sent after every finished item (and once at the start, with `entry=None`)."""

    done: int
    total: int
    ok: int
    failed: int
    bytes: int
    entry: LedgerEntry | None = None


@dataclass
class DownloadSummary:
    """What a run did; `failed` counts failures by reason."""

    store: str
    total: int = 0  # rows in the given source table
    planned: int = 0  # items this run set out to fetch
    skipped_ok: int = 0
    skipped_failed: int = 0
    duplicates: int = 0
    ok: int = 0
    failed: dict[str, int] = field(default_factory=dict)
    bytes: int = 0
    seconds: float = 0.0
    cooldowns: int = 0
    abandoned: int = 0  # workers left behind at the hard deadline
    partials_removed: int = 0  # `.part` leftovers of an earlier, killed run
    dry_run: bool = False
    by_backend: dict[str, int] = field(default_factory=dict)
    by_host: dict[str, int] = field(default_factory=dict)
    preview: list[Task] = field(default_factory=list)  # dry run: the first tasks

    @property
    def failed_total(self) -> int:
        return sum(self.failed.values())

    @property
    def items_per_s(self) -> float:
        return (self.ok + self.failed_total) / self.seconds if self.seconds > 0 else 0.0

    @property
    def bytes_per_s(self) -> float:
        return self.bytes / self.seconds if self.seconds > 0 else 0.0


def download(
    sources: str | Path | Iterable[SourceItem],
    store: str | Path,
    config: DownloadConfig | None = None,
    progress: Callable[[ProgressUpdate], None] | None = None,
    *,
    engine: Engine | None = None,
) -> DownloadSummary:
    """Fetch every item of `sources` not yet ok in `store`; resumable after any crash.

    The store gets a copy of the source table (`<store>/sources.parquet`), media under
    `media/`, and one ledger row per item. Items already ok are never fetched again; failed
    ones only with `config.retry_failed`. With `config.dry_run`, nothing is written or fetched.
    With a remote `engine` (`vtdata.engine.ray.RayEngine`), every item's `download_one` runs as one of
    its tasks; otherwise (None, or a local engine) the scheduler's threads run it in this process.
    """
    config = config or DownloadConfig()
    store = Path(store)
    if isinstance(sources, (str, Path)):
        open_table(sources, SOURCES)  # a wrong table fails here, before the store is touched
    else:
        sources = list(sources)
    if config.dry_run:
        return _dry_run(sources, store, config)
    check_writable(store)
    with owned_folder(store), store_lock(store):
        copy_sources(sources, store)
        removed = sweep_partials(store)
        if removed:
            log.info("%s: removed %d partial files of an interrupted run", store, removed)
        with Ledger(store) as ledger:
            table = isinstance(sources, (str, Path))
            decided = count_plan(_ids(sources), ledger.priors_of, config, keep=table)
            expected = decided.counts if table else decided
            counts = PlanCounts()
            tasks = (
                plan_table(sources, ledger.priors_of, config, counts, decided)
                if table
                else plan(iter(sources), ledger.priors_of, config, counts)
            )
            summary = DownloadSummary(str(store), partials_removed=removed)
            fetch = RemoteFetch(engine) if engine is not None and engine.remote else _fetch_here
            _Scheduler(store, config, ledger, summary, progress, expected.todo, fetch).run(tasks)
    summary.total, summary.planned = counts.total, counts.todo
    summary.skipped_ok, summary.skipped_failed = counts.skipped_ok, counts.skipped_failed
    summary.duplicates = counts.duplicates
    return summary


def _plan(sources: str | Path | list[SourceItem], priors, config: DownloadConfig, counts: PlanCounts):
    if isinstance(sources, (str, Path)):
        return plan_table(sources, priors, config, counts)
    return plan(iter(sources), priors, config, counts)


def _ids(sources: str | Path | list[SourceItem]) -> Iterator[str]:
    if isinstance(sources, (str, Path)):
        for batch in pq.ParquetFile(sources).iter_batches(65536, columns=["id"]):
            yield from batch.column(0).to_pylist()
    else:
        yield from (item.id for item in sources)


def _dry_run(sources: str | Path | list[SourceItem], store: Path, config: DownloadConfig) -> DownloadSummary:
    ledger = Ledger(store, readonly=True) if (store / LEDGER_NAME).exists() else None
    counts = PlanCounts()
    summary = DownloadSummary(str(store), dry_run=True)
    backends, hosts = Counter(), Counter()
    priors = ledger.priors_of if ledger is not None else {}
    for task in _plan(sources, priors, config, counts):
        backends[task.backend] += 1
        hosts[task.host] += 1
        if len(summary.preview) < PREVIEW:
            summary.preview.append(task)
    summary.total, summary.planned = counts.total, counts.todo
    summary.skipped_ok, summary.skipped_failed = counts.skipped_ok, counts.skipped_failed
    summary.duplicates = counts.duplicates
    summary.by_backend, summary.by_host = dict(backends), dict(hosts.most_common(10))
    if ledger is not None:
        ledger.close()
    return summary


class _Scheduler:
    """Feeds tasks to worker threads, host by host, and records what comes back."""

    def __init__(
        self,
        store: Path,
        config: DownloadConfig,
        ledger: Ledger,
        summary: DownloadSummary,
        progress: Callable[[ProgressUpdate], None] | None,
        total: int,
        fetch: Fetch | None = None,
    ):
        self.store, self.config, self.ledger, self.summary = store, config, ledger, summary
        self.fetch = fetch or _fetch_here
        self.progress, self.total = progress, total
        self.gate = new_gate(config)
        self.todo: queue.Queue = queue.Queue()
        self.results: queue.Queue = queue.Queue()
        self.pending: OrderedDict[str, deque[Task]] = OrderedDict()
        self.buffered = 0
        self.inflight: dict[int, tuple[Task, float]] = {}
        self.per_host: Counter[str] = Counter()
        self.next_token = 0
        self.done = 0
        self.lookahead = max(1024, 64 * config.workers)
        # download_one enforces the deadline itself; this is the backstop for a worker stuck inside
        # a library call that reports no progress (e.g. ffmpeg cutting a section for yt-dlp)
        self.grace = 2.0 + 0.05 * config.deadline
        self.threads = [self._spawn() for _ in range(config.workers)]

    def _spawn(self) -> threading.Thread:
        thread = threading.Thread(target=self._work, name="vtdata-download", daemon=True)
        thread.start()
        return thread

    def _work(self) -> None:
        while True:
            job = self.todo.get()
            if job is None:
                return
            token, task = job
            try:
                entry = self.fetch(task.item, self.store, self.config, self.gate)
            except Exception as exc:  # noqa: BLE001 - download_one should not raise; never lose an item
                log.exception("%s: worker error", task.item.id)
                entry = _failure(task, Reason.ERROR, f"{type(exc).__name__}: {exc}")
            self.results.put((token, entry))

    def run(self, tasks: Iterable[Task]) -> None:
        started = time.monotonic()
        self._report(None)
        source = iter(tasks)
        exhausted = False
        try:
            while True:
                while not exhausted and self.buffered < self.lookahead:
                    task = next(source, None)
                    if task is None:
                        exhausted = True
                        break
                    self.pending.setdefault(task.host, deque()).append(task)
                    self.buffered += 1
                self._dispatch()
                if exhausted and not self.buffered and not self.inflight:
                    break
                try:
                    token, entry = self.results.get(timeout=0.2)
                except queue.Empty:
                    pass
                else:
                    self._finish(token, entry)
                self._watchdog()
        finally:
            for _ in self.threads:
                self.todo.put(None)
            self.summary.seconds = time.monotonic() - started
            self.summary.cooldowns = self.gate.cooldowns

    def _dispatch(self) -> None:
        """Start tasks round-robin over hosts that have room and are not cooling down."""
        for host in list(self.pending):
            if len(self.inflight) >= self.config.workers:
                return
            tasks = self.pending[host]
            given_up = self.gate.given_up(host)
            while tasks and given_up is not None:
                task = tasks.popleft()
                self.buffered -= 1
                self._record(task, _failure(task, given_up.reason, given_up.message))
            while (
                tasks
                and self.per_host[host] < self.config.per_host
                and len(self.inflight) < self.config.workers
            ):
                if self.gate.remaining(host) > 0:
                    break
                task = tasks.popleft()
                self.buffered -= 1
                token, self.next_token = self.next_token, self.next_token + 1
                self.inflight[token] = (task, time.monotonic())
                self.per_host[host] += 1
                self.todo.put((token, task))
            if tasks:
                self.pending.move_to_end(host)
            else:
                del self.pending[host]

    def _finish(self, token: int, entry: LedgerEntry) -> None:
        if token not in self.inflight:  # a worker abandoned at the hard deadline came back late
            return
        task, _ = self.inflight.pop(token)
        self.per_host[task.host] -= 1
        self._record(task, entry)

    def _watchdog(self) -> None:
        now = time.monotonic()
        for token, (task, started) in list(self.inflight.items()):
            if now - started > self.config.deadline + self.grace:
                del self.inflight[token]
                self.per_host[task.host] -= 1
                self.summary.abandoned += 1
                message = f"hard deadline: no result within {now - started:.0f} s; worker abandoned"
                log.warning("%s: %s", task.item.id, message)
                self._record(task, _failure(task, Reason.TIMEOUT, message, attempts=1))
                self.threads.append(self._spawn())

    def _record(self, task: Task, entry: LedgerEntry) -> None:
        entry.attempts += task.prior_attempts
        self.ledger.put(entry)
        self.done += 1
        if entry.status == "ok":
            self.summary.ok += 1
            self.summary.bytes += entry.bytes
        else:
            reason = entry.reason or Reason.ERROR.value
            self.summary.failed[reason] = self.summary.failed.get(reason, 0) + 1
        self._report(entry)

    def _report(self, entry: LedgerEntry | None) -> None:
        if self.progress is not None:
            s = self.summary
            self.progress(ProgressUpdate(self.done, self.total, s.ok, s.failed_total, s.bytes, entry))


def _fetch_here(item: SourceItem, store: Path, config: DownloadConfig, gate: HostGate) -> LedgerEntry:
    return download_one(item, store, config, gate=gate)


def _failure(task: Task, reason: Reason, message: str, attempts: int = 0) -> LedgerEntry:
    item = task.item
    return LedgerEntry(
        id=item.id,
        status="failed",
        url=item.url,
        reason=reason.value,
        message=message,
        attempts=attempts,
        media=item.media,
        backend=task.backend,
        updated=time.time(),
    )
