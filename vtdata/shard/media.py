"""Where each item's media file is: from a download store, a plain id -> path table, or a mapping.

The plan only needs, per id, the file, whether it is a video or an image, and its corpus. Whether
the file really exists is checked by the job (a missing file fails its clips with
`missing_media`), so the plan never depends on the state of the disk.

References are read in id order (`Refs.sorted_rows`) and joined to the plan's clips, which come
sorted by id within each split (`vtdata.shard.order`): a merge join, so a ledger or media table
of any size is never held in memory.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from vtdata.records.names import SOURCES_NAME
from vtdata.records.sources import DATASETS, MEDIA
from vtdata.records.sources import TABLE as SOURCES
from vtdata.records.tables import open_table
from vtdata.shard.order import sorted_tables


@dataclass(frozen=True)
class MediaRef:
    """One item's media file. Clip times (clips.parquet) are already times in this file.

    `path` is None when there is no usable file; `missing` then says why, for the failure record.
    """

    path: str | None
    media: str = "video"
    dataset: str = "custom"
    missing: str = ""


def unknown_ref(item_id: str) -> MediaRef:
    return MediaRef(None, missing=f"id {item_id!r} is neither in the download store nor in the media table")


class Refs:
    """References by id, readable as a stream sorted by id (each id once)."""

    def sorted_rows(self) -> Iterator[tuple[str, MediaRef]]:
        raise NotImplementedError

    def close(self) -> None:
        pass


class MappingRefs(Refs):
    """A dict of references (small inputs, tests)."""

    def __init__(self, refs: Mapping[str, MediaRef]) -> None:
        self.refs = refs

    def sorted_rows(self) -> Iterator[tuple[str, MediaRef]]:
        return iter(sorted(self.refs.items()))


def as_refs(refs: Refs | Mapping[str, MediaRef]) -> Refs:
    return refs if isinstance(refs, Refs) else MappingRefs(refs)


class RefCursor:
    """`get(id)` for ids in ascending order, advancing once through `Refs.sorted_rows`."""

    def __init__(self, refs: Refs) -> None:
        self._rows = refs.sorted_rows()
        self._current: tuple[str, MediaRef] | None = next(self._rows, None)

    def get(self, item_id: str) -> MediaRef:
        while self._current is not None and self._current[0] < item_id:
            self._current = next(self._rows, None)
        if self._current is not None and self._current[0] == item_id:
            return self._current[1]
        return unknown_ref(item_id)


class StoreRefs(Refs):
    """References of a download store: its ledger (for the files) joined with its source table (for
    each id's media kind and corpus)."""

    def __init__(self, store: str | Path) -> None:
        from vtdata.download.ledger import Ledger

        self.store = Path(store)
        with Ledger(self.store, readonly=True):  # a store without a (readable) ledger fails now
            pass

    def _kinds(self) -> Iterator[dict]:
        """id, media, dataset of the store's sources.parquet, sorted by id (last duplicate wins)."""
        path = self.store / SOURCES_NAME
        if not path.exists():
            return iter(())
        rows = open_table(path, SOURCES).metadata.num_rows

        def read() -> Iterator[pa.Table]:
            seq = 0
            for batch in open_table(path, SOURCES).iter_batches(65536, columns=["id", "media", "dataset"]):
                table = pa.Table.from_batches([batch])
                yield table.append_column("seq", pa.array(range(seq, seq + table.num_rows), pa.int64()))
                seq += table.num_rows

        tables = sorted_tables(read, ("id", "seq"), ("id",), rows)
        return _last_per_id(_dicts(tables))

    def sorted_rows(self) -> Iterator[tuple[str, MediaRef]]:
        from vtdata.download.ledger import Ledger

        kinds = self._kinds()
        kind = next(kinds, None)
        with Ledger(self.store, readonly=True) as ledger:
            entries = ledger.entries(status=None)
            entry = next(entries, None)
            while kind is not None or entry is not None:
                if entry is None or (kind is not None and kind["id"] < entry.id):
                    media, dataset = kind["media"] or "video", kind["dataset"] or "custom"
                    why = f"{self.store}: id {kind['id']!r} is not in the download ledger"
                    yield kind["id"], MediaRef(None, media, dataset, missing=why)
                    kind = next(kinds, None)
                    continue
                if kind is not None and kind["id"] == entry.id:
                    media, dataset = kind["media"] or "video", kind["dataset"] or "custom"
                    kind = next(kinds, None)
                else:
                    media, dataset = entry.media or "video", "custom"
                yield entry.id, self._ref(entry, media, dataset)
                entry = next(entries, None)

    def _ref(self, entry, media: str, dataset: str) -> MediaRef:
        if entry.status == "ok" and entry.path:
            if not _inside(entry.path):  # a ledger path never leaves the store
                why = f"{self.store}: id {entry.id!r}: ledger path {entry.path[:80]!r} leaves the store"
                return MediaRef(None, media, dataset, missing=why)
            return MediaRef(str(self.store / entry.path), media, dataset)
        why = f"download {entry.status}"
        if entry.reason:
            why += f" ({entry.reason}: {entry.message})"
        return MediaRef(None, media, dataset, missing=f"{self.store}: id {entry.id!r}: {why}")


def _inside(relative: str) -> bool:
    """True when a store-relative path stays inside the store (no absolute path, no `..` out)."""
    norm = os.path.normpath(relative)
    return not os.path.isabs(norm) and norm != ".." and not norm.startswith("../") and "\0" not in norm


class TableRefs(Refs):
    """References from a CSV / Parquet table with columns `id`, `path` and optionally `media`,
    `dataset`; relative paths are relative to the table's folder. A bad row raises ValueError with
    its line; a repeated id takes its last row. Read in Arrow batches: any size works."""

    def __init__(self, table: str | Path) -> None:
        self.table = Path(table)
        self.rows = sum(t.num_rows for t in self._read())  # a bad column or row fails now, not mid-plan

    def _read(self) -> Iterator[pa.Table]:
        seq = 0
        for batch in _table_batches(self.table):
            yield self._checked(pa.Table.from_batches([batch]), seq)
            seq += batch.num_rows

    def _checked(self, batch: pa.Table, seq: int) -> pa.Table:
        n = batch.num_rows

        def column(name: str, default: str) -> pa.Array:  # a missing optional column is its default
            if name not in batch.column_names:
                return pa.array([default] * n, pa.string())
            return pc.fill_null(batch.column(name), default)

        media, dataset = column("media", "video"), column("dataset", "custom")
        media = pc.if_else(pc.equal(media, ""), "video", media)
        dataset = pc.if_else(pc.equal(dataset, ""), "custom", dataset)
        good = pc.and_(pc.is_in(media, pa.array(MEDIA)), pc.is_in(dataset, pa.array(DATASETS)))
        if not pc.all(good).as_py():
            k = pc.index(good, False).as_py()
            raise ValueError(
                f"{self.table} row {seq + k + 2}: media must be one of {MEDIA} and dataset one of "
                f"{DATASETS}, got {media[k].as_py()!r} / {dataset[k].as_py()!r}"
            )
        base = self.table.parent
        paths = [str(p if Path(p).is_absolute() else base / p) for p in batch.column("path").to_pylist()]
        return pa.table(
            {
                "id": pc.cast(batch.column("id"), pa.string()),
                "seq": pa.array(range(seq, seq + n), pa.int64()),
                "path": pa.array(paths, pa.string()),
                "media": media,
                "dataset": dataset,
            }
        )

    def sorted_rows(self) -> Iterator[tuple[str, MediaRef]]:
        tables = sorted_tables(self._read, ("id", "seq"), ("id",), self.rows)
        for row in _last_per_id(_dicts(tables)):
            yield row["id"], MediaRef(row["path"], row["media"], row["dataset"])


def _table_batches(table: Path) -> Iterator[pa.RecordBatch]:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if table.suffix == ".parquet":
        pf = pq.ParquetFile(table)
        names = pf.schema_arrow.names
        batches = pf.iter_batches(65536)
    else:
        reader = pacsv.open_csv(
            table,
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in ("id", "path", "media", "dataset")}
            ),
        )
        names = reader.schema.names
        batches = iter(reader)
    missing = {"id", "path"} - set(names)
    if missing:
        raise ValueError(f"{table}: media table needs the columns id and path; it lacks {sorted(missing)}")
    yield from batches


def _dicts(tables: Iterator[pa.Table]) -> Iterator[dict]:
    """Rows of tables as dicts, a batch at a time (a whole table as dicts would cost 10x its size)."""
    for table in tables:
        for batch in table.to_batches(8192):
            yield from batch.to_pylist()


def _last_per_id(rows: Iterator[dict]) -> Iterator[dict]:
    """Rows sorted by (id, seq), one per id: the last."""
    previous = None
    for row in rows:
        if previous is not None and previous["id"] != row["id"]:
            yield previous
        previous = row
    if previous is not None:
        yield previous


def refs_from_store(store: str | Path) -> StoreRefs:
    """References of a download store (`<store>/ledger.sqlite` and `<store>/sources.parquet`)."""
    return StoreRefs(store)


def refs_from_table(table: str | Path) -> TableRefs:
    """References from a media table (see `TableRefs`)."""
    return TableRefs(table)
