"""The quickstart's output, made once per test session and shared by the xdist workers.

`vtdata quickstart --clips 40 --train-steps 20 --workers 1` (about 2 minutes on 2 cores) writes
every kind of output a report reads: three download stores with their clips tables, three shard
folders (frames and clip stores, images) and a training run. The first worker to need it builds
it under a file lock in the session's shared temporary folder; the others wait and reuse it.
`VTDATA_REPORT_QUICKSTART=DIR` points at a quickstart output made beforehand instead (it is
read, never written).
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest

QUICKSTART_ENV = "VTDATA_REPORT_QUICKSTART"
ARGS = ["--clips", "40", "--train-steps", "20", "--workers", "1", "--seed", "0"]


@pytest.fixture(scope="session")
def quickstart(tmp_path_factory) -> Path:
    given = os.environ.get(QUICKSTART_ENV)
    if given:
        return Path(given)
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # one folder for all the workers of this session
    root = shared / "report-quickstart"
    done = shared / "report-quickstart.done"
    with open(shared / "report-quickstart.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            cmd = [sys.executable, "-m", "vtdata", "quickstart", str(root), *ARGS]
            result = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
            done.write_text("ok")
    return root
