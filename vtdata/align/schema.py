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
    """One piece of timed text after parsing and de-duplication, times in seconds.

    `line` is the 1-based line of the cue's timing in its file, for messages (None if unknown).
    """

    start: float
    end: float
    text: str
    words: list[Word] | None = None
    line: int | None = None


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


def write_clips(clips: Iterable[Clip], path: str | Path, batch_size: int = 65536) -> Path:
    """Write `clips.parquet` atomically (temporary name, then rename), `batch_size` rows at a time.

    Clips are consumed lazily, so a generator over millions of clips never sits in memory whole;
    if it raises, the temporary file is removed and `path` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with pq.ParquetWriter(tmp, ARROW_SCHEMA) as writer:
            batch: list[dict] = []
            for clip in clips:
                batch.append(asdict(clip))
                if len(batch) >= batch_size:
                    writer.write_table(pa.Table.from_pylist(batch, schema=ARROW_SCHEMA))
                    batch = []
            if batch:
                writer.write_table(pa.Table.from_pylist(batch, schema=ARROW_SCHEMA))
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)
    return path


def read_clips(path: str | Path) -> Iterator[Clip]:
    pf = pq.ParquetFile(path)
    for batch in pf.iter_batches(batch_size=8192):
        for row in batch.to_pylist():
            yield Clip(**row)
