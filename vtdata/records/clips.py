"""The clip table (`clips.parquet`, docs/formats.md §3): one row per training clip."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from vtdata.records.names import temporary
from vtdata.records.tables import TableKind, open_table, publish, register

SCHEMA_VERSION = 1


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


_COLUMNS = pa.schema(
    [
        ("clip_id", pa.string()),
        ("id", pa.string()),
        ("start", pa.float64()),
        ("end", pa.float64()),
        ("text", pa.string()),
        ("texts", pa.list_(pa.string())),
        ("context", pa.string()),
        ("split", pa.string()),
    ]
)
TABLE = register(
    TableKind(
        name="clips",
        what="clips table (clips.parquet, written by `vtdata align`)",
        schema=_COLUMNS,
        version=SCHEMA_VERSION,
        required=("clip_id", "id", "start", "end", "text"),
    )
)
ARROW_SCHEMA = _COLUMNS.with_metadata(TABLE.metadata())


def write_clips(
    clips: Iterable[Clip], path: str | Path, batch_size: int = 65536, *, allow_empty: bool = True
) -> Path | None:
    """Write `clips.parquet` atomically (temporary name, then rename), `batch_size` rows at a time.
    With `allow_empty=False` a run of no clips writes nothing (an older file stays) and returns None.

    Clips are consumed lazily, so a generator over millions of clips never sits in memory whole;
    if it raises, the temporary file is removed and `path` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary(path)
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
    return publish(tmp, path, allow_empty)


def read_clips(path: str | Path) -> Iterator[Clip]:
    """Yield the clips of a `clips.parquet`, batch by batch; `TableError` (raised now) if it is not one."""
    pf = open_table(path, TABLE)
    return _clips(pf)


def _clips(pf: pq.ParquetFile) -> Iterator[Clip]:
    names = set(pf.schema_arrow.names)
    columns = [c for c in _COLUMNS.names if c in names]
    for batch in pf.iter_batches(batch_size=8192, columns=columns):
        for row in batch.to_pylist():
            row["texts"] = row.get("texts") or []
            row["context"] = row.get("context") or ""
            row["split"] = row.get("split") or "train"
            yield Clip(**row)
