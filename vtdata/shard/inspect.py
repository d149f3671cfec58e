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
from vtdata.records.names import DATASET_NAME, INDEX_NAME
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
    found = read_samples(shards, {where: [key]})
    return found.get(key) or ShardSample(key=key, shard=where, meta={}, text="")


def read_samples(shards: str | Path, wanted: dict[str, list[str]]) -> dict[str, ShardSample]:
    """The samples `wanted` maps shard tar names to, read with one pass over each tar.

    A tar name is a file name of the folder, never a path (index values are not trusted); a
    sample absent from its tar is absent from the result.
    """
    shards = Path(shards)
    found: dict[str, ShardSample] = {}
    for where, keys in sorted(wanted.items()):
        if Path(where).name != where or where in (".", ".."):
            raise ValueError(f"{shards / INDEX_NAME}: shard name {where!r} is not a file name")
        samples = {k: ShardSample(key=k, shard=where, meta={}, text="") for k in keys}
        frames: dict[str, list[tuple[str, np.ndarray]]] = {k: [] for k in keys}
        with tarfile.open(shards / where) as tar:
            for member in tar:
                base, _, ext = member.name.partition(".")
                if base not in samples or not member.isfile():
                    continue
                data = tar.extractfile(member).read()
                sample = samples[base]
                if ext == "json":
                    sample.meta = json.loads(data)
                elif ext == "txt":
                    sample.text = data.decode("utf-8")
                elif ext.endswith(".jpg"):
                    frames[base].append((ext, decode_image_pil(data)))
                elif ext == "mp4":
                    frames[base].extend((f"{i:03d}", f) for i, f in enumerate(decode_all_frames(data)))
        for key, sample in samples.items():
            if sample.meta or frames[key]:
                sample.frames = [f for _, f in sorted(frames[key], key=lambda item: item[0])]
                found[key] = sample
    return found


def contact_sheet(sample: ShardSample, columns: int = 8, max_frames: int = 32) -> Sheet:
    """The sample's frames in a grid, each labelled with its source time, the caption underneath."""
    if not sample.frames:
        raise ValueError(f"sample {sample.key} in {sample.shard} has no frames")
    times = sample.meta.get("frame_times") or []
    labels = [f"{times[i]:.2f}s" if i < len(times) else f"#{i}" for i in range(len(sample.frames))]
    return frame_sheet(sample.frames[:max_frames], labels, f"{sample.key}: {sample.text}", columns)


def crop_note(shards: str | Path) -> str | None:
    """A sentence when the shards were centre-cropped (`resize.crop` in dataset.json), else None:
    a crop can cut a moving subject out of a frame, so whoever looks at the frames should know."""
    path = Path(shards) / DATASET_NAME
    try:
        resize = json.loads(path.read_text()).get("config", {}).get("resize", {})
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(resize, dict) or not resize.get("crop"):
        return None
    side = resize.get("short_side")
    return (
        f"these shards were centre-cropped to {side}x{side} when written (resize.crop in {DATASET_NAME}): "
        "whatever lay outside the centre square is not in the frames"
    )
