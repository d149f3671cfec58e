"""`vtdata.train.plot`: the run's curves, the retrieval panel on 0-100 % with chance lines."""

import json

from matplotlib.figure import Figure

from vtdata.train.plot import chance, draw_run, plot_run

EVAL = {
    "t2v_R@1": 20.0,
    "t2v_R@5": 60.0,
    "v2t_R@1": 25.0,
    "num_clips": 12.0,
    "chance_R@1": 8.33,
    "t2v_cap_R@1": 10.0,
    "chance_t2v_cap_R@1": 5.0,
    "contrast_acc": 40.0,
    "contrast_chance": 25.0,
}


def test_chance_levels():
    assert abs(chance("t2v_R@1", EVAL) - 100 / 12) < 1e-9
    assert abs(chance("t2v_R@5", EVAL) - 500 / 12) < 1e-9
    assert chance("t2v_cap_R@1", EVAL) == 5.0
    assert chance("contrast_acc", EVAL) == 25.0
    assert chance("t2v_R@10", {"num_clips": 5}) == 100.0
    assert chance("t2v_R@1", {}) is None


def test_retrieval_panel_shares_steps_and_shows_chance(tmp_path):
    records = [{"step": s, "loss": 3.0 - s / 100, "lr": 1e-4} for s in range(10, 310, 10)]
    records += [{"step": 150, "eval": EVAL}, {"step": 300, "eval": EVAL}]
    fig = Figure()
    draw_run(fig, records)
    loss, _, retrieval = fig.axes
    assert retrieval.get_ylim() == (0.0, 100.0)
    assert retrieval.get_xlim() == loss.get_xlim() and loss.get_xlim()[0] == 0
    dashed = [line for line in retrieval.get_lines() if line.get_linestyle() == "--"]
    levels = sorted(round(line.get_ydata()[0], 2) for line in dashed if len(line.get_ydata()))
    assert levels == [5.0, 8.33, 8.33, 25.0, 41.67]
    log = tmp_path / "log.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in records))
    assert plot_run(log, tmp_path / "curves.png").read_bytes().startswith(b"\x89PNG")
