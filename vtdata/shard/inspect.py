"""Look inside shards without a loader: find one sample and lay its frames out as a contact sheet.

Eyeballing a few samples is the fastest check that sampling, cropping and captions line up;
this reads the tar named by `index.parquet` directly, so it works on any vtdata shard folder.
"""

from __future__ import annotations

import json
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vtdata.media.jpeg import decode_image_pil
from vtdata.media.samples import decode_all_frames
from vtdata.media.sheet import Sheet, frame_sheet
from vtdata.records.names import INDEX_NAME
from vtdata.records.shards import read_index


@dataclass
class ShardSample:
    """One sample's members as stored: its metadata, caption and frames (RGB uint8 [H,W,3])."""

    key: str
    shard: str
    meta: dict
    text: str
    frames: list[np.ndarray] = field(default_factory=list)


def sample_keys(shards: str | Path, limit: int | None = None) -> list[str]:
    """Clip ids in index order (the first `limit` of them)."""
    table = read_index(Path(shards) / INDEX_NAME, ["clip_id"])
    keys = table.column("clip_id").to_pylist()
    return keys[:limit] if limit is not None else keys


def read_sample(shards: str | Path, key: str) -> ShardSample:
    """The sample `key` of the shard folder `shards`; KeyError names the folder when it is absent."""
    shards = Path(shards)
    table = read_index(shards / INDEX_NAME, ["clip_id", "shard"]).to_pylist()
    where = next((row["shard"] for row in table if row["clip_id"] == key), None)
    if where is None:
        raise KeyError(
            f"{shards / INDEX_NAME}: no sample {key!r} (try `vtdata inspect {shards}` to list some)"
        )
    sample = ShardSample(key=key, shard=where, meta={}, text="")
    frames: list[tuple[str, np.ndarray]] = []
    with tarfile.open(shards / where) as tar:
        for member in tar:
            base, _, ext = member.name.partition(".")
            if base != key or not member.isfile():
                continue
            data = tar.extractfile(member).read()
            if ext == "json":
                sample.meta = json.loads(data)
            elif ext == "txt":
                sample.text = data.decode("utf-8")
            elif ext.endswith(".jpg"):
                frames.append((ext, decode_image_pil(data)))
            elif ext == "mp4":
                frames.extend((f"{i:03d}", f) for i, f in enumerate(decode_all_frames(data)))
    sample.frames = [f for _, f in sorted(frames, key=lambda item: item[0])]
    return sample


def contact_sheet(sample: ShardSample, columns: int = 8, max_frames: int = 32) -> Sheet:
    """The sample's frames in a grid, each labelled with its source time, the caption underneath."""
    if not sample.frames:
        raise ValueError(f"sample {sample.key} in {sample.shard} has no frames")
    times = sample.meta.get("frame_times") or []
    labels = [f"{times[i]:.2f}s" if i < len(times) else f"#{i}" for i in range(len(sample.frames))]
    return frame_sheet(sample.frames[:max_frames], labels, f"{sample.key}: {sample.text}", columns)
