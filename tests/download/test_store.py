import pyarrow.parquet as pq
import pytest

from vtdata.download.store import ItemPaths, StoreBusy, copy_sources, store_lock, sweep_partials
from vtdata.records.sources import SourceItem, read_sources, write_sources


def item(i, url="http://h/x.mp4"):
    return SourceItem(id=i, source_id=i, dataset="custom", media="video", url=url)


@pytest.mark.parametrize("raw", ["../../x", "/etc/passwd", "a/../../b", "..", "x" * 300, "-rf", "a.b.c"])
def test_item_paths_stay_inside_the_store(tmp_path, raw):
    paths = ItemPaths(tmp_path, raw)
    for path in (paths.final("mp4"), paths.subtitle("../en"), paths.part(), paths.part("ytdlp")):
        resolved = path.resolve()
        assert resolved.is_relative_to((tmp_path / "media").resolve())
        assert resolved.parent == paths.dir.resolve()
    assert "." not in paths.sid and "/" not in paths.sid
    assert paths.relative(paths.final("mp4")).startswith("media/")


def test_clear_removes_only_this_items_files(tmp_path):
    paths = ItemPaths(tmp_path, "ab")
    paths.dir.mkdir(parents=True)
    mine = [paths.final("mp4"), paths.subtitle("en"), paths.part()]
    (paths.dir / ".ab.ytdlp.part").mkdir()
    (paths.dir / ".ab.ytdlp.part" / "media.mp4").write_bytes(b"x")
    others = [paths.dir / "ab_c.mp4", paths.dir / "abc.mp4", paths.dir / ".ab_c.part"]
    for f in mine + others:
        f.write_bytes(b"x")
    paths.clear()
    assert sorted(p.name for p in paths.dir.iterdir()) == sorted(p.name for p in others)


def test_sweep_partials_removes_part_files_and_folders_only(tmp_path):
    shard = tmp_path / "media" / "0a"
    shard.mkdir(parents=True)
    (shard / ".x.part").write_bytes(b"half")
    (shard / ".y.ytdlp.part").mkdir()
    (shard / ".y.ytdlp.part" / "media.mp4.part").write_bytes(b"half")
    (shard / "z.mp4").write_bytes(b"whole")
    assert sweep_partials(tmp_path) == 2
    assert [p.name for p in shard.iterdir()] == ["z.mp4"]
    assert sweep_partials(tmp_path / "nothing") == 0


def test_store_lock_is_exclusive(tmp_path):
    with store_lock(tmp_path):
        with pytest.raises(StoreBusy, match="another `vtdata download`"):
            with store_lock(tmp_path):
                pass
    with store_lock(tmp_path):  # released
        pass


def test_copy_sources_merges_with_an_earlier_copy(tmp_path):
    copy_sources([item("a", "http://h/a1.mp4"), item("b")], tmp_path)
    src = write_sources([item("a", "http://h/a2.mp4"), item("c")], tmp_path / "in" / "sources.parquet")
    dest = copy_sources(src, tmp_path)
    rows = {i.id: i.url for i in read_sources(dest)}
    assert rows == {"a": "http://h/a2.mp4", "b": "http://h/x.mp4", "c": "http://h/x.mp4"}
    assert pq.read_schema(dest).metadata[b"vtdata.table"] == b"sources"
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_rerun_with_the_same_table_keeps_the_copy_and_a_new_table_replaces_it(tmp_path):
    from vtdata.records.sources import write_sources

    table = write_sources(iter([item("a"), item("b")]), tmp_path / "in.parquet")
    store = tmp_path / "store"
    store.mkdir()
    dest = copy_sources(table, store)
    first = dest.stat().st_mtime_ns, dest.read_bytes()
    assert copy_sources(table, store) == dest
    assert (dest.stat().st_mtime_ns, dest.read_bytes()) == first  # not rewritten
    write_sources(iter([item("c")]), table)
    copy_sources(table, store)
    assert dest.read_bytes() != first[1]  # a changed table is copied again (merged with a, b)
    dest.write_bytes(first[1])  # the copy changed behind our back: the next run rewrites it
    copy_sources(table, store)
    import pyarrow.parquet as pq

    assert sorted(pq.read_table(dest).column("id").to_pylist()) == ["a", "b", "c"]
