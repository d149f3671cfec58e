"""Shared state: the epoch set in the main process reaches persistent DataLoader workers."""

from __future__ import annotations

import pytest
import torch.utils.data

from vtdata.loader.state import SharedState, derive_seed, node_from_environment


class _EpochEcho(torch.utils.data.IterableDataset):
    def __init__(self):
        self.state = SharedState()

    def __iter__(self):
        self.state.count_bad_sample()
        yield self.state.epoch


@pytest.mark.slow
def test_epoch_reaches_persistent_workers_and_counters_add_up():
    dataset = _EpochEcho()
    loader = torch.utils.data.DataLoader(dataset, batch_size=None, num_workers=2, persistent_workers=True)
    seen = []
    for epoch in (0, 5, 9):
        dataset.state.set_epoch(epoch)
        seen.append(sorted(loader))
    assert seen == [[0, 0], [5, 5], [9, 9]]
    assert dataset.state.skipped["samples"] == 6


def test_derive_seed_separates_nearby_inputs():
    seeds = {derive_seed(0, epoch, rank) for epoch in range(10) for rank in range(10)}
    assert len(seeds) == 100
    assert derive_seed(1, 2, 3) == derive_seed(1, 2, 3)


def test_node_from_environment(monkeypatch):
    monkeypatch.setenv("RANK", "3")
    monkeypatch.setenv("WORLD_SIZE", "4")
    assert node_from_environment() == (3, 4)
    monkeypatch.delenv("RANK")
    assert node_from_environment() == (0, 1)
    with pytest.raises(ValueError, match="rank 4"):
        SharedState().set_node(4, 4)
