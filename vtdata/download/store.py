"""Layout of a download store (DESIGN.md §2) and the file moves that keep it consistent.

```
<store>/sources.parquet                       the source table the store was built from
<store>/ledger.sqlite                         see ledger.py
<store>/media/<shard_of(sid)>/<sid>.<ext>     sid = safe_id(id): never a raw id or URL
<store>/media/<shard_of(sid)>/<sid>.<lang>.vtt  subtitles (or .srv3, .ttml, .sbv: as downloaded)
<store>/media/<shard_of(sid)>/.<name>.part    in-flight downloads; removed at the next start
```
Safe ids contain no dots, so `<sid>.` prefixes exactly one item's files.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from vtdata.records.ids import safe_id, shard_of
from vtdata.records.names import DOWNLOAD_LOCK, MEDIA_DIR, PART_SUFFIX, SOURCES_NAME
from vtdata.records.sources import ARROW_SCHEMA, SourceItem, read_sources, to_arrow
from vtdata.records.sources import TABLE as SOURCES
from vtdata.records.tables import conform

log = logging.getLogger(__name__)



class StoreBusy(RuntimeError):
    """Another `vtdata download` is writing this store."""


class ItemPaths:
    """Where one item's files live; every path is inside `<store>/media/<shard>/`."""

    def __init__(self, store: str | Path, item_id: str):
        self.store = Path(store)
        self.sid = safe_id(item_id)
        self.dir = self.store / MEDIA_DIR / shard_of(self.sid)

    def final(self, ext: str) -> Path:
        return self.dir / f"{self.sid}.{ext}"

    def subtitle(self, lang: str, ext: str = "vtt") -> Path:
        return self.dir / f"{self.sid}.{safe_id(lang)}.{ext}"

    def part(self, tag: str = "") -> Path:
        """A hidden in-flight name in the same folder, so the final rename is atomic."""
        return self.dir / f".{self.sid}{'.' + tag if tag else ''}{PART_SUFFIX}"

    def relative(self, path: Path) -> str:
        return path.relative_to(self.store).as_posix()

    def clear(self) -> None:
        """Remove this item's partial AND final files: called before a fresh fetch of a non-ok item."""
        if not self.dir.is_dir():
            return
        for entry in os.scandir(self.dir):
            name = entry.name
            is_part = name.startswith(f".{self.sid}.") and name.endswith(PART_SUFFIX)
            if is_part or name.startswith(f"{self.sid}."):
                _remove(Path(entry.path))


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def sweep_partials(store: str | Path) -> int:
    """Delete every `.*.part` file or folder a killed run left behind; returns how many."""
    media = Path(store) / MEDIA_DIR
    if not media.is_dir():
        return 0
    removed = 0
    for shard in os.scandir(media):
        if not shard.is_dir():
            continue
        for entry in os.scandir(shard.path):
            if entry.name.startswith(".") and entry.name.endswith(PART_SUFFIX):
                _remove(Path(entry.path))
                removed += 1
    return removed


@contextlib.contextmanager
def store_lock(store: str | Path) -> Iterator[None]:
    """Exclusive lock on the store for one writing run; released by the OS even on `kill -9`."""
    path = Path(store) / DOWNLOAD_LOCK
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise StoreBusy(f"{store}: another `vtdata download` is writing this store; wait for it") from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


COPIED_NAME = ".sources.copied.json"  # which table the store's copy was last made from (skip a rerun's copy)


def copy_sources(sources: str | Path | Iterable[SourceItem], store: str | Path) -> Path:
    """Write `<store>/sources.parquet`: earlier rows whose ids are not among the new ones, then the new rows.

    Keeping earlier rows lets several source tables share one store without orphaning ledger
    rows that align and shard still need. Streams batch by batch (WebVid has 10M rows).
    """
    dest = Path(store) / SOURCES_NAME
    marker = dest.with_name(COPIED_NAME)
    if isinstance(sources, (str, Path)):
        stamp = {"input": _sha256(Path(sources)), "output": _sha256(dest) if dest.exists() else None}
        if dest.exists() and marker.exists() and _read_json(marker) == stamp:
            return dest  # a rerun with the same table: the copy would come out the same
        new_ids = pq.read_table(sources, columns=["id"]).column("id")
        new_batches: Iterable = pq.ParquetFile(sources).iter_batches(batch_size=65536)
    else:
        table = to_arrow(sources)
        new_ids, new_batches = table.column("id"), table.to_batches()
    tmp = dest.with_name(f".{dest.name}.tmp")
    with pq.ParquetWriter(tmp, ARROW_SCHEMA) as writer:
        if dest.exists():
            for batch in pq.ParquetFile(dest).iter_batches(batch_size=65536):
                old = _normalized(batch)
                writer.write_table(old.filter(pc.invert(pc.is_in(old.column("id"), value_set=new_ids))))
        for batch in new_batches:
            writer.write_table(_normalized(batch))
    os.replace(tmp, dest)
    if isinstance(sources, (str, Path)):
        stamp = {"input": _sha256(Path(sources)), "output": _sha256(dest)}
        tmp_marker = marker.with_name(f"{marker.name}.tmp")
        tmp_marker.write_text(json.dumps(stamp), encoding="utf-8")
        os.replace(tmp_marker, marker)
    else:
        marker.unlink(missing_ok=True)
    return dest


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _normalized(batch: pa.RecordBatch) -> pa.Table:
    """A batch in the source table's schema (a hand-made table's missing columns as nulls)."""
    return conform(pa.Table.from_batches([batch]), SOURCES)


def iter_sources(store: str | Path) -> Iterator[SourceItem]:
    return read_sources(Path(store) / SOURCES_NAME)
