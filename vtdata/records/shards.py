"""The shard folder's records (docs/formats.md §4): `index.parquet` rows, failures, and the
`schema_version` of index.parquet, stats.json, dataset.json and every sample's `.json`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from vtdata.records.tables import TableKind, read_columns, register

SCHEMA_VERSION = 1

# Failure reasons of the shard stage, beside the media reasons (vtdata.media.errors.REASONS:
# corrupt, unsupported, empty, error; damaged, vtdata.media.damage.DAMAGED).
MISSING_MEDIA = "missing_media"  # the id has no ok download (not in the ledger, failed, file gone)
BAD_SPLIT = "bad_split"  # the clip's split cannot name a tar file (`../x`, `a/b`, a dot): in no shard
BAD_CLIP_ID = "bad_clip_id"  # the clip_id cannot name a tar member: in no shard


@dataclass
class IndexRow:
    """One row of `index.parquet`: a written sample, or a failed clip (`shard` None, `reason` set)."""

    clip_id: str
    id: str
    shard: str | None
    split: str
    store: str
    media: str
    num_frames: int
    bytes: int
    start: float
    end: float
    reason: str | None = None
    decode_errors: int | None = None  # decoder errors while the clip decoded; None: not decoded
    damaged_frames: int | None = None  # its frames the decoder concealed or built on concealed ones


@dataclass
class Failure:
    """A clip that produced no sample, with a failure reason and a message that says where and why;
    a `damaged` one also with its counts (None elsewhere)."""

    clip_id: str
    id: str
    reason: str
    message: str
    decode_errors: int | None = None
    damaged_frames: int | None = None


_COLUMNS = pa.schema(
    [
        ("clip_id", pa.string()),
        ("id", pa.string()),
        ("shard", pa.string()),
        ("split", pa.string()),
        ("store", pa.string()),
        ("media", pa.string()),
        ("num_frames", pa.int32()),
        ("bytes", pa.int64()),
        ("start", pa.float64()),
        ("end", pa.float64()),
        ("reason", pa.string()),
        ("decode_errors", pa.int32()),
        ("damaged_frames", pa.int32()),
    ]
)
INDEX = register(
    TableKind(
        name="shard_index",
        what="shard index (index.parquet, written by `vtdata shard`)",
        schema=_COLUMNS,
        version=SCHEMA_VERSION,
        required=("clip_id", "shard", "split"),
    )
)
INDEX_SCHEMA = _COLUMNS.with_metadata(INDEX.metadata())


def read_index(path: str | Path, columns: list[str] | None = None) -> pa.Table:
    """`index.parquet` (or some of its columns), checked to be a shard index."""
    return read_columns(path, INDEX, columns)
