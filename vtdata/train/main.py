"""`train_reference(config)`: set up (process group, tokenizer, model, optimiser, resume), run the
loop, evaluate, plot.

Run directory layout:

    <out_dir>/config.json              the TrainConfig as given
    <out_dir>/log.jsonl                training and evaluation records (logs.py)
    <out_dir>/checkpoints/latest.pt    every `checkpoint_every` steps and on exit (checkpoint.py)
    <out_dir>/metrics.json             final held-out metrics (with val_shards)
    <out_dir>/curves.png               loss, learning rate and metrics (plot.py)
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from vtdata.config.workers import default_workers
from vtdata.loader import resolve_shards
from vtdata.records.folders import check_writable
from vtdata.records.names import (
    CHECKPOINTS_DIR,
    LATEST_CHECKPOINT,
    RUN_CONFIG,
    RUN_CURVES,
    RUN_LOG,
    RUN_METRICS,
    temporary,
)
from vtdata.train.checkpoint import (
    DataCursor,
    load_checkpoint,
    save_checkpoint,
    set_rng_state,
    training_state,
)
from vtdata.train.data import BatchStream, scan_texts, train_loader
from vtdata.train.distributed import Node, barrier, init_node, shutdown
from vtdata.train.logs import JsonlLog
from vtdata.train.model import DualEncoder
from vtdata.train.params import ModelConfig, TrainConfig
from vtdata.train.plot import plot_run
from vtdata.train.retrieval import evaluate_model
from vtdata.train.tokenizer import CaptionTokenizer
from vtdata.train.train import Progress, Trainer, amp_settings

log = logging.getLogger("vtdata.train")

# Config fields that may change on --resume without breaking the bit-for-bit continuation.
RESUMABLE_CHANGES = {
    "resume",
    "num_workers",
    "threads",
    "log_every",
    "checkpoint_every",
    "eval_every",
    "plot",
    "device",
}


@dataclass
class TrainResult:
    """What a run produced; `metrics` is None without val_shards or when it stopped early."""

    out_dir: Path
    checkpoint: Path
    steps: int
    stopped_early: bool
    final_loss: float | None
    metrics: dict | None
    seconds: float
    log: Path
    plot: Path | None
    loss_mode: str


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _cpu_threads(cfg: TrainConfig, node: Node) -> int:
    """torch threads for a CPU run that leave a core to each DataLoader worker (0: leave torch alone).

    OpenMP threads spin-wait for each other: with more threads than free cores (workers decoding,
    other ranks, other jobs) a step can take ten times longer. OMP_NUM_THREADS, when set, wins.
    """
    if node.device.type != "cpu" or "OMP_NUM_THREADS" in os.environ:
        return 0
    local_world = int(os.environ.get("LOCAL_WORLD_SIZE", "1"))
    return max(1, (os.cpu_count() or 1) // local_world - cfg.num_workers)


def _optimizer(model: torch.nn.Module, cfg: TrainConfig) -> torch.optim.AdamW:
    """AdamW without weight decay on 1-D parameters (gains, biases, the logit scale), as open_clip."""
    decay = [p for p in model.parameters() if p.ndim >= 2]
    no_decay = [p for p in model.parameters() if p.ndim < 2]
    groups = [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=cfg.lr, betas=(0.9, 0.98), eps=1e-6)


def _broadcast(node: Node, value):
    """`value` from rank 0 on every rank (pickled; used for the tokenizer and the text statistics)."""
    if not node.distributed:
        return value
    box = [value]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def _tokenizer_and_loss(cfg: TrainConfig, node: Node) -> tuple[CaptionTokenizer, str, int]:
    """Train the tokenizer on the training captions (rank 0), resolve loss='auto', and count the
    most texts any training clip has (max_texts=None uses it, so no positive is ever dropped)."""
    payload = None
    if node.is_main:
        texts, most = scan_texts(cfg.train_shards, cfg.train_split)
        tokenizer = CaptionTokenizer.train(texts, cfg.tokenizer, cfg.vocab_size, cfg.model.context_length)
        mode = cfg.loss if cfg.loss != "auto" else ("milnce" if most > 1 else "infonce")
        log.info("tokenizer: %d entries from %d texts; loss %s", tokenizer.vocab_size, len(texts), mode)
        if cfg.max_texts is not None and most > cfg.max_texts and mode == "milnce":
            log.warning("max_texts=%d drops positives: some clips have %d texts", cfg.max_texts, most)
        payload = (tokenizer.to_dict(), mode, most)
    state, mode, most = _broadcast(node, payload)
    return CaptionTokenizer.from_dict(state), mode, most


def _check_resume(cfg: TrainConfig, saved: dict) -> None:
    given, before = cfg.to_dict(), saved.get("config", {})
    changed = sorted(k for k in given if k not in RESUMABLE_CHANGES and k in before and given[k] != before[k])
    if changed:
        log.warning("resuming with changed settings %s: the run will not continue bit for bit", changed)


def train_reference(config: TrainConfig, progress: Progress | None = None) -> TrainResult:
    """Train the reference dual encoder as `config` says; under `torchrun`, one call per rank.

    `progress(step, total_steps, info)` is called on rank 0 after every step. Returns on every
    rank; only rank 0 writes files. SIGINT/SIGTERM stop after the current step with a checkpoint
    (`TrainResult.stopped_early`); `config.resume` ("latest" or a path) continues such a run.
    """
    check_inputs(config)
    if config.num_workers is None:
        local = int(os.environ.get("LOCAL_WORLD_SIZE", "1"))
        config = dataclasses.replace(config, num_workers=default_workers(processes=local))
    owns_group = not (dist.is_available() and dist.is_initialized())
    threads = torch.get_num_threads()
    node = init_node(config.device)
    try:
        return _train(config, node, progress)
    finally:
        torch.set_num_threads(threads)
        if owns_group:
            shutdown(node)


def check_inputs(cfg: TrainConfig) -> None:
    """Refuse, before anything is written, shards or splits that are not there, an output that cannot
    be written, and a run folder that holds another run (unless resuming it)."""
    resolve_shards(cfg.train_shards, cfg.train_split)
    if cfg.val_shards:
        resolve_shards(cfg.val_shards, cfg.val_split)
    out = Path(cfg.out_dir)
    if not cfg.resume and any((out / name).exists() for name in (RUN_CONFIG, RUN_LOG, CHECKPOINTS_DIR)):
        raise ValueError(
            f"{out}: holds a training run already; pass --resume to continue it, or choose another "
            "--output (or delete the folder) to start a new one"
        )
    check_writable(out)


def _train(cfg: TrainConfig, node: Node, progress: Progress | None) -> TrainResult:
    started = time.perf_counter()
    out = Path(cfg.out_dir)
    ckpt_path = out / CHECKPOINTS_DIR / LATEST_CHECKPOINT
    saved = None
    if cfg.resume:
        saved = load_checkpoint(ckpt_path if cfg.resume == "latest" else cfg.resume)
        if cfg.max_texts is None:  # resolved when the run began
            cfg = dataclasses.replace(cfg, max_texts=(saved.get("config") or {}).get("max_texts"))
        _check_resume(cfg, saved)
        log.info("resuming %s at step %d", saved["path"], saved["step"])
    threads = cfg.threads or _cpu_threads(cfg, node)
    if threads:
        torch.set_num_threads(threads)
    _seed_everything(cfg.seed)

    if saved is None:
        tokenizer, loss_mode, most = _tokenizer_and_loss(cfg, node)
        if cfg.max_texts is None:
            cfg = dataclasses.replace(cfg, max_texts=most)
        model_cfg = dataclasses.replace(cfg.model, vocab_size=tokenizer.vocab_size)
    else:
        tokenizer, loss_mode = CaptionTokenizer.from_dict(saved["tokenizer"]), saved["loss_mode"]
        model_cfg = ModelConfig(**saved["model_config"])
    model = DualEncoder(model_cfg).to(node.device)
    optimizer = _optimizer(model, cfg)
    amp_dtype, scaler = amp_settings(cfg.precision, node.device)
    start_step, cursor = 0, DataCursor()
    if saved is not None:
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        if scaler is not None and saved.get("scaler"):
            scaler.load_state_dict(saved["scaler"])
        start_step, cursor = int(saved["step"]), DataCursor(**saved["cursor"])
        set_rng_state(saved["rng"])
    ddp_model = model
    if node.distributed:
        device_ids = [node.device.index] if node.device.type == "cuda" else None
        ddp_model = DistributedDataParallel(model, device_ids=device_ids)

    run_log = None
    if node.is_main:
        out.mkdir(parents=True, exist_ok=True)
        (out / RUN_CONFIG).write_text(json.dumps(cfg.to_dict(), indent=2) + "\n")
        run_log = JsonlLog(out / RUN_LOG, resume_step=start_step if saved is not None else None)
    stream = BatchStream(lambda frames: train_loader(cfg, frames, node), cursor)

    def save(step: int) -> None:
        state = training_state(
            model=model,
            optimizer=optimizer,
            scaler=scaler,
            config=cfg.to_dict(),
            tokenizer=tokenizer.to_dict(),
            step=step,
            cursor=stream.cursor,
            loss_mode=loss_mode,
        )
        save_checkpoint(ckpt_path, state)

    def run_eval(step: int) -> dict:
        metrics = evaluate_model(
            model,
            tokenizer,
            cfg.val_shards,
            cfg.val_split,
            cfg.num_frames,
            node.device,
            cfg.eval_batch_size,
            cfg.num_workers,
            cfg.contrast_words,
        )
        run_log.write({"step": step, "eval": metrics, "time": time.time()})
        return metrics

    has_val = bool(cfg.val_shards) and node.is_main
    trainer = Trainer(
        cfg,
        node,
        model,
        ddp_model,
        optimizer,
        scaler,
        amp_dtype,
        tokenizer,
        loss_mode,
        stream,
        save,
        evaluate=run_eval if has_val else None,
        log=run_log,
        progress=progress,
    )
    steps, stopped, last_loss = trainer.fit(start_step)
    if node.is_main and not ckpt_path.exists():
        save(steps)  # resumed at or past the end: still leave a checkpoint behind
    metrics = None
    if has_val and not stopped:
        metrics = run_eval(steps)
        tmp = temporary(out / RUN_METRICS)
        tmp.write_text(json.dumps(metrics, indent=2) + "\n")
        os.replace(tmp, out / RUN_METRICS)
    plot = plot_run(out / RUN_LOG, out / RUN_CURVES) if node.is_main and cfg.plot else None
    barrier(node)
    return TrainResult(
        out_dir=out,
        checkpoint=ckpt_path,
        steps=steps,
        stopped_early=stopped,
        final_loss=last_loss,
        metrics=metrics,
        seconds=time.perf_counter() - started,
        log=out / RUN_LOG,
        plot=plot,
        loss_mode=loss_mode,
    )
