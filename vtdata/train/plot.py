"""One PNG of a run: training loss and learning rate per step, retrieval metrics per evaluation."""

from __future__ import annotations

import os
from pathlib import Path

from vtdata.train.logs import read_log

PLOTTED = ("t2v_R@1", "t2v_R@5", "v2t_R@1", "t2v_cap_R@1", "contrast_acc")


def plot_run(log_path: str | os.PathLike, out_path: str | os.PathLike) -> Path:
    """Draw `log_path` (the run's JSONL) into `out_path` (PNG, written atomically).

    Uses a bare `Figure` (Agg canvas), not pyplot, so no GUI backend or global state is touched.
    """
    from matplotlib.figure import Figure

    records = read_log(log_path)
    train = [r for r in records if "loss" in r]
    evals = [r for r in records if "eval" in r]
    fig = Figure(figsize=(15 if evals else 10, 4))
    ax = fig.subplots(1, 3 if evals else 2)
    ax[0].plot([r["step"] for r in train], [r.get("loss_avg", r["loss"]) for r in train])
    ax[0].set(xlabel="step", ylabel="loss", title="training loss (mean since the last record)")
    ax[1].plot([r["step"] for r in train], [r["lr"] for r in train])
    ax[1].set(xlabel="step", ylabel="learning rate", title="schedule")
    if evals:
        for name in PLOTTED:
            points = [(r["step"], r["eval"][name]) for r in evals if name in r["eval"]]
            if points:
                ax[2].plot(*zip(*points, strict=True), marker="o", label=name)
        ax[2].set(xlabel="step", ylabel="percent", title="held-out retrieval")
        ax[2].legend()
    fig.tight_layout()
    out_path = Path(out_path)
    tmp = out_path.with_name(f".{out_path.stem}.tmp.png")
    fig.savefig(tmp, dpi=100)
    os.replace(tmp, out_path)
    return out_path
