"""Collate samples into `{"video": uint8 [B,T,3,H,W], "frame_mask": bool [B,T], ...}`.

Clips shorter than the longest in the batch (images are 1-frame clips) are zero-padded at the
end and `frame_mask` marks the real frames. The video tensor is laid out channels-last in memory
(a view of [B,T,H,W,3], which is how frames come out of the decoders): copying frames in is a
plain memcpy, and `to_device` makes it contiguous (or channels-last) on the device.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.utils.data


def _empty_uint8(shape: tuple[int, ...]) -> torch.Tensor:
    """Uninitialised; in a DataLoader worker in shared memory, so it reaches the main process uncopied."""
    if torch.utils.data.get_worker_info() is not None:
        storage = torch.UntypedStorage._new_shared(math.prod(shape))
        return torch.empty(0, dtype=torch.uint8).set_(storage, 0, shape)
    return torch.empty(shape, dtype=torch.uint8)


def _stack_or_list(values: list[Any]) -> Any:
    """Tensors of one shape are stacked (also per key of dicts, as tokenizers return); else a list."""
    if all(isinstance(v, dict) for v in values) and len({tuple(v) for v in values}) == 1:
        return {k: _stack_or_list([v[k] for v in values]) for k in values[0]}
    if all(isinstance(v, torch.Tensor) for v in values) and len({v.shape for v in values}) == 1:
        return torch.stack(values)
    return values


def collate(samples: list[dict]) -> dict:
    """Batch samples from `VideoTextDataset`; frames of different sizes are an error naming the keys."""
    sizes = {tuple(s["video"].shape[1:]) for s in samples}
    if len(sizes) != 1:
        keys = [s["meta"].get("key") for s in samples]
        raise ValueError(
            f"cannot batch frames of sizes {sorted(sizes)} (samples {keys}); give the dataset a size="
        )
    channels, height, width = sizes.pop()
    length = max(s["video"].shape[0] for s in samples)
    video = _empty_uint8((len(samples), length, height, width, channels)).permute(0, 1, 4, 2, 3)
    mask = torch.zeros((len(samples), length), dtype=torch.bool)
    for i, s in enumerate(samples):
        t = s["video"].shape[0]
        video[i, :t] = s["video"]
        video[i, t:] = 0
        mask[i, :t] = True
    batch = {
        "video": video,
        "frame_mask": mask,
        "text": [s["text"] for s in samples],
        "texts": [s["texts"] for s in samples],
        "meta": [s["meta"] for s in samples],
        "key": [s["meta"].get("key") for s in samples],
    }
    if "tokens" in samples[0]:
        batch["tokens"] = _stack_or_list([s["tokens"] for s in samples])
    return batch
