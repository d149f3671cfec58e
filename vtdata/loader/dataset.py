"""`VideoTextDataset`: a webdataset pipeline over one or more vtdata shard sets.

The dataset IS a `wds.DataPipeline`; per shard set it runs

    shard list -> split by node -> split by worker -> TarSamples (bytes) -> shuffle

then mixes the sets by weight and decodes (`SampleDecoder`: sampling, JPEG/mp4 decode,
uint8 crop). `dataset.pipeline` lists the stages, so webdataset users can inspect or extend it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import webdataset as wds

from vtdata.loader.augment import Augment
from vtdata.loader.mix import SeededShuffle, TagSet, WeightedMix
from vtdata.loader.protocol import ProtocolSampling, read_protocol
from vtdata.loader.sample import SampleDecoder, make_transform
from vtdata.loader.shards import (
    ResampledShardList,
    ShardErrorHandler,
    ShardList,
    ShardSet,
    SplitByNode,
    SplitByWorker,
    resolve_shards,
)
from vtdata.loader.state import SharedState
from vtdata.loader.tars import TarSamples
from vtdata.media.sampling import SamplingSpec

Urls = str | os.PathLike | Sequence[str]


class VideoTextDataset(wds.DataPipeline):
    """Samples `{"video": uint8 [T,3,H,W], "text", "texts", "meta"}` (+ `"tokens"` with a tokenizer).

    `urls` is one shard set (a brace pattern, a list of tar URLs, or a directory holding
    index.parquet) or, when `weights` is given, a list of shard sets mixed with those weights
    (e.g. WebVid and CC3M; images are 1-frame samples). `sampling` is a mode of
    `vtdata.media.sampling` ("rand", "uniform", "headtail", "all") applied with `num_frames`, a
    full `SamplingSpec`, or "protocol": what the shard set's pipeline names in its `loader:`
    section, per split, drawn anew every epoch (`num_frames` is then the pipeline's;
    `vtdata.loader.protocol`). T is min(num_frames, frames available), so images give T=1.

    `train` turns on shard + buffer shuffling and the random resized crop (`augment`: an
    `Augment`, or your own `f(frames, rng)`); otherwise frames are centre-cropped to `size`.
    `resampled=True` draws shards with replacement forever (each rank and worker its own draw):
    give the loader an `epoch_length` then. `epoch_length` is the number of samples in one epoch
    summed over all ranks; `make_loader` turns it into a batch count per rank.
    """

    def __init__(
        self,
        urls: Urls | Sequence[Urls],
        num_frames: int = SamplingSpec.num_frames,
        sampling: str | SamplingSpec = "rand",
        size: int | tuple[int, int] | None = 224,
        train: bool = True,
        seed: int = 0,
        weights: Sequence[float] | None = None,
        resampled: bool = False,
        epoch_length: int | None = None,
        tokenizer: Callable[[str], Any] | None = None,
        augment: Augment | Callable | None = None,
        split: str | None = None,
        shuffle: bool | None = None,
        shuffle_buffer: int = 1000,
        shuffle_initial: int = 100,
        decord_threads: int = 1,
    ) -> None:
        specs = [urls] if weights is None else list(urls)
        if weights is not None and len(specs) != len(weights):
            raise ValueError(f"weights has {len(weights)} entries but urls names {len(specs)} shard sets")
        if epoch_length is not None and epoch_length < 1:
            raise ValueError(f"epoch_length must be >= 1, got {epoch_length}")
        self.shard_sets: list[ShardSet] = [resolve_shards(s, split) for s in specs]
        self.state = SharedState()
        self.seed = seed
        self.train = train
        self.resampled = resampled
        self.epoch_length = epoch_length
        self.shuffle = train if shuffle is None else shuffle
        self.sampling: SamplingSpec | ProtocolSampling
        if isinstance(sampling, SamplingSpec):
            self.sampling = sampling
        elif sampling == "protocol":
            if weights is not None:
                raise ValueError("sampling='protocol' reads one shard set's pipeline; pass one set")
            self.sampling = read_protocol(self.shard_sets[0].urls)
        else:
            self.sampling = SamplingSpec(mode=sampling, num_frames=num_frames, seed=seed)
        branches = [
            self._branch(i, s, shuffle_buffer, shuffle_initial) for i, s in enumerate(self.shard_sets)
        ]
        source = branches[0] if weights is None else WeightedMix(branches, weights, self.state, seed)
        decoder = SampleDecoder(
            self.sampling, make_transform(size, train, augment), self.state, seed, tokenizer, decord_threads
        )
        super().__init__(source, decoder)

    def _branch(self, index: int, shards: ShardSet, bufsize: int, initial: int) -> wds.DataPipeline:
        if self.resampled:
            listing = [ResampledShardList(shards.urls, self.state, self.seed, index)]
        else:
            listing = [
                ShardList(shards.urls, self.state, self.seed, self.shuffle),
                SplitByNode(self.state),
                SplitByWorker(self.state),
            ]
        return wds.DataPipeline(
            *listing,
            TarSamples(ShardErrorHandler(self.state)),
            SeededShuffle(bufsize, min(initial, bufsize), self.state, self.seed, index)
            if self.shuffle and bufsize > 1
            else None,
            TagSet(index),
        )

    @property
    def num_samples(self) -> int | None:
        """Samples in all sets (from index.parquet), or None when some set's count is unknown."""
        counts = [s.num_samples for s in self.shard_sets]
        return None if any(c is None for c in counts) else sum(counts)

    @property
    def num_shards(self) -> list[int]:
        return [len(s.urls) for s in self.shard_sets]

    def set_epoch(self, epoch: int) -> None:
        """Reseed shard order, buffer shuffle, frame choice and crops for `epoch` (reaches all workers)."""
        self.state.set_epoch(epoch)

    @property
    def epoch(self) -> int:
        return self.state.epoch

    @property
    def skipped(self) -> dict[str, int]:
        """{"samples": n, "shards": m} skipped so far because they could not be read (all workers)."""
        return self.state.skipped
