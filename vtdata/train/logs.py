"""The run's JSONL log: one line per logged step and per evaluation, appended as training goes.

On resume, lines from steps after the checkpoint (written before the run died) are dropped,
so the log of a resumed run reads like the log of an uninterrupted one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


class JsonlLog:
    def __init__(self, path: str | os.PathLike, resume_step: int | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if resume_step is None:
            self.path.write_text("")
        elif self.path.exists():
            kept = [r for r in read_log(self.path) if r.get("step", 0) <= resume_step]
            tmp = self.path.with_name(f".{self.path.name}.tmp")
            tmp.write_text("".join(json.dumps(r) + "\n" for r in kept))
            os.replace(tmp, self.path)

    def write(self, record: dict) -> None:
        with self.path.open("a") as f:
            f.write(json.dumps(record) + "\n")


def read_log(path: str | os.PathLike) -> list[dict]:
    """Records of a JSONL log; a torn last line (the run was killed mid-write) is ignored."""
    records = []
    for line in Path(path).read_text().splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records
