"""Learning rate as a pure function of the step: linear warm-up, then cosine decay to `min_lr`.

Being a function of the step alone (open_clip's `cosine_lr`), the schedule resumes exactly
from a checkpoint's step with no scheduler state to save.
"""

from __future__ import annotations

import math

import torch


def cosine_lr(step: int, base_lr: float, warmup_steps: int, total_steps: int, min_lr: float = 0.0) -> float:
    """Rate for optimiser step `step` (0-based): ramps over `warmup_steps`, then a half cosine."""
    if step < warmup_steps:
        return base_lr * (step + 1) / warmup_steps
    decay_steps = max(1, total_steps - warmup_steps)
    progress = min(1.0, (step - warmup_steps) / decay_steps)
    return min_lr + 0.5 * (base_lr - min_lr) * (1 + math.cos(math.pi * progress))


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr
