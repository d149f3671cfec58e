"""The reference trainer: a small video-text dual encoder that shows the shards are learnable.

Laid out like open_clip's `src/training/`: `main.py` (set-up and the run), `train.py` (the loop:
one optimiser step per batch), `params.py` (config), `model.py`, `tokenizer.py`, `loss.py`,
`schedule.py`, `data.py` (the vtdata loader, resumable), `metrics.py` and `retrieval.py`
(retrieval), `checkpoint.py`.

    from vtdata.train import TrainConfig, train_reference, evaluate
    result = train_reference(TrainConfig(train_shards="shards/", val_shards="shards/", out_dir="runs/a"))
    print(evaluate(result.checkpoint, "shards/", split="val")["metrics"]["t2v_R@1"])
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "evaluate": "vtdata.train.retrieval",
    "DualEncoder": "vtdata.train.model",
    "EvalConfig": "vtdata.train.params",
    "ModelConfig": "vtdata.train.params",
    "TrainConfig": "vtdata.train.params",
    "TrainResult": "vtdata.train.main",
    "train_reference": "vtdata.train.main",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    # imported on first use: `vtdata.train.params` (for `--help`) must not load torch
    if name not in _EXPORTS:
        raise AttributeError(f"module 'vtdata.train' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
