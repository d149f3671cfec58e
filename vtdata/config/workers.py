"""The one rule behind every `--workers` default: one worker per CPU core, shared among the
processes of a node; work that only waits on the network (downloads) gets 8 per core, at most 32."""

from __future__ import annotations

import os

MAX_IO_WORKERS = 32


def cpu_count() -> int:
    """CPU cores this process may use (its affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def default_workers(io_bound: bool = False, processes: int = 1) -> int:
    """Workers for one process: `cpu_count() // processes` (at least 1), or 8 per core up to 32 when
    the workers wait on the network instead of computing."""
    if io_bound:
        return min(MAX_IO_WORKERS, 8 * cpu_count())
    return max(1, cpu_count() // max(1, processes))
