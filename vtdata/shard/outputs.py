"""`index.parquet`, `stats.json` and `dataset.json`, aggregated from the jobs' done records.

They are built from the stored `ShardResult`s in plan order, never from what happened in this
process, so a resumed run writes exactly the files an uninterrupted one would. Nothing in them
depends on time or on the machine's load (job wall times stay in `_done/`).
"""

from __future__ import annotations

import json
import platform
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from importlib import metadata

import pyarrow as pa
import pyarrow.parquet as pq

from vtdata.config import PipelineConfig
from vtdata.engine import storage
from vtdata.engine.storage import Location
from vtdata.shard.records import SCHEMA_VERSION, ShardResult

INDEX_NAME = "index.parquet"
STATS_NAME = "stats.json"
DATASET_NAME = "dataset.json"

MAX_FAILURES_PER_REASON = 1000  # stats.json lists this many per reason; index.parquet has them all

INDEX_SCHEMA = pa.schema(
    [
        ("clip_id", pa.string()),
        ("id", pa.string()),
        ("shard", pa.string()),
        ("split", pa.string()),
        ("store", pa.string()),
        ("media", pa.string()),
        ("num_frames", pa.int32()),
        ("bytes", pa.int64()),
        ("start", pa.float64()),
        ("end", pa.float64()),
        ("reason", pa.string()),
    ],
    metadata={"vtdata.table": "shard_index", "vtdata.schema_version": str(SCHEMA_VERSION)},
)


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


def library_versions() -> dict:
    """Versions of everything that shapes the bytes of a shard (decoders, encoders, JPEG, tar)."""
    import av

    versions = {"python": platform.python_version()}
    dists = (
        "vtdata",
        "numpy",
        "av",
        "decord",
        "Pillow",
        "simplejpeg",
        "webdataset",
        "pyarrow",
        "imageio-ffmpeg",
    )
    for dist in dists:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    versions["pyav_ffmpeg"] = {k: ".".join(map(str, v)) for k, v in sorted(av.library_versions.items())}
    versions["ffmpeg"] = _ffmpeg_version()
    return versions


def _ffmpeg_version() -> str | None:
    from vtdata.media.ffmpeg import FFmpegError, run_ffmpeg

    try:
        first = run_ffmpeg(["-version"], timeout=30).decode("utf-8", "replace").splitlines()[0]
    except (FFmpegError, OSError, IndexError):
        return None
    return first.removeprefix("ffmpeg version ").split(" Copyright")[0]


def _write_json(path: Location, data: dict) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False) + "\n"
    storage.write_bytes(path, text.encode("utf-8"))
