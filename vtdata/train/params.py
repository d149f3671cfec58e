"""`TrainConfig`: every knob of the reference trainer in one typed record, saved in each checkpoint."""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field
from typing import Literal

from vtdata.train.model import ModelConfig


@dataclass
class TrainConfig:
    """What to train on, how long, and how; the defaults train a small model on a CPU in minutes.

    Shard sets are anything `vtdata.loader.VideoTextDataset` accepts (a directory with
    index.parquet, a brace pattern, a list of tars); `train_split`/`val_split` pick a split of a
    directory. `steps` counts optimiser steps over all ranks together (each step sees
    `batch_size` clips per rank). The curriculum trains `curriculum_frames` frames per clip for
    the first `curriculum_steps` steps, then `num_frames` (Frozen's images-first schedule).
    `threads` > 0 sets torch's intra-op threads per process; 0 (auto) on a CPU leaves a core to
    each DataLoader worker (OpenMP threads stall each other on an oversubscribed CPU).
    """

    train_shards: str | list[str] = ""
    out_dir: str = "runs/reference"
    train_split: str | None = "train"
    val_shards: str | list[str] | None = None
    val_split: str | None = "val"
    model: ModelConfig = field(default_factory=ModelConfig)
    num_frames: int = 4
    sampling: str = "rand"
    curriculum_frames: int = 1
    curriculum_steps: int = 0
    batch_size: int = 64
    steps: int = 300
    lr: float = 1e-3
    min_lr: float = 1e-5
    warmup_steps: int = 30
    weight_decay: float = 0.05
    grad_clip: float = 1.0
    loss: Literal["auto", "infonce", "milnce"] = "auto"
    max_texts: int = 4
    tokenizer: Literal["word", "bpe"] = "word"
    vocab_size: int = 8000
    precision: Literal["auto", "fp32", "bf16", "fp16"] = "auto"
    device: str = "auto"
    num_workers: int = 2
    threads: int = 0
    seed: int = 0
    log_every: int = 10
    checkpoint_every: int = 100
    eval_every: int = 0
    eval_batch_size: int = 64
    contrast_words: list[str] | None = None
    resume: str | None = None
    plot: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.model, dict):
            self.model = ModelConfig(**self.model)
        problems = []
        if self.steps < 1 or self.batch_size < 1:
            problems.append(f"steps ({self.steps}) and batch_size ({self.batch_size}) must be >= 1")
        if not 1 <= self.num_frames <= self.model.max_frames:
            problems.append(
                f"num_frames {self.num_frames} must be in [1, model.max_frames={self.model.max_frames}]"
            )
        if self.curriculum_steps and not 1 <= self.curriculum_frames <= self.model.max_frames:
            problems.append(
                f"curriculum_frames {self.curriculum_frames} must be in [1, {self.model.max_frames}]"
            )
        if self.warmup_steps < 0 or self.lr <= 0 or self.min_lr < 0:
            problems.append("warmup_steps and min_lr must be >= 0 and lr > 0")
        if self.loss not in ("auto", "infonce", "milnce"):
            problems.append(f"loss must be auto, infonce or milnce, not {self.loss!r}")
        if self.precision not in ("auto", "fp32", "bf16", "fp16"):
            problems.append(f"precision must be auto, fp32, bf16 or fp16, not {self.precision!r}")
        if problems:
            raise ValueError("TrainConfig: " + "; ".join(problems))

    def frames_at(self, step: int) -> int:
        """Frames per clip for optimiser step `step` (0-based) under the curriculum."""
        return self.curriculum_frames if step < self.curriculum_steps else self.num_frames

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> TrainConfig:
        """Rebuild from `to_dict`, ignoring keys this version does not know (old checkpoints)."""
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})
