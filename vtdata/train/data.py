"""The trainer's data: `vtdata.loader` used exactly as a user's training code would use it.

`BatchStream` turns epoch-based loaders into an endless, resumable stream of batches: the
loader's order is a pure function of (seed, epoch) (shard order, shuffle buffer, frame choice
and crops are all seeded by it), so resuming means `set_epoch(epoch)` and skipping the batches
that were already trained on. A change of frames per clip (the curriculum) starts a new epoch.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence

import torch

from vtdata.loader import VideoTextDataset, VideoTextLoader, make_loader, resolve_shards
from vtdata.loader.tars import TarSamples
from vtdata.train.checkpoint import DataCursor
from vtdata.train.distributed import Node
from vtdata.train.params import TrainConfig
from vtdata.train.tokenizer import CaptionTokenizer

log = logging.getLogger("vtdata.train")


def train_loader(cfg: TrainConfig, num_frames: int, node: Node) -> VideoTextLoader:
    """Training loader for `num_frames` frames per clip; under DDP every rank gets the same batch count."""
    dataset = VideoTextDataset(
        cfg.train_shards,
        num_frames=num_frames,
        sampling=cfg.sampling,
        size=cfg.model.image_size,
        train=True,
        seed=cfg.seed,
        split=cfg.train_split,
    )
    epoch_length = dataset.num_samples if node.distributed else None
    if node.distributed and epoch_length is None:
        raise ValueError(
            f"{cfg.train_shards}: DDP needs the number of training samples to keep ranks in step; "
            "pass a shard directory with index.parquet"
        )
    return make_loader(
        dataset,
        cfg.batch_size,
        cfg.num_workers,
        epoch_length=epoch_length,
        rank=node.rank,
        world_size=node.world_size,
    )


def eval_loader(
    shards: str | Sequence[str],
    split: str | None,
    num_frames: int,
    size: int,
    batch_size: int,
    num_workers: int,
) -> VideoTextLoader:
    """Every held-out clip once, `uniform` frames and a centre crop, in one process (no rank split)."""
    dataset = VideoTextDataset(
        shards, num_frames=num_frames, sampling="uniform", size=size, train=False, split=split, shuffle=False
    )
    return make_loader(dataset, batch_size, num_workers, rank=0, world_size=1, persistent_workers=False)


class BatchStream:
    """Endless batches for the training loop; `cursor` says where a checkpoint must resume."""

    def __init__(
        self, open_loader: Callable[[int], VideoTextLoader], cursor: DataCursor | None = None
    ) -> None:
        self.open_loader = open_loader
        self.cursor = cursor or DataCursor()
        self._loader: VideoTextLoader | None = None
        self._iter: Iterator[dict] | None = None

    def _start_epoch(self, num_frames: int) -> None:
        if self._loader is None or self.cursor.frames != num_frames:
            self._loader = self.open_loader(num_frames)
        self.cursor.frames = num_frames
        self._loader.set_epoch(self.cursor.epoch)
        self._iter = iter(self._loader)
        for skipped in range(self.cursor.batch):  # resume inside an epoch: replay its order
            if next(self._iter, None) is None:
                log.warning(
                    "epoch %d ended after %d batches while skipping %d",
                    self.cursor.epoch,
                    skipped,
                    self.cursor.batch,
                )
                break

    def next(self, num_frames: int) -> dict:
        """The next batch with `num_frames` frames per clip."""
        if self.cursor.frames is not None and self.cursor.frames != num_frames:
            self.cursor.epoch, self.cursor.batch = self.cursor.epoch + 1, 0
            self._iter = None
        if self._iter is None:
            self._start_epoch(num_frames)
        batch = next(self._iter, None)
        if batch is None:
            self.cursor.epoch, self.cursor.batch = self.cursor.epoch + 1, 0
            self._start_epoch(num_frames)
            batch = next(self._iter, None)
            if batch is None:
                raise RuntimeError("the training shards gave no batch in a whole epoch; are they empty?")
        self.cursor.batch += 1
        return batch


def scan_texts(shards: str | Sequence[str], split: str | None) -> tuple[list[str], int]:
    """All training captions (for the tokenizer) and the most texts any clip has (for MIL-NCE).

    Reads only the `txt`/`json` members' bytes; the frames are not decoded. An unreadable shard
    is skipped with a warning naming it, as the loader skips it later.
    """
    urls = list(resolve_shards(shards, split).urls)
    texts: list[str] = []
    most = 1

    def skip(url: str, exn: Exception) -> None:
        log.warning("captions: shard %s is unreadable (%s: %s); skipped", url, type(exn).__name__, exn)

    for sample in TarSamples(skip)({"url": url} for url in urls):
        meta = json.loads(sample["json"]) if "json" in sample else {}
        caption = sample["txt"].decode("utf-8") if "txt" in sample else (meta.get("texts") or [""])[0]
        extra = [t for t in meta.get("texts") or [] if t != caption]
        texts.append(caption)
        texts.extend(extra)
        most = max(most, 1 + len(extra))
    if not texts:
        raise ValueError(f"no captions in the training shards {shards!r} (split {split!r})")
    return texts, most


def text_batch(
    batch: dict, tokenizer: CaptionTokenizer, loss_mode: str, max_texts: int
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Token ids for a batch: [B,L] for InfoNCE; [B*K,L] plus a mask [B,K] for MIL-NCE (K = max_texts).

    For MIL-NCE the caption comes first, then the clip's other texts, padded with empty texts
    that the mask excludes; K is fixed so every rank gathers tensors of the same shape.
    """
    if loss_mode == "infonce":
        return tokenizer(batch["text"]), None
    rows, mask = [], torch.zeros(len(batch["text"]), max_texts, dtype=torch.bool)
    for i, (caption, texts) in enumerate(zip(batch["text"], batch["texts"], strict=True)):
        chosen = [caption, *[t for t in texts if t != caption]][:max_texts]
        mask[i, : len(chosen)] = True
        rows.extend(chosen + [""] * (max_texts - len(chosen)))
    return tokenizer(rows), mask
