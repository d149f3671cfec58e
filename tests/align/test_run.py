"""vtdata/align/run.py: a store aligned in chunks on any engine gives the bytes of one process."""

from __future__ import annotations

from pathlib import Path

import pytest

from vtdata.align import run
from vtdata.align.options import AlignOptions, ClipOptions
from vtdata.align.run import align
from vtdata.align.store import run_align, store_items
from vtdata.download.ledger import Ledger
from vtdata.download.store import ItemPaths
from vtdata.engine.local import LocalEngine
from vtdata.records.ledger import LedgerEntry
from vtdata.records.sources import Segment, SourceItem, write_sources
from vtdata.records.tables import TableError
from vtdata.synthetic.captions import youtube_autocaption_vtt


def _words(k: int) -> list[tuple[float, float, str]]:
    return [(t * 0.7 + k % 3, t * 0.7 + k % 3 + 0.6, f"word{(t + k) % 11}") for t in range(25)]


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """30 items: rolling YouTube subtitles, narration segments, captions, images, one not downloaded,
    one id twice."""
    root = tmp_path_factory.mktemp("align-store") / "store"
    root.mkdir()
    items = []
    with Ledger(root) as ledger:
        for k in range(30):
            item_id = f"item{k:02d}"
            if k % 5 == 0:
                item = SourceItem(
                    item_id, item_id, "cc3m", "image", f"http://h/{item_id}.jpg", caption=f"a photo {k}"
                )
            elif k % 2:
                segs = [Segment(s * 3.0, s * 3.0 + 2.5, f"step {s} of {k}") for s in range(6)]
                item = SourceItem(
                    item_id, item_id, "howto100m", "video", f"http://h/{item_id}", segments=segs
                )
            else:
                item = SourceItem(item_id, item_id, "custom", "video", f"http://h/{item_id}.mp4")
            items.append(item)
            if k == 7:
                continue  # never downloaded
            subs = {}
            if item.media == "video" and not item.segments:
                paths = ItemPaths(root, item_id)
                paths.dir.mkdir(parents=True, exist_ok=True)
                vtt = paths.subtitle("en")
                vtt.write_text(youtube_autocaption_vtt(_words(k), style="new" if k % 4 else "old"))
                subs = {"en": paths.relative(vtt)}
            ledger.put(LedgerEntry(item_id, "ok", media=item.media, duration=30.0, subtitles=subs))
    items.append(items[3])  # an id met twice
    write_sources(items, root / "sources.parquet")
    return root


def test_any_number_of_workers_gives_the_same_bytes(store, tmp_path, monkeypatch):
    monkeypatch.setattr(run, "CHUNK", 4)  # 8 chunks: they finish out of order on two workers
    opts = AlignOptions(ClipOptions("merge", min_duration=2.0, max_duration=6.0, context=1))
    one = align(tmp_path / "one" / "clips.parquet", opts, store=store)
    two = align(tmp_path / "two" / "clips.parquet", opts, store=store, engine=LocalEngine(2))
    reference = run_align(store_items(store), tmp_path / "ref" / "clips.parquet", opts)
    for name in ("clips.parquet", "clips.report.json"):
        data = (tmp_path / "ref" / name).read_bytes()
        assert (tmp_path / "one" / name).read_bytes() == data
        assert (tmp_path / "two" / name).read_bytes() == data
    assert one.to_dict() == two.to_dict() == reference.to_dict()
    assert one.items == 31 and one.clips > 40
    assert one.drops["item:not_downloaded"] == 2  # item07, and item03 met a second time


def test_a_bare_source_table_and_many_row_groups(store, tmp_path, monkeypatch):
    monkeypatch.setattr(run, "CHUNK", 3)
    monkeypatch.setattr(run, "GROUP", 10)  # clips.parquet row groups of 10, cut across chunks
    table = store / "sources.parquet"
    one = tmp_path / "one.parquet"
    two = tmp_path / "two.parquet"
    align(one, sources=table)
    align(two, sources=table, engine=LocalEngine(2))
    assert one.read_bytes() == two.read_bytes()


def test_wrong_inputs_fail_before_anything_is_written(store, tmp_path):
    with pytest.raises(TableError, match="source table expected"):
        align(tmp_path / "x" / "clips.parquet", sources=_clips_table(store, tmp_path))
    with pytest.raises(TableError, match="sources.parquet: no such file"):
        align(tmp_path / "y" / "clips.parquet", store=tmp_path)
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "sources.parquet").write_bytes((store / "sources.parquet").read_bytes())
    with pytest.raises(FileNotFoundError, match="no download ledger"):
        align(tmp_path / "y" / "clips.parquet", store=bare)
    with pytest.raises(ValueError, match="one of them"):
        align(tmp_path / "z.parquet")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bare", "c.parquet", "c.report.json"]


def _clips_table(store: Path, tmp_path: Path) -> Path:
    out = tmp_path / "c.parquet"
    align(out, sources=store / "sources.parquet")
    return out
