"""One PNG of a run: training loss and learning rate per step, retrieval metrics per evaluation.

The three panels share the step axis; retrieval is drawn on 0-100 % with each metric's chance
level as a dashed line of its colour, so a reader sees at once whether the model beats chance.
"""

from __future__ import annotations

import os
from pathlib import Path

from vtdata.train.logs import read_log

PLOTTED = ("t2v_R@1", "t2v_R@5", "v2t_R@1", "t2v_cap_R@1", "contrast_acc")


def chance(name: str, metrics: dict) -> float | None:
    """The chance level (percent) of metric `name` in an evaluation record, when it can be told:
    R@k over N candidates is k/N; caption retrieval and the contrast test log their own."""
    logged = {"t2v_cap_R@1": "chance_t2v_cap_R@1", "v2t_cap_R@1": "chance_v2t_cap_R@1"}
    if name == "contrast_acc":
        return metrics.get("contrast_chance")
    if name in logged and logged[name] in metrics:
        return metrics[logged[name]]
    kind, _, k = name.rpartition("_R@")
    candidates = metrics.get("num_captions" if "cap" in kind else "num_clips")
    if not k.isdigit() or not candidates:
        return None
    return min(100.0, 100.0 * int(k) / candidates)


def draw_run(fig, records: list[dict]) -> None:
    """Draw a run's log records on a matplotlib `Figure`: loss, learning rate, held-out retrieval."""
    train = [r for r in records if "loss" in r]
    evals = [r for r in records if "eval" in r]
    ax = fig.subplots(1, 3 if evals else 2, sharex=True)
    ax[0].plot([r["step"] for r in train], [r.get("loss_avg", r["loss"]) for r in train])
    ax[0].set(xlabel="step", ylabel="loss", title="training loss (mean since the last record)")
    ax[1].plot([r["step"] for r in train], [r["lr"] for r in train])
    ax[1].set(xlabel="step", ylabel="learning rate", title="schedule")
    if evals:
        last = evals[-1]["eval"]
        for name in PLOTTED:
            points = [(r["step"], r["eval"][name]) for r in evals if name in r["eval"]]
            if not points:
                continue
            (line,) = ax[2].plot(*zip(*points, strict=True), marker="o", label=name)
            level = chance(name, last)
            if level is not None:
                ax[2].axhline(level, color=line.get_color(), linestyle="--", linewidth=1)
        ax[2].plot([], [], color="gray", linestyle="--", linewidth=1, label="chance (dashed)")
        ax[2].set(xlabel="step", ylabel="percent", title="held-out retrieval", ylim=(0, 100))
        ax[2].legend(fontsize="small")
    steps = [r["step"] for r in records if "step" in r]
    if steps:
        ax[0].set_xlim(0, max(steps) * 1.02 + 1)
    fig.tight_layout()


def plot_run(log_path: str | os.PathLike, out_path: str | os.PathLike) -> Path:
    """Draw `log_path` (the run's JSONL) into `out_path` (PNG, written atomically).

    Uses a bare `Figure` (Agg canvas), not pyplot, so no GUI backend or global state is touched.
    """
    from matplotlib.figure import Figure

    records = read_log(log_path)
    fig = Figure(figsize=(15 if any("eval" in r for r in records) else 10, 4))
    draw_run(fig, records)
    out_path = Path(out_path)
    tmp = out_path.with_name(f".{out_path.stem}.tmp.png")
    fig.savefig(tmp, dpi=100)
    os.replace(tmp, out_path)
    return out_path
