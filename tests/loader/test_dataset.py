"""VideoTextDataset in one process: sample format, frame choice per epoch and seed, both stores, mixing."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from vtdata.loader import VideoTextDataset
from vtdata.media.sampling import SamplingSpec


def _by_key(dataset, epoch=0):
    dataset.set_epoch(epoch)
    return {s["meta"]["key"]: s for s in dataset}


def _chosen(samples):
    return {k: s["meta"]["sampled_indices"] for k, s in samples.items()}


def _hwc(video):
    return video.permute(0, 2, 3, 1).numpy()


def test_frames_store_sample_format(shard_sets):
    samples = _by_key(VideoTextDataset(shard_sets.frames, split="train", num_frames=4, size=32))
    assert set(samples) == shard_sets.train_videos
    s = next(iter(samples.values()))
    assert s["video"].dtype == torch.uint8 and s["video"].shape == (4, 3, 32, 32)
    assert s["text"] == s["texts"][0] and s["texts"][1] == "other" and s["text"].startswith("a ")
    meta = s["meta"]
    assert meta["clip_id"] == meta["key"] and meta["store"] == "frames" and meta["split"] == "train"
    assert meta["url"].endswith(".tar") and meta["decoder"] == "jpeg" and meta["shard_set"] == 0
    assert meta["sampled_times"] == [meta["frame_times"][i] for i in meta["sampled_indices"]]


def test_delivered_frames_are_the_chosen_stored_frames(shard_sets, stored):
    dataset = VideoTextDataset(
        shard_sets.frames, split="train", num_frames=4, size=None, train=False, sampling="rand"
    )
    kept = list(
        itertools.islice(dataset, 5)
    )  # kept, not checked one by one: no sample may alias a reused buffer
    for s in kept:
        expected = stored(shard_sets.frames, s["meta"])[s["meta"]["sampled_indices"]]
        assert np.array_equal(_hwc(s["video"]), expected)


def test_rand_choices_differ_between_epochs_and_seeds_and_follow_frozen(shard_sets):
    dataset = VideoTextDataset(shard_sets.frames, split="train", num_frames=4, size=16, seed=0)
    epoch0, epoch1, again0 = (_by_key(dataset, e) for e in (0, 1, 0))
    other = _by_key(VideoTextDataset(shard_sets.frames, split="train", num_frames=4, size=16, seed=1))
    assert sum(_chosen(epoch0)[k] != _chosen(epoch1)[k] for k in epoch0) >= 15
    assert sum(_chosen(epoch0)[k] != _chosen(other)[k] for k in epoch0) >= 15
    assert _chosen(again0) == _chosen(epoch0)  # an epoch is reproducible
    for s in epoch0.values():  # Frozen: one frame inside each of 4 linspace segments of the n stored
        edges = np.linspace(0, s["meta"]["num_frames"], 5).astype(int)
        assert [int(np.searchsorted(edges, i, side="right")) - 1 for i in s["meta"]["sampled_indices"]] == [
            0,
            1,
            2,
            3,
        ]


def test_uniform_is_identical_across_runs_and_epochs(shard_sets):
    runs = []
    for seed, epoch in [(0, 0), (5, 3)]:
        dataset = VideoTextDataset(
            shard_sets.frames, split="train", num_frames=4, size=16, sampling="uniform", seed=seed
        )
        runs.append(_by_key(dataset, epoch))
    assert _chosen(runs[0]) == _chosen(runs[1])
    for s in runs[0].values():  # Frozen's segment midpoints
        edges = np.linspace(0, s["meta"]["num_frames"], 5).astype(int)
        assert s["meta"]["sampled_indices"] == [
            int((a + b - 1) // 2) for a, b in zip(edges[:-1], edges[1:], strict=True)
        ]


def test_eval_is_deterministic_and_centre_cropped(shard_sets):
    def run():
        return list(
            VideoTextDataset(shard_sets.frames, split="val", num_frames=2, size=(24, 40), train=False)
        )

    a, b = run(), run()
    assert [s["meta"]["key"] for s in a] == [s["meta"]["key"] for s in b] and len(a) == 6
    assert all(torch.equal(x["video"], y["video"]) for x, y in zip(a, b, strict=True))
    assert a[0]["video"].shape == (2, 3, 24, 40)


def test_clip_store_decodes_the_chosen_frames_anew_each_epoch(shard_sets, stored):
    dataset = VideoTextDataset(
        shard_sets.clip, split="train", num_frames=8, size=None, train=False, sampling="rand"
    )
    epoch0, epoch1 = _by_key(dataset, 0), _by_key(dataset, 1)
    assert set(epoch0) == shard_sets.train_videos
    for s in itertools.islice(epoch0.values(), 4):
        meta = s["meta"]
        assert s["video"].shape == (8, 3, 64, 96) and meta["decoder"] == "decord" and meta["store"] == "clip"
        expected = stored(shard_sets.clip, meta)[meta["sampled_indices"]]
        assert np.abs(_hwc(s["video"]).astype(int) - expected.astype(int)).max() <= 3
        assert meta["sampled_times"] == [meta["frame_times"][i] for i in meta["sampled_indices"]]
    assert sum(_chosen(epoch0)[k] != _chosen(epoch1)[k] for k in epoch0) >= 15


def test_headtail_with_a_full_spec(shard_sets):
    spec = SamplingSpec(mode="headtail", num_frames=4)
    for s in VideoTextDataset(shard_sets.clip, split="val", sampling=spec, size=32):
        half = s["meta"]["num_frames"] // 2
        first, second = s["meta"]["sampled_indices"][:2], s["meta"]["sampled_indices"][2:]
        assert all(i < half for i in first) and all(i >= half for i in second)


def test_images_are_one_frame_clips_and_the_tokenizer_hook(shard_sets):
    def tokenizer(text):
        return torch.tensor([len(text), text.count(" ")])

    samples = list(
        VideoTextDataset(shard_sets.images, split="train", num_frames=8, size=32, tokenizer=tokenizer)
    )
    assert {s["meta"]["key"] for s in samples} == shard_sets.train_images
    assert all(s["video"].shape == (1, 3, 32, 32) and s["meta"]["media"] == "image" for s in samples)
    assert all(torch.equal(s["tokens"], tokenizer(s["text"])) for s in samples)


def test_mixing_weights_hold(shard_sets):
    sets = [shard_sets.frames, shard_sets.images]
    dataset = VideoTextDataset(sets, weights=[3, 1], split="train", resampled=True, num_frames=1, size=16)
    drawn = [s["meta"]["shard_set"] for s in itertools.islice(dataset, 600)]
    assert drawn.count(0) / len(drawn) == pytest.approx(0.75, abs=0.06)


def test_finite_mix_keeps_every_sample(shard_sets):
    sets = [shard_sets.frames, shard_sets.images]
    keys = [
        s["meta"]["key"] for s in VideoTextDataset(sets, weights=[1, 1], split="train", num_frames=1, size=16)
    ]
    assert len(keys) == len(set(keys)) and set(keys) == shard_sets.train_videos | shard_sets.train_images
