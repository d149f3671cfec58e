"""Every knob of the reference trainer in typed records: `TrainConfig` (saved in each checkpoint), the
model sizes `ModelConfig`, and `EvalConfig` for `vtdata evaluate`. Importing it does not import torch."""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from vtdata.config.overrides import load_mapping, set_dotted
from vtdata.config.typed import ConfigError, build


@dataclass
class ModelConfig:
    """Sizes of the dual encoder; saved in every checkpoint so `evaluate` can rebuild the model."""

    image_size: int = 64
    patch_size: int = 16
    width: int = 128
    depth: int = 2
    heads: int = 4
    temporal: Literal["mean", "transformer", "divided"] = "transformer"
    temporal_depth: int = 1
    tubelet: int = 2
    max_frames: int = 16
    vocab_size: int = 1000
    context_length: int = 32
    text_width: int = 128
    text_depth: int = 2
    text_heads: int = 4
    embed_dim: int = 128

    def __post_init__(self) -> None:
        if self.image_size % self.patch_size:
            raise ValueError(
                f"image_size {self.image_size} is not a multiple of patch_size {self.patch_size}"
            )
        if self.temporal not in ("mean", "transformer", "divided"):
            raise ValueError(f"temporal must be 'mean', 'transformer' or 'divided', not {self.temporal!r}")
        if self.tubelet < 1:
            raise ValueError(f"tubelet must be >= 1, got {self.tubelet}")
        if self.width % self.heads or self.text_width % self.text_heads:
            raise ValueError("width must be a multiple of heads (and text_width of text_heads)")

    def to_dict(self) -> dict:
        return asdict(self)


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
    max_texts: int | None = None  # MIL-NCE texts per clip; None: the most any training clip has
    tokenizer: Literal["word", "bpe"] = "word"
    vocab_size: int = 8000
    precision: Literal["auto", "fp32", "bf16", "fp16"] = "auto"
    device: str = "auto"
    num_workers: int | None = None  # None: one per CPU core, shared among the node's processes
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
        if self.max_texts is not None and self.max_texts < 1:
            problems.append(f"max_texts must be >= 1 or None, got {self.max_texts}")
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
    def load(cls, path: str | None = None, overrides: dict[str, Any] | None = None) -> TrainConfig:
        """A config from a YAML/JSON file of fields (model sizes under `model:`, or absent) with dotted
        `overrides` applied on top (`{"steps": 50, "model.width": 64}`); the rest keep their defaults.

        Raises `ConfigError` naming the file and the key of the first problem.
        """
        where = str(path) if path else "<options>"
        values = load_mapping(path, "training config") if path else {}
        for key, value in (overrides or {}).items():
            set_dotted(values, key, value, where)
        try:
            return build(cls, values, where=where)
        except ConfigError:
            raise
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{where}: {exc}") from None

    @classmethod
    def from_dict(cls, values: dict) -> TrainConfig:
        """Rebuild from `to_dict`, ignoring keys this version does not know (old checkpoints)."""
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


@dataclass
class EvalConfig:
    """What `vtdata evaluate` scores and how; every default of the command lives here.

    `checkpoint` is a .pt file or a train-reference run directory; `num_frames` None means what the
    model was trained with; `output` is a JSON file the results are written to.
    """

    checkpoint: str = ""
    shards: str | list[str] = ""
    split: str | None = "val"
    num_frames: int | None = None
    batch_size: int = 64
    num_workers: int | None = None  # None: one per CPU core
    device: str = "auto"
    contrast_words: list[str] | None = None
    output: str | None = None
