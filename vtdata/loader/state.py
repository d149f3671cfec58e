"""State shared between the main process and DataLoader workers.

Workers hold copies of the dataset, made when they start (and kept across epochs with
persistent workers), so a plain attribute set by `set_epoch` in the main process would never
reach them. The epoch, the rank and the skip counters therefore live in small shared-memory
tensors (the idea of open_clip's `SharedEpoch`; tensors rather than `multiprocessing.Value`
because torch passes them to fork, spawn and forkserver workers alike, where a lock made in one
context cannot go to another). Each process counts into its own slot, so counting needs no lock.
Random streams are derived from `(seed, epoch, pass, ...)` so every rank computes the same shard
order without talking.
"""

from __future__ import annotations

import logging
import os

import numpy as np
import torch
import torch.distributed
import torch.utils.data

log = logging.getLogger("vtdata.loader")

_EPOCH, _PASS, _RANK, _WORLD = range(4)
_SAMPLES, _SHARDS = range(2)
_SLOTS = 257  # the main process, then one per DataLoader worker (ids beyond share the last slot)
WARNINGS = ("rank_without_shard", "worker_without_shard")  # each is logged once per loader


def derive_seed(*parts: int) -> int:
    """A 63-bit seed mixing all `parts` (SeedSequence, so nearby inputs give unrelated streams)."""
    state = np.random.SeedSequence([int(p) & 0xFFFFFFFF for p in parts]).generate_state(2, dtype=np.uint32)
    return (int(state[0]) << 31) ^ int(state[1])


def node_from_environment() -> tuple[int, int]:
    """(rank, world_size): torch.distributed when it is initialised, else RANK/WORLD_SIZE, else (0, 1)."""
    dist = torch.distributed
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    if "RANK" in os.environ and "WORLD_SIZE" in os.environ:
        return int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    return 0, 1


def worker_info() -> tuple[int, int]:
    """(worker id, number of workers) of the current DataLoader worker; (0, 1) in the main process."""
    info = torch.utils.data.get_worker_info()
    return (info.id, info.num_workers) if info is not None else (0, 1)


class SharedState:
    """Epoch, pass, node and skip counters visible to every worker process.

    `pass` counts how often the data was restarted inside one epoch (an explicit epoch length
    longer than the data); it enters the seeds so a restart does not replay the same order.
    """

    def __init__(self) -> None:
        self._values = torch.tensor([0, 0, -1, -1], dtype=torch.int64).share_memory_()
        self._counts = torch.zeros((_SLOTS, 2), dtype=torch.int64).share_memory_()
        self._warned = torch.zeros(len(WARNINGS), dtype=torch.int64).share_memory_()

    def warn_once(self, which: str, message: str, *args: object) -> None:
        """Log a warning the first time any process of this loader meets `which` (one of `WARNINGS`):
        a condition every worker meets every epoch is worth one line, not dozens."""
        slot = WARNINGS.index(which)
        if int(self._warned[slot]) == 0:
            self._warned[slot] = 1
            log.warning(message, *args)

    @property
    def epoch(self) -> int:
        return int(self._values[_EPOCH])

    @property
    def pass_index(self) -> int:
        return int(self._values[_PASS])

    def set_epoch(self, epoch: int, pass_index: int = 0) -> None:
        self._values[_EPOCH] = int(epoch)
        self._values[_PASS] = int(pass_index)

    def set_pass(self, pass_index: int) -> None:
        self._values[_PASS] = int(pass_index)

    def set_node(self, rank: int, world_size: int) -> None:
        """Pin the node split (the loader does this in the main process, where the rank is known)."""
        if not 0 <= rank < world_size:
            raise ValueError(f"rank {rank} is not in [0, world_size={world_size})")
        self._values[_RANK] = int(rank)
        self._values[_WORLD] = int(world_size)

    def node(self) -> tuple[int, int]:
        """(rank, world_size) pinned by the loader, else from torch.distributed or the environment."""
        rank, world = int(self._values[_RANK]), int(self._values[_WORLD])
        return (rank, world) if world > 0 else node_from_environment()

    def _count(self, what: int) -> None:
        info = torch.utils.data.get_worker_info()
        slot = 0 if info is None else min(info.id + 1, _SLOTS - 1)
        self._counts[slot, what] += 1

    def count_bad_sample(self) -> None:
        self._count(_SAMPLES)

    def count_bad_shard(self) -> None:
        self._count(_SHARDS)

    @property
    def skipped(self) -> dict[str, int]:
        """Samples and shards skipped so far, summed over all workers."""
        total = self._counts.sum(0)
        return {"samples": int(total[_SAMPLES]), "shards": int(total[_SHARDS])}

    def stream_seed(self, seed: int, *parts: int, per_worker: bool = True) -> int:
        """Seed for a random stream of this epoch and pass; per worker (and rank) unless told otherwise."""
        if not per_worker:
            return derive_seed(seed, self.epoch, self.pass_index, *parts)
        rank, _ = self.node()
        worker, _ = worker_info()
        return derive_seed(seed, self.epoch, self.pass_index, rank, worker, *parts)
