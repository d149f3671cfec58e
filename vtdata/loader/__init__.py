"""Torch loaders over vtdata's WebDataset shards (see docs/loader.md).

ds = VideoTextDataset("shards/", split="train", num_frames=8, size=224)
loader = make_loader(ds, batch_size=32, num_workers=8)
for epoch in range(epochs):
    loader.set_epoch(epoch)
    for batch in CUDAPrefetcher(loader, "cuda"):   # video: float [B,T,3,H,W], normalised
        ...
"""

from vtdata.loader.augment import Augment
from vtdata.loader.collate import collate
from vtdata.loader.dataset import VideoTextDataset
from vtdata.loader.device import IMAGENET_MEAN, IMAGENET_STD, CUDAPrefetcher, normalize, to_device
from vtdata.loader.loader import VideoTextLoader, make_loader
from vtdata.loader.shards import ShardSet, resolve_shards

__all__ = [
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "Augment",
    "CUDAPrefetcher",
    "ShardSet",
    "VideoTextDataset",
    "VideoTextLoader",
    "collate",
    "make_loader",
    "normalize",
    "resolve_shards",
    "to_device",
]
