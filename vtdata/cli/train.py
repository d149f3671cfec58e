"""`vtdata train-reference` and `vtdata evaluate`: the reference dual encoder (vtdata.train)."""

from __future__ import annotations

import click

from vtdata.cli.common import from_config, given, pairs, set_option
from vtdata.train.params import EvalConfig, ModelConfig, TrainConfig

# options that set a field of `TrainConfig.model` (a `ModelConfig`), by the name the command receives
MODEL_OPTIONS = ("image_size", "patch_size", "width", "depth", "temporal", "tubelet", "embed_dim")


def _words(text: str | None) -> list[str] | None:
    return [w.strip() for w in text.split(",") if w.strip()] if text else None


@click.command("train-reference")
@from_config(
    TrainConfig,
    "train_shards",
    "--shards",
    required=True,
    help="Training shards: a directory with index.parquet, or a brace pattern of tars.",
)
@from_config(TrainConfig, "train_split", "--split", help="Split of the shard directory to train on.")
@from_config(
    TrainConfig,
    "val_shards",
    "--val-shards",
    show_default=False,
    help="Held-out shards to score during and after training.",
)
@from_config(TrainConfig, "val_split", "--val-split", help="Split of --val-shards to score.")
@from_config(
    TrainConfig,
    "out_dir",
    "-o",
    "--output",
    "--out",
    help="Run directory (checkpoints, log.jsonl, curves.png).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="YAML/JSON file of TrainConfig fields (model sizes under `model:`); options override it.",
)
@from_config(TrainConfig, "steps", "--steps", type=click.IntRange(min=1), help="Optimiser steps in total.")
@from_config(
    TrainConfig, "batch_size", "--batch-size", type=click.IntRange(min=1), help="Clips per step per process."
)
@from_config(TrainConfig, "num_frames", "--frames", type=click.IntRange(min=1), help="Frames per clip.")
@from_config(
    TrainConfig,
    "curriculum_steps",
    "--curriculum-steps",
    type=click.IntRange(min=0),
    help="Train the first N steps on --curriculum-frames frames (Frozen's images-first).",
)
@from_config(
    TrainConfig,
    "curriculum_frames",
    "--curriculum-frames",
    type=click.IntRange(min=1),
    help="Frames per clip during the curriculum.",
)
@from_config(
    ModelConfig,
    "image_size",
    "--image-size",
    type=click.IntRange(min=1),
    help="Frame side in pixels after crop.",
)
@from_config(
    ModelConfig, "patch_size", "--patch-size", type=click.IntRange(min=1), help="ViT patch side in pixels."
)
@from_config(
    ModelConfig, "width", "--width", type=click.IntRange(min=1), help="Transformer width of both towers."
)
@from_config(ModelConfig, "depth", "--depth", type=click.IntRange(min=1), help="ViT blocks per frame.")
@from_config(
    ModelConfig,
    "temporal",
    "--temporal",
    type=click.Choice(["mean", "transformer", "divided"]),
    help="How frames meet: divided space-time attention in every block (Frozen), a temporal "
    "transformer over frame features, or their mean (order-blind).",
)
@from_config(
    ModelConfig,
    "tubelet",
    "--tubelet",
    type=click.IntRange(min=1),
    help="Consecutive frames per patch token (ViViT tubelets; 2 makes motion learnable fast).",
)
@from_config(
    ModelConfig, "embed_dim", "--embed-dim", type=click.IntRange(min=1), help="Joint embedding size."
)
@from_config(
    TrainConfig, "lr", "--lr", type=click.FloatRange(min=0, min_open=True), help="Peak AdamW learning rate."
)
@from_config(
    TrainConfig,
    "warmup_steps",
    "--warmup-steps",
    type=click.IntRange(min=0),
    help="Linear warm-up steps before the cosine decay.",
)
@from_config(
    TrainConfig,
    "weight_decay",
    "--weight-decay",
    type=click.FloatRange(min=0),
    help="AdamW weight decay on matrices.",
)
@from_config(
    TrainConfig,
    "loss",
    "--loss",
    type=click.Choice(["auto", "infonce", "milnce"]),
    help="auto: MIL-NCE when some clip has several texts, else symmetric InfoNCE.",
)
@from_config(
    TrainConfig,
    "tokenizer",
    "--tokenizer",
    type=click.Choice(["word", "bpe"]),
    help="Tokenizer trained on the training captions.",
)
@from_config(
    TrainConfig,
    "precision",
    "--precision",
    type=click.Choice(["auto", "fp32", "bf16", "fp16"]),
    help="AMP on CUDA (auto: bf16 where supported, else fp16); CPU always runs fp32.",
)
@from_config(TrainConfig, "device", "--device", help="auto, cpu or cuda (under torchrun: this rank's GPU).")
@from_config(
    TrainConfig,
    "num_workers",
    "--workers",
    type=click.IntRange(min=0),
    show_default="auto: one per CPU core, shared among the processes of a node",
    help="DataLoader worker processes per training process (0: load in the training process).",
)
@from_config(
    TrainConfig,
    "seed",
    "--seed",
    type=click.IntRange(min=0),
    help="Seed of the model init and the data order.",
)
@from_config(
    TrainConfig,
    "threads",
    "--threads",
    type=click.IntRange(min=0),
    help="torch threads per process (0: on CPU, the cores left after the loader workers).",
)
@from_config(
    TrainConfig,
    "log_every",
    "--log-every",
    type=click.IntRange(min=1),
    help="Steps between log.jsonl records.",
)
@from_config(
    TrainConfig,
    "checkpoint_every",
    "--checkpoint-every",
    type=click.IntRange(min=1),
    help="Steps between checkpoints.",
)
@from_config(
    TrainConfig,
    "eval_every",
    "--eval-every",
    type=click.IntRange(min=0),
    help="Steps between held-out evaluations (0: only at the end).",
)
@click.option(
    "--contrast-words",
    default=None,
    help="Comma-separated words for the minimal-pair test, e.g. left,right,up,down.",
)
@set_option("Set any TrainConfig key, e.g. --set max_texts=6 or --set model.heads=8 (VALUE read as YAML).")
@click.option(
    "--resume", "resume_latest", is_flag=True, help="Continue the run in --output from its latest checkpoint."
)
@click.option(
    "--resume-from", type=click.Path(exists=True), default=None, help="Continue from this checkpoint."
)
@click.option("--no-plot", is_flag=True, help="Do not draw curves.png at the end.")
@click.pass_context
def train_reference_cmd(
    ctx, config_file, resume_latest, resume_from, no_plot, contrast_words, settings, **options
) -> None:
    """Train the reference dual encoder on shards; checkpoint, log, evaluate and plot.

    A ViT over frames with temporal pooling and a small text transformer, trained with
    symmetric InfoNCE (or MIL-NCE) and AdamW + cosine schedule. Run it under `torchrun
    --nproc_per_node N` for DDP (gloo on CPU, NCCL on GPUs). Ctrl-C stops after the current
    step with a checkpoint; --resume continues exactly where it stopped. See docs/train.md.
    """
    import os

    from tqdm import tqdm

    from vtdata.train import train_reference
    from vtdata.train.metrics import format_table

    chosen = given(ctx, options)
    overrides = {(f"model.{k}" if k in MODEL_OPTIONS else k): v for k, v in chosen.items()}
    if contrast_words:
        overrides["contrast_words"] = _words(contrast_words)
    if resume_latest or resume_from:
        overrides["resume"] = resume_from or "latest"
    if no_plot:
        overrides["plot"] = False
    overrides.update(pairs(settings))
    config = TrainConfig.load(config_file, overrides)

    is_main = int(os.environ.get("RANK", "0")) == 0  # under torchrun only rank 0 reports
    with tqdm(
        total=config.steps,
        desc="train",
        unit=" steps",
        disable=None if is_main else True,
        dynamic_ncols=True,
    ) as bar:

        def progress(step: int, total: int, info: dict) -> None:
            bar.n = step
            bar.set_postfix(loss=f"{info['loss']:.3f}", frames=info["frames"], refresh=False)
            bar.refresh()

        result = train_reference(config, progress=progress)
    if not is_main:
        return
    state = "stopped early" if result.stopped_early else "done"
    loss = result.final_loss if result.final_loss is not None else float("nan")
    click.echo(
        f"{state} at step {result.steps}/{config.steps} in {result.seconds:.0f} s "
        f"({result.loss_mode} loss {loss:.4f})"
    )
    click.echo(f"checkpoint {result.checkpoint}\nlog        {result.log}")
    if result.plot:
        click.echo(f"curves     {result.plot}")
    if result.metrics:
        click.echo(format_table(result.metrics))
        click.echo(f"metrics    {result.out_dir / 'metrics.json'}")
    if result.stopped_early:
        click.echo(f"resume with: vtdata train-reference ... --output {result.out_dir} --resume")


@click.command("evaluate")
@click.argument("checkpoint", type=click.Path(exists=True))
@from_config(
    EvalConfig,
    "shards",
    "--shards",
    required=True,
    help="Held-out shards: a directory with index.parquet, or a brace pattern.",
)
@from_config(EvalConfig, "split", "--split", help="Split of the shard directory to score.")
@from_config(
    EvalConfig,
    "num_frames",
    "--frames",
    type=click.IntRange(min=1),
    show_default=False,
    help="Frames per clip (uniform sampling); default: what the model trained with.",
)
@from_config(
    EvalConfig, "batch_size", "--batch-size", type=click.IntRange(min=1), help="Clips per forward pass."
)
@from_config(
    EvalConfig,
    "num_workers",
    "--workers",
    type=click.IntRange(min=0),
    show_default="auto: one per CPU core",
    help="DataLoader worker processes (0: load in this process).",
)
@from_config(EvalConfig, "device", "--device", help="auto, cpu or cuda.")
@click.option(
    "--contrast-words",
    default=None,
    help="Comma-separated words for the minimal-pair test, e.g. left,right,up,down.",
)
@from_config(
    EvalConfig,
    "output",
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    show_default=False,
    help="Write the results as JSON here.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the full JSON instead of the table.")
def evaluate_cmd(checkpoint, contrast_words, as_json, **options) -> None:
    """Text->video and video->text retrieval (R@1/5/10, median and mean rank) of a checkpoint.

    CHECKPOINT is a .pt file or a train-reference run directory. Every clip of the held-out
    shards is embedded once (uniform frames, centre crop). Paired and caption-level metrics are
    defined in docs/train.md.
    """
    import json

    from tqdm import tqdm

    from vtdata.train.metrics import format_table
    from vtdata.train.retrieval import run_evaluation

    config = EvalConfig(checkpoint=checkpoint, contrast_words=_words(contrast_words), **options)
    with tqdm(desc="evaluate", unit=" clips", disable=None, dynamic_ncols=True) as bar:

        def progress(done: int, total: int | None, info: dict) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        result = run_evaluation(config, progress)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(
        f"{result['checkpoint']} (step {result['step']}, {result['num_frames']} frames) on {config.shards}"
        f" split {config.split}: {int(result['metrics']['num_clips'])} clips in {result['seconds']:.1f} s"
    )
    click.echo(format_table(result["metrics"]))
    if config.output:
        click.echo(f"wrote {config.output}")
