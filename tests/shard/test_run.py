"""vtdata/shard/run.py (+ job, outputs, media refs): reproducible, resumable, plain WebDataset output."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import webdataset as wds

from vtdata.records.clips import Clip
from vtdata.shard.config import load_pipeline
from vtdata.shard.job import _here, run_shard_job
from vtdata.shard.media import MediaRef, refs_from_store, refs_from_table
from vtdata.shard.plan import plan_shards
from vtdata.shard.run import ShardError, absolute, shard

CONFIG = {"sampling.num_frames": 3, "resize.short_side": 48, "shards.samples_per_shard": 3}


def _files(out: Path) -> dict[str, bytes]:
    """Every output file but the done records (which hold wall times) and the lock."""
    return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and not p.name.startswith(".")}


@pytest.fixture(scope="module")
def first_run(shard_input, tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "shards"
    summary = shard(shard_input.clips, out, load_pipeline(None, CONFIG), refs_from_store(shard_input.store))
    return out, summary


def test_two_runs_are_byte_identical(first_run, shard_input, tmp_path):
    out, _ = first_run
    again = tmp_path / "again"
    shard(shard_input.clips, again, load_pipeline(None, CONFIG), refs_from_store(shard_input.store))
    assert _files(out) == _files(again)
    assert sorted(_files(out)) == [
        "dataset.json",
        "index.parquet",
        "stats.json",
        "train-000000.tar",
        "train-000001.tar",
        "train-000002.tar",
        "val-000000.tar",
    ]  # train-000003 held only the failed download: no tar, and nothing renumbered


def test_plain_webdataset_and_tar_read_the_shards(first_run):
    out, _ = first_run
    keys = []
    for tar in sorted(out.glob("*.tar")):
        for sample in wds.WebDataset(str(tar), shardshuffle=False):
            meta = json.loads(sample["json"])
            assert meta["clip_id"] == sample["__key__"]
            assert sample["txt"].decode() and "000.jpg" in sample
            keys.append(sample["__key__"])
        listing = subprocess.run(["tar", "tf", str(tar)], capture_output=True, text=True, check=True)
        assert all(name.split(".", 1)[0] in keys for name in listing.stdout.split())
    assert keys == ["img_a_0", "img_b_0", "vid_a_0", "vid_a_1", "vid_a_2", "vid_b_0", "vid_c_0"] + [
        "vid_d_0",
        "vid_d_1",
    ]


def test_index_stats_and_dataset_json(first_run):
    out, summary = first_run
    index = pq.read_table(out / "index.parquet").to_pylist()
    assert len(index) == 11
    by_clip = {row["clip_id"]: row for row in index}
    assert by_clip["vid_a_1"]["shard"] == "train-000001.tar" and by_clip["vid_a_1"]["num_frames"] == 3
    assert by_clip["img_a_0"]["media"] == "image" and by_clip["img_a_0"]["num_frames"] == 1
    assert by_clip["vid_bad_0"]["shard"] is None and by_clip["vid_bad_0"]["reason"] == "corrupt"
    assert by_clip["vid_gone_0"]["reason"] == "missing_media"
    assert sum(r["bytes"] for r in index) > 0
    stats = json.loads((out / "stats.json").read_text())
    assert stats["total"]["failures_by_reason"] == {"corrupt": 1, "missing_media": 1}
    assert stats["shards"]["train-000003"] == {
        "split": "train",
        "clips": 1,
        "samples": 0,
        "failed": 1,
        "failures_by_reason": {"missing_media": 1},
        "bytes": 0,
        "frames": 0,
        "duration": 0.0,
        "files": {},
    }
    # the corrupt video sits between two good ones in the same shard job: only its clip is missing
    assert stats["shards"]["train-000002"]["samples"] == 2
    assert stats["shards"]["train-000002"]["failures_by_reason"] == {"corrupt": 1}
    assert stats["total"]["bytes"] == sum((out / n).stat().st_size for n in _files(out) if n.endswith(".tar"))
    dataset = json.loads((out / "dataset.json").read_text())
    assert dataset["schema_version"] == 1 and dataset["store"] == "frames"
    assert dataset["config"]["sampling"]["num_frames"] == 3
    assert dataset["versions"]["av"] and dataset["versions"]["ffmpeg"]
    assert summary.total["samples"] == 9


def test_resume_skips_complete_shards_and_redoes_damaged_ones(first_run, shard_input, tmp_path):
    out, _ = first_run
    copy = tmp_path / "copy"
    copy.mkdir()
    subprocess.run(["cp", "-r", f"{out}/.", str(copy)], check=True)
    (copy / "train-000001.tar").write_bytes(b"truncated")
    (copy / "_done" / "val-000000.json").unlink()
    (copy / ".train-000002.tar.tmp").write_bytes(b"left by a killed run")
    summary = shard(shard_input.clips, copy, load_pipeline(None, CONFIG), refs_from_store(shard_input.store))
    assert summary.resumed == 3 and summary.clips_run == 3 + 2  # train-000001 (vid_a) and val-000000
    assert _files(copy) == _files(out)


def test_a_different_plan_is_refused_until_overwrite(first_run, shard_input, tmp_path):
    out, _ = first_run
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(out), str(copy)], check=True)
    other = load_pipeline(None, {**CONFIG, "sampling.num_frames": 2})
    with pytest.raises(ShardError, match="different clip table or config"):
        shard(shard_input.clips, copy, other, refs_from_store(shard_input.store))
    (copy / "notes.txt").write_text("mine")
    summary = shard(shard_input.clips, copy, other, refs_from_store(shard_input.store), overwrite=True)
    assert summary.resumed == 0 and (copy / "notes.txt").exists()
    assert json.loads((copy / "dataset.json").read_text())["config"]["sampling"]["num_frames"] == 2


def test_a_job_rerun_rewrites_the_same_bytes(first_run, shard_input):
    out, _ = first_run
    config = load_pipeline(None, CONFIG)
    job = plan_shards(shard_input.clip_list, refs_from_store(shard_input.store), config, out)[1]
    before = (out / "train-000001.tar").read_bytes()
    result = run_shard_job(job, config)
    assert (out / "train-000001.tar").read_bytes() == before
    assert result.tars == {"train-000001.tar": len(before)} and result.samples == 3


def test_max_shard_bytes_splits_a_shard(shard_input, tmp_path):
    config = load_pipeline(None, {**CONFIG, "shards.max_shard_bytes": 30000, "shards.splits": ["train"]})
    summary = shard(shard_input.clips, tmp_path, config, refs_from_store(shard_input.store))
    tars = sorted(p.name for p in tmp_path.glob("*.tar"))
    assert "train-000001_1.tar" in tars
    assert all((tmp_path / t).stat().st_size <= 30000 for t in tars)
    index = pq.read_table(tmp_path / "index.parquet").to_pylist()
    assert {r["shard"] for r in index if r["shard"]} == set(tars)
    assert summary.total["samples"] == 7


def test_real_files_through_a_media_table(tmp_path, real_file):
    """Real files: NASA footage with two video streams (the largest is used) and a VP8 WebM."""
    from vtdata.records.clips import Clip, write_clips

    table = tmp_path / "media.csv"
    table.write_text(
        f"id,path,media,dataset\nnasa,{real_file('nasa_13013.mp4')},video,custom\n"
        f"bunny,{real_file('big_buck_bunny_432_433.webm')},video,custom\n"
    )
    clips = [Clip("nasa_0", "nasa", 4.0, 8.0, "nasa"), Clip("bunny_0", "bunny", 0.0, 0.0, "bunny")]
    write_clips(clips, tmp_path / "clips.parquet")
    config = load_pipeline(None, {"sampling.num_frames": 4, "resize.short_side": 64})
    summary = shard(tmp_path / "clips.parquet", tmp_path / "out", config, refs_from_table(table))
    assert summary.total["samples"] == 2, summary.stats["failures"]
    samples = {
        s["__key__"]: json.loads(s["json"])
        for s in wds.WebDataset(str(tmp_path / "out/train-000000.tar"), shardshuffle=False)
    }
    nasa, bunny = samples["nasa_0"], samples["bunny_0"]
    assert nasa["source"]["stream_index"] == 3 and nasa["source"]["width"] == 480
    assert nasa["height"] == 64 and len(nasa["frame_times"]) == 4
    assert all(4.0 <= t < 8.0 for t in nasa["frame_times"])
    assert bunny["source"]["codec"] == "vp8" and bunny["end"] == 0.0 and len(bunny["frame_times"]) == 4


# --- what a worker on another node (in another folder) gets -----------------------------------


def _plan(tmp_path: Path, path: str):
    clips = [Clip("v1_0", "v1", 0.0, 1.0, "a caption"), Clip("v2_0", "v2", 0.0, 1.0, "b")]
    refs = {"v1": MediaRef(path, "video", "webvid"), "v2": MediaRef(None, "video", "webvid", missing="gone")}
    return plan_shards(clips, refs, load_pipeline(None), "shards")[0]


def test_relative_locations_become_absolute_and_nothing_else_changes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    job = _plan(tmp_path, "store/media/ab/v1.mp4")
    moved = absolute(job)
    assert moved.out_dir == str(tmp_path / "shards") and moved.rows == str(tmp_path / job.rows)
    assert (moved.name, moved.digest, moved.row_group, moved.cwd) == (job.name, job.digest, 0, str(tmp_path))
    monkeypatch.chdir("/")  # a worker elsewhere resolves the job's relative media paths against its cwd
    tasks = {t.id: t for t in _here(moved)}
    assert tasks["v1"].path == str(tmp_path / "store/media/ab/v1.mp4")
    assert tasks["v2"].path is None and tasks["v2"].missing == "gone"


def test_urls_and_absolute_paths_are_kept(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    job = _plan(tmp_path, "/data/store/media/ab/v1.mp4")
    assert absolute(dataclasses.replace(job, out_dir="s3://bucket/shards")).out_dir == "s3://bucket/shards"
    moved = absolute(job)
    monkeypatch.chdir("/")
    assert {t.id: t.path for t in _here(moved)}["v1"] == "/data/store/media/ab/v1.mp4"


def test_a_new_run_waits_for_jobs_of_an_earlier_run_and_never_writes_beside_them(
    shard_input, tmp_path, monkeypatch
):
    import fcntl

    from vtdata.records.names import JOBS_LOCK
    from vtdata.shard import run as run_module

    out = tmp_path / "out"
    out.mkdir()
    config = load_pipeline(None, CONFIG)
    monkeypatch.setattr(run_module, "SURVIVOR_WAIT", 0.3)
    with open(out / JOBS_LOCK, "a+") as survivor:  # a job of a killed run, still holding its lock
        fcntl.flock(survivor, fcntl.LOCK_SH)
        (out / ".train-000000.tar.tmp").write_bytes(b"the survivor's half-written tar")
        with pytest.raises(ShardError, match="jobs of an earlier `vtdata shard` still write here"):
            shard(shard_input.clips, out, config, refs_from_store(shard_input.store))
        assert (out / ".train-000000.tar.tmp").exists()  # the new run touched nothing
        assert not list(out.glob("*.tar"))
    summary = shard(shard_input.clips, out, config, refs_from_store(shard_input.store))  # survivor gone
    assert summary.total["samples"] > 0 and not list(out.glob(".*.tmp"))
