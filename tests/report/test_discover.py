"""`vtdata.report.discover`: every output at or under a path, grouped by the folder holding it."""

import pytest
from click.testing import CliRunner

from vtdata.cli import main
from vtdata.records.folders import DOWNLOAD_STORE, SHARD_FOLDER, TRAINING_RUN
from vtdata.report.discover import CLIPS_TABLE, discover

pytestmark = pytest.mark.slow


def test_a_quickstart_folder_holds_every_kind(quickstart):
    found = {(p.group, p.kind, p.path.relative_to(quickstart).as_posix()) for p in discover(quickstart)}
    for corpus in ("webvid", "howto100m", "cc3m"):
        assert (corpus, DOWNLOAD_STORE, f"{corpus}/download") in found
        assert (corpus, CLIPS_TABLE, f"{corpus}/download/clips.parquet") in found
        assert (corpus, SHARD_FOLDER, f"{corpus}/shards") in found
    assert ("runs", TRAINING_RUN, "runs/reference") in found
    assert len(found) == 10  # nothing from corpus/ or metadata/


def test_one_output_alone(quickstart):
    [shards] = discover(quickstart / "cc3m" / "shards")
    assert shards.kind == SHARD_FOLDER
    [clips] = discover(quickstart / "cc3m" / "download" / "clips.parquet")
    assert clips.kind == CLIPS_TABLE
    kinds = [p.kind for p in discover(quickstart / "cc3m" / "download")]
    assert kinds == [DOWNLOAD_STORE, CLIPS_TABLE]


def test_stats_plot_writes_the_charts(quickstart, tmp_path):
    runner = CliRunner()
    result = runner.invoke(
        main, ["stats", str(quickstart / "webvid" / "shards"), "--plot", str(tmp_path / "p")]
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "p").iterdir())
    assert names == [
        "bytes_per_sample.png",
        "frames_per_sample.png",
        "sampled_clip_lengths.png",
        "shard_tar_sizes.png",
    ]
    assert all((tmp_path / "p" / n).read_bytes().startswith(b"\x89PNG") for n in names)
    store = runner.invoke(
        main, ["stats", str(quickstart / "howto100m" / "download"), "--plot", str(tmp_path / "s")]
    )
    assert store.exit_code == 0, store.output
    assert {"durations.png", "codecs.png", "clip_lengths.png", "caption_words.png"} <= {
        p.name for p in (tmp_path / "s").iterdir()
    }
