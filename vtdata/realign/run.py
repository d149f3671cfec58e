"""`realign(config)`: every video of a clips table, once, in parallel, resumable; then the table.

Each video's result is written to `.<out>.parts/<id>.json` (atomically) as soon as it is done,
keyed by the checkpoint's digest, the search options and the video's captions, so a rerun
after a crash (or with more videos) redoes only what is missing or stale. The output is a clips
table (`records.clips` schema, `vtdata shard` reads it) with four more columns: `asr_start`,
`asr_end` (the times given), `shift` (seconds applied) and `score` (alignability, search.py).
Images (start = end) pass through. `<out>.report.json` lists the captions dropped by
`min_score` and the videos that failed (their clips are left out, with the reason).

The clip table is read whole (its text and times; the frames never are): fine to millions of
clips, and one video's frames at `rate` fps are the only media in memory per worker.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from vtdata.realign import search
from vtdata.realign.params import RealignConfig
from vtdata.realign.scorer import Scorer, checkpoint_digest
from vtdata.realign.video import Caption, VideoFailed, realign_video
from vtdata.records.clips import ARROW_SCHEMA, Clip, read_clips
from vtdata.records.folders import check_writable
from vtdata.records.ids import safe_id
from vtdata.records.names import realign_parts, report_path, temporary

EXTRA = [
    ("asr_start", pa.float64()),
    ("asr_end", pa.float64()),
    ("shift", pa.float64()),
    ("score", pa.float64()),
]
SCHEMA = pa.schema(list(ARROW_SCHEMA) + [pa.field(n, t) for n, t in EXTRA], metadata=ARROW_SCHEMA.metadata)


@dataclass
class RealignSummary:
    """What a run did; `drops` are (clip_id, score) under `min_score`, `failures` one dict per video."""

    output: Path
    report: Path
    videos: int = 0
    reused: int = 0
    clips: int = 0
    written: int = 0
    passed: int = 0  # images and zero-length clips, copied as they were
    media_seconds: float = 0.0
    seconds: float = 0.0
    mean_abs_shift: float = 0.0
    drops: list[tuple[str, float]] = field(default_factory=list)
    failures: list[dict] = field(default_factory=list)


_SCORER: Scorer | None = None


def _init_worker(checkpoint: str, device: str, num_frames: int | None) -> None:
    global _SCORER
    import torch

    torch.set_num_threads(1)  # one video per process: processes, not threads, use the cores
    _SCORER = Scorer(checkpoint, device, num_frames)


def _job(args: tuple) -> dict:
    return _run_video(_SCORER, *args)


def _run_video(
    scorer: Scorer,
    part: str,
    key: str,
    vid: str,
    path: str | None,
    missing: str,
    caps: list,
    cfg: RealignConfig,
) -> dict:
    """Realign one video and write its part file; the part's dict is returned too."""
    captions = [Caption(*c) for c in caps]
    doc: dict = {"key": key, "id": vid}
    if path is None:
        doc |= {"status": "failed", "reason": "missing_media", "message": missing}
    else:
        try:
            offsets = search.shifts(cfg.search_range, cfg.step)
            placed, duration = realign_video(
                scorer, path, captions, offsets, cfg.rate, cfg.decoder, cfg.batch_size, cfg.prior_weight,
                cfg.prior_span,
            )  # fmt: skip
            doc |= {"status": "ok", "duration": duration, "placed": [asdict(p) for p in placed]}
        except VideoFailed as exc:
            doc |= {"status": "failed", "reason": exc.reason, "message": str(exc)}
    target = Path(part)
    tmp = temporary(target)
    tmp.write_text(json.dumps(doc, sort_keys=True) + "\n")
    os.replace(tmp, target)
    return doc


def _media_paths(cfg: RealignConfig, ids: set[str]) -> dict:
    from vtdata.shard.media import StoreRefs, TableRefs

    refs = StoreRefs(cfg.store) if cfg.store else TableRefs(cfg.media_table)
    try:
        return {i: ref for i, ref in refs.sorted_rows() if i in ids}
    finally:
        refs.close()


def _video_key(base: str, caps: list) -> str:
    return hashlib.sha1(json.dumps([base, caps]).encode()).hexdigest()


def realign(cfg: RealignConfig, progress: Callable[[int], None] | None = None) -> RealignSummary:
    """Realign every clip of `cfg.clips` (see the module docstring); `progress(n)` per video done."""
    started = time.perf_counter()
    out = Path(cfg.output)
    check_writable(out.parent)
    clips = list(read_clips(cfg.clips))
    scorer = Scorer(cfg.checkpoint, cfg.device, cfg.num_frames)
    base = json.dumps({"model": checkpoint_digest(scorer.path), **cfg.search_key(), "nf": scorer.num_frames})
    by_video: dict[str, list] = {}
    for c in clips:
        if c.end > c.start:
            by_video.setdefault(c.id, []).append((c.clip_id, c.start, c.end, c.text))
    refs = _media_paths(cfg, set(by_video))
    parts = realign_parts(out)
    parts.mkdir(parents=True, exist_ok=True)
    summary = RealignSummary(out, report_path(out), videos=len(by_video), clips=len(clips))
    results: dict[str, dict] = {}
    todo = []
    for vid, caps in by_video.items():
        key = _video_key(base, caps)
        part = parts / f"{safe_id(vid)}.json"
        if part.exists():
            doc = json.loads(part.read_text())
            if doc.get("key") == key:
                results[vid], summary.reused = doc, summary.reused + 1
                continue
        ref = refs.get(vid)
        path = ref.path if ref is not None else None
        missing = ref.missing if ref is not None else f"id {vid!r} is not in the media store or table"
        todo.append((str(part), key, vid, path, missing, caps, cfg))
    if progress is not None and summary.reused:
        progress(summary.reused)
    if cfg.workers == 1 or len(todo) <= 1:
        for args in todo:
            results[args[2]] = _run_video(scorer, *args)
            if progress is not None:
                progress(1)
    else:
        del scorer  # each worker loads its own
        init = (cfg.checkpoint, cfg.device, cfg.num_frames)
        with ProcessPoolExecutor(cfg.workers, get_context("spawn"), _init_worker, init) as pool:
            for doc in pool.map(_job, todo):
                results[doc["id"]] = doc
                if progress is not None:
                    progress(1)
    _write(cfg, clips, results, summary)
    summary.seconds = time.perf_counter() - started
    return summary


def _write(cfg: RealignConfig, clips: list[Clip], results: dict[str, dict], summary: RealignSummary) -> None:
    placed = {}
    for doc in results.values():
        if doc["status"] == "ok":
            summary.media_seconds += doc["duration"]
            placed.update({p["clip_id"]: p for p in doc["placed"]})
        else:
            summary.failures.append({k: doc[k] for k in ("id", "reason", "message")})
    rows, shifts = [], []
    for c in clips:
        row = asdict(c) | {"asr_start": c.start, "asr_end": c.end, "shift": 0.0, "score": None}
        if c.end > c.start:
            p = placed.get(c.clip_id)
            if p is None:
                continue  # its video failed (reported)
            if cfg.min_score is not None and p["score"] < cfg.min_score:
                summary.drops.append((c.clip_id, p["score"]))
                continue
            row |= {"start": p["start"], "end": p["end"], "shift": p["shift"], "score": p["score"]}
            shifts.append(abs(p["shift"]))
        else:
            summary.passed += 1
        rows.append(row)
    summary.written = len(rows)
    summary.mean_abs_shift = sum(shifts) / len(shifts) if shifts else 0.0
    out = summary.output
    tmp = temporary(out)
    pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), tmp)
    os.replace(tmp, out)
    report = {
        "clips": summary.clips,
        "written": summary.written,
        "videos": summary.videos,
        "reused": summary.reused,
        "min_score": cfg.min_score,
        "dropped": [{"clip_id": i, "score": s} for i, s in summary.drops],
        "failed_videos": summary.failures,
        "options": cfg.search_key(),
        "checkpoint": str(cfg.checkpoint),
    }
    tmp = temporary(summary.report)
    tmp.write_text(json.dumps(report, indent=1) + "\n")
    os.replace(tmp, summary.report)
