"""Where align's items come from (a download store or a bare source table) and where clips go.

A download store gives, per id, `sources.parquet`'s row plus the ledger's probed `duration`,
`offset` and subtitle files; ids not `ok` in the ledger are reported as `not_downloaded`. A bare
source table gives its rows with the table's `duration` (segments and captions only).
`run_align` writes `clips.parquet` (streamed, atomic) and `<name>.report.json` beside it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from vtdata.align.options import AlignOptions
from vtdata.align.pipeline import AlignItem, Drop, ItemResult, align_items
from vtdata.align.summary import AlignSummary
from vtdata.records.clips import write_clips
from vtdata.records.folders import check_writable, owned_folder
from vtdata.records.ids import SeenIds
from vtdata.records.names import SOURCES_NAME, report_path
from vtdata.records.sources import read_sources

NOT_DOWNLOADED = "not_downloaded"


def store_items(store: str | Path) -> Iterator[AlignItem | Drop]:
    """Items of a download store in `sources.parquet` order (see the module docstring).

    The ledger is read here, so a store without one fails now (`FileNotFoundError`), not mid-run.
    """
    from vtdata.download.ledger import Ledger

    store = Path(store)
    ledger = Ledger(store, readonly=True)
    return _joined(store, ledger, read_sources(store / SOURCES_NAME))


def _joined(store: Path, ledger, items: Iterator) -> Iterator[AlignItem | Drop]:
    """Items with their ledger rows, looked up a few thousand ids at a time (bounded memory); an id
    met again is not downloaded a second time, as the ledger holds it once."""
    root = store.resolve()
    seen = SeenIds()
    try:
        for chunk in _chunks(items, 4096):
            first = seen.first_seen([item.id for item in chunk])
            entries = ledger.lookup([item.id for item, f in zip(chunk, first, strict=True) if f])
            for item, is_first in zip(chunk, first, strict=True):
                yield from joined_item(root, item, entries.get(item.id) if is_first else None)
    finally:
        ledger.close()


def joined_item(root: Path, item, entry) -> Iterator[AlignItem | Drop]:
    """An item with its ledger row (`entry`, None when not downloaded) as align takes it."""
    if entry is None or entry.status != "ok":
        yield Drop(item.id, "item", NOT_DOWNLOADED, "no ok row in the ledger")
        return
    subtitles = {}
    for lang, rel in (entry.subtitles or {}).items():
        try:
            path = (root / rel).resolve()
        except (ValueError, OSError):  # a NUL byte, a symlink loop: no file of the store
            continue
        if path.is_relative_to(root):  # a ledger path never leaves the store
            subtitles[lang] = path
    duration = entry.duration if entry.duration is not None else (item.duration if not entry.offset else None)
    yield AlignItem(item, duration, subtitles, entry.offset or 0.0)


def _chunks(values: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for value in values:
        chunk.append(value)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def source_items(path: str | Path) -> Iterator[AlignItem]:
    """Items of a bare source table: segments and captions, durations from the table."""
    for item in read_sources(path):
        yield AlignItem(item, item.duration)


def run_align(
    items: Iterable[AlignItem | Drop],
    out: str | Path,
    opts: AlignOptions | None = None,
    progress: Callable[[ItemResult], None] | None = None,
) -> AlignSummary:
    """Align every item, write `out` (clips.parquet) and its report; return the summary.

    A run that makes no clip at all writes nothing (an older `out` stays): the summary says why.
    """
    summary = AlignSummary()
    opts = opts or AlignOptions()

    def clips():
        for result in align_items(items, opts, progress):
            summary.add(result)
            yield from result.clips

    check_writable(Path(out).parent)
    with owned_folder(Path(out).parent):
        written = write_clips(clips(), out, allow_empty=False)
    if written is None:
        return summary
    report = report_path(out)
    tmp = report.with_name(f".{report.name}.tmp")
    tmp.write_text(json.dumps(summary.to_dict(), indent=1, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, report)
    return summary


def find_item(items: Iterable[AlignItem | Drop], item_id: str) -> AlignItem | Drop | None:
    """The entry for one id (for `vtdata align --show`)."""
    for x in items:
        if (x.id if isinstance(x, Drop) else x.item.id) == item_id:
            return x
    return None
