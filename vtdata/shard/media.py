"""Where each item's media file is: from a download store, or from a plain id -> path table.

The shard plan only needs, per id, the file, whether it is a video or an image, and its corpus.
Whether the file really exists is checked by the job (a missing file fails its clips with
`missing_media`), so the plan never depends on the state of the disk.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from vtdata.records.names import SOURCES_NAME
from vtdata.records.sources import DATASETS, MEDIA
from vtdata.records.sources import TABLE as SOURCES
from vtdata.records.tables import read_columns


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


def refs_from_store(store: str | Path, ids: Iterable[str] | None = None) -> dict[str, MediaRef]:
    """References for `ids` (all when None) from `<store>/sources.parquet` and `<store>/ledger.sqlite`."""
    from vtdata.download.ledger import Ledger

    store = Path(store)
    wanted = set(ids) if ids is not None else None
    kinds = _kinds(store / SOURCES_NAME, wanted)
    refs: dict[str, MediaRef] = {}
    with Ledger(store, readonly=True) as ledger:
        for entry in ledger.entries(status=None):
            if wanted is not None and entry.id not in wanted:
                continue
            media, dataset = kinds.get(entry.id, (entry.media or "video", "custom"))
            if entry.status == "ok" and entry.path:
                refs[entry.id] = MediaRef(str(store / entry.path), media, dataset)
            else:
                why = f"download {entry.status}"
                if entry.reason:
                    why += f" ({entry.reason}: {entry.message})"
                refs[entry.id] = MediaRef(None, media, dataset, missing=f"{store}: id {entry.id!r}: {why}")
    for item_id, (media, dataset) in kinds.items():
        if item_id not in refs and (wanted is None or item_id in wanted):
            refs[item_id] = MediaRef(
                None, media, dataset, missing=f"{store}: id {item_id!r} is not in the download ledger"
            )
    return refs


def refs_from_table(table: str | Path, ids: Iterable[str] | None = None) -> dict[str, MediaRef]:
    """References from a CSV / Parquet table with columns `id`, `path` and optionally `media`,
    `dataset`; relative paths are relative to the table's folder.
    """
    import pyarrow.csv as pacsv

    table = Path(table)
    data = pq.read_table(table) if table.suffix == ".parquet" else pacsv.read_csv(table)
    missing = {"id", "path"} - set(data.column_names)
    if missing:
        raise ValueError(f"{table}: media table needs the columns id and path; it lacks {sorted(missing)}")
    wanted = set(ids) if ids is not None else None
    refs: dict[str, MediaRef] = {}
    for line, row in enumerate(data.to_pylist(), start=2):
        item_id = str(row["id"])
        if wanted is not None and item_id not in wanted:
            continue
        media = row.get("media") or "video"
        dataset = row.get("dataset") or "custom"
        if media not in MEDIA or dataset not in DATASETS:
            raise ValueError(
                f"{table} row {line}: media must be one of {MEDIA} and dataset one of {DATASETS}, "
                f"got {media!r} / {dataset!r}"
            )
        path = Path(str(row["path"]))
        path = path if path.is_absolute() else table.parent / path
        refs[item_id] = MediaRef(str(path), media, dataset)
    return refs


def _kinds(sources: Path, wanted: set[str] | None) -> Mapping[str, tuple[str, str]]:
    """id -> (media, dataset) from a sources.parquet, reading only those three columns."""
    if not sources.exists():
        return {}
    table = read_columns(sources, SOURCES, ["id", "media", "dataset"]).to_pydict()
    return {
        i: (m or "video", d or "custom")
        for i, m, d in zip(table["id"], table["media"], table["dataset"], strict=True)
        if wanted is None or i in wanted
    }
