"""vtdata/records/tables.py: every table is checked on read, and a wrong one is one clear line."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from vtdata.cli import main
from vtdata.records.clips import Clip, read_clips, write_clips
from vtdata.records.sources import SourceItem, read_sources, write_sources
from vtdata.records.tables import TableError


@pytest.fixture
def tables(tmp_path):
    sources = write_sources(
        [SourceItem("v1", "v1", "custom", "video", "http://h/v1.mp4", caption="a cat")],
        tmp_path / "s.parquet",
    )
    clips = write_clips([Clip("v1_0", "v1", 0.0, 1.0, "a cat")], tmp_path / "c.parquet")
    return sources, clips


def test_each_reader_refuses_the_other_kind(tables):
    sources, clips = tables
    with pytest.raises(TableError, match=r"c\.parquet: source table expected; this is a clips table"):
        read_sources(clips)
    with pytest.raises(TableError, match=r"s\.parquet: clips table expected; this is a source table"):
        read_clips(sources)
    assert [c.clip_id for c in read_clips(clips)] == ["v1_0"]


def test_missing_empty_and_garbage_files(tmp_path):
    empty = tmp_path / "empty.parquet"
    empty.write_bytes(b"")
    garbage = tmp_path / "garbage.parquet"
    garbage.write_text("id,url\nv1,http://h/x\n")
    with pytest.raises(TableError, match=r"empty\.parquet: empty file \(0 bytes\); expected a clips table"):
        read_clips(empty)
    with pytest.raises(TableError, match=r"garbage\.parquet: not a Parquet file; expected a source table"):
        read_sources(garbage)
    with pytest.raises(TableError, match=r"nope\.parquet: no such file"):
        read_clips(tmp_path / "nope.parquet")
    with pytest.raises(TableError, match="is a folder"):
        read_clips(tmp_path)


def test_newer_schema_and_foreign_kinds(tmp_path, tables):
    _, clips = tables
    table = pq.read_table(clips)
    meta = {**table.schema.metadata, b"vtdata.schema_version": b"9"}
    pq.write_table(table.replace_schema_metadata(meta), tmp_path / "new.parquet")
    with pytest.raises(
        TableError, match="clips table of schema_version 9; this vtdata reads up to 1: upgrade"
    ):
        read_clips(tmp_path / "new.parquet")
    other = {**table.schema.metadata, b"vtdata.table": b"mystery"}
    pq.write_table(table.replace_schema_metadata(other), tmp_path / "other.parquet")
    with pytest.raises(TableError, match="this is a table of kind 'mystery'"):
        read_clips(tmp_path / "other.parquet")


def test_hand_made_tables_need_only_the_required_columns(tmp_path):
    pq.write_table(pa.table({"id": ["a"], "url": ["http://h/a.jpg"]}), tmp_path / "mine.parquet")
    item = next(read_sources(tmp_path / "mine.parquet"))
    assert (item.id, item.source_id, item.dataset, item.media, item.split) == (
        "a",
        "a",
        "custom",
        "video",
        "train",
    )
    pq.write_table(
        pa.table({"clip_id": ["a_0"], "id": ["a"], "start": [0.0], "end": [2.0], "text": ["hi"]}),
        tmp_path / "clips.parquet",
    )
    assert next(read_clips(tmp_path / "clips.parquet")) == Clip("a_0", "a", 0.0, 2.0, "hi")
    pq.write_table(pa.table({"id": ["a"], "caption": ["x"]}), tmp_path / "bad.parquet")
    with pytest.raises(TableError, match=r"not a source table: it lacks the column\(s\) url"):
        read_sources(tmp_path / "bad.parquet")


def test_wrong_tables_through_the_cli_are_one_line(tmp_path, tables):
    sources, clips = tables
    store = tmp_path / "store"
    store.mkdir()
    media = tmp_path / "media.csv"
    media.write_text("id,path\nv1,v1.mp4\n")
    runs = {
        "shard": ["shard", "--media-table", str(media), "--clips", str(sources), "-o", str(tmp_path / "o")],
        "align": ["align", "--sources", str(clips)],
        "download": ["download", str(clips), "-o", str(store)],
    }
    for name, args in runs.items():
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1, (name, result.output)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), (name, result.output)
        assert "expected" in lines[0] and "Traceback" not in result.output, (name, result.output)


def test_a_hand_made_source_table_downloads_and_shards_like_a_recipe_one(tmp_path):
    """Only id and url: the store's copy fills the rest, and the shard stage finds the media kind."""
    from vtdata.download.store import copy_sources
    from vtdata.records.sources import read_sources as read
    from vtdata.shard.media import refs_from_store

    table = tmp_path / "mine.parquet"
    pq.write_table(pa.table({"id": ["a", "b"], "url": ["http://h/a.mp4", "http://h/b.mp4"]}), table)
    store = tmp_path / "store"
    store.mkdir()
    copy_sources(table, store)
    assert [(i.id, i.dataset, i.media) for i in read(store / "sources.parquet")] == [
        ("a", "custom", "video"),
        ("b", "custom", "video"),
    ]
    (store / "ledger.sqlite").touch()  # refs need a ledger: an empty file is refused with its name
    with pytest.raises(ValueError, match="not a vtdata download ledger"):
        refs_from_store(store)
