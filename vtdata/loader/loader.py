"""`make_loader`: a torch DataLoader over a `VideoTextDataset` that is correct under DDP.

Each rank reads every world_size-th shard and each worker every num_workers-th of those, so
in an epoch without `epoch_length` every sample is seen exactly once (a rank with fewer shards
yields fewer batches, which stalls DDP: give it an `epoch_length` there). With `epoch_length`
every rank yields exactly `ceil(epoch_length / (batch_size * world_size))` batches, restarting
its data (in a new order) when it runs out, so ranks step in lock-step. This is webdataset's
`with_epoch` applied to the loader, not the dataset (on the dataset it would count per worker).
"""

from __future__ import annotations

import gc
import logging
import math
from collections.abc import Callable, Iterator

import torch
import torch.utils.data

from vtdata.loader.collate import collate
from vtdata.loader.dataset import VideoTextDataset
from vtdata.loader.state import node_from_environment

log = logging.getLogger("vtdata.loader")


class VideoTextLoader(torch.utils.data.DataLoader):
    """A DataLoader with `set_epoch` and an optional fixed number of batches per epoch.

    Without a `set_epoch` call, each new `iter(loader)` starts the next epoch (0, 1, ...).
    """

    def __init__(
        self,
        dataset: VideoTextDataset,
        *args,
        rank: int,
        world_size: int,
        batches_per_epoch: int | None,
        **kwargs,
    ) -> None:
        super().__init__(dataset, *args, **kwargs)
        self.rank = rank
        self.world_size = world_size
        self.batches_per_epoch = batches_per_epoch
        self._next_epoch = 0
        self._requested_epoch: int | None = None

    def set_epoch(self, epoch: int) -> None:
        """Use `epoch` for the next iteration (same meaning as DistributedSampler.set_epoch)."""
        self._requested_epoch = int(epoch)

    @property
    def skipped(self) -> dict[str, int]:
        """Samples and shards skipped as unreadable so far, over all workers."""
        return self.dataset.skipped

    def __len__(self) -> int:
        if self.batches_per_epoch is None:
            raise TypeError(
                "the number of batches is unknown without an epoch_length; pass one to make_loader"
            )
        return self.batches_per_epoch

    def _before_fork(self) -> None:
        """Collect garbage before workers fork, so the parent's dead objects are freed in the parent.

        A decord VideoReader left in a reference cycle (an exception's traceback is enough) would
        otherwise be collected inside a forked worker, where its decoding threads do not exist:
        joining them there is a segfault (seen in decord 0.6, whose readers run threads).
        """
        if self.num_workers > 0 and (not self.persistent_workers or self._iterator is None):
            gc.collect()

    def _pass(self) -> Iterator[dict]:
        self._before_fork()
        return super().__iter__()

    def __iter__(self) -> Iterator[dict]:
        epoch = self._next_epoch if self._requested_epoch is None else self._requested_epoch
        self._requested_epoch = None
        self._next_epoch = epoch + 1
        state = self.dataset.state
        state.set_node(self.rank, self.world_size)
        state.set_epoch(epoch)
        if self.batches_per_epoch is None:
            yield from self._pass()
            return
        produced, pass_index = 0, 0
        while produced < self.batches_per_epoch:
            state.set_pass(pass_index)
            before = produced
            for batch in self._pass():
                yield batch
                produced += 1
                if produced == self.batches_per_epoch:
                    return
            if produced == before:
                raise RuntimeError(
                    f"rank {self.rank}: a pass over the data gave no batch (no shard for this rank, or "
                    f"every sample was skipped: {state.skipped}); cannot fill an epoch of "
                    f"{self.batches_per_epoch} batches"
                )
            pass_index += 1


def make_loader(
    dataset: VideoTextDataset,
    batch_size: int,
    num_workers: int = 4,
    *,
    epoch_length: int | None = None,
    pin_memory: bool | None = None,
    persistent_workers: bool = True,
    prefetch_factor: int | None = 2,
    rank: int | None = None,
    world_size: int | None = None,
    collate_fn: Callable[[list[dict]], dict] = collate,
    multiprocessing_context: str | None = None,
) -> VideoTextLoader:
    """A DataLoader yielding `{"video": uint8 [B,T,3,H,W], "frame_mask": bool [B,T], "text", ...}` batches.

    `rank`/`world_size` default to torch.distributed (when initialised), else RANK/WORLD_SIZE,
    else a single process. `epoch_length` (samples per epoch over all ranks) defaults to the
    dataset's; a resampled dataset needs one. Pinned memory defaults to on when CUDA is there.
    The last batch of each worker may be smaller than `batch_size`: nothing is dropped.
    """
    if rank is None or world_size is None:
        env_rank, env_world = node_from_environment()
        rank = env_rank if rank is None else rank
        world_size = env_world if world_size is None else world_size
    epoch_length = dataset.epoch_length if epoch_length is None else epoch_length
    if dataset.resampled and epoch_length is None:
        raise ValueError("a resampled dataset never ends: give make_loader (or the dataset) an epoch_length")
    batches = None if epoch_length is None else math.ceil(epoch_length / (batch_size * world_size))
    if not dataset.resampled:
        for i, shards in enumerate(dataset.num_shards):
            if shards < world_size * max(1, num_workers):
                log.warning(
                    "shard set %d has %d shard(s) for %d rank(s) x %d worker(s): some workers get none%s",
                    i,
                    shards,
                    world_size,
                    max(1, num_workers),
                    "; a rank with no shard stalls DDP" if shards < world_size else "",
                )
    if world_size > 1 and epoch_length is None:
        log.warning(
            "world_size=%d without epoch_length: ranks may get different numbers of batches and stall DDP; "
            "pass epoch_length (and resampled=True) for lock-step epochs",
            world_size,
        )
    if pin_memory is None:
        pin_memory = torch.cuda.is_available()
    return VideoTextLoader(
        dataset,
        batch_size=batch_size,
        num_workers=num_workers,
        collate_fn=collate_fn,
        pin_memory=pin_memory,
        persistent_workers=persistent_workers and num_workers > 0,
        prefetch_factor=prefetch_factor if num_workers > 0 else None,
        multiprocessing_context=multiprocessing_context if num_workers > 0 else None,
        rank=rank,
        world_size=world_size,
        batches_per_epoch=batches,
    )
