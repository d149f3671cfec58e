"""Shard sets from directories, brace patterns and lists; splitting by node and worker."""

from __future__ import annotations

import pytest
import webdataset as wds

from vtdata.loader.shards import ShardList, SplitByNode, resolve_shards
from vtdata.loader.state import SharedState


def test_directory_reads_the_index_of_one_split(shard_sets):
    shards = resolve_shards(shard_sets.frames, split="train")
    assert [u.rsplit("/", 1)[1] for u in shards.urls] == [f"train-{i:06d}.tar" for i in range(5)]
    assert shards.num_samples == len(shard_sets.train_videos) == 18
    real = tuple(sum(1 for _ in wds.WebDataset(url, shardshuffle=False)) for url in shards.urls)
    assert shards.counts == real and len(set(real)) > 1  # uneven
    assert resolve_shards(shard_sets.frames, split="val").num_samples == 6


def test_brace_pattern_and_list_get_counts_from_the_index_beside_them(shard_sets):
    whole = resolve_shards(shard_sets.frames, split="train").counts
    pattern = resolve_shards(f"{shard_sets.frames}/train-{{000001..000003}}.tar")
    assert pattern.counts == whole[1:4]
    listed = resolve_shards([str(shard_sets.frames / "train-000004.tar")])
    assert listed.counts == whole[4:]


def test_directory_errors_say_what_to_do(tmp_path, shard_sets):
    with pytest.raises(FileNotFoundError, match="brace pattern"):
        resolve_shards(tmp_path)
    with pytest.raises(ValueError, match=r"splits \['train', 'val'\]; pick one with split="):
        resolve_shards(shard_sets.frames)
    with pytest.raises(ValueError, match="no split 'test'"):
        resolve_shards(shard_sets.frames, split="test")
    with pytest.raises(ValueError, match="pass one weight per set"):
        resolve_shards([str(shard_sets.frames), str(shard_sets.images)])


def test_shard_order_is_shared_by_ranks_and_changes_with_epoch():
    urls = [f"s{i}" for i in range(9)]
    state = SharedState()
    listing = ShardList(urls, state, seed=3, shuffle=True)
    first = [s["url"] for s in listing]
    assert sorted(first) == urls and first != urls
    assert [s["url"] for s in listing] == first  # same epoch, same order: every rank agrees
    state.set_epoch(1)
    assert [s["url"] for s in listing] != first


def test_split_by_node_partitions_shards():
    urls = [{"url": f"s{i}"} for i in range(7)]
    seen = []
    for rank in range(3):
        state = SharedState()
        state.set_node(rank, 3)
        seen += [s["url"] for s in SplitByNode(state)(iter(urls))]
    assert sorted(seen) == sorted(u["url"] for u in urls)


def test_rank_without_shard_warns(caplog):
    state = SharedState()
    state.set_node(2, 3)
    with caplog.at_level("WARNING", logger="vtdata.loader"):
        assert list(SplitByNode(state)([{"url": "a"}, {"url": "b"}])) == []
    assert "rank 2 of 3 got no shard" in caplog.text
