import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from vtdata.align.options import AlignOptions
from vtdata.align.pipeline import Drop
from vtdata.align.store import find_item, report_path, run_align, source_items, store_items
from vtdata.download.ledger import Ledger
from vtdata.records.clips import read_clips
from vtdata.records.ids import shard_of
from vtdata.records.ledger import LedgerEntry
from vtdata.records.sources import Segment, SourceItem, write_sources


def _src(item_id, dataset="howto100m", media="video", **kw):
    return SourceItem(item_id, item_id, dataset, media, f"http://x/{item_id}", **kw)


@pytest.fixture
def store(real_file, tmp_path):
    """A download store as `vtdata download` leaves it: sources.parquet, ledger.sqlite, media/."""
    root = tmp_path / "store"
    root.mkdir()
    segs = [
        Segment(0.5, 3.0, "wash the potatoes"),
        Segment(3.0, 6.0, "[Music]"),
        Segment(6.0, 9.0, "cut them"),
    ]
    items = [
        _src("yt1", segments=segs),  # YouTube subtitles win over its segments
        _src("seg1", segments=segs),  # no subtitles: segments
        _src("bad1", segments=segs),  # empty subtitle file: reported, segments used
        _src("web1", "webvid", caption="a cat on a mat", duration=99.0),
        _src("img1", "cc3m", "image", caption="a red dog"),
        _src("gone1", caption="never downloaded"),
        _src("fail1", caption="failed download"),
        _src("esc1", caption="escaping subtitle path"),
    ]
    write_sources(items, root / "sources.parquet")

    def sub(item_id, content: bytes | Path) -> str:
        rel = f"media/{shard_of(item_id)}/{item_id}.en.vtt"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            shutil.copy(content, root / rel)
        else:
            (root / rel).write_bytes(content)
        return rel

    with Ledger(root) as ledger:
        ok = {"status": "ok", "bytes": 1}
        ledger.put(
            LedgerEntry(
                "yt1",
                **ok,
                duration=300.0,
                offset=280.0,
                subtitles={"en": sub("yt1", real_file("youtube_autocaption_old.vtt"))},
            )
        )
        ledger.put(LedgerEntry("seg1", **ok, duration=8.0))
        ledger.put(LedgerEntry("bad1", **ok, duration=8.0, subtitles={"en": sub("bad1", b"")}))
        ledger.put(LedgerEntry("web1", **ok, duration=7.5))
        ledger.put(LedgerEntry("img1", **ok, media="image"))
        ledger.put(LedgerEntry("fail1", "failed", reason="not_found"))
        ledger.put(LedgerEntry("esc1", **ok, duration=5.0, subtitles={"en": "../../../etc/passwd"}))
    return root


def test_store_items_join_sources_and_ledger(store):
    items = {(x.id if isinstance(x, Drop) else x.item.id): x for x in store_items(store)}
    assert isinstance(items["gone1"], Drop) and items["gone1"].reason == "not_downloaded"
    assert isinstance(items["fail1"], Drop)
    assert items["yt1"].offset == 280.0 and items["yt1"].duration == 300.0
    assert items["yt1"].subtitles["en"] == (store / f"media/{shard_of('yt1')}/yt1.en.vtt").resolve()
    assert items["esc1"].subtitles == {}  # a path leaving the store is ignored
    assert items["web1"].duration == 7.5  # probed, not the table's 99


def test_run_align_on_a_store(store):
    out = store / "clips.parquet"
    summary = run_align(store_items(store), out)
    clips = {c.clip_id: c for c in read_clips(out)}
    # yt1: YouTube words, minus the 280 s offset of the section download
    assert [(c.start, c.end, c.text) for c in clips.values() if c.id == "yt1"] == [
        (6.07, 6.47, "yeah"),
        (6.47, 24.08, "what"),
        (24.08, 25.069, "this will happen is I'm telling"),
    ]
    assert [(c.start, c.end, c.text) for c in clips.values() if c.id == "seg1"] == [
        (0.5, 3.0, "wash the potatoes"),
        (6.0, 8.0, "cut them"),
    ]
    assert [c.clip_id for c in clips.values() if c.id == "bad1"] == ["bad1_0", "bad1_1"]
    assert (clips["web1_0"].start, clips["web1_0"].end, clips["web1_0"].text) == (0.0, 7.5, "a cat on a mat")
    assert (clips["img1_0"].start, clips["img1_0"].end) == (0.0, 0.0)
    assert (clips["esc1_0"].end, clips["esc1_0"].text) == (5.0, "escaping subtitle path")
    assert summary.items == 8 and summary.clips == len(clips) == 10
    assert summary.drops["item:not_downloaded"] == 2 and summary.drops["cue:annotation_only"] == 2
    assert summary.sources == {"subtitles": 1, "segments": 2, "caption": 3, "none": 2}
    report = json.loads(report_path(out).read_text())
    assert report["clips"] == 10 and any("bad1" in line and "empty" in line for line in report["issue_lines"])
    assert {d["id"] for d in report["item_drops"]} == {"gone1", "fail1"}
    assert pq.read_table(out).schema.metadata[b"vtdata.schema_version"] == b"1"


def test_source_table_alone(store):
    out = store / "alone.parquet"
    summary = run_align(source_items(store / "sources.parquet"), out, AlignOptions())
    by_id = {c.id: c for c in read_clips(out)}
    assert set(by_id) == {"yt1", "seg1", "bad1", "web1", "img1"}
    assert by_id["web1"].end == 99.0  # the table's duration
    assert summary.drops.get("clip:no_duration") == 3  # gone1, fail1, esc1: no duration in the table


def test_find_item(store):
    assert find_item(store_items(store), "seg1").item.id == "seg1"
    assert find_item(store_items(store), "nope") is None
