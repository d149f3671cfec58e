"""LocalEngine's workers know the process that started them and are armed to die with it (the
kill of a whole `vtdata shard` run is tested in tests/shard/test_cli.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from vtdata.engine.local import LocalEngine, die_with_parent, parent_alive


def _pid_and_alive(item, report) -> tuple[int, bool, bool]:
    return os.getpid(), parent_alive(), die_with_parent()


def test_pool_workers_know_their_parent(monkeypatch):
    # the pool's processes import `_pid_and_alive` from this module by name: the repository root
    # must be on their path (pytest's importlib mode does not put it there; xdist workers do)
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2]))
    results = dict(LocalEngine(2).map_unordered(_pid_and_alive, range(4)))
    assert all(pid != os.getpid() for pid, _, _ in results.values())
    assert all(alive for _, alive, _ in results.values())
    if sys.platform.startswith("linux"):
        assert all(armed for _, _, armed in results.values())
    assert parent_alive()  # not a pool worker: always
