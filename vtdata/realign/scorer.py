"""The model side of realign: a trained dual encoder's two towers, loaded once per process.

Windows are embedded exactly as `vtdata evaluate` embeds held-out clips: uint8 frames centre-
cropped to the model's image size, normalised on the device, `num_frames` per window.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from vtdata.loader.device import normalize
from vtdata.train.checkpoint import load_checkpoint
from vtdata.train.distributed import pick_device
from vtdata.train.model import DualEncoder
from vtdata.train.params import ModelConfig
from vtdata.train.tokenizer import CaptionTokenizer


def checkpoint_digest(path: str | Path) -> str:
    """sha1 of the checkpoint file: a realign result is valid only for the model that made it."""
    h = hashlib.sha1()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class Scorer:
    """`texts(captions)` and `windows(frames, picks)` as L2-normalised embeddings (float32, CPU)."""

    def __init__(self, checkpoint: str | Path, device: str = "cpu", num_frames: int | None = None) -> None:
        state = load_checkpoint(checkpoint)
        self.path = Path(state["path"])
        self.model = DualEncoder(ModelConfig(**state["model_config"]))
        self.model.load_state_dict(state["model"])
        self.device = pick_device(device, 0)
        self.model.to(self.device).eval()
        self.tokenizer = CaptionTokenizer.from_dict(state["tokenizer"])
        self.num_frames = num_frames or int(state.get("config", {}).get("num_frames", 4))
        self.image_size = self.model.config.image_size
        self.step = int(state.get("step", 0))

    @torch.no_grad()
    def texts(self, captions: Sequence[str], batch_size: int = 512) -> np.ndarray:
        out = [
            self.model.encode_text(self.tokenizer(list(captions[i : i + batch_size])).to(self.device))
            for i in range(0, len(captions), batch_size)
        ]
        return torch.cat(out).float().cpu().numpy()

    @torch.no_grad()
    def windows(self, frames: np.ndarray, picks: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """frames uint8 [F,H,W,3] (already `image_size` square), picks int [W,num_frames] -> [W,E]."""
        video = torch.from_numpy(frames).permute(0, 3, 1, 2)
        out = []
        for i in range(0, len(picks), batch_size):
            chunk = video[torch.from_numpy(picks[i : i + batch_size])].to(self.device)
            out.append(self.model.encode_video(normalize(chunk)).float().cpu())
        return torch.cat(out).numpy()
