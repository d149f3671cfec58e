"""Seeded mixing and shuffling stages."""

from __future__ import annotations

import pytest

from vtdata.loader.mix import SeededShuffle, WeightedMix
from vtdata.loader.state import SharedState


def test_finite_mix_yields_everything_and_repeats_per_epoch():
    state = SharedState()
    mix = WeightedMix([list(range(100)), list(range(100, 130))], [1, 3], state, seed=0)
    first = list(mix)
    assert sorted(first) == list(range(130))
    assert list(mix) == first
    state.set_epoch(1)
    assert list(mix) != first


def test_mix_rejects_bad_weights():
    with pytest.raises(ValueError, match="weights"):
        WeightedMix([[1]], [-1], SharedState(), 0)
    with pytest.raises(ValueError, match="2 shard sets but 1 weights"):
        WeightedMix([[1], [2]], [1], SharedState(), 0)


def test_seeded_shuffle_is_a_permutation_that_depends_on_epoch():
    state = SharedState()
    shuffle = SeededShuffle(bufsize=20, initial=10, state=state, seed=1, set_index=0)
    a = list(shuffle(iter(range(50))))
    assert sorted(a) == list(range(50)) and a != list(range(50))
    assert list(shuffle(iter(range(50)))) == a
    state.set_epoch(2)
    assert list(shuffle(iter(range(50)))) != a
