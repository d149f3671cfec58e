"""`vtdata.loader.hf`: vtdata shards read by the real Hugging Face `datasets` library (webdataset
builder), map-style and streaming, for the frames store, the clip store and images mixed with
videos; and why `features=` must be passed (docs/interop.md)."""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # local files only: nothing may leave the machine
datasets = pytest.importorskip(
    "datasets", reason="Hugging Face datasets is not installed (pip install -e '.[dev]')"
)

from vtdata.loader.hf import frame_columns, hf_data_files, hf_features, load_hf  # noqa: E402
from vtdata.media.jpeg import decode_image_pil  # noqa: E402

pytestmark = pytest.mark.slow


def _members(folder: Path) -> dict[str, dict[str, bytes]]:
    """Every train sample's members, read straight from the tars: {key: {member: bytes}}."""
    out: dict[str, dict[str, bytes]] = {}
    for tar_path in hf_data_files(folder, "train")["train"]:
        with tarfile.open(tar_path) as tar:
            for member in tar:
                key, _, ext = member.name.partition(".")
                out.setdefault(key, {})[ext] = tar.extractfile(member).read()
    return out


def _frames(row: dict) -> list:
    return [row[c] for c in frame_columns(999) if c in row and row[c] is not None]


def _check_frames(rows, folders: list[Path]) -> None:
    stored = {k: v for folder in folders for k, v in _members(folder).items()}
    seen = set()
    for row in rows:
        key = row["__key__"]
        members = stored[key]
        frames = _frames(row)
        assert row["json"]["clip_id"] == key and row["txt"] == members["txt"].decode()
        assert len(frames) == row["json"]["num_frames"] == sum(m.endswith(".jpg") for m in members)
        first = np.asarray(frames[0].convert("RGB"))
        assert np.array_equal(first, decode_image_pil(members["000.jpg"]))
        seen.add(key)
    assert seen == set(stored)


def test_frames_store_map_style(shard_sets, tmp_path):
    ds = load_hf(shard_sets.frames, split="train", cache_dir=str(tmp_path))
    assert isinstance(ds, datasets.Dataset) and len(ds) == len(shard_sets.train_videos)
    counts = {len(_frames(row)) for row in ds}
    assert len(counts) > 1  # `all` sampling: samples of different lengths, each kept whole
    _check_frames(ds, [shard_sets.frames])


def test_clip_store_map_style_and_streaming(shard_sets, tmp_path):
    stored = _members(shard_sets.clip)
    ds = load_hf(shard_sets.clip, split="train", cache_dir=str(tmp_path))
    streamed = list(load_hf(shard_sets.clip, split="train", streaming=True))
    for rows in (list(ds), streamed):
        assert {r["__key__"] for r in rows} == set(stored) == shard_sets.train_videos
        for row in rows:
            assert row["mp4"]["bytes"] == stored[row["__key__"]]["mp4"]
            assert row["json"]["store"] == "clip"


def test_images_mixed_with_videos(shard_sets, tmp_path):
    folders = [shard_sets.images, shard_sets.frames]  # images first: the case inference gets wrong
    features = hf_features(folders)
    longest = max(pq.read_table(shard_sets.frames / "index.parquet")["num_frames"].to_pylist())
    assert [c for c in features if c.endswith(".jpg")] == frame_columns(longest)
    ds = load_hf(folders, split="train", cache_dir=str(tmp_path))
    assert len(ds) == len(shard_sets.train_images) + len(shard_sets.train_videos)
    _check_frames(ds, folders)
    streamed = list(load_hf(folders, split="train", streaming=True))
    _check_frames(streamed, folders)
    assert {len(_frames(r)) for r in streamed if r["json"]["media"] == "image"} == {1}


def test_without_features_mixed_sets_break(shard_sets, tmp_path):
    """What docs/interop.md warns about: inferred from the first samples, the columns are wrong."""
    images = hf_data_files(shard_sets.images, "train")["train"]
    videos = hf_data_files(shard_sets.frames, "train")["train"]
    with pytest.raises((ValueError, datasets.exceptions.DatasetGenerationError)):
        datasets.load_dataset(
            "webdataset", data_files={"train": images + videos}, split="train", cache_dir=str(tmp_path)
        )
    streamed = datasets.load_dataset(
        "webdataset", data_files={"train": images + videos}, split="train", streaming=True
    )
    rows = [r for r in streamed if r["json"]["media"] == "video"]
    assert rows and all(len(_frames(r)) == 1 for r in rows)  # every frame but 000.jpg silently dropped
