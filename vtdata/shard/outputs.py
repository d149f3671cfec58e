"""`index.parquet`, `stats.json` and `dataset.json`, aggregated from the jobs' done records.

They are built from the stored `ShardResult`s in plan order, never from what happened in this
process, so a resumed run writes exactly the files an uninterrupted one would. Nothing in them
depends on time or on the machine's load (job wall times stay in `_done/`).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from vtdata.engine import storage
from vtdata.engine.storage import Location
from vtdata.media.versions import library_versions
from vtdata.records.names import DATASET_NAME, INDEX_NAME, STATS_NAME
from vtdata.records.shards import INDEX_SCHEMA, SCHEMA_VERSION
from vtdata.shard.config import PipelineConfig
from vtdata.shard.records import REJECTED, ShardResult

MAX_FAILURES_PER_REASON = 1000  # stats.json lists this many per reason; index.parquet has them all


def write_outputs(
    out_dir: Location, results: Iterable[ShardResult], config: PipelineConfig, plan_digest: str
) -> dict:
    """Write the three files atomically from `results` in plan order (read once, one at a time: a
    plan of millions of clips never sits in memory); returns the stats dict."""
    jobs: list[str] = []
    tars: list[str] = []

    def remembered() -> Iterator[ShardResult]:
        for result in results:
            if result.name != REJECTED:
                jobs.append(result.name)
            tars.extend(result.tars)
            yield result

    with _IndexWriter(out_dir) as index:
        stats = build_stats(index.passing(remembered()))
    _write_json(storage.join(out_dir, STATS_NAME), stats)
    _write_json(storage.join(out_dir, DATASET_NAME), dataset_record(config, len(jobs), tars, plan_digest))
    return stats


class _IndexWriter:
    """`index.parquet`, written in row groups of Parquet's default size as results stream past."""

    GROUP = 1024 * 1024  # pyarrow's default row group: the bytes match a single `write_table`

    def __init__(self, out_dir: Location) -> None:
        self.location = storage.join(out_dir, INDEX_NAME)
        self.tmp = Path(tempfile.mkdtemp(prefix="vtdata-index-")) / INDEX_NAME
        self.writer = pq.ParquetWriter(self.tmp, INDEX_SCHEMA)
        self.rows: list[dict] = []
        self.groups = 0

    def passing(self, results: Iterable[ShardResult]) -> Iterator[ShardResult]:
        for result in results:
            self.rows.extend(asdict(row) for row in result.rows)
            if len(self.rows) >= self.GROUP:
                self._flush(self.GROUP)
            yield result

    def _flush(self, n: int) -> None:
        self.writer.write_table(pa.Table.from_pylist(self.rows[:n], schema=INDEX_SCHEMA))
        del self.rows[:n]
        self.groups += 1

    def __enter__(self) -> _IndexWriter:
        return self

    def __exit__(self, kind, exc, tb) -> None:
        try:
            if kind is None:
                if self.rows or not self.groups:  # an empty index is one empty row group, as before
                    self._flush(len(self.rows))
                self.writer.close()
                storage.publish(self.tmp, self.location)
            else:
                self.writer.close()
        finally:
            shutil.rmtree(self.tmp.parent, ignore_errors=True)


def build_stats(results: Iterable[ShardResult]) -> dict:
    """stats.json from the results in plan order, in one pass."""
    shards = {}
    total_reasons: Counter[str] = Counter()
    splits: dict[str, Counter] = {}
    failures, listed = [], Counter()
    rejected = 0
    for result in results:
        reasons = Counter(f.reason for f in result.failures)
        total_reasons.update(reasons)
        if result.name == REJECTED and not result.tars:  # clips planned into no shard: failures only
            rejected += len(result.rows)
            _list_failures(result, failures, listed)
            continue
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
        _list_failures(result, failures, listed)
    values = list(shards.values())
    total = {
        "clips": sum(s["clips"] for s in values) + rejected,
        "samples": sum(s["samples"] for s in values),
        "failed": sum(s["failed"] for s in values) + rejected,
        "failures_by_reason": dict(sorted(total_reasons.items())),
        "bytes": sum(s["bytes"] for s in values),
        "shards": sum(len(s["files"]) for s in values),
        "frames": sum(s["frames"] for s in values),
        "duration": round(sum(s["duration"] for s in values), 6),
    }
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


def _list_failures(result: ShardResult, failures: list[dict], listed: Counter) -> None:
    for failure in result.failures:
        listed[failure.reason] += 1
        if listed[failure.reason] <= MAX_FAILURES_PER_REASON:
            failures.append({k: v for k, v in asdict(failure).items() if v is not None})


def dataset_record(config: PipelineConfig, jobs: int, tars: Iterable[str], plan_digest: str) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "store": config.store,
        "name": config.name,
        "config": config.to_dict(),
        "plan": {
            "digest": plan_digest,
            "jobs": jobs,
            "shards": sorted(tars),
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
