"""to_device and the prefetcher on the CPU (the CUDA stream path needs a GPU)."""

from __future__ import annotations

import torch

from vtdata.loader.collate import collate
from vtdata.loader.device import CUDAPrefetcher, normalize, to_device


def _batch():
    video = torch.randint(0, 256, (2, 3, 3, 4, 5), dtype=torch.uint8)
    samples = [
        {"video": v, "text": str(i), "texts": [str(i)], "meta": {"key": str(i)}} for i, v in enumerate(video)
    ]
    return collate(samples), video


def test_to_device_normalises_like_the_float_formula():
    batch, video = _batch()
    mean, std = (0.1, 0.5, 0.9), (0.2, 0.3, 0.4)
    out = to_device(batch, "cpu", mean, std)
    expected = (video.float() / 255 - torch.tensor(mean).view(1, 1, 3, 1, 1)) / torch.tensor(std).view(
        1, 1, 3, 1, 1
    )
    assert out["video"].dtype == torch.float32 and out["video"].is_contiguous()
    torch.testing.assert_close(out["video"], expected, rtol=1e-5, atol=1e-5)
    assert out["frame_mask"].dtype == torch.bool and out["text"] == ["0", "1"]
    assert batch["video"].dtype == torch.uint8  # the input batch is left as it was


def test_half_precision_and_channels_last():
    batch, video = _batch()
    out = normalize(batch["video"], dtype=torch.bfloat16, channels_last=True)
    assert out.dtype == torch.bfloat16 and out.shape == video.shape
    assert out.flatten(0, 1).is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(out.float(), normalize(video).float(), rtol=2e-2, atol=2e-2)


def test_prefetcher_on_cpu_yields_normalised_batches():
    batches = [_batch()[0] for _ in range(3)]
    got = list(CUDAPrefetcher(batches, "cpu"))
    assert len(got) == 3
    for raw, out in zip(batches, got, strict=True):
        torch.testing.assert_close(out["video"], normalize(raw["video"]))
