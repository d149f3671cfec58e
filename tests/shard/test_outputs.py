"""vtdata/shard/outputs.py: stats aggregate the done records; the failure list stays bounded."""

from __future__ import annotations

from vtdata.records.shards import Failure, IndexRow
from vtdata.shard.outputs import MAX_FAILURES_PER_REASON, build_stats
from vtdata.shard.records import ShardResult


def _result(name: str, failed: int, ok: int) -> ShardResult:
    rows = [
        IndexRow(f"{name}_ok{i}", "v", f"{name}.tar", "train", "frames", "video", 4, 100, 0.0, 2.0)
        for i in range(ok)
    ]
    failures = [Failure(f"{name}_f{i}_0", f"{name}_f{i}", "missing_media", "gone") for i in range(failed)]
    rows += [
        IndexRow(f.clip_id, f.id, None, "train", "frames", "video", 0, 0, 0.0, 1.0, f.reason)
        for f in failures
    ]
    return ShardResult(name, "train", "d", {f"{name}.tar": 10240} if ok else {}, rows, failures, 1.5)


def test_stats_totals_and_a_bounded_failure_list():
    results = [_result("train-000000", MAX_FAILURES_PER_REASON - 1, 3), _result("train-000001", 3, 0)]
    stats = build_stats(results)
    total = stats["total"]
    assert (total["clips"], total["samples"], total["failed"]) == (
        MAX_FAILURES_PER_REASON + 5,
        3,
        MAX_FAILURES_PER_REASON + 2,
    )
    assert (total["bytes"], total["shards"], total["frames"], total["duration"]) == (10240, 1, 12, 6.0)
    assert len(stats["failures"]) == MAX_FAILURES_PER_REASON
    assert stats["failures_omitted"] == {"missing_media": 2}
    assert stats["shards"]["train-000001"]["files"] == {} and stats["splits"]["train"]["samples"] == 3
    assert "seconds" not in str(stats)  # wall times would make reruns differ
