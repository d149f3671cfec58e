"""Process-group set-up under `torchrun`: NCCL on CUDA, gloo on CPU; one process without it."""

from __future__ import annotations

import datetime
import logging
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

log = logging.getLogger("vtdata.train")


@dataclass(frozen=True)
class Node:
    """This process's place in the job and the device it computes on."""

    rank: int
    world_size: int
    local_rank: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def pick_device(preference: str, local_rank: int) -> torch.device:
    """'auto' takes this rank's GPU when CUDA is there, else the CPU."""
    if preference == "auto":
        preference = "cuda" if torch.cuda.is_available() else "cpu"
    if preference == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError("device='cuda' but torch sees no CUDA device; use device='cpu' or 'auto'")
        return torch.device("cuda", local_rank)
    return torch.device(preference)


def init_node(device: str = "auto") -> Node:
    """Join the process group that `torchrun` describes in the environment (WORLD_SIZE > 1)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    chosen = pick_device(device, local_rank)
    if world > 1 and not dist.is_initialized():
        if chosen.type == "cuda":
            torch.cuda.set_device(chosen)
        backend = "nccl" if chosen.type == "cuda" else "gloo"
        dist.init_process_group(backend, timeout=datetime.timedelta(minutes=30))
        log.info("rank %d/%d joined the %s process group on %s", rank, world, backend, chosen)
    return Node(rank, world, local_rank, chosen)


def barrier(node: Node) -> None:
    if node.distributed:
        dist.barrier()


def any_rank(node: Node, flag: bool) -> bool:
    """True on every rank when `flag` is True on at least one (so all ranks stop at the same step)."""
    if not node.distributed:
        return flag
    value = torch.tensor([1.0 if flag else 0.0], device=node.device)
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return bool(value.item() > 0)


def shutdown(node: Node) -> None:
    if node.distributed and dist.is_initialized():
        dist.destroy_process_group()
