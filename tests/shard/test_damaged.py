"""Damaged media (issue 14.7): a file with flipped bytes passes download verification, but its
concealed frames fail their clips as `damaged`, with the counts in index.parquet and stats.json."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from vtdata.cli import main
from vtdata.download.ledger import Ledger
from vtdata.download.store import ItemPaths
from vtdata.media.ffmpeg import run_ffmpeg
from vtdata.media.verify import verify_video
from vtdata.records.clips import Clip, write_clips
from vtdata.records.ledger import LedgerEntry
from vtdata.records.sources import SourceItem, write_sources
from vtdata.synthetic.faults import flip_second_half


@pytest.fixture(scope="module")
def damaged_store(tmp_path_factory) -> tuple[Path, Path]:
    """A store with an intact synthetic video and its bit-flipped copy, one whole-file clip each."""
    root = tmp_path_factory.mktemp("damaged")
    store = root / "store"
    good = ItemPaths(store, "intact")
    good.dir.mkdir(parents=True, exist_ok=True)
    pattern = "testsrc2=size=320x240:rate=25"
    args = ["-f", "lavfi", "-i", pattern, "-t", "6", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "50"]
    run_ffmpeg([*args, "-y", str(good.final("mp4"))])
    bad = ItemPaths(store, "flipped")
    bad.dir.mkdir(parents=True, exist_ok=True)
    bad.final("mp4").write_bytes(flip_second_half(good.final("mp4").read_bytes()))
    items, entries, clips = [], [], []
    for paths, item_id in ((good, "intact"), (bad, "flipped")):
        items.append(SourceItem(item_id, item_id, "custom", "video", f"http://x/{item_id}", caption=item_id))
        entries.append(LedgerEntry(item_id, "ok", path=paths.relative(paths.final("mp4")), media="video"))
        clips.append(Clip(f"{item_id}_0", item_id, 0.0, 6.0, item_id))
    write_sources(items, store / "sources.parquet")
    with Ledger(store) as ledger:
        ledger.put_many(entries)
    return store, write_clips(clips, root / "clips.parquet")


def test_the_flipped_file_passes_download_verification(damaged_store):
    store, _ = damaged_store
    verify_video(ItemPaths(store, "flipped").final("mp4"))  # raises if the download check caught it


def _shard(store: Path, clips: Path, out: Path, *extra: str) -> tuple[dict, dict]:
    result = CliRunner().invoke(
        main, ["shard", str(store), "--clips", str(clips), "-o", str(out), "--workers", "1", *extra]
    )
    assert result.exit_code == 0, result.output
    rows = {r["clip_id"]: r for r in pq.read_table(out / "index.parquet").to_pylist()}
    return rows, json.loads((out / "stats.json").read_text())


@pytest.mark.parametrize(
    "store_args",
    [
        ["--store", "frames", "--sampling", "uniform", "--num-frames", "8"],
        ["--store", "clip", "--clip-fps", "4"],
    ],
    ids=["frames", "clip"],
)
def test_damaged_clip_fails_with_its_counts(damaged_store, tmp_path, store_args):
    store, clips = damaged_store
    rows, stats = _shard(store, clips, tmp_path / "out", *store_args, "--size", "64")
    intact, flipped = rows["intact_0"], rows["flipped_0"]
    assert intact["reason"] is None and intact["shard"] is not None
    assert (intact["decode_errors"], intact["damaged_frames"]) == (0, 0)
    assert flipped["reason"] == "damaged" and flipped["shard"] is None
    assert flipped["decode_errors"] > 0 and flipped["damaged_frames"] > 0
    assert stats["total"]["failures_by_reason"] == {"damaged": 1}
    (failure,) = stats["failures"]
    assert failure["decode_errors"] == flipped["decode_errors"]
    assert failure["damaged_frames"] == flipped["damaged_frames"]
    message = failure["message"]
    assert "flipped.mp4" in message and f"{flipped['damaged_frames']} damaged frame" in message
    assert f"{flipped['decode_errors']} error" in message and "max_damaged_frames" in message

    # null threshold: the clip is kept and only counted
    kept, stats = _shard(store, clips, tmp_path / "kept", *store_args, "--size", "64",
                         "--set", "decode.max_damaged_frames=null")  # fmt: skip
    assert kept["flipped_0"]["reason"] is None and kept["flipped_0"]["shard"] is not None
    assert kept["flipped_0"]["damaged_frames"] > 0 and stats["total"]["failed"] == 0


def test_repeated_runs_give_the_same_verdict_and_counts(damaged_store, tmp_path):
    """Repeated runs, in this process and in two worker processes (the decoder log switched on and
    off per clip, decord's log hooked in each), neither hang nor disagree."""
    store, clips = damaged_store
    verdicts = []
    for k, workers in enumerate(("1", "2", "2", "1")):
        rows, _ = _shard(store, clips, tmp_path / f"run{k}", "--sampling", "uniform", "--size", "64",
                         "--samples-per-shard", "1", "--workers", workers)  # fmt: skip
        flipped = rows["flipped_0"]
        verdicts.append((rows["intact_0"]["reason"], flipped["reason"], flipped["damaged_frames"]))
    assert verdicts == [verdicts[0]] * 4 and verdicts[0][:2] == (None, "damaged")
