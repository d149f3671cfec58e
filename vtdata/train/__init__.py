"""The reference trainer: a small video-text dual encoder that shows the shards are learnable.

Laid out like open_clip's `src/training/`: `params.py` (config), `model.py`, `tokenizer.py`,
`loss.py`, `schedule.py`, `data.py` (the vtdata loader, resumable), `loop.py` (the step),
`train.py` (set-up and the run), `metrics.py` and `evaluate.py` (retrieval), `checkpoint.py`.

    from vtdata.train import TrainConfig, train, evaluate
    result = train(TrainConfig(train_shards="shards/", val_shards="shards/", out_dir="runs/a"))
    print(evaluate(result.checkpoint, "shards/", split="val")["metrics"]["t2v_R@1"])
"""

from vtdata.train.evaluate import evaluate
from vtdata.train.model import DualEncoder, ModelConfig
from vtdata.train.params import TrainConfig
from vtdata.train.train import TrainResult, train

__all__ = ["DualEncoder", "ModelConfig", "TrainConfig", "TrainResult", "evaluate", "train"]
