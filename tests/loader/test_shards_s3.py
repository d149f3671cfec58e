"""vtdata/loader/shards.py and tars.py over a real S3 endpoint: the loader streams `s3://` shards.

The shard folder of `shard_sets.frames` is uploaded to moto's S3 server on 127.0.0.1 (the `s3`
fixture); the loader is then given `s3://bucket/prefix` (a folder URL: its index.parquet is read
through s3fs) or a brace pattern of shard URLs, and must deliver what it delivers from the local
folder, batch for batch, with DataLoader workers that each open their own S3 connections.
"""

from __future__ import annotations

import pytest
import torch

from vtdata.loader import VideoTextDataset, make_loader
from vtdata.loader.shards import resolve_shards

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def frames_on_s3(s3, shard_sets) -> str:
    for path in sorted(shard_sets.frames.iterdir()):
        if path.is_file() and not path.name.startswith("."):
            s3.client.upload_file(str(path), s3.bucket, f"loader-frames/{path.name}")
    return s3.url("loader-frames")


def _batches(urls, workers: int) -> list[dict]:
    dataset = VideoTextDataset(urls, split="train", num_frames=2, size=16, seed=3)
    return list(make_loader(dataset, batch_size=3, num_workers=workers, persistent_workers=False))


def test_a_folder_url_reads_its_index_like_a_local_folder(frames_on_s3, shard_sets):
    remote, local = (
        resolve_shards(frames_on_s3, split="train"),
        resolve_shards(shard_sets.frames, split="train"),
    )
    assert remote.urls == tuple(f"{frames_on_s3}/{u.rsplit('/', 1)[-1]}" for u in local.urls)
    assert remote.counts == local.counts and remote.num_samples == len(shard_sets.train_videos)
    with pytest.raises(ValueError, match="has no split 'test'"):
        resolve_shards(frames_on_s3 + "/", split="test")
    with pytest.raises(FileNotFoundError, match="no index.parquet here"):
        resolve_shards(frames_on_s3 + "-nothing", split="train")


def test_the_loader_streams_s3_shards_with_workers_as_it_reads_local_ones(frames_on_s3, shard_sets):
    remote, local = _batches(frames_on_s3, workers=2), _batches(shard_sets.frames, workers=2)
    assert sorted(k for b in remote for k in b["key"]) == sorted(shard_sets.train_videos)
    assert [b["key"] for b in remote] == [b["key"] for b in local]
    for r, ref in zip(remote, local, strict=True):
        assert torch.equal(r["video"], ref["video"]) and r["text"] == ref["text"]


def test_a_brace_pattern_of_s3_urls_and_a_missing_shard(frames_on_s3, shard_sets, s3, caplog):
    names = sorted(resolve_shards(shard_sets.frames, split="train").urls)
    last = len(names) - 1
    keys = [
        k for b in _batches(f"{frames_on_s3}/train-{{000000..{last:06d}}}.tar", workers=0) for k in b["key"]
    ]
    assert sorted(keys) == sorted(shard_sets.train_videos)
    s3.client.delete_object(Bucket=s3.bucket, Key="loader-frames/train-000001.tar")
    with pytest.raises(FileNotFoundError, match=r"lists 1 shard\(s\) that are not in .*loader-frames"):
        resolve_shards(frames_on_s3, split="train")
    partial = _batches(f"{frames_on_s3}/train-{{000000..{last:06d}}}.tar", workers=0)  # one unreadable
    assert 0 < sum(len(b["key"]) for b in partial) < len(shard_sets.train_videos)
    assert "train-000001.tar is unreadable" in caplog.text
