"""Distributions of any size in bounded memory: exact count, sum, min and max, and a bounded
uniform sample for the histogram.

A report must read a ledger or an index of millions of rows without holding them, and two runs
over the same input with the same seed must draw the same page: the sample is a reservoir
(Vitter's algorithm R) driven by a seeded generator, so it depends only on the values, their
order and the seed.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

SAMPLE_SIZE = 20_000  # values kept per distribution for its histogram
MAX_CATEGORIES = 10_000  # distinct labels counted exactly; the rest are counted as "other"


@dataclass
class Distribution:
    """A numeric distribution: exact `count`/`total`/`low`/`high`, and up to `capacity` values drawn
    uniformly at random from all of them (all of them while there are fewer)."""

    name: str
    unit: str = ""
    seed: int = 0
    capacity: int = SAMPLE_SIZE
    count: int = 0
    total: float = 0.0
    low: float = math.inf
    high: float = -math.inf
    sample: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._rng = random.Random(f"{self.seed}:{self.name}")

    def add(self, value: float | None) -> None:
        if value is None or isinstance(value, float) and math.isnan(value):
            return
        value = float(value)
        self.count += 1
        self.total += value
        self.low = min(self.low, value)
        self.high = max(self.high, value)
        if len(self.sample) < self.capacity:
            self.sample.append(value)
        else:
            slot = self._rng.randrange(self.count)
            if slot < self.capacity:
                self.sample[slot] = value

    def extend(self, values: Iterable[float | None]) -> None:
        for value in values:
            self.add(value)

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.count else None

    @property
    def exact(self) -> bool:
        """True while the sample holds every value (the histogram is then exact, not estimated)."""
        return self.count == len(self.sample)


@dataclass
class Categories:
    """Counts of labels (codecs, resolutions), exact for the first `limit` distinct labels."""

    name: str
    limit: int = MAX_CATEGORIES
    counts: Counter = field(default_factory=Counter)
    other: int = 0

    def add(self, label: str | None) -> None:
        if label is None:
            return
        if label in self.counts or len(self.counts) < self.limit:
            self.counts[label] += 1
        else:
            self.other += 1

    @property
    def count(self) -> int:
        return sum(self.counts.values()) + self.other

    def top(self, n: int = 12) -> list[tuple[str, int]]:
        """The `n` most frequent labels (ties by label, so the order is stable), then "other"."""
        ranked = sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))
        rest = self.other + sum(c for _, c in ranked[n:])
        return ranked[:n] + ([("other", rest)] if rest else [])


class Reservoir:
    """A seeded uniform sample of `k` items from a stream (for gallery picks and probed files)."""

    def __init__(self, k: int, seed: int | str) -> None:
        self.k = k
        self.seen = 0
        self.items: list = []
        self._rng = random.Random(str(seed))

    def add(self, item) -> None:
        self.seen += 1
        if len(self.items) < self.k:
            self.items.append(item)
        else:
            slot = self._rng.randrange(self.seen)
            if slot < self.k:
                self.items[slot] = item
