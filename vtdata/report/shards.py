"""A shard folder's part of the report: samples and failures from stats.json, the distributions of
index.parquet (frames and bytes per sample, clip lengths) read in batches, tar sizes, and a seeded
gallery of samples read back from their tars."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vtdata.records import shards as shard_records
from vtdata.records.names import INDEX_NAME
from vtdata.report.discover import batches
from vtdata.report.store import EXAMPLES, Loss
from vtdata.report.stream import Distribution, Reservoir
from vtdata.shard.inspect import crop_note, read_samples
from vtdata.shard.outputs import read_stats


@dataclass
class Shown:
    """One gallery sample: its frames (RGB uint8), caption, clip times and source."""

    clip_id: str
    source_id: str
    shard: str
    split: str
    start: float
    end: float
    text: str
    frames: list[np.ndarray]
    frame_times: list[float] = field(default_factory=list)


@dataclass
class ShardFacts:
    stats: dict
    losses: list[Loss]
    frames: Distribution
    sizes: Distribution
    lengths: Distribution
    tars: Distribution
    gallery: list[Shown]
    store: str  # "frames" | "clip" | "" (mixed or unknown)
    note: str | None  # e.g. the shards were centre-cropped


def read_shards(folder: Path, seed: int, samples: int) -> ShardFacts:
    """Everything the report shows of a shard folder; index.parquet is read a batch at a time."""
    stats = read_stats(folder)
    frames = Distribution("frames per sample", "frames", seed)
    sizes = Distribution("bytes per sample", "bytes", seed)
    lengths = Distribution("sampled clip lengths", "s", seed)
    tars = Distribution("shard tar sizes", "bytes", seed)
    picks = Reservoir(samples, f"{seed}:gallery")
    stores: set[str] = set()
    columns = ["clip_id", "id", "shard", "split", "store", "num_frames", "bytes", "start", "end"]
    for table in batches(folder / INDEX_NAME, shard_records.INDEX, columns):
        for row in table.to_pylist():
            if row["shard"] is None:
                continue
            frames.add(row["num_frames"])
            sizes.add(row["bytes"])
            if row["end"] is not None and row["start"] is not None and row["end"] > row["start"]:
                lengths.add(row["end"] - row["start"])
            stores.add(row["store"] or "")
            picks.add(row)
    for shard in stats.get("shards", {}).values():
        for size in (shard.get("files") or {}).values():
            tars.add(size)
    return ShardFacts(
        stats=stats,
        losses=_losses(stats),
        frames=frames,
        sizes=sizes,
        lengths=lengths,
        tars=tars,
        gallery=_gallery(folder, sorted(picks.items, key=lambda r: r["clip_id"])),
        store=stores.pop() if len(stores) == 1 else "",
        note=crop_note(folder),
    )


def _losses(stats: dict) -> list[Loss]:
    by_reason = stats.get("total", {}).get("failures_by_reason", {})
    losses = []
    for reason, n in sorted(by_reason.items(), key=lambda kv: (-kv[1], kv[0])):
        shown = [f for f in stats.get("failures", []) if f.get("reason") == reason][:EXAMPLES]
        examples = [(str(f.get("clip_id", "")), str(f.get("message", ""))) for f in shown]
        losses.append(Loss("shard", reason, n, examples))
    return losses


def _gallery(folder: Path, rows: list[dict]) -> list[Shown]:
    wanted: dict[str, list[str]] = {}
    for row in rows:
        wanted.setdefault(row["shard"], []).append(row["clip_id"])
    found = read_samples(folder, wanted)
    shown = []
    for row in rows:
        sample = found.get(row["clip_id"])
        if sample is None or not sample.frames:
            continue
        times = sample.meta.get("frame_times") or []
        shown.append(
            Shown(
                clip_id=row["clip_id"],
                source_id=str(row["id"] or sample.meta.get("id") or ""),
                shard=row["shard"],
                split=row["split"] or "",
                start=float(row["start"] or 0.0),
                end=float(row["end"] or 0.0),
                text=sample.text,
                frames=sample.frames,
                frame_times=[float(t) for t in times] if isinstance(times, list) else [],
            )
        )
    return shown
