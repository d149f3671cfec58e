"""Cues and clips (`clips.parquet`, DESIGN.md §3)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Word:
    """A word with the time it was spoken (YouTube `<00:00:01.234><c>` tags)."""

    start: float
    text: str


@dataclass
class Cue:
    """One piece of timed text after parsing and de-duplication, times in seconds."""

    start: float
    end: float
    text: str
    words: list[Word] | None = None


@dataclass
class Clip:
    """One training clip: a time range of one media item and its text.

    `texts` holds every cue inside the clip (MIL-NCE multiple positives); `context` the
    text of neighbouring cues (DECEMBERT). An image is a clip with start = end = 0.
    """

    clip_id: str
    id: str
    start: float
    end: float
    text: str
    texts: list[str] = field(default_factory=list)
    context: str = ""
    split: str = "train"


ARROW_SCHEMA = pa.schema(
    [
        ("clip_id", pa.string()),
        ("id", pa.string()),
        ("start", pa.float64()),
        ("end", pa.float64()),
        ("text", pa.string()),
        ("texts", pa.list_(pa.string())),
        ("context", pa.string()),
        ("split", pa.string()),
    ],
    metadata={"vtdata.table": "clips", "vtdata.schema_version": str(SCHEMA_VERSION)},
)


def write_clips(clips: Iterable[Clip], path: str | Path) -> Path:
    """Write `clips.parquet` atomically (temporary name, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(pa.Table.from_pylist([asdict(c) for c in clips], schema=ARROW_SCHEMA), tmp)
    tmp.replace(path)
    return path


def read_clips(path: str | Path) -> Iterator[Clip]:
    pf = pq.ParquetFile(path)
    for batch in pf.iter_batches(batch_size=8192):
        for row in batch.to_pylist():
            yield Clip(**row)
