"""`vtdata download --engine ray`: every item's fetch is one task on a remote engine; the driver keeps
the rest.

The download scheduler still plans, keeps `per_host` requests per host, holds back hosts that
cool down and writes the ledger (one SQLite writer, on the driver); its threads only wait for
Ray tasks that run `download_one` on the cluster. Rate-limit and block answers seen by a task
are fed into the driver's host gate, so a refusing host cools down for the whole cluster. The
store must be a path that the driver and every worker share (NFS, Lustre, a mounted bucket).
"""

from __future__ import annotations

import os
from pathlib import Path

from vtdata.download.config import DownloadConfig
from vtdata.download.hosts import HostGate, host_of
from vtdata.download.job import download_one
from vtdata.download.retry import FetchError
from vtdata.engine import Engine
from vtdata.records.ledger import LedgerEntry, Reason
from vtdata.records.sources import SourceItem

_REFUSALS = (Reason.RATE_LIMITED.value, Reason.BLOCKED.value)


class RemoteFetch:
    """`fetch(item, store, config, gate) -> LedgerEntry` for `vtdata.download.runner.download`: runs
    `download_one` as a task of `engine` (a `vtdata.engine.ray.RayEngine`)."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def __call__(
        self, item: SourceItem, store: str | Path, config: DownloadConfig, gate: HostGate
    ) -> LedgerEntry:
        # absolute: a worker on another node does not share the driver's working directory
        entry = self.engine.call(download_one, item, os.path.abspath(store), config)
        host = host_of(item.url)
        if entry.status == "ok":
            gate.succeed(host)
        elif entry.reason in _REFUSALS:
            gate.refused(host, item.url, FetchError(Reason(entry.reason), entry.message or entry.reason))
        return entry
