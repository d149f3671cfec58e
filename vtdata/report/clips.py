"""A clips table's part of the report: clips and items, the items align dropped (by reason, with
their messages, from `clips.report.json`), clip lengths and caption lengths in words."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from vtdata.align.store import NOT_DOWNLOADED
from vtdata.records import clips as clip_records
from vtdata.records.names import report_path
from vtdata.report.discover import batches
from vtdata.report.store import EXAMPLES, Loss
from vtdata.report.stream import Distribution


@dataclass
class ClipsFacts:
    clips: int
    items: int | None  # items align read (from its report; None without one)
    items_with_clips: int | None
    losses: list[Loss]  # items align dropped, by reason (items never downloaded are the download's loss)
    not_downloaded: int  # items align skipped because the store has no ok download of them
    lengths: Distribution  # seconds, clips of video only (an image's clip has no length)
    words: Distribution  # words per caption
    images: int  # clips of images (start = end = 0)


def read_clips(path: Path, seed: int) -> ClipsFacts:
    """Everything the report shows of a clips table, reading it a batch at a time."""
    lengths = Distribution("clip lengths", "s", seed)
    words = Distribution("caption words", "words", seed)
    clips = images = 0
    for table in batches(path, clip_records.TABLE, ["start", "end", "text"]):
        for start, end, text in zip(
            table.column("start").to_pylist(),
            table.column("end").to_pylist(),
            table.column("text").to_pylist(),
            strict=True,
        ):
            clips += 1
            if start is not None and end is not None and end > start:
                lengths.add(end - start)
            elif start == end == 0:
                images += 1
            words.add(len((text or "").split()))
    summary = _summary(report_path(path))
    losses = _losses(summary)
    skipped = sum(loss.count for loss in losses if loss.reason == NOT_DOWNLOADED)
    return ClipsFacts(
        clips=clips,
        items=summary.get("items"),
        items_with_clips=summary.get("items_with_clips"),
        losses=[loss for loss in losses if loss.reason != NOT_DOWNLOADED],
        not_downloaded=skipped,
        lengths=lengths,
        words=words,
        images=images,
    )


def _summary(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _losses(summary: dict) -> list[Loss]:
    """Items align dropped, by reason (`drops` counts "item:<reason>"), with the first few named."""
    counts: Counter[str] = Counter()
    for key, n in (summary.get("drops") or {}).items():
        level, _, reason = str(key).partition(":")
        if level == "item" and isinstance(n, int):
            counts[reason] += n
    examples: dict[str, list[tuple[str, str]]] = {}
    for drop in summary.get("item_drops") or []:
        if not isinstance(drop, dict):
            continue
        shown = examples.setdefault(str(drop.get("reason")), [])
        if len(shown) < EXAMPLES:
            shown.append((str(drop.get("id", "")), str(drop.get("message", ""))))
    return [
        Loss("align", reason, n, examples.get(reason, []))
        for reason, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
