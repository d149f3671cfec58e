"""What a report covers: the vtdata outputs at a path (a download store, a clips table, a shard
folder, a training run) or in the folders under it (a quickstart or `vtdata run` output), grouped
by the folder that holds them, and read in batches so any size fits in memory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from vtdata.records import clips as clip_records
from vtdata.records.folders import DOWNLOAD_STORE, SHARD_FOLDER, TRAINING_RUN, identify
from vtdata.records.names import CLIPS_NAME, MEDIA_DIR
from vtdata.records.tables import TableError, TableKind, conform, open_table

CLIPS_TABLE = "clips table"
KINDS = (DOWNLOAD_STORE, CLIPS_TABLE, SHARD_FOLDER, TRAINING_RUN)
MAX_DEPTH = 3  # folders below PATH searched for outputs
SKIPPED = {MEDIA_DIR, "_done", "__pycache__", "node_modules"}  # never hold outputs, may hold millions
BATCH = 65_536  # table rows read at a time


@dataclass(frozen=True)
class Part:
    """One vtdata output: its kind, its path (a folder, or the clips file), and its group: the
    folder that holds it, relative to the report's PATH ("webvid" for webvid/download)."""

    kind: str
    path: Path
    group: str

    @property
    def label(self) -> str:
        return f"{self.kind} {self.path.name}"


class NotVtdata(ValueError):
    """PATH holds nothing a report can show; the message is one line naming it."""


def discover(path: str | Path) -> list[Part]:
    """Every output at or under `path` (sorted by group, then stage order); NotVtdata when none."""
    root = Path(path)
    if not root.exists():
        raise NotVtdata(f"{root}: no such file or folder")
    if root.is_file():
        if not _is_clips(root):
            raise NotVtdata(
                f"{root}: not a vtdata output: a report needs a download store, a clips table, "
                "a shard folder or a training run"
            )
        return [Part(CLIPS_TABLE, root, root.parent.name or str(root.parent))]
    parts: list[Part] = []
    for folder in _folders(root):
        group = _group(root, folder)
        kind = identify(folder)
        if kind is not None:
            parts.append(Part(kind, folder, group))
        clips = folder / CLIPS_NAME
        if clips.is_file() and _is_clips(clips):
            parts.append(Part(CLIPS_TABLE, clips, group))
    if not parts:
        raise NotVtdata(
            f"{root}: not a vtdata output: no download store, clips table, shard folder or training "
            f"run in it or in the {MAX_DEPTH} levels of folders below it"
        )
    return sorted(parts, key=lambda p: (p.group, KINDS.index(p.kind), str(p.path)))


def _folders(root: Path) -> Iterator[Path]:
    """`root` and its folders down to MAX_DEPTH, in name order; a vtdata folder's own insides
    (media, resume records) are not searched."""
    yield root
    if identify(root) is not None:
        return
    stack = [(root, 0)]
    while stack:
        folder, depth = stack.pop(0)
        if depth >= MAX_DEPTH:
            continue
        try:
            children = sorted(e.name for e in os.scandir(folder) if e.is_dir(follow_symlinks=False))
        except OSError:
            continue
        for name in children:
            if name in SKIPPED or name.startswith("."):
                continue
            child = folder / name
            yield child
            if identify(child) is None:
                stack.append((child, depth + 1))


def _group(root: Path, folder: Path) -> str:
    if folder == root:
        return root.resolve().name or str(root)
    rel = folder.relative_to(root)
    return str(rel.parent) if len(rel.parts) > 1 else rel.name


def _is_clips(path: Path) -> bool:
    try:
        open_table(path, clip_records.TABLE)
    except TableError:
        return False
    return True


def batches(path: str | Path, kind: TableKind, columns: list[str], size: int = BATCH) -> Iterator[pa.Table]:
    """`columns` of a checked table, `size` rows at a time (missing columns of a hand-made table: null)."""
    pf = open_table(path, kind)
    present = [c for c in columns if c in pf.schema_arrow.names]
    if not present:
        yield _nulls(pf, kind, columns)
        return
    for batch in pf.iter_batches(batch_size=size, columns=present):
        yield conform(pa.Table.from_batches([batch]), kind, columns)


def _nulls(pf: pq.ParquetFile, kind: TableKind, columns: list[str]) -> pa.Table:
    n = pf.metadata.num_rows
    return pa.Table.from_arrays([pa.nulls(n, kind.schema.field(c).type) for c in columns], names=columns)
