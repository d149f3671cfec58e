"""The report's charts, drawn with matplotlib on bare `Figure`s (no pyplot state, no GUI backend)
and saved as PNG bytes without a timestamp or version stamp, so the same data draws the same bytes."""

from __future__ import annotations

import io

import numpy as np

from vtdata.report.stream import Categories, Distribution

SIZE = (4.0, 2.5)  # inches, at DPI: one chart of the distribution grid
DPI = 80
COLOUR = "#3b6ea5"


def figure(size: tuple[float, float] = SIZE):
    from matplotlib.figure import Figure

    return Figure(figsize=size, dpi=DPI)


def png(fig) -> bytes:
    """The figure as PNG bytes; no metadata that would change from one run to the next."""
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


def _scaled(dist: Distribution) -> tuple[np.ndarray, str]:
    """Values in a readable unit: bytes become KB or MB."""
    values = np.asarray(dist.sample, dtype=np.float64)
    if dist.unit == "bytes" and dist.high >= 1e6:
        return values / 1e6, "MB"
    if dist.unit == "bytes" and dist.high >= 1e3:
        return values / 1e3, "KB"
    return values, dist.unit


def histogram(dist: Distribution, title: str | None = None) -> bytes:
    """A histogram of a distribution's sample; the title says when it is estimated from a sample."""
    fig = figure()
    ax = fig.subplots()
    values, unit = _scaled(dist)
    integral = bool(len(values)) and np.all(values == np.round(values)) and values.max() - values.min() <= 60
    if integral:
        low, high = int(values.min()), int(values.max())
        bins = np.arange(low - 0.5, high + 1.5, 1.0)
    else:
        bins = min(40, max(5, int(np.sqrt(max(len(values), 1)))))
    ax.hist(values, bins=bins, color=COLOUR, edgecolor="white", linewidth=0.5)
    estimated = "" if dist.exact else f" (from a sample of {len(dist.sample):,})"
    ax.set_title(f"{title or dist.name}: {dist.count:,} values{estimated}", fontsize=9)
    ax.set_xlabel(unit)
    ax.set_ylabel("count")
    ax.tick_params(labelsize=8)
    fig.tight_layout()
    return png(fig)


def bars(cats: Categories, title: str | None = None, n: int = 10) -> bytes:
    """Horizontal bars of the most frequent labels."""
    fig = figure()
    ax = fig.subplots()
    top = cats.top(n)[::-1]
    ax.barh([label for label, _ in top], [count for _, count in top], color=COLOUR)
    ax.set_title(f"{title or cats.name}: {cats.count:,} values", fontsize=9)
    ax.set_xlabel("count")
    ax.tick_params(labelsize=8)
    fig.tight_layout()
    return png(fig)


def funnel(stages: list[tuple[str, int]], title: str) -> bytes:
    """Counts per stage as bars, left to right."""
    fig = figure((4.8, 2.4))
    ax = fig.subplots()
    names = [name for name, _ in stages]
    counts = [count for _, count in stages]
    ax.bar(names, counts, color=COLOUR)
    for x, count in enumerate(counts):
        ax.annotate(f"{count:,}", (x, count), ha="center", va="bottom", fontsize=8)
    ax.set_title(title, fontsize=9)
    ax.set_ylim(0, max(counts + [1]) * 1.18)
    ax.tick_params(labelsize=8)
    fig.tight_layout()
    return png(fig)
