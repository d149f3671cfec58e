"""`index.parquet`, `stats.json` and `dataset.json`, aggregated from the jobs' done records.

They are built from the stored `ShardResult`s in plan order, never from what happened in this
process, so a resumed run writes exactly the files an uninterrupted one would. Nothing in them
depends on time or on the machine's load (job wall times stay in `_done/`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict

import pyarrow as pa
import pyarrow.parquet as pq

from vtdata.engine import storage
from vtdata.engine.storage import Location
from vtdata.media.versions import library_versions
from vtdata.records.names import DATASET_NAME, INDEX_NAME, STATS_NAME
from vtdata.records.shards import INDEX_SCHEMA, SCHEMA_VERSION
from vtdata.shard.config import PipelineConfig
from vtdata.shard.records import ShardResult

MAX_FAILURES_PER_REASON = 1000  # stats.json lists this many per reason; index.parquet has them all


def write_outputs(
    out_dir: Location, results: Sequence[ShardResult], config: PipelineConfig, plan_digest: str
) -> dict:
    """Write the three files atomically; returns the stats dict."""
    rows = [asdict(row) for result in results for row in result.rows]
    sink = pa.BufferOutputStream()
    pq.write_table(pa.Table.from_pylist(rows, schema=INDEX_SCHEMA), sink)
    storage.write_bytes(storage.join(out_dir, INDEX_NAME), sink.getvalue().to_pybytes())
    stats = build_stats(results)
    _write_json(storage.join(out_dir, STATS_NAME), stats)
    _write_json(storage.join(out_dir, DATASET_NAME), dataset_record(config, results, plan_digest))
    return stats


def build_stats(results: Sequence[ShardResult]) -> dict:
    shards = {}
    total_reasons: Counter[str] = Counter()
    splits: dict[str, Counter] = {}
    for result in results:
        reasons = Counter(f.reason for f in result.failures)
        total_reasons.update(reasons)
        ok = [r for r in result.rows if r.shard is not None]
        shards[result.name] = {
            "split": result.split,
            "clips": len(result.rows),
            "samples": len(ok),
            "failed": len(result.failures),
            "failures_by_reason": dict(sorted(reasons.items())),
            "bytes": sum(result.tars.values()),
            "frames": sum(r.num_frames for r in ok),
            "duration": round(sum(max(0.0, r.end - r.start) for r in ok), 6),
            "files": dict(sorted(result.tars.items())),
        }
        split = splits.setdefault(result.split, Counter())
        split.update(clips=len(result.rows), samples=len(ok), failed=len(result.failures))
    values = list(shards.values())
    total = {
        "clips": sum(s["clips"] for s in values),
        "samples": sum(s["samples"] for s in values),
        "failed": sum(s["failed"] for s in values),
        "failures_by_reason": dict(sorted(total_reasons.items())),
        "bytes": sum(s["bytes"] for s in values),
        "shards": sum(len(s["files"]) for s in values),
        "frames": sum(s["frames"] for s in values),
        "duration": round(sum(s["duration"] for s in values), 6),
    }
    failures, listed = [], Counter()
    for result in results:
        for failure in result.failures:
            listed[failure.reason] += 1
            if listed[failure.reason] <= MAX_FAILURES_PER_REASON:
                failures.append(asdict(failure))
    cap = MAX_FAILURES_PER_REASON
    omitted = {reason: n - cap for reason, n in sorted(listed.items()) if n > cap}
    return {
        "schema_version": SCHEMA_VERSION,
        "total": total,
        "splits": {name: dict(c) for name, c in sorted(splits.items())},
        "shards": shards,
        "failures": failures,
        "failures_omitted": omitted,
    }


def dataset_record(config: PipelineConfig, results: Sequence[ShardResult], plan_digest: str) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "store": config.store,
        "name": config.name,
        "config": config.to_dict(),
        "plan": {
            "digest": plan_digest,
            "jobs": len(results),
            "shards": sorted(name for r in results for name in r.tars),
        },
        "versions": library_versions(),
    }


def read_stats(out_dir: Location) -> dict:
    """The `stats.json` of a shard folder; ValueError naming the file when it is missing, not JSON, or
    of a newer schema than this vtdata reads."""
    path = storage.join(out_dir, STATS_NAME)
    try:
        stats = json.loads(storage.read_bytes(path))
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file; is {out_dir} a shard folder?") from None
    except ValueError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc}); rerun `vtdata shard` to rewrite it") from None
    version = stats.get("schema_version") if isinstance(stats, dict) else None
    if not isinstance(version, int) or "total" not in stats:
        raise ValueError(f"{path}: not a vtdata stats.json (no schema_version and total)")
    if version > SCHEMA_VERSION:
        raise ValueError(
            f"{path}: schema_version {version}; this vtdata reads up to {SCHEMA_VERSION}: upgrade vtdata"
        )
    return stats


def _write_json(path: Location, data: dict) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False) + "\n"
    storage.write_bytes(path, text.encode("utf-8"))
