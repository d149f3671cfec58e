"""vtdata/engine/shard.py: what a Ray worker on another node gets (its run is in test_ray.py)."""

from __future__ import annotations

from vtdata.engine.shard import absolute
from vtdata.shard.records import ClipRow, ShardJob, VideoTask


def _job(out_dir: str, path: str | None) -> ShardJob:
    task = VideoTask("v1", "webvid", "video", path, (ClipRow("v1_0", 0.0, 1.0, "a caption"),))
    missing = VideoTask("v2", "webvid", "video", None, (ClipRow("v2_0", 0.0, 1.0, "b"),), missing="gone")
    return ShardJob("train", 0, "train-000000", out_dir, (task, missing), digest="d1")


def test_relative_paths_become_absolute_and_nothing_else_changes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    job = absolute(_job("shards", "store/media/ab/v1.mp4"))
    assert job.out_dir == str(tmp_path / "shards")
    assert job.videos[0].path == str(tmp_path / "store/media/ab/v1.mp4")
    assert job.videos[1].path is None and job.videos[1].missing == "gone"
    assert (job.name, job.digest) == ("train-000000", "d1")
    assert job.videos[0].clips == _job("x", "y").videos[0].clips


def test_urls_and_absolute_paths_are_kept():
    job = _job("s3://bucket/shards", "/data/store/media/ab/v1.mp4")
    assert absolute(job) == job
