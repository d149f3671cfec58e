"""The training loop: one optimiser step per batch, logging, checkpoints, evaluation, clean stops.

`Trainer.fit` runs steps `start..cfg.steps-1`. Each step sets the learning rate from the step
number (schedule.py), runs forward/backward under autocast on CUDA, clips the gradient norm,
steps AdamW and clamps the logit scale. SIGINT/SIGTERM finish the current step, save a
checkpoint and return (a second Ctrl-C aborts); under DDP every rank stops at the same step.
"""

from __future__ import annotations

import contextlib
import logging
import math
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from vtdata.loader import to_device
from vtdata.train.data import BatchStream, text_batch
from vtdata.train.distributed import Node, any_rank
from vtdata.train.logs import JsonlLog
from vtdata.train.loss import info_nce, mil_nce
from vtdata.train.model import DualEncoder
from vtdata.train.params import TrainConfig
from vtdata.train.schedule import cosine_lr, set_lr
from vtdata.train.tokenizer import CaptionTokenizer

log = logging.getLogger("vtdata.train")

Progress = Callable[[int, int, dict], None]


def amp_settings(
    precision: str, device: torch.device
) -> tuple[torch.dtype | None, torch.amp.GradScaler | None]:
    """(autocast dtype or None, grad scaler or None). AMP is CUDA-only; a CPU run is fp32."""
    if device.type != "cuda" or precision == "fp32":
        if precision in ("bf16", "fp16"):
            log.warning("precision=%s needs CUDA; training in fp32 on %s", precision, device)
        return None, None
    if precision == "fp16" or (precision == "auto" and not torch.cuda.is_bf16_supported()):
        return torch.float16, torch.amp.GradScaler("cuda")
    return torch.bfloat16, None


@dataclass
class StopFlag:
    """Set by SIGINT/SIGTERM; the loop checks it between steps."""

    requested: bool = False
    _previous: dict = field(default_factory=dict)

    def _handle(self, signum, frame) -> None:
        if self.requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.requested = True
        log.warning("got signal %d: stopping after this step (Ctrl-C again to abort)", signum)

    def __enter__(self) -> StopFlag:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


@dataclass
class Trainer:
    cfg: TrainConfig
    node: Node
    model: DualEncoder
    ddp_model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    scaler: torch.amp.GradScaler | None
    amp_dtype: torch.dtype | None
    tokenizer: CaptionTokenizer
    loss_mode: str
    stream: BatchStream
    save: Callable[[int], None]
    evaluate: Callable[[int], None] | None = None
    log: JsonlLog | None = None
    progress: Progress | None = None

    def _autocast(self):
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.node.device.type, dtype=self.amp_dtype)

    def step(self, step: int, raw: dict) -> dict:
        """One optimiser step on `raw` (a loader batch); returns loss, lr, grad norm, logit scale."""
        lr = cosine_lr(step, self.cfg.lr, self.cfg.warmup_steps, self.cfg.steps, self.cfg.min_lr)
        set_lr(self.optimizer, lr)
        batch = to_device(raw, self.node.device)
        ids, text_mask = text_batch(raw, self.tokenizer, self.loss_mode, self.cfg.max_texts)
        ids = ids.to(self.node.device)
        with self._autocast():
            video, text, scale = self.ddp_model(batch["video"], ids, batch["frame_mask"])
            if text_mask is None:
                loss = info_nce(video, text, scale)
            else:
                texts = text.view(video.shape[0], self.cfg.max_texts, -1)
                loss = mil_nce(video, texts, text_mask.to(self.node.device), scale)
        self.optimizer.zero_grad(set_to_none=True)
        if self.scaler is not None:
            self.scaler.scale(loss).backward()
            self.scaler.unscale_(self.optimizer)
        else:
            loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.grad_clip)
        if self.scaler is not None:
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            self.optimizer.step()
        self.model.clamp_logit_scale()
        return {
            "loss": float(loss.detach()),
            "lr": lr,
            "grad_norm": float(grad_norm),
            "logit_scale": float(self.model.logit_scale.detach().exp()),
        }

    def fit(self, start_step: int) -> tuple[int, bool, float | None]:
        """Train from `start_step` to `cfg.steps`; returns (steps done, stopped early, last logged loss)."""
        cfg, step, last_loss = self.cfg, start_step, None
        window: list[float] = []
        clips, tick = 0, time.perf_counter()
        with StopFlag() as stop:
            while step < cfg.steps:
                frames = cfg.frames_at(step)
                raw = self.stream.next(frames)
                out = self.step(step, raw)
                if not math.isfinite(out["loss"]):
                    raise FloatingPointError(
                        f"loss is {out['loss']} at step {step}; lower --lr or check the data"
                    )
                step += 1
                window.append(out["loss"])
                clips += len(raw["text"])
                if self.progress is not None and self.node.is_main:
                    self.progress(step, cfg.steps, {"loss": out["loss"], "frames": frames})
                if step % cfg.log_every == 0 or step == cfg.steps or step == 1:
                    now = time.perf_counter()
                    last_loss = sum(window) / len(window)
                    record = {
                        "step": step,
                        "epoch": self.stream.cursor.epoch,
                        "frames": frames,
                        **out,
                        "loss_avg": last_loss,
                        "clips_per_s": clips * self.node.world_size / max(now - tick, 1e-9),
                        "time": time.time(),
                    }
                    if self.log is not None:
                        self.log.write(record)
                    log.info("step %d/%d loss %.4f lr %.2e", step, cfg.steps, last_loss, out["lr"])
                    window, clips, tick = [], 0, now
                stopping = any_rank(self.node, stop.requested)
                if self.node.is_main and (stopping or step % cfg.checkpoint_every == 0 or step == cfg.steps):
                    self.save(step)
                if (
                    self.evaluate is not None
                    and cfg.eval_every
                    and step % cfg.eval_every == 0
                    and step < cfg.steps
                ):
                    started = time.perf_counter()
                    self.evaluate(step)
                    tick += time.perf_counter() - started  # clips_per_s counts training time only
                if stopping:
                    return step, True, last_loss
        return step, False, last_loss
