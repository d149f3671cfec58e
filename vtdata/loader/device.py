"""The device step: ship uint8, normalise on the device (as ClipBERT's and timm's prefetchers do).

uint8 is a quarter of float32 over PCIe and the normalisation is nearly free on a GPU, so the
workers never build float frames. `CUDAPrefetcher` copies batch i+1 on a side stream while the
model computes on batch i; on a CPU it simply normalises each batch in turn.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import torch

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _stats(values: Sequence[float], device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    return torch.tensor([v * 255.0 for v in values], device=device, dtype=dtype).view(1, 1, 3, 1, 1)


def normalize(
    video: torch.Tensor,
    mean: Sequence[float] = IMAGENET_MEAN,
    std: Sequence[float] = IMAGENET_STD,
    dtype: torch.dtype = torch.float32,
    channels_last: bool = False,
) -> torch.Tensor:
    """uint8 [B,T,3,H,W] -> `dtype` ((x / 255 - mean) / std), on the tensor's device.

    `channels_last=True` keeps channels innermost in memory, so `video.flatten(0, 1)` is a
    channels-last [B*T,3,H,W] batch for a frame encoder; otherwise the result is contiguous.
    """
    if channels_last:  # lay the (cheap, uint8) input out as [B,T,H,W,C] before widening it
        video = video.permute(0, 1, 3, 4, 2).contiguous().permute(0, 1, 4, 2, 3)
    else:
        video = video.contiguous()
    out = video.to(dtype)
    return out.sub_(_stats(mean, out.device, dtype)).div_(_stats(std, out.device, dtype))


def to_device(
    batch: dict,
    device: torch.device | str,
    mean: Sequence[float] = IMAGENET_MEAN,
    std: Sequence[float] = IMAGENET_STD,
    dtype: torch.dtype = torch.float32,
    channels_last: bool = False,
) -> dict:
    """Move a batch's tensors to `device` (non-blocking from pinned memory) and normalise its video.

    Non-tensor fields (text, meta) are passed through untouched. The uint8 video crosses as
    uint8 and becomes `dtype` on the device.
    """
    device = torch.device(device)
    out = {}
    for name, value in batch.items():
        if isinstance(value, torch.Tensor):
            value = value.to(device, non_blocking=True)
        out[name] = value
    out["video"] = normalize(out["video"], mean, std, dtype, channels_last)
    return out


class CUDAPrefetcher:
    """Iterate `loader`, yielding batches already on `device` and normalised.

    On CUDA the copy and normalisation of the next batch run on a side stream while the caller
    works on the current one; the caller's stream waits for them before each batch is handed
    out. On other devices it is `to_device` applied batch by batch.
    """

    def __init__(
        self,
        loader: Iterable[dict],
        device: torch.device | str = "cuda",
        mean: Sequence[float] = IMAGENET_MEAN,
        std: Sequence[float] = IMAGENET_STD,
        dtype: torch.dtype = torch.float32,
        channels_last: bool = False,
    ) -> None:
        self.loader = loader
        self.device = torch.device(device)
        self.kwargs = {"mean": mean, "std": std, "dtype": dtype, "channels_last": channels_last}

    def __len__(self) -> int:
        return len(self.loader)

    def set_epoch(self, epoch: int) -> None:
        self.loader.set_epoch(epoch)

    def __iter__(self) -> Iterator[dict]:
        if self.device.type != "cuda":
            for batch in self.loader:
                yield to_device(batch, self.device, **self.kwargs)
            return
        stream = torch.cuda.Stream(device=self.device)
        pending = None
        for batch in self.loader:
            with torch.cuda.stream(stream):
                ready = to_device(batch, self.device, **self.kwargs)
            if pending is not None:
                yield pending
            torch.cuda.current_stream(self.device).wait_stream(stream)
            for value in ready.values():
                if isinstance(value, torch.Tensor):
                    value.record_stream(torch.cuda.current_stream(self.device))
            pending = ready
        if pending is not None:
            yield pending
