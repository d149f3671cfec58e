"""Hugging Face `datasets` over vtdata shards: `load_hf` and the `features=` it passes.

`load_dataset("webdataset", data_files=...)` infers its columns from the first five samples of the
first tar. vtdata samples do not all have the same members: a frames-store sample holds one
`NNN.jpg` per frame, and the count differs between clips (dense or `all` sampling) and between
sets (an image is one frame, a video eight), and the `json` metadata differs by media. Inferred
from a few samples, the columns are wrong: a map-style load fails (DatasetGenerationError) and a
streaming one silently drops every frame the first samples lacked. `hf_features` reads the
columns from `index.parquet` instead: `json` (the sample metadata, as `Json`), `txt`, one
`Image` column per frame position up to the longest sample (shorter samples hold None past their
end) and `mp4` for the clip store (`Video(decode=False)`: the bytes; decode them with
`vtdata.media` or torchcodec).

    from vtdata.loader.hf import load_hf
    ds = load_hf(["shards/webvid", "shards/cc3m"], split="train")          # map-style
    it = load_hf("shards/webvid", split="train", streaming=True)           # IterableDataset
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from vtdata.records.names import INDEX_NAME
from vtdata.records.shards import read_index

Folders = str | os.PathLike | Sequence[str | os.PathLike]


def _folders(shards: Folders) -> list[Path]:
    if isinstance(shards, str | os.PathLike):
        return [Path(shards)]
    return [Path(s) for s in shards]


def frame_columns(n: int) -> list[str]:
    """The member names of a frames-store sample of `n` frames: `000.jpg` ... in order."""
    return [f"{i:03d}.jpg" for i in range(n)]


def _written(folder: Path) -> list[dict]:
    index = folder / INDEX_NAME
    if not index.is_file():
        raise FileNotFoundError(f"{folder}: no {INDEX_NAME} here; `load_hf` needs a vtdata shard folder")
    return [r for r in read_index(index, ["shard", "split", "store", "num_frames"]).to_pylist() if r["shard"]]


def hf_features(shards: Folders):
    """The `datasets.Features` of the samples of one or more shard folders (see the module doc)."""
    import datasets

    stores: set[str] = set()
    longest = 0
    for folder in _folders(shards):
        for row in _written(folder):
            stores.add(row["store"])
            if row["store"] == "frames":
                longest = max(longest, int(row["num_frames"] or 0))
    columns: dict = {"json": datasets.Json(), "txt": datasets.Value("string")}
    columns.update({name: datasets.Image() for name in frame_columns(longest)})
    if "clip" in stores:
        columns["mp4"] = datasets.Video(decode=False)
    columns["__key__"] = datasets.Value("string")
    columns["__url__"] = datasets.Value("string")
    return datasets.Features(columns)


def hf_data_files(shards: Folders, split: str | None = None) -> dict[str, list[str]]:
    """`data_files` for `load_dataset("webdataset", ...)`: each split's tars, from the folders' indexes."""
    files: dict[str, set[str]] = {}
    for folder in _folders(shards):
        for row in _written(folder):
            if split is None or row["split"] == split:
                if Path(row["shard"]).name != row["shard"]:
                    raise ValueError(f"{folder / INDEX_NAME}: shard name {row['shard']!r} is not a file name")
                files.setdefault(row["split"], set()).add(str(folder / row["shard"]))
    if not files:
        raise ValueError(f"no shards of split {split!r} in {', '.join(map(str, _folders(shards)))}")
    return {name: sorted(tars) for name, tars in sorted(files.items())}


def load_hf(shards: Folders, split: str | None = None, *, streaming: bool = False, **kwargs):
    """The shards of one or more folders as a Hugging Face dataset (a `DatasetDict` without `split`).

    Extra keyword arguments go to `datasets.load_dataset` (e.g. `cache_dir`).
    """
    import datasets

    return datasets.load_dataset(
        "webdataset",
        data_files=hf_data_files(shards, split),
        features=hf_features(shards),
        split=split,
        streaming=streaming,
        **kwargs,
    )
