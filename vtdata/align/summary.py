"""Counts over an align run: what the CLI prints and what `clips.report.json` keeps."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from vtdata.align.pipeline import ItemResult

# histogram bins [lo, hi) with their labels; images (0 s) get a row of their own
IMAGE_BIN = "image (0 s)"
DURATION_BINS = tuple(
    (lo, hi, f"{lo}-{hi} s" if hi != math.inf else f">= {lo} s")
    for lo, hi in [(0, 1), (1, 2), (2, 4), (4, 8), (8, 16), (16, 32), (32, 64), (64, math.inf)]
)
COUNT_BINS = (
    (0, 1, "0"),
    (1, 2, "1"),
    (2, 5, "2-4"),
    (5, 10, "5-9"),
    (10, 20, "10-19"),
    (20, 50, "20-49"),
    (50, 100, "50-99"),
    (100, math.inf, "100+"),
)
MAX_ISSUES_KEPT = 1000


@dataclass
class AlignSummary:
    items: int = 0
    items_with_clips: int = 0
    clips: int = 0
    rolling_items: int = 0
    sources: Counter = field(default_factory=Counter)  # text source kind -> items
    clips_per_item: Counter = field(default_factory=Counter)  # histogram bin label -> items
    durations: Counter = field(default_factory=Counter)  # histogram bin label -> clips
    drops: Counter = field(default_factory=Counter)  # "level:reason" -> count
    notes: Counter = field(default_factory=Counter)  # repairs made -> count
    issues: Counter = field(default_factory=Counter)  # severity -> count
    item_drops: list[dict] = field(default_factory=list)  # every dropped item, with its message
    issue_lines: list[str] = field(default_factory=list)  # the first MAX_ISSUES_KEPT issues

    def add(self, r: ItemResult) -> None:
        self.items += 1
        self.clips += len(r.clips)
        self.items_with_clips += bool(r.clips)
        self.rolling_items += r.rolling
        self.sources[(r.source or "none").split(":")[0]] += 1
        self.clips_per_item[_bin(len(r.clips), COUNT_BINS)] += 1
        for c in r.clips:
            length = c.end - c.start
            self.durations[IMAGE_BIN if length == 0 else _bin(length, DURATION_BINS)] += 1
        for d in r.drops:
            self.drops[f"{d.level}:{d.reason}"] += 1
            if d.level == "item":
                self.item_drops.append({"id": d.id, "reason": d.reason, "message": d.message})
        self.notes.update(r.notes)
        for issue in r.issues:
            self.issues[issue.severity] += 1
            if len(self.issue_lines) < MAX_ISSUES_KEPT:
                self.issue_lines.append(f"{r.id}: {issue.severity}: {issue}")

    def merge(self, other: AlignSummary) -> None:
        """Add the summary of the items that come after this one's (a chunk aligned elsewhere)."""
        self.items += other.items
        self.items_with_clips += other.items_with_clips
        self.clips += other.clips
        self.rolling_items += other.rolling_items
        for mine, theirs in (
            (self.sources, other.sources),
            (self.clips_per_item, other.clips_per_item),
            (self.durations, other.durations),
            (self.drops, other.drops),
            (self.notes, other.notes),
            (self.issues, other.issues),
        ):
            mine.update(theirs)
        self.item_drops.extend(other.item_drops)
        self.issue_lines.extend(other.issue_lines[: max(0, MAX_ISSUES_KEPT - len(self.issue_lines))])

    def to_dict(self) -> dict:
        return {
            "items": self.items,
            "items_with_clips": self.items_with_clips,
            "clips": self.clips,
            "rolling_items": self.rolling_items,
            "sources": dict(self.sources),
            "clips_per_item": _ordered(self.clips_per_item, COUNT_BINS),
            "durations": _ordered(self.durations, ((0, 0, IMAGE_BIN), *DURATION_BINS)),
            "drops": dict(sorted(self.drops.items())),
            "notes": dict(sorted(self.notes.items())),
            "issues": dict(self.issues),
            "item_drops": self.item_drops,
            "issue_lines": self.issue_lines,
        }


def _bin(value: float, bins: tuple) -> str:
    return next(label for lo, hi, label in bins if lo <= value < hi)


def _ordered(counts: Counter, bins: tuple) -> dict[str, int]:
    """Non-empty bins in bin order."""
    return {label: counts[label] for _, _, label in bins if counts[label]}


def histogram(counts: dict[str, int], width: int = 40) -> list[str]:
    """Rows `label | ##### n` scaled to the largest bin."""
    if not counts:
        return ["  (none)"]
    top = max(counts.values())
    pad = max(len(k) for k in counts)
    return [f"  {k:>{pad}} | {'#' * max(1, round(width * n / top)):<{width}} {n}" for k, n in counts.items()]


def format_summary(s: AlignSummary) -> str:
    """One screen of text: totals, both histograms, drops by reason, repairs, issues."""
    d = s.to_dict()
    lines = [
        f"items: {s.items}  with clips: {s.items_with_clips}  clips: {s.clips}  "
        f"rolling YouTube captions: {s.rolling_items}",
        "text source: " + (", ".join(f"{k} {n}" for k, n in sorted(s.sources.items())) or "-"),
        "clip duration:",
        *histogram(d["durations"]),
        "clips per item:",
        *histogram(d["clips_per_item"]),
        "dropped (level:reason):",
        *([f"  {k}: {n}" for k, n in d["drops"].items()] or ["  (none)"]),
    ]
    if s.notes:
        lines.append("repairs: " + ", ".join(f"{k} {n}" for k, n in d["notes"].items()))
    lines.append(f"input problems: {s.issues['error']} errors, {s.issues['warning']} warnings")
    lines += [f"  {line}" for line in s.issue_lines[:10]]
    if len(s.issue_lines) > 10:
        lines.append("  ... (all in the report file)")
    return "\n".join(lines)
