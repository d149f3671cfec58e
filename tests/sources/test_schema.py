from pathlib import Path

import pyarrow.parquet as pq
import pytest

from vtdata.records.sources import SCHEMA_VERSION, SourceItem, read_sources, write_sources
from vtdata.sources import cc3m, howto100m, table, webvid

ROOT = Path(__file__).resolve().parents[2]
M = ROOT / "manifests"


def test_every_recipe_round_trips(tmp_path):
    items = (
        howto100m.read(M / "howto100m" / "HowTo100M_v1.csv", M / "howto100m" / "caption.json").items
        + webvid.read(M / "webvid" / "results_sample.csv").items
        + cc3m.read(M / "cc3m" / "Train_GCC-training_sample.tsv").items
        + table.read(M / "table" / "segments.jsonl").items
    )
    path = write_sources(items, tmp_path / "sources.parquet", batch_size=4)  # several row groups
    assert list(read_sources(path)) == items
    assert pq.read_schema(path).metadata[b"vtdata.schema_version"] == str(SCHEMA_VERSION).encode()
    assert pq.ParquetFile(path).metadata.num_row_groups > 1


def test_failed_write_leaves_the_old_file(tmp_path):
    path = write_sources([SourceItem("a", "a", "custom", "video", "http://e/a")], tmp_path / "s.parquet")

    def broken():
        yield SourceItem("b", "b", "custom", "video", "http://e/b")
        raise RuntimeError("input died")

    with pytest.raises(RuntimeError):
        write_sources(broken(), path)
    assert [i.id for i in read_sources(path)] == ["a"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.parquet"]
