"""CC3M (Conceptual Captions) recipe: `Train_GCC-training.tsv` / `Validation_GCC-1.1.0-Validation.tsv`.

Native format (https://ai.google.com/research/ConceptualCaptions/download): one image per line,
`caption<TAB>url`, no header. Items are images; the id is `ids.id_from_url(url)` (readable tail
plus a hash of the URL, stable across runs) and `source_id` is the URL itself. `meta.line` is
the line in the TSV, so an item can be traced back.

Many CC3M links have rotted: a download success rate around 70% is normal, not a fault of yours.
A line without exactly two tab-separated fields, or with an empty caption or a non-http(s) URL,
is reported with its file and line and skipped; blank lines are ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from vtdata.records.ids import id_from_url
from vtdata.records.sources import SourceItem
from vtdata.sources.inputs import PathLike, expand_paths, is_http_url, open_text
from vtdata.sources.recipe import AUTO_SPLIT, Budget, Located, Selection, file_split, run
from vtdata.sources.report import BAD_ROW, BAD_URL, MISSING_CAPTION, MISSING_URL, SkipReport, SourceResult

FILE_PATTERN = "*.tsv"


def iter_located(
    paths: PathLike | Sequence[PathLike],
    report: SkipReport,
    auto_split: bool = False,
    budget: Budget | None = None,
) -> Iterator[Located]:
    """Parsed items with their file and line, before selection; folders mean their *.tsv files.
    A file is read no further once `budget` says it is full."""
    for path in expand_paths(paths, FILE_PATTERN):
        with open_text(path) as f:
            for line_no, line in enumerate(f, start=1):
                if budget is not None and budget.full(path):
                    break
                line = line.rstrip("\r\n")
                if not line.strip():
                    continue
                where = f"CC3M TSV {path} line {line_no}"
                fields = line.split("\t")
                if len(fields) != 2:
                    report.skip(
                        BAD_ROW, f"{where}: expected 'caption<TAB>url', found {len(fields)} field(s); skipped"
                    )
                    continue
                caption, url = fields[0].strip(), fields[1].strip()
                if not url:
                    report.skip(MISSING_URL, f"{where}: empty url; skipped")
                    continue
                if not is_http_url(url):
                    report.skip(BAD_URL, f"{where}: url {url[:80]!r} is not an http(s) URL; skipped")
                    continue
                if not caption:
                    report.skip(MISSING_CAPTION, f"{where}: empty caption; skipped")
                    continue
                yield Located(
                    where,
                    SourceItem(
                        id=id_from_url(url),
                        source_id=url,
                        dataset="cc3m",
                        media="image",
                        url=url,
                        caption=caption,
                        split=file_split(path) if auto_split else "",
                        meta={"line": line_no},
                    ),
                    str(path),
                )


def read(
    paths: PathLike | Sequence[PathLike],
    *,
    limit: int | None = None,
    split: str = AUTO_SPLIT,
    val_fraction: float = 0.0,
    sample_fraction: float = 1.0,
    seed: int = 0,
) -> SourceResult:
    """Read one or more CC3M TSVs into items plus a skip report."""
    report = SkipReport()
    selection = Selection(limit, split, val_fraction, sample_fraction, seed)
    budget = Budget(limit)
    located = iter_located(paths, report, selection.split == AUTO_SPLIT, budget)
    return run(located, selection, report, budget=budget)


def prepare_cc3m(
    paths: PathLike | Sequence[PathLike],
    output: PathLike,
    *,
    limit: int | None = None,
    split: str = AUTO_SPLIT,
    val_fraction: float = 0.0,
    sample_fraction: float = 1.0,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> SourceResult:
    """Stream CC3M TSVs into `output` (sources.parquet, written atomically)."""
    report = SkipReport()
    selection = Selection(limit, split, val_fraction, sample_fraction, seed)
    budget = Budget(limit)
    located = iter_located(paths, report, selection.split == AUTO_SPLIT, budget)
    return run(located, selection, report, output, progress, budget)
