"""End-to-end runs of the reference trainer on tiny shards: it learns, resumes exactly, runs under DDP."""

import json
import os
import signal
import subprocess
import sys

import pytest
import torch
from click.testing import CliRunner

from vtdata.cli import main
from vtdata.train import ModelConfig, TrainConfig, evaluate, train_reference
from vtdata.train.checkpoint import load_checkpoint
from vtdata.train.logs import read_log

TINY = {
    "image_size": 32,
    "patch_size": 8,
    "width": 64,
    "depth": 1,
    "heads": 2,
    "temporal_depth": 1,
    "text_width": 64,
    "text_depth": 1,
    "text_heads": 2,
    "embed_dim": 64,
    "max_frames": 8,
}
WORDS = ["left", "right", "up", "down"]


def _config(shards, out, **changes) -> TrainConfig:
    values = dict(
        train_shards=str(shards),
        val_shards=str(shards),
        out_dir=str(out),
        model=ModelConfig(**TINY),
        num_frames=4,
        batch_size=32,
        steps=60,
        warmup_steps=5,
        lr=2e-3,
        num_workers=0,
        log_every=5,
        checkpoint_every=1000,
        contrast_words=WORDS,
    )
    return TrainConfig(**{**values, **changes})


@pytest.fixture(scope="module")
def short_run(toy_shards, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    return train_reference(_config(toy_shards, out)), out


@pytest.mark.slow
def test_short_run_learns_and_beats_chance(short_run):
    result, out = short_run
    records = read_log(result.log)
    losses = [r["loss_avg"] for r in records if "loss" in r]
    assert result.steps == 60 and not result.stopped_early and result.loss_mode == "infonce"
    assert losses[-1] < 0.8 * losses[0], losses
    metrics = result.metrics
    assert metrics["num_clips"] == 48
    assert metrics["t2v_R@1"] >= 3 * metrics["chance_R@1"], metrics
    assert metrics["t2v_cap_R@1"] > metrics["chance_t2v_cap_R@1"], metrics
    assert json.loads((out / "metrics.json").read_text()) == metrics
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [r for r in records if "eval" in r][-1]["eval"] == metrics


@pytest.mark.slow
def test_evaluate_reads_the_checkpoint_and_repeats_the_numbers(short_run, toy_shards, tmp_path):
    result, out = short_run
    again = evaluate(
        out, str(toy_shards), split="val", num_workers=0, contrast_words=WORDS, output=tmp_path / "eval.json"
    )
    assert again["step"] == 60 and again["num_frames"] == 4
    for name in ("t2v_R@1", "v2t_R@5", "t2v_MedR", "contrast_acc"):
        assert again["metrics"][name] == pytest.approx(result.metrics[name])
    assert json.loads((tmp_path / "eval.json").read_text())["metrics"] == again["metrics"]


@pytest.mark.slow
def test_evaluate_command_prints_the_table(short_run, toy_shards, tmp_path):
    _, out = short_run
    res = CliRunner().invoke(
        main,
        [
            "evaluate",
            str(out / "checkpoints" / "latest.pt"),
            "--shards",
            str(toy_shards),
            "--workers",
            "0",
            "--output",
            str(tmp_path / "m.json"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "text->video" in res.output and "chance R@1: paired 2.08% over 48 clips" in res.output
    assert json.loads((tmp_path / "m.json").read_text())["metrics"]["num_clips"] == 48
    missing = CliRunner().invoke(main, ["evaluate", str(tmp_path), "--shards", str(toy_shards)])
    assert missing.exit_code != 0 and "checkpoints/latest.pt" in missing.output


@pytest.mark.slow
def test_stop_and_resume_continues_bit_for_bit(toy_shards, tmp_path):
    """24 steps straight == 13 steps, SIGTERM, resume for the rest: same weights, optimiser, log.

    The run crosses the 1-frame -> 4-frame curriculum switch and epoch ends (192 clips / 16 =
    12 batches per epoch), with 2 DataLoader workers.
    """
    common = dict(
        steps=24,
        batch_size=16,
        curriculum_steps=8,
        num_workers=2,
        val_shards=None,
        plot=False,
        checkpoint_every=5,
    )
    straight = train_reference(_config(toy_shards, tmp_path / "straight", **common))

    def stop_at_13(step, total, info):
        if step == 13:
            os.kill(os.getpid(), signal.SIGTERM)

    first = train_reference(_config(toy_shards, tmp_path / "resumed", **common), progress=stop_at_13)
    assert first.stopped_early and first.steps == 13
    assert load_checkpoint(first.checkpoint)["step"] == 13
    resumed = train_reference(_config(toy_shards, tmp_path / "resumed", resume="latest", **common))
    assert resumed.steps == 24 and not resumed.stopped_early

    a, b = load_checkpoint(straight.checkpoint), load_checkpoint(resumed.checkpoint)
    assert a["cursor"] == b["cursor"]
    for name, tensor in a["model"].items():
        assert torch.allclose(tensor, b["model"][name], rtol=0, atol=1e-6), name
    exp_avg = [s["exp_avg"] for s in a["optimizer"]["state"].values()]
    exp_avg_b = [s["exp_avg"] for s in b["optimizer"]["state"].values()]
    assert all(torch.allclose(x, y, rtol=0, atol=1e-7) for x, y in zip(exp_avg, exp_avg_b, strict=True))
    log_a = [(r["step"], round(r["loss"], 5)) for r in read_log(straight.log)]
    log_b = [(r["step"], round(r["loss"], 5)) for r in read_log(resumed.log)]
    assert log_a == log_b


@pytest.mark.slow
def test_ddp_two_cpu_processes_with_gloo(toy_shards, tmp_path):
    """torchrun, 2 processes, gloo: a checkpoint that `vtdata evaluate` reads."""
    config = tmp_path / "config.yaml"
    config.write_text(
        json.dumps(
            {
                "model": TINY,
                "num_frames": 2,
                "batch_size": 16,
                "steps": 8,
                "warmup_steps": 2,
                "num_workers": 1,
                "log_every": 2,
                "checkpoint_every": 4,
            }
        )
    )
    out = tmp_path / "ddp"
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        "2",
        "-m",
        "vtdata",
        "train-reference",
        "--shards",
        str(toy_shards),
        "--out",
        str(out),
        "--config",
        str(config),
        "--device",
        "cpu",
        "--no-plot",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "done at step 8/8" in proc.stdout
    records = read_log(out / "log.jsonl")
    # 2 ranks x 16 clips per step
    assert records[-1]["step"] == 8 and records[-1]["clips_per_s"] > 0
    state = load_checkpoint(out)
    assert state["step"] == 8 and state["cursor"]["batch"] == 8 - 6 * state["cursor"]["epoch"]
    res = CliRunner().invoke(
        main, ["evaluate", str(out), "--shards", str(toy_shards), "--workers", "0", "--json"]
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["metrics"]["num_clips"] == 48


@pytest.mark.slow
def test_milnce_run_trains_on_several_texts(toy_shards, tmp_path):
    """loss=milnce: captions padded to max_texts with masked empty texts; the loss still falls."""
    cfg = _config(
        toy_shards, tmp_path / "mil", loss="milnce", max_texts=3, steps=30, val_shards=None, plot=False
    )
    result = train_reference(cfg)
    assert result.loss_mode == "milnce" and result.metrics is None
    losses = [r["loss_avg"] for r in read_log(result.log)]
    assert losses[-1] < 0.8 * losses[0], losses
    assert load_checkpoint(result.checkpoint)["loss_mode"] == "milnce"


@pytest.mark.slow
def test_max_texts_defaults_to_the_most_texts_a_clip_has(toy_shards, tmp_path):
    """max_texts=None: K is the largest number of texts of any training clip, so no positive is cut."""
    from vtdata.train.data import scan_texts

    cfg = _config(toy_shards, tmp_path / "auto", loss="milnce", steps=2, val_shards=None, plot=False)
    assert cfg.max_texts is None
    result = train_reference(cfg)
    saved = load_checkpoint(result.checkpoint)["config"]
    assert saved["max_texts"] == scan_texts(cfg.train_shards, cfg.train_split)[1] >= 1
