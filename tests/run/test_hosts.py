"""Per-host slots hold across processes: never more than `limit` holders of one host at once."""

from __future__ import annotations

import fcntl
import subprocess
import sys
import time

from vtdata.download.config import DownloadConfig
from vtdata.run.hosts import host_slot, process_gate

HOLDER = """
import sys, time
from vtdata.run.hosts import host_slot
folder, host, limit, log = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
with host_slot(folder, host, limit) as slot:
    start = time.time()
    time.sleep(0.4)
    end = time.time()
with open(log, "a") as f:
    f.write(f"{host} {slot} {start} {end}\\n")
"""


def _max_overlap(spans: list[tuple[float, float]]) -> int:
    events = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans])
    now = most = 0
    for _, step in events:
        now += step
        most = max(most, now)
    return most


def test_slots_limit_one_host_across_processes_and_leave_others_free(tmp_path):
    log = tmp_path / "log.txt"
    argv = [sys.executable, "-c", HOLDER, str(tmp_path / "hosts")]
    procs = [subprocess.Popen([*argv, "a.example", "2", str(log)]) for _ in range(5)]
    procs += [subprocess.Popen([*argv, "b.example", "2", str(log)]) for _ in range(2)]
    assert all(p.wait(timeout=60) == 0 for p in procs)
    rows = [line.split() for line in log.read_text().splitlines()]
    spans = {
        h: [(float(s), float(e)) for host, _, s, e in rows if host == h] for h in ("a.example", "b.example")
    }
    assert len(spans["a.example"]) == 5 and _max_overlap(spans["a.example"]) == 2
    assert _max_overlap(spans["a.example"] + spans["b.example"]) >= 3  # another host is not held back


def _held(lock) -> bool:
    with open(lock, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def test_a_killed_holder_frees_its_slot(tmp_path):
    code = HOLDER.replace("0.4", "60")
    holder = subprocess.Popen([sys.executable, "-c", code, str(tmp_path), "h", "1", str(tmp_path / "log")])
    try:
        deadline = time.monotonic() + 30
        while not (list(tmp_path.glob("*.lock")) and _held(next(tmp_path.glob("*.lock")))):
            assert time.monotonic() < deadline, "the holder never took its slot"
            time.sleep(0.01)
    finally:
        holder.kill()  # SIGKILL: no chance to unlock
        holder.wait()
    with host_slot(tmp_path, "h", 1, poll=0.01) as slot:
        assert slot == 0


def test_one_gate_per_process_and_setting():
    config = DownloadConfig(cooldown=1.0)
    assert process_gate(config) is process_gate(DownloadConfig(cooldown=1.0, workers=3))
    assert process_gate(config) is not process_gate(DownloadConfig(cooldown=2.0))
