"""A recipe run over input files, each read by the columnar fast path when it allows, else by rows.

Both paths feed one `Selector` (limit, sampling, duplicate ids, splits) and one `SourcesWriter`,
so the table written is the same whichever path read a file: a 10M-row CSV that Arrow can vouch
for costs seconds, and one odd file in a folder only slows down that file.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pyarrow as pa

from vtdata.records.sources import SourcesWriter, to_arrow
from vtdata.sources.columnar import NotSimple, select_table
from vtdata.sources.recipe import Budget, Located, Selection, Selector
from vtdata.sources.report import SkipReport, SourceResult

logger = logging.getLogger(__name__)

Columnar = Callable[[Path], Iterator[tuple[pa.Table, list[int], int]]]
Rows = Callable[[Path, Budget, int], Iterator[Located]]


def run_files(
    paths: Iterable[Path],
    selection: Selection,
    report: SkipReport,
    output: str | Path,
    progress: Callable[[int], None] | None = None,
    *,
    columnar: Columnar,
    rows: Rows,
    what: str,
) -> SourceResult:
    """Select and write the items of `paths` in order into `output` (atomically; no file when no
    item is selected). `columnar(path)` yields (candidate items as a source table, each one's
    line, the line after its block) and raises `NotSimple` at the first block it cannot vouch
    for; `rows(path, budget, start_line)` is the careful path, which reads on from there. A
    per-file `--limit` takes the row path: it stops reading exactly where the row path did."""
    selector = Selector(selection, report)
    counts: Counter = Counter()
    with SourcesWriter(output, allow_empty=False) as writer:
        for path in paths:
            for table in _file(path, columnar, rows, selector, what, fast=selection.limit is None):
                if not table.num_rows:
                    continue
                writer.add(table)
                _count(table, counts)
                if progress is not None:
                    progress(table.num_rows)
    return SourceResult(items=None, report=report, counts=counts, output=writer.path)


def _file(
    path: Path, columnar: Columnar, rows: Rows, selector: Selector, what: str, fast: bool
) -> Iterator[pa.Table]:
    """The selected rows of one file, block by block: columnar while it can, then row by row."""
    start = 2
    if fast:
        try:
            for table, lines, start in columnar(path):  # noqa: B007 (`start` is read after)
                where = lambda k, lines=lines: f"{what} {path} line {lines[k]}"  # noqa: E731
                yield select_table(table, selector, str(path), where)
            return
        except NotSimple as why:
            logger.debug("%s %s: read row by row from line %d (%s)", what, path, start, why)
    yield from _rows(path, rows, selector, start)


def _rows(path: Path, rows: Rows, selector: Selector, start: int) -> Iterator[pa.Table]:
    for items in selector.chunks(rows(path, selector.budget, start)):
        yield to_arrow(items)


def _count(table: pa.Table, counts: Counter) -> None:
    keys = pa.Table.from_arrays(
        [table.column("dataset"), table.column("media"), table.column("split")], names=["d", "m", "s"]
    )
    for row in keys.group_by(["d", "m", "s"]).aggregate([([], "count_all")]).to_pylist():
        counts[(row["d"], row["m"], row["s"])] += row["count_all"]
