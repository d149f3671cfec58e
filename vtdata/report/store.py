"""A download store's part of the report: items per outcome from the ledger (streamed), failures
by reason with example ids and messages, and the distributions of what was downloaded: durations,
sizes, resolutions, and codecs probed from a few files drawn at random."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from vtdata.download.ledger import Ledger
from vtdata.media.errors import MediaError
from vtdata.media.image import image_header
from vtdata.media.probe import probe
from vtdata.records.names import SOURCES_NAME
from vtdata.records.sources import count_sources
from vtdata.records.tables import TableError
from vtdata.report.stream import Categories, Distribution, Reservoir

EXAMPLES = 3  # example ids and messages shown per failure reason
PROBES = 8  # media files opened to read their codec


@dataclass
class Loss:
    """Items (or clips) lost at one stage for one reason, with a few of them named."""

    stage: str
    reason: str
    count: int
    examples: list[tuple[str, str]] = field(default_factory=list)  # (id, message)


@dataclass
class StoreFacts:
    sources: int | None  # rows of the store's sources.parquet (None when it has none)
    ledger: dict[str, int]  # "ok" and each failure reason -> items
    losses: list[Loss]
    durations: Distribution
    sizes: Distribution
    resolutions: Categories
    codecs: Categories
    media: Categories
    probed: int = 0

    @property
    def downloaded(self) -> int:
        return self.ledger.get("ok", 0)

    @property
    def attempted(self) -> int:
        return sum(self.ledger.values())


def read_store(store: Path, seed: int, probes: int = PROBES) -> StoreFacts:
    """Everything the report shows of `store`, reading its ledger once, a few thousand rows at a time."""
    facts = StoreFacts(
        sources=_sources(store),
        ledger={},
        losses=[],
        durations=Distribution("durations", "s", seed),
        sizes=Distribution("file sizes", "bytes", seed),
        resolutions=Categories("resolutions"),
        codecs=Categories("codecs"),
        media=Categories("media"),
    )
    picks = Reservoir(probes, f"{seed}:probe")
    with Ledger(store, readonly=True) as ledger:
        facts.ledger = dict(sorted(ledger.counts().items(), key=lambda kv: (kv[0] != "ok", kv[0])))
        for entry in ledger.entries(status="ok"):
            facts.media.add(entry.media)
            if entry.media != "image":
                facts.durations.add(entry.duration)
            facts.sizes.add(entry.bytes)
            if entry.width and entry.height:
                facts.resolutions.add(f"{entry.width}x{entry.height}")
            if entry.path:
                picks.add((entry.id, entry.path, entry.media))
        for reason, entries in ledger.failure_examples(EXAMPLES).items():
            examples = [(e.id, e.message or "") for e in entries]
            facts.losses.append(Loss("download", reason, facts.ledger.get(reason, 0), examples))
    facts.losses.sort(key=lambda loss: (-loss.count, loss.reason))
    for _, rel, media in sorted(picks.items):
        label = _codec(store, rel, media)
        if label is not None:
            facts.codecs.add(label)
            facts.probed += 1
    return facts


def _sources(store: Path) -> int | None:
    path = store / SOURCES_NAME
    if not path.is_file():
        return None
    try:
        return count_sources(path)
    except TableError:
        return None


def _codec(store: Path, rel: str, media: str) -> str | None:
    """The codec of one stored file, probed through `vtdata.media`; None when it cannot be read.

    The ledger's path is checked to stay inside the store before it is opened."""
    root = store.resolve()
    path = (root / rel).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    try:
        if media == "image":
            return f"{image_header(path)[2] or 'unknown'} (image)"
        info = probe(path)
    except (MediaError, OSError, ValueError):
        return None
    return f"{info.codec} ({path.suffix.lstrip('.') or info.container.split(',')[0]})"
