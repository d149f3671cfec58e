"""Per-host limits that hold across the jobs of a streaming run, whichever process runs them.

`vtdata download` keeps at most `per_host` requests on a host from its one scheduler. A streaming
run fetches from many jobs at once, in several processes (local workers, Ray tasks), so the limit
is kept with file locks instead: `per_host` lock files per host in a folder every job sees; a job
fetches only while it holds one. The kernel drops a dead process's locks, so a SIGKILL never
leaves a host blocked. The locks hold for every process of one machine (or of a shared folder
whose filesystem honours `flock`); cool-downs after a 429/403 hold across the jobs of one process
(`process_gate`), not across processes.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import time
from collections.abc import Iterator
from pathlib import Path

from vtdata.download.config import DownloadConfig
from vtdata.download.hosts import HostGate, new_gate

_GATES: dict[tuple, HostGate] = {}


def process_gate(config: DownloadConfig) -> HostGate:
    """One `HostGate` per process and cool-down setting: the jobs a worker runs share cool-downs."""
    key = (config.cooldown, config.max_cooldown, config.host_strikes, config.host_block_urls)
    if key not in _GATES:
        _GATES[key] = new_gate(config)  # the gate `vtdata download` gives a run
    return _GATES[key]


@contextlib.contextmanager
def host_slot(folder: str | Path, host: str, limit: int, poll: float = 0.02) -> Iterator[int]:
    """Hold one of the `limit` slots of `host` (waiting for one); yields the slot's number."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = hashlib.sha256(host.encode("utf-8")).hexdigest()[:16]
    while True:
        for slot in range(limit):
            handle = open(folder / f"{stem}.{slot}.lock", "a+")  # noqa: SIM115 - closed below
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            try:
                yield slot
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
                handle.close()
            return
        time.sleep(poll)
