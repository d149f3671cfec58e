"""`mode: streaming` against `mode: staged` on the synthetic corpus served on 127.0.0.1: the same
shards, index and stats byte for byte, media never kept, disk bounded by the jobs in flight."""

from __future__ import annotations

import json

import pytest

from vtdata.download.ledger import Ledger
from vtdata.records.names import SOURCES_NAME
from vtdata.run.job import STREAM_DIR
from vtdata.run.recipe import recipe_from_dict
from vtdata.run.stages import run_staged
from vtdata.run.streaming import plan_stream, run_streaming
from vtdata.shard.config import load_pipeline

MEDIA = ("*.mp4", "*.webm", "*.jpg", "*.png", "*.vtt")


def _ledger(store) -> dict[str, tuple]:
    with Ledger(store, readonly=True) as ledger:
        return {e.id: (e.status, e.reason, e.bytes, e.duration) for e in ledger.entries(status=None)}


def _media_left(root) -> list:
    return [p for pattern in MEDIA for p in root.rglob(pattern) if "corpus" not in p.parts]


def test_streaming_equals_staged_and_keeps_disk_bounded(staged_webvid, webvid_recipe, run_helpers, tmp_path):
    recipe = webvid_recipe(tmp_path / "run", "streaming")
    work = recipe.shards / STREAM_DIR / "work"
    with run_helpers.DiskSampler(work, recipe.root) as disk:
        summary = run_streaming(recipe)
    assert summary.jobs == 7 and summary.ok == 24 and not summary.failed_downloads
    run_helpers.assert_same_shards(staged_webvid.shards, recipe.shards)
    assert _ledger(recipe.store) == _ledger(staged_webvid.store)  # the same ledger rows (no media left)
    assert not _media_left(recipe.root)
    largest = max(e[2] for e in _ledger(recipe.store).values())
    jobs_in_flight = recipe.engine.workers
    # one item's media (and its small ledger memo) per job in flight, never the corpus
    assert 0 < disk.peaks[0] <= jobs_in_flight * (largest + 4096)
    outputs = run_helpers.du(recipe.root)
    assert disk.peaks[1] <= jobs_in_flight * (largest + 4096) + outputs + 64 * 1024
    staged_media = run_helpers.du(staged_webvid.store / "media")
    assert disk.peaks[0] < staged_media / 3  # the staged store holds all 24 videos


@pytest.mark.slow
def test_streaming_on_ray_equals_staged(staged_webvid, webvid_recipe, run_helpers, tmp_path):
    pytest.importorskip("ray")
    recipe = webvid_recipe(tmp_path / "run", "streaming", engine={"kind": "ray", "cpus_per_task": 0.5})
    summary = run_streaming(recipe)
    assert summary.ok == 24
    run_helpers.assert_same_shards(staged_webvid.shards, recipe.shards)
    assert not _media_left(recipe.root)


@pytest.mark.parametrize("sections", [False, True], ids=["whole-files", "sections"])
def test_howto100m_with_one_job_per_split_equals_staged(synthetic_native, run_helpers, tmp_path, sections):
    """A builder that makes several clips per item (merge, as the quickstart), fetched with yt-dlp
    with its captions (whole, or only the narrated span): one job per split (fewer items than
    items_per_job) is the staged plan."""
    n = synthetic_native

    def recipe(mode: str):
        return recipe_from_dict(
            {
                "corpus": "howto100m",
                "mode": mode,
                "metadata": {"paths": [str(n.howto_csv)], "captions": str(n.howto_captions),
                             "url_template": n.howto_url_template, "val_fraction": 0.3},
                "download": {"sections": sections, "section_pad": 0.0},
                "align": {"builder": "merge", "min_duration": 2.0, "max_duration": 6.0},
                "shard": {"set": {"store": "clip", "clip.fps": 8.0, "resize.short_side": 32}},
                "outputs": {"root": str(tmp_path / mode)},
                "engine": {"workers": 2},
            }
        )  # fmt: skip

    run_staged(recipe("staged"))
    summary = run_streaming(recipe("streaming"))
    assert summary.jobs == 2 and summary.clips > summary.items  # several clips per video
    with Ledger(tmp_path / "streaming/download", readonly=True) as ledger:
        offsets = [e.offset for e in ledger.entries()]
    assert len(offsets) == summary.items and any(offsets) == sections  # sections start after t=0
    run_helpers.assert_same_shards(tmp_path / "staged/shards", tmp_path / "streaming/shards")
    assert not _media_left(tmp_path / "streaming")


def test_failed_items_are_recorded_as_in_staged_mode(
    synthetic_corpus, synthetic_server, run_helpers, tmp_path
):
    """Rotted links: each failure is a ledger row with its reason in both modes, and never an index
    row; every item that succeeds in both has the same sample bytes."""
    native = synthetic_corpus.write_native(synthetic_server.url, tmp_path / "native", broken=0.3)
    webvid = {i.id for i in synthetic_corpus.items if i.dataset == "webvid"}
    hard = ("404", "corrupt", "html", "html-text")
    broken = {k for k, kind in native.broken.items() if kind in hard and k in webvid}
    assert broken

    def recipe(mode: str):
        data = run_helpers.webvid_dict(
            native, tmp_path / mode, mode, download={"retries": 0, "deadline": 4.0, "timeout": 2.0}
        )
        return recipe_from_dict(data)

    run_staged(recipe("staged"))
    streaming = recipe("streaming")
    summary = run_streaming(streaming)
    staged_ledger, streaming_ledger = _ledger(tmp_path / "staged/download"), _ledger(streaming.store)
    assert set(staged_ledger) == set(streaming_ledger) == webvid
    failed = {i for i, e in streaming_ledger.items() if e[0] == "failed"}
    assert broken <= failed and all(streaming_ledger[i][1] for i in failed)  # each with its reason
    assert {i: staged_ledger[i][1] for i in broken} == {i: streaming_ledger[i][1] for i in broken}
    assert sum(summary.failed_downloads.values()) == len(failed)
    import pyarrow.parquet as pq

    index = pq.read_table(streaming.shards / "index.parquet").to_pylist()
    assert {r["id"] for r in index} == set(streaming_ledger) - failed
    both = {i for i in staged_ledger if staged_ledger[i][0] == streaming_ledger[i][0] == "ok"}
    a = run_helpers.samples_by_key(tmp_path / "staged/shards")
    b = run_helpers.samples_by_key(streaming.shards)
    keys = {k for k in a if json.loads(a[k]["json"])["id"] in both}
    assert keys and keys <= set(b) and all(a[k] == b[k] for k in keys)

    # --retry-failed: only the jobs holding failed items run again
    records = {p.name: p.stat().st_mtime_ns for p in (streaming.shards / STREAM_DIR).glob("*-*.json")}
    holding = {
        name for name in records if json.loads((streaming.shards / STREAM_DIR / name).read_text())["failed"]
    }
    assert holding and holding != set(records)
    run_streaming(streaming, retry_failed=True)
    after = {p.name: p.stat().st_mtime_ns for p in (streaming.shards / STREAM_DIR).glob("*-*.json")}
    assert {n for n in records if after[n] != records[n]} == holding


def test_plan_depends_on_the_source_table_alone(staged_webvid, tmp_path):
    config = load_pipeline("webvid-frozen", {"shards.samples_per_shard": 5, "shards.splits": ["train"]})
    sources = staged_webvid.root / SOURCES_NAME
    jobs = plan_stream(sources, config, 5, "key", tmp_path / "a")
    assert [j.name for j in jobs] == [f"train-{k:06d}" for k in range(4)]
    ids = [i.id for j in jobs for i in j.items()]
    assert ids == sorted(ids) and len(set(ids)) == 18 and [j.count for j in jobs] == [5, 5, 5, 3]
    assert {i.split for j in jobs for i in j.items()} == {"train"}
    again = plan_stream(sources, config, 5, "key", tmp_path / "b")
    assert [j.key for j in again] == [j.key for j in jobs]
    assert (tmp_path / "a/items-key.parquet").read_bytes() == (tmp_path / "b/items-key.parquet").read_bytes()
    assert plan_stream(sources, config, 5, "other", tmp_path / "c")[0].key != jobs[0].key


def test_plan_sorts_large_tables_on_disk_and_keeps_first_rows(tmp_path):
    """A table larger than one in-memory run is range-partitioned on disk: same jobs as in memory;
    a repeated id keeps its first row (as align does)."""
    from vtdata.records.sources import SourceItem, write_sources

    items = [
        SourceItem(
            f"v{k % 997:05d}", "s", "custom", "video", f"http://h/{k}.mp4", split="val" if k % 5 else "train"
        )
        for k in range(1200)
    ]
    sources = write_sources(items, tmp_path / "sources.parquet")
    config = load_pipeline(None, {})
    small = plan_stream(sources, config, 64, "k", tmp_path / "mem")
    large = plan_stream(sources, config, 64, "k", tmp_path / "disk", run_rows=100)
    assert [(j.name, j.count, j.key) for j in large] == [(j.name, j.count, j.key) for j in small]
    first = {}
    for item in items:
        first.setdefault(item.id, item)
    planned = {i.id: i for j in small for i in j.items()}
    assert len(planned) == 997 and all(planned[k].url == first[k].url for k in planned)
    assert [j.name for j in small if j.split == "val"][0] == "val-000000"


def test_cc3m_images_streaming_equals_staged(synthetic_native, run_helpers, tmp_path):
    """Images resized at download, one 1-frame sample each (the shipped cc3m recipe's pipeline)."""
    n = synthetic_native

    def recipe(mode: str):
        return recipe_from_dict(
            {
                "corpus": "cc3m",
                "mode": mode,
                "metadata": {"paths": [str(n.cc3m_tsv), str(n.cc3m_val_tsv)]},
                "download": {"image_size": 64},
                "align": {"builder": "whole"},
                "shard": {"pipeline": "cc3m-images", "set": {"shards.samples_per_shard": 3}},
                "outputs": {"root": str(tmp_path / mode)},
                "engine": {"workers": 2},
            }
        )

    run_staged(recipe("staged"))
    summary = run_streaming(recipe("streaming"))
    assert summary.ok == 12 and summary.jobs >= 4
    run_helpers.assert_same_shards(tmp_path / "staged/shards", tmp_path / "streaming/shards")
    assert not _media_left(tmp_path / "streaming")
