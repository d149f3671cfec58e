"""Checkpoints: everything needed to continue a run bit for bit, written atomically.

A checkpoint holds the weights, the optimiser and grad-scaler state, the step, the data cursor
(epoch, batches consumed in it, frames per clip), every RNG state, the training and model
configs and the tokenizer, so `evaluate` needs nothing else and `--resume` lands exactly where
the run stopped. It is written to `.<name>.tmp` and renamed, so a kill never leaves half a file.
"""

from __future__ import annotations

import os
import random
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from vtdata.records.names import CHECKPOINTS_DIR, LATEST_CHECKPOINT

FORMAT_VERSION = 1


@dataclass
class DataCursor:
    """Where the data stream stands: epoch, batches of it already trained on, frames per clip."""

    epoch: int = 0
    batch: int = 0
    frames: int | None = None


def rng_state() -> dict:
    state = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(path: str | os.PathLike, state: dict) -> Path:
    """Write `state` (plus the format version) to `path` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    torch.save({"format_version": FORMAT_VERSION, **state}, tmp)
    os.replace(tmp, path)
    return path


def training_state(
    *,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scaler: torch.amp.GradScaler | None,
    config: dict,
    tokenizer: dict,
    step: int,
    cursor: DataCursor,
    loss_mode: str,
) -> dict:
    """The dict `save_checkpoint` writes during training (`model` unwrapped from DDP)."""
    return {
        "model": model.state_dict(),
        "model_config": model.config.to_dict(),
        "optimizer": optimizer.state_dict(),
        "scaler": scaler.state_dict() if scaler is not None else None,
        "config": config,
        "tokenizer": tokenizer,
        "step": step,
        "cursor": asdict(cursor),
        "loss_mode": loss_mode,
        "rng": rng_state(),
    }


def resolve_checkpoint(path: str | os.PathLike) -> Path:
    """A checkpoint file, or a run directory (its checkpoints/latest.pt), or an error saying what is there."""
    path = Path(path)
    if path.is_dir():
        for candidate in (path / CHECKPOINTS_DIR / LATEST_CHECKPOINT, path / LATEST_CHECKPOINT):
            if candidate.is_file():
                return candidate
        missing = f"{CHECKPOINTS_DIR}/{LATEST_CHECKPOINT}"
        raise FileNotFoundError(f"{path} is a directory without {missing}; pass the .pt file")
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    return path


def load_checkpoint(path: str | os.PathLike, map_location: str | torch.device = "cpu") -> dict:
    """Read a checkpoint (file or run directory); RNG states need full unpickling, so trust your files."""
    path = resolve_checkpoint(path)
    try:
        state = torch.load(path, map_location=map_location, weights_only=False)
    except Exception as exc:  # noqa: BLE001 - torch raises pickle, zip and runtime errors for bad files
        raise ValueError(f"{path}: not a vtdata checkpoint (cannot load it: {type(exc).__name__})") from None
    if not isinstance(state, dict) or "model" not in state or "model_config" not in state:
        raise ValueError(f"{path} is not a vtdata reference-trainer checkpoint (no model/model_config)")
    if state.get("format_version", 0) > FORMAT_VERSION:
        raise ValueError(f"{path} has format_version {state['format_version']}; upgrade vtdata to read it")
    state["path"] = str(path)
    return state
