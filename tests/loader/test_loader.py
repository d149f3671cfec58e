"""make_loader: DDP splitting (simulated ranks), epochs, epoch length, batch layout."""

from __future__ import annotations

import collections
import math

import pytest
import torch

from vtdata.loader import VideoTextDataset, make_loader

WORLD, WORKERS = 2, 2


def _epoch_keys(loaders):
    """Keys the simulated ranks deliver in one epoch, and each rank's batch count."""
    keys, batches = [], []
    for loader in loaders:
        n = 0
        for batch in loader:
            keys += batch["key"]
            n += 1
        batches.append(n)
    return keys, batches


@pytest.mark.slow
def test_every_sample_once_per_epoch_with_2_ranks_x_2_workers(shard_sets):
    loaders = [
        make_loader(
            VideoTextDataset(shard_sets.frames, split="train", num_frames=2, size=16, seed=7),
            batch_size=3,
            num_workers=WORKERS,
            rank=rank,
            world_size=WORLD,
        )
        for rank in range(WORLD)
    ]
    orders = []
    for epoch in range(2):
        for loader in loaders:
            loader.set_epoch(epoch)
        keys, _ = _epoch_keys(loaders)  # 5 uneven shards over 4 (rank, worker) readers
        assert sorted(keys) == sorted(shard_sets.train_videos)  # none twice, none dropped
        orders.append(keys)
    assert orders[0] != orders[1]  # shard and buffer order change with the epoch


@pytest.mark.slow
def test_resampled_epoch_has_the_documented_count(shard_sets):
    epoch_length, batch_size = 20, 3
    loaders = [
        make_loader(
            VideoTextDataset(
                shard_sets.frames,
                split="train",
                num_frames=2,
                size=16,
                resampled=True,
                epoch_length=epoch_length,
            ),
            batch_size=batch_size,
            num_workers=WORKERS,
            rank=rank,
            world_size=WORLD,
        )
        for rank in range(WORLD)
    ]
    per_rank = math.ceil(epoch_length / (batch_size * WORLD))
    assert [len(loader) for loader in loaders] == [per_rank] * WORLD
    for _ in range(2):
        keys, batches = _epoch_keys(loaders)
        assert batches == [per_rank] * WORLD  # lock-step: every rank the same number of full batches
        assert len(keys) == per_rank * batch_size * WORLD
        assert set(keys) <= shard_sets.train_videos


def test_epoch_length_over_finite_data_restarts_in_lock_step(shard_sets):
    loaders = [
        make_loader(
            VideoTextDataset(shard_sets.frames, split="train", num_frames=2, size=16),
            batch_size=4,
            num_workers=0,
            rank=rank,
            world_size=WORLD,
            epoch_length=48,
        )
        for rank in range(WORLD)
    ]
    keys, batches = _epoch_keys(loaders)
    assert batches == [6, 6]
    assert set(collections.Counter(keys)) == shard_sets.train_videos  # the data restarted, not truncated


def test_batch_layout_with_images_mixed_into_videos(shard_sets):
    sets = [shard_sets.frames, shard_sets.images]
    dataset = VideoTextDataset(sets, weights=[1, 1], split="train", num_frames=4, size=(24, 32))
    batches = list(make_loader(dataset, batch_size=8, num_workers=0))
    assert sum(len(b["key"]) for b in batches) == 27
    mixed = next(b for b in batches if 0 < sum(m["media"] == "image" for m in b["meta"]) < len(b["meta"]))
    video, mask = mixed["video"], mixed["frame_mask"]
    assert video.dtype == torch.uint8 and video.shape == (8, 4, 3, 24, 32)
    assert mask.dtype == torch.bool and mask.shape == (8, 4)
    for i, meta in enumerate(mixed["meta"]):
        real = 1 if meta["media"] == "image" else 4
        assert mask[i].tolist() == [True] * real + [False] * (4 - real)
        assert video[i, real:].sum() == 0 and video[i, :real].float().mean() > 0
    assert isinstance(mixed["text"], list) and isinstance(mixed["texts"][0], list)


def test_iterating_again_starts_the_next_epoch(shard_sets):
    dataset = VideoTextDataset(shard_sets.frames, split="train", num_frames=2, size=16)
    loader = make_loader(dataset, batch_size=5, num_workers=0)
    first = [k for b in loader for k in b["key"]]
    second = [k for b in loader for k in b["key"]]
    loader.set_epoch(0)
    replay = [k for b in loader for k in b["key"]]
    assert sorted(first) == sorted(second) and first != second and replay == first
    with pytest.raises(TypeError, match="epoch_length"):
        len(loader)


def test_resampled_without_epoch_length_is_refused(shard_sets):
    with pytest.raises(ValueError, match="epoch_length"):
        make_loader(
            VideoTextDataset(shard_sets.frames, split="train", resampled=True), batch_size=2, num_workers=0
        )


@pytest.mark.slow
def test_spawned_workers_share_epoch_and_counters(shard_sets, tmp_path):
    cut = tmp_path / "cut.tar"  # a broken shard next to a good one: the worker's count reaches us
    cut.write_bytes((shard_sets.frames / "val-000000.tar").read_bytes()[:1500])
    dataset = VideoTextDataset([str(shard_sets.frames / "val-000001.tar"), str(cut)], num_frames=2, size=16)
    loader = make_loader(dataset, batch_size=2, num_workers=2, multiprocessing_context="spawn")
    orders = []
    for epoch in range(2):
        loader.set_epoch(epoch)
        orders.append([k for b in loader for k in b["key"]])
    assert sorted(orders[0]) == sorted(orders[1]) and len(orders[0]) == len(set(orders[0])) > 1
    assert orders[0] != orders[1]
    assert loader.skipped == {"samples": 0, "shards": 2}  # once per epoch


def test_too_few_shards_for_ranks_x_workers_warns(shard_sets, caplog):
    dataset = VideoTextDataset(shard_sets.frames, split="val", num_frames=2, size=16)
    with caplog.at_level("WARNING", logger="vtdata.loader"):
        make_loader(dataset, batch_size=2, num_workers=2, rank=0, world_size=2, epoch_length=8)
    assert "2 shard(s) for 2 rank(s) x 2 worker(s)" in caplog.text


def test_garbage_is_collected_in_the_parent_before_workers_fork(shard_sets):
    """A decord reader in a reference cycle must not be freed in a forked worker (no threads there)."""
    import gc
    import io
    import os
    import weakref

    import decord
    import webdataset as wds

    mp4 = next(iter(wds.WebDataset(str(shard_sets.clip / "train-000000.tar"), shardshuffle=False)))["mp4"]
    freed_in = []

    class Holder:
        pass

    gc.disable()  # only the loader may collect it
    try:
        holder = Holder()
        holder.reader, holder.me = decord.VideoReader(io.BytesIO(mp4), num_threads=2), holder
        weakref.finalize(holder, freed_in.append, os.getpid())
        del holder  # now only the cycle holds it
        loader = make_loader(
            VideoTextDataset(shard_sets.frames, split="train", num_frames=2, size=16),
            batch_size=4,
            num_workers=1,
            persistent_workers=False,
        )
        assert freed_in == []
        assert len([b for b in loader]) > 0
    finally:
        gc.enable()
    assert freed_in == [os.getpid()]
