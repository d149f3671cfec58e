"""collate: padding to the longest clip, the frame mask, the channels-last layout."""

from __future__ import annotations

import gc

import pytest
import torch

from vtdata.loader.collate import collate


def _sample(t, key, h=6, w=8):
    video = (
        torch.arange(t * 3 * h * w, dtype=torch.int64).remainder(251).add(1).to(torch.uint8).view(t, 3, h, w)
    )
    return {"video": video, "text": key, "texts": [key], "meta": {"key": key}, "tokens": torch.tensor([t, 1])}


def test_pads_short_clips_and_masks_them():
    samples = [_sample(4, "a"), _sample(1, "b"), _sample(3, "c")]
    batch = collate(samples)
    assert batch["video"].shape == (3, 4, 3, 6, 8) and batch["video"].dtype == torch.uint8
    assert batch["frame_mask"].tolist() == [[1, 1, 1, 1], [1, 0, 0, 0], [1, 1, 1, 0]]
    for i, s in enumerate(samples):
        t = s["video"].shape[0]
        assert torch.equal(batch["video"][i, :t], s["video"])
        assert batch["video"][i, t:].sum() == 0
    assert batch["key"] == ["a", "b", "c"] and batch["texts"] == [["a"], ["b"], ["c"]]
    assert torch.equal(batch["tokens"], torch.tensor([[4, 1], [1, 1], [3, 1]]))
    # channels innermost in memory, so flattening (B, T) gives a channels-last frame batch
    assert batch["video"].flatten(0, 1).is_contiguous(memory_format=torch.channels_last)


def test_frames_of_different_sizes_are_refused_with_the_keys():
    with pytest.raises(ValueError, match=r"\['a', 'b'\].*size="):
        collate([_sample(2, "a"), _sample(2, "b", h=5)])


def test_tokenizer_dicts_are_stacked_per_key():
    samples = [_sample(2, "a"), _sample(2, "b")]
    for i, s in enumerate(samples):
        s["tokens"] = {"input_ids": torch.tensor([i, 7]), "length": i}
    tokens = collate(samples)["tokens"]
    assert torch.equal(tokens["input_ids"], torch.tensor([[0, 7], [1, 7]])) and tokens["length"] == [0, 1]


class _Samples(torch.utils.data.IterableDataset):
    """Clips of 4, 1 and 3 frames, one of them a non-contiguous view (a crop of a bigger tensor)."""

    def __iter__(self):
        wide = _sample(3, "c", w=12)
        wide["video"] = wide["video"][..., 2:10]
        yield from [_sample(4, "a"), _sample(1, "b"), wide]


@pytest.mark.parametrize("strategy", ["file_descriptor", "file_system"])
def test_a_worker_batch_is_shared_and_equals_the_in_process_one(strategy):
    expected = collate(list(_Samples()))
    gc.collect()  # as make_loader's loader does before forking (earlier tests leave decord readers in cycles)
    before = torch.multiprocessing.get_sharing_strategy()
    torch.multiprocessing.set_sharing_strategy(strategy)
    try:
        loader = torch.utils.data.DataLoader(_Samples(), batch_size=3, num_workers=1, collate_fn=collate)
        (batch,) = list(loader)
    finally:
        torch.multiprocessing.set_sharing_strategy(before)
    assert batch["video"].is_shared() and torch.equal(batch["video"], expected["video"])
    assert batch["video"][1, 1:].sum() == 0
    assert batch["frame_mask"].tolist() == expected["frame_mask"].tolist()
    assert batch["video"].flatten(0, 1).is_contiguous(memory_format=torch.channels_last)
    batch["video"][0] = 5  # the main process owns a writable copy-free mapping
    assert batch["video"][0].float().mean() == 5
