"""A training run's part of the report: its curves (loss, learning rate, held-out retrieval with
chance lines, drawn by the trainer's own `draw_run`) and its last evaluation beside chance."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from vtdata.records.names import RUN_LOG
from vtdata.report import charts
from vtdata.train.logs import read_log
from vtdata.train.plot import PLOTTED, chance, draw_run


@dataclass
class RunFacts:
    steps: int  # the last logged step
    evaluations: int
    curves: bytes | None  # PNG; None when the log is empty
    final: list[tuple[str, float, float | None]] = field(default_factory=list)  # (metric, value, chance)


def read_run(folder: Path) -> RunFacts:
    path = folder / RUN_LOG
    records = read_log(path) if path.is_file() else []
    steps = max((int(r["step"]) for r in records if isinstance(r.get("step"), int | float)), default=0)
    evals = [r["eval"] for r in records if isinstance(r.get("eval"), dict)]
    curves = None
    if any("loss" in r for r in records):
        fig = charts.figure((13.5, 3.6) if evals else (9, 3.6))
        draw_run(fig, records)
        curves = charts.png(fig)
    final = []
    if evals:
        last = evals[-1]
        final = [(name, float(last[name]), chance(name, last)) for name in PLOTTED if name in last]
    return RunFacts(steps=steps, evaluations=len(evals), curves=curves, final=final)
