"""`vtdata.shard.inspect` reads one sample back and draws it, from a real shard folder."""

import pytest
from click.testing import CliRunner

from vtdata.cli import main
from vtdata.media.sheet import MIN_CELL
from vtdata.shard.inspect import contact_sheet, crop_note, read_sample, sample_keys


@pytest.fixture(scope="module")
def quick_shards(quickstart):
    return quickstart


@pytest.mark.slow
def test_frames_sample_round_trips_into_a_sheet(quick_shards):
    shards = quick_shards / "webvid" / "shards"
    key = sample_keys(shards, limit=1)[0]
    sample = read_sample(shards, key)
    assert sample.meta["clip_id"] == key
    n = len(sample.frames)
    assert n == sample.meta["num_frames"] > 8  # the quickstart stores every frame
    assert sample.text and sample.frames[0].shape == (64, 64, 3)
    sheet = contact_sheet(sample, columns=4)
    # 64 px frames drawn in 128 px cells, rows of 4, the caption wrapped underneath
    assert sheet.size[0] == 4 * MIN_CELL and sheet.size[1] > -(-n // 4) * MIN_CELL


@pytest.mark.slow
def test_clip_store_sample_decodes(quick_shards):
    shards = quick_shards / "howto100m" / "shards"
    sample = read_sample(shards, sample_keys(shards, limit=1)[0])
    assert sample.meta["store"] == "clip" and len(sample.frames) >= 8


@pytest.mark.slow
def test_unknown_key_names_the_folder(quick_shards):
    with pytest.raises(KeyError, match="index.parquet"):
        read_sample(quick_shards / "webvid" / "shards", "no_such_clip")


@pytest.mark.slow
def test_inspect_and_stats_commands(quick_shards, tmp_path):
    shards = quick_shards / "webvid" / "shards"
    runner = CliRunner()
    listed = runner.invoke(main, ["inspect", str(shards)])
    assert listed.exit_code == 0 and sample_keys(shards, 1)[0] in listed.output
    out = tmp_path / "sheet.png"
    drawn = runner.invoke(main, ["inspect", str(shards), "--key", sample_keys(shards, 1)[0], "-o", str(out)])
    assert drawn.exit_code == 0, drawn.output
    assert out.stat().st_size > 0
    assert "centre-cropped to 64x64" in drawn.output and crop_note(shards) in drawn.output
    assert crop_note(quick_shards / "howto100m" / "shards") is None  # the clip store is not cropped
    stats = runner.invoke(main, ["stats", str(shards)])
    assert stats.exit_code == 0 and f"{len(sample_keys(shards))} samples" in stats.output
    store = runner.invoke(main, ["stats", str(quick_shards / "webvid" / "download")])
    assert store.exit_code == 0 and "ok" in store.output and f" {len(sample_keys(shards))} " in store.output
