"""Seeded stages webdataset has only unseeded: the sample buffer shuffle and the weighted mix of sets.

`wds.shuffle` and `wds.RandomMix` draw from process-global randomness; these draw from a stream
seeded by (seed, epoch, pass, rank, worker), so a run can be repeated and each epoch differs.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Sequence

import webdataset as wds

from vtdata.loader.state import SharedState


class SeededShuffle:
    """`wds.shuffle` over raw samples with a per-epoch, per-worker seed."""

    def __init__(self, bufsize: int, initial: int, state: SharedState, seed: int, set_index: int) -> None:
        self.bufsize = bufsize
        self.initial = initial
        self.state = state
        self.seed = seed
        self.set_index = set_index

    def __call__(self, src: Iterable[dict]) -> Iterator[dict]:
        rng = random.Random(self.state.stream_seed(self.seed, 4, self.set_index))
        return wds.shuffle(self.bufsize, self.initial, rng=rng)(iter(src))


class TagSet:
    """Mark each raw sample with the index of its shard set (reported in `meta["shard_set"]`)."""

    def __init__(self, set_index: int) -> None:
        self.set_index = set_index

    def __call__(self, src: Iterable[dict]) -> Iterator[dict]:
        from vtdata.loader.sample import SET_KEY

        for sample in src:
            sample[SET_KEY] = self.set_index
            yield sample


class WeightedMix(wds.pytorch.IterableDataset):
    """Draw each next sample from set i with probability weights[i] / sum(weights).

    With finite sets, an exhausted set leaves the mix and the others go on, so no sample is
    dropped (the proportions then drift at the end of the epoch); with resampled sets the
    weights hold throughout.
    """

    def __init__(
        self, sources: Sequence[Iterable[dict]], weights: Sequence[float], state: SharedState, seed: int
    ):
        super().__init__()
        if len(sources) != len(weights):
            raise ValueError(f"{len(sources)} shard sets but {len(weights)} weights")
        if any(w < 0 for w in weights) or sum(weights) <= 0:
            raise ValueError(f"mixing weights must be >= 0 with a positive sum, got {list(weights)}")
        self.sources = list(sources)
        self.weights = [float(w) for w in weights]
        self.state = state
        self.seed = seed

    def __iter__(self) -> Iterator[dict]:
        rng = random.Random(self.state.stream_seed(self.seed, 5))
        iterators = [iter(s) for s, w in zip(self.sources, self.weights, strict=True) if w > 0]
        weights = [w for w in self.weights if w > 0]
        while iterators:
            i = rng.choices(range(len(iterators)), weights=weights)[0]
            try:
                yield next(iterators[i])
            except StopIteration:
                del iterators[i], weights[i]
