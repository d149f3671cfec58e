"""vtdata/loader/protocol.py: the `webvid-frozen` preset through the real shard stage and loader.

Frozen in Time draws new frames every epoch (base/base_dataset.py L91-94: `rand` unless the split
is test, L245-260: `sample_frames`); the preset stores the whole clip at its source rate and the
loader samples it with `sampling="protocol"`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from vtdata.download.ledger import Ledger
from vtdata.download.store import ItemPaths
from vtdata.loader import VideoTextDataset
from vtdata.media import protocols
from vtdata.media.ffmpeg import run_ffmpeg
from vtdata.records.clips import Clip, write_clips
from vtdata.records.ledger import LedgerEntry
from vtdata.records.sources import SourceItem, write_sources
from vtdata.shard.config import load_pipeline
from vtdata.shard.media import refs_from_store
from vtdata.shard.run import shard


def frozen_uniform(num_frames: int, vlen: int) -> list[int]:
    """Frozen's test-time frames (base/base_dataset.py L245-260, sample='uniform')."""
    intervals = np.linspace(start=0, stop=vlen, num=min(num_frames, vlen) + 1).astype(int)
    return [(a + b - 1) // 2 for a, b in zip(intervals[:-1], intervals[1:], strict=True)]


@pytest.fixture(scope="module")
def frozen_shards(tmp_path_factory) -> Path:
    return shard_with(tmp_path_factory.mktemp("frozen"), "webvid-frozen")


def shard_with(root: Path, pipeline: str) -> Path:
    """Two 10 s, 30 fps videos (300 frames; one train, one val) sharded with `-p PIPELINE`."""
    store = root / "store"
    items, entries, clips = [], [], []
    for vid, split in (("vid_t", "train"), ("vid_v", "val")):
        paths = ItemPaths(store, vid)
        paths.dir.mkdir(parents=True, exist_ok=True)
        out = paths.final("mp4")
        run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=96x64:rate=30", "-t", "10", "-c:v", "libx264",
                    "-pix_fmt", "yuv420p", "-g", "30", "-y", str(out)])  # fmt: skip
        items.append(SourceItem(vid, vid, "webvid", "video", f"http://x/{vid}", caption=vid, split=split))
        entries.append(LedgerEntry(vid, "ok", path=paths.relative(out), media="video"))
        clips.append(Clip(f"{vid}_0", vid, 0.0, 10.0, f"caption {vid}", split=split))
    write_sources(items, store / "sources.parquet")
    with Ledger(store) as ledger:
        ledger.put_many(entries)
    table = write_clips(clips, root / "clips.parquet")
    config = load_pipeline(pipeline, {"resize.short_side": 64})
    shard(table, root / "shards", config, refs_from_store(store))
    return root / "shards"


def test_the_preset_stores_every_frame_and_names_the_loader_sampling(frozen_shards):
    record = json.loads((frozen_shards / "dataset.json").read_text())
    assert record["store"] == "clip" and record["config"]["clip"]["fps"] is None
    assert record["config"]["loader"]["sampling"] == {"mode": "rand", "num_frames": 4, "protocol": "frozen"}
    ds = VideoTextDataset(frozen_shards, split="val", sampling="all", size=None, train=False)
    meta = next(iter(ds))["meta"]
    assert meta["num_frames"] == 300
    assert meta["frame_times"] == pytest.approx(np.arange(300) / 30, abs=1e-5)


def test_twenty_epochs_give_new_frozen_frames_every_epoch(frozen_shards):
    ds = VideoTextDataset(frozen_shards, split="train", sampling="protocol", size=48, train=True, seed=3)
    sets = []
    for epoch in range(20):
        ds.set_epoch(epoch)
        (sample,) = list(ds)
        picked = sample["meta"]["sampled_indices"]
        assert sample["video"].shape[0] == 4
        edges = np.linspace(0, 300, 5).astype(int)  # Frozen's draw: range(a, b - 1) of each segment
        assert all(a <= i < b - 1 for i, a, b in zip(picked, edges[:-1], edges[1:], strict=True))
        sets.append(tuple(picked))
    assert len(set(sets)) >= 15


def test_eval_frames_are_frozens_test_time_frames(frozen_shards):
    ds = VideoTextDataset(frozen_shards, split="val", sampling="protocol", size=48, train=False)
    (sample,) = list(ds)
    assert sample["meta"]["sampled_indices"] == frozen_uniform(4, 300) == [37, 112, 187, 262]


def test_a_pipeline_without_a_loader_section_loads_every_stored_frame(tmp_path):
    (tmp_path / "dataset.json").write_text(json.dumps({"config": {"name": "x"}}))
    from vtdata.loader.protocol import read_protocol

    assert read_protocol([str(tmp_path / "train-000000.tar")]).spec_for("train").mode == "all"


@pytest.mark.parametrize(
    ("pipeline", "frames", "val_indices"),
    [
        ("clipbert", 2, protocols.clipbert_middle(300, 2, 30.0, 2.0).tolist()),
        ("lavis-alpro", 8, np.arange(0, 300, 300 / 8).astype(int).tolist()),
        ("howto100m-milnce", 32, list(range(34, 66))),  # 100 frames at 10 fps; the centre 3.2 s
    ],
)
def test_other_per_epoch_presets(tmp_path, pipeline, frames, val_indices):
    out = shard_with(tmp_path, pipeline)
    ds = VideoTextDataset(out, split="train", sampling="protocol", size=48, train=True, seed=1)
    sets = set()
    for epoch in range(10):
        ds.set_epoch(epoch)
        (sample,) = list(ds)
        assert sample["video"].shape[0] == frames
        sets.add(tuple(sample["meta"]["sampled_indices"]))
    assert len(sets) >= 3
    (val,) = list(VideoTextDataset(out, split="val", sampling="protocol", size=48, train=False))
    assert val["meta"]["sampled_indices"] == val_indices
