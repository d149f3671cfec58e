"""Shard sets for the loader tests, written by the real shard stage from the synthetic corpus.

`vtdata.shard.run.shard` cuts the corpus's WebVid-like clips (18 train, 6 val) into a `frames`
store (every frame, 72x48 JPEGs) and a `clip` store (H.264 at 10 fps, 96x64), and its CC3M-like
images (9 train) into 1-frame samples; 4 clips per shard gives 5 uneven train shards (4,4,4,4,2).
"""

from __future__ import annotations

import io
import tarfile
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vtdata.align.schema import Clip, write_clips
from vtdata.config import load_pipeline
from vtdata.loader.decode import decode_jpeg_pil
from vtdata.shard.media import refs_from_table
from vtdata.shard.run import shard

PER_SHARD = 4


@dataclass(frozen=True)
class ShardSets:
    frames: Path
    clip: Path
    images: Path
    train_videos: set[str]  # clip ids of the train split
    train_images: set[str]


def _clips(corpus, dataset: str) -> list[Clip]:
    return [
        Clip(
            f"{i.id}_0",
            i.id,
            0.0,
            0.0 if i.media == "image" else i.duration,
            i.caption,
            [i.caption, "other"],
            "",
            i.split,
        )
        for i in corpus.of(dataset)
    ]


@pytest.fixture(scope="session")
def shard_sets(synthetic_corpus, tmp_path_factory) -> ShardSets:
    root = tmp_path_factory.mktemp("loader-shards")
    items = synthetic_corpus.of("webvid") + synthetic_corpus.of("cc3m")
    rows = [
        {"id": i.id, "path": str(synthetic_corpus.path(i)), "media": i.media, "dataset": i.dataset}
        for i in items
    ]
    pq.write_table(pa.Table.from_pylist(rows), root / "media.parquet")
    refs = refs_from_table(root / "media.parquet")
    videos, images = _clips(synthetic_corpus, "webvid"), _clips(synthetic_corpus, "cc3m")
    write_clips(videos, root / "webvid.parquet")
    write_clips(images, root / "cc3m.parquet")
    common = {"shards.samples_per_shard": PER_SHARD}
    runs = {
        "frames": ("webvid", {"sampling.mode": "all", "resize.short_side": 48}),
        "clip": ("webvid", {"store": "clip", "clip.fps": 10, "resize.short_side": 64}),
        "images": ("cc3m", {"resize.short_side": 48}),
    }
    for name, (table, overrides) in runs.items():
        shard(root / f"{table}.parquet", root / name, load_pipeline(None, {**common, **overrides}), refs)
    return ShardSets(
        root / "frames",
        root / "clip",
        root / "images",
        {c.clip_id for c in videos if c.split == "train"},
        {c.clip_id for c in images if c.split == "train"},
    )


def tar_member(tar_path: Path, name: str) -> bytes:
    with tarfile.open(tar_path) as tar:
        return tar.extractfile(name).read()


def stored_frames(shards: Path, meta: dict) -> np.ndarray:
    """Every stored frame of a sample as uint8 [N, H, W, 3], read straight from its tar (PIL or PyAV)."""
    tar = shards / Path(meta["url"]).name
    key = meta["clip_id"]
    if meta["store"] == "clip":
        with av.open(io.BytesIO(tar_member(tar, f"{key}.mp4"))) as container:
            return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])
    return np.stack(
        [decode_jpeg_pil(tar_member(tar, f"{key}.{k:03d}.jpg")) for k in range(meta["num_frames"])]
    )


@pytest.fixture(scope="session")
def stored():
    """`stored_frames` for tests (conftest modules are not importable under --import-mode=importlib)."""
    return stored_frames
