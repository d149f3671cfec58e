"""Held-out retrieval: embed every clip of a shard set once and score text<->video (metrics.py).

`contrast_words` adds a minimal-pair test: for each clip whose caption holds exactly one of the
words (e.g. left/right/up/down), the model ranks the caption against its copies with that word
swapped for each other word; accuracy is how often the true caption wins (chance = 1/len(words)).
A model that sees one frame cannot know which way a shape moves; one that sees several can.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from vtdata.config.workers import default_workers
from vtdata.loader import to_device
from vtdata.records.folders import check_writable
from vtdata.train.checkpoint import load_checkpoint
from vtdata.train.data import eval_loader
from vtdata.train.distributed import pick_device
from vtdata.train.metrics import choice_accuracy, retrieval_metrics
from vtdata.train.model import DualEncoder
from vtdata.train.params import EvalConfig, ModelConfig
from vtdata.train.tokenizer import CaptionTokenizer

Progress = Callable[[int, int | None, dict], None]


@dataclass
class Embedded:
    """Held-out clips in loader order: video and caption embeddings [N,E], captions and clip keys."""

    video: torch.Tensor
    text: torch.Tensor
    captions: list[str]
    keys: list[str]


@torch.no_grad()
def embed_clips(
    model: DualEncoder,
    tokenizer: CaptionTokenizer,
    loader,
    device: torch.device,
    total: int | None = None,
    progress: Progress | None = None,
) -> Embedded:
    was_training = model.training
    model.eval()
    videos, texts, captions, keys = [], [], [], []
    for raw in loader:
        batch = to_device(raw, device)
        videos.append(model.encode_video(batch["video"], batch["frame_mask"]).float().cpu())
        texts.append(model.encode_text(tokenizer(raw["text"]).to(device)).float().cpu())
        captions.extend(raw["text"])
        keys.extend(raw["key"])
        if progress is not None:
            progress(len(captions), total, {})
    model.train(was_training)
    if not captions:
        raise ValueError("the held-out shards gave no clip; check the path and --split")
    return Embedded(torch.cat(videos), torch.cat(texts), captions, keys)


def _swap_variants(caption: str, words: Sequence[str]) -> tuple[list[str], int] | None:
    """The caption with its one contrast word replaced by each word, and the index of the true one."""
    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)
    found = pattern.findall(caption)
    if len(found) != 1:
        return None
    true = [w.lower() for w in words].index(found[0].lower())
    return [pattern.sub(lambda _, w=w: w, caption) for w in words], true


@torch.no_grad()
def contrast_accuracy(
    model: DualEncoder,
    tokenizer: CaptionTokenizer,
    embedded: Embedded,
    words: Sequence[str],
    device: torch.device,
) -> dict[str, float]:
    """Minimal-pair accuracy (percent) over the clips whose caption holds exactly one of `words`."""
    rows, variants, targets = [], [], []
    for i, caption in enumerate(embedded.captions):
        swapped = _swap_variants(caption, words)
        if swapped is not None:
            rows.append(i)
            variants.extend(swapped[0])
            targets.append(swapped[1])
    if not rows:
        return {"contrast_clips": 0.0}
    was_training = model.training
    model.eval()
    text = torch.cat(
        [
            model.encode_text(tokenizer(variants[i : i + 512]).to(device)).float().cpu()
            for i in range(0, len(variants), 512)
        ]
    ).view(len(rows), len(words), -1)
    model.train(was_training)
    scores = torch.einsum("ne,nke->nk", embedded.video[rows], text)
    return {
        "contrast_acc": choice_accuracy(scores, torch.tensor(targets)),
        "contrast_chance": 100.0 / len(words),
        "contrast_clips": float(len(rows)),
    }


def evaluate_model(
    model: DualEncoder,
    tokenizer: CaptionTokenizer,
    shards: str | Sequence[str],
    split: str | None,
    num_frames: int,
    device: torch.device,
    batch_size: int = 64,
    num_workers: int = 2,
    contrast_words: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> dict[str, float]:
    """Retrieval metrics of `model` on every clip of `shards` (see metrics.py for the definitions)."""
    loader = eval_loader(shards, split, num_frames, model.config.image_size, batch_size, num_workers)
    embedded = embed_clips(model, tokenizer, loader, device, loader.dataset.num_samples, progress)
    out = retrieval_metrics(embedded.video, embedded.text, embedded.captions)
    if contrast_words:
        out |= contrast_accuracy(model, tokenizer, embedded, contrast_words, device)
    return out


def evaluate(
    checkpoint: str | os.PathLike,
    shards: str | Sequence[str],
    split: str | None = "val",
    *,
    progress: Progress | None = None,
    **options,
) -> dict:
    """Load a checkpoint (file or run directory) and score it on held-out shards; `options` are
    the other fields of `EvalConfig`. See `run_evaluation`."""
    shards = shards if isinstance(shards, str) else list(shards)
    return run_evaluation(EvalConfig(str(checkpoint), shards, split, **options), progress)


def run_evaluation(config: EvalConfig, progress: Progress | None = None) -> dict:
    """Score `config.checkpoint` on `config.shards`.

    Returns (and, with `output`, writes as JSON) `{"checkpoint", "shards", "split", "step",
    "num_frames", "metrics": {...}, "seconds"}`.
    """
    started = time.perf_counter()
    if config.output is not None:
        check_writable(Path(config.output).parent)
    state = load_checkpoint(config.checkpoint)
    model = DualEncoder(ModelConfig(**state["model_config"]))
    model.load_state_dict(state["model"])
    tokenizer = CaptionTokenizer.from_dict(state["tokenizer"])
    frames = config.num_frames or int(state.get("config", {}).get("num_frames", 1))
    torch_device = pick_device(config.device, 0)
    model.to(torch_device)
    metrics = evaluate_model(
        model,
        tokenizer,
        config.shards,
        config.split,
        frames,
        torch_device,
        batch_size=config.batch_size,
        num_workers=default_workers() if config.num_workers is None else config.num_workers,
        contrast_words=config.contrast_words,
        progress=progress,
    )
    result = {
        "checkpoint": state["path"],
        "shards": config.shards,
        "split": config.split,
        "step": int(state.get("step", 0)),
        "num_frames": frames,
        "metrics": metrics,
        "seconds": round(time.perf_counter() - started, 3),
    }
    if config.output is not None:
        path = Path(config.output)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(result, indent=2) + "\n")
        os.replace(tmp, path)
    return result
