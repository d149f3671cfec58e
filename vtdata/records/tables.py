"""The Parquet tables of the contract, each with its schema and `schema_version`, checked on read.

Every table vtdata writes carries `vtdata.table` (its kind) and `vtdata.schema_version` in its
Parquet metadata. `open_table(path, kind)` opens a table for reading and refuses, with a
`TableError` naming the file, what it is and what was expected, a file that is missing, empty,
not Parquet, of another kind ("clips table expected; this is a sources table"), or written by a
newer schema. A table without vtdata metadata (made by hand, e.g. with pandas) is accepted when
it has the kind's required columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

TABLE_KEY = b"vtdata.table"
VERSION_KEY = b"vtdata.schema_version"


class TableError(ValueError):
    """A file given as a vtdata table that cannot be read as one; the message says why and what to do."""


@dataclass(frozen=True)
class TableKind:
    """One kind of table: its name in the metadata, a description for messages, its schema."""

    name: str  # the `vtdata.table` value
    what: str  # e.g. "clips table (clips.parquet, written by `vtdata align`)"
    schema: pa.Schema
    version: int
    required: tuple[str, ...]  # columns a hand-made table must have

    def metadata(self) -> dict[str, str]:
        return {TABLE_KEY.decode(): self.name, VERSION_KEY.decode(): str(self.version)}

    @property
    def noun(self) -> str:
        return self.what.split(" (")[0]


KINDS: dict[str, TableKind] = {}


def register(kind: TableKind) -> TableKind:
    KINDS[kind.name] = kind
    return kind


def kind_of(pf: pq.ParquetFile) -> tuple[str | None, int | None]:
    """The `(kind, schema_version)` a Parquet file states in its metadata, (None, None) if it states none."""
    meta = pf.schema_arrow.metadata or {}
    name = meta.get(TABLE_KEY)
    version = meta.get(VERSION_KEY)
    try:
        number = int(version) if version is not None else None
    except ValueError:
        number = None
    return (name.decode("utf-8", "replace") if name is not None else None), number


def open_table(path: str | Path, kind: TableKind) -> pq.ParquetFile:
    """Open `path` for reading as a table of `kind`; `TableError` (see the module docstring) otherwise."""
    path = Path(path)
    if not path.exists():
        raise TableError(f"{path}: no such file; expected a {kind.what}")
    if path.is_dir():
        raise TableError(f"{path}: is a folder; expected a {kind.what}")
    if path.stat().st_size == 0:
        raise TableError(f"{path}: empty file (0 bytes); expected a {kind.what}")
    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError):
        raise TableError(f"{path}: not a Parquet file; expected a {kind.what}") from None
    name, version = kind_of(pf)
    if name is None:
        missing = [c for c in kind.required if c not in pf.schema_arrow.names]
        if missing:
            raise TableError(
                f"{path}: not a {kind.noun}: it lacks the column(s) {', '.join(missing)} "
                f"(it has {', '.join(pf.schema_arrow.names) or 'none'}); expected a {kind.what}"
            )
        return pf
    if name != kind.name:
        other = KINDS.get(name)
        this = f"a {other.what}" if other else f"a table of kind {name!r}"
        raise TableError(f"{path}: {kind.noun} expected; this is {this}")
    if version is not None and version > kind.version:
        raise TableError(
            f"{path}: {kind.noun} of schema_version {version}; this vtdata reads up to {kind.version}: "
            "upgrade vtdata (pip install -U vtdata)"
        )
    return pf


def read_columns(path: str | Path, kind: TableKind, columns: list[str] | None = None) -> pa.Table:
    """The whole table (or `columns` of it) after the `open_table` check, in the kind's schema: columns a
    hand-made table lacks are filled with nulls."""
    pf = open_table(path, kind)
    wanted = columns or kind.schema.names
    present = [c for c in wanted if c in pf.schema_arrow.names]
    return conform(pf.read(columns=present), kind, wanted)


def conform(table: pa.Table, kind: TableKind, columns: list[str] | None = None) -> pa.Table:
    """`table` with exactly `columns` (default: all of the kind's) in the kind's types, missing ones null."""
    names = columns or kind.schema.names
    arrays = [
        table.column(n) if n in table.column_names else pa.nulls(table.num_rows, kind.schema.field(n).type)
        for n in names
    ]
    schema = pa.schema([kind.schema.field(n) for n in names])
    return pa.Table.from_arrays(arrays, names=names).cast(schema)


def publish(tmp: Path, path: Path, allow_empty: bool = True) -> Path | None:
    """Rename the finished temporary table `tmp` to `path`; without `allow_empty`, a table of no rows
    is removed instead (None), so an empty run never replaces an older file."""
    if not allow_empty and pq.ParquetFile(tmp).metadata.num_rows == 0:
        tmp.unlink()
        return None
    tmp.replace(path)
    return path
