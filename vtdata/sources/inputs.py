"""Opening corpus files: compressed or not, headed CSVs with line numbers, lists of paths."""

from __future__ import annotations

import csv
import gzip
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from vtdata.sources.report import BAD_ROW, SkipReport, SourceFormatError

PathLike = str | Path

# Captions and names can be long; the csv module's default 128 KiB field limit is not a format rule.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def open_text(path: Path) -> IO[str]:
    """Open a text file, transparently gunzipping `*.gz`; a BOM (Excel) is dropped, bad bytes replaced."""
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8-sig", errors="replace", newline="")
    return open(path, encoding="utf-8-sig", errors="replace", newline="")


def base_suffix(path: Path) -> str:
    """The suffix that names the format, ignoring a trailing `.gz`."""
    return Path(path.stem).suffix.lower() if path.suffix == ".gz" else path.suffix.lower()


def expand_paths(paths: PathLike | Sequence[PathLike], pattern: str) -> list[Path]:
    """Files named directly, plus the files matching `pattern` (sorted) inside named folders."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(p.glob(pattern))
            if not found:
                raise SourceFormatError(f"{p}: folder holds no file matching {pattern!r}; name the files")
            out.extend(found)
        elif p.exists():
            out.append(p)
        else:
            raise FileNotFoundError(f"{p}: no such file or folder")
    return out


def is_http_url(url: str) -> bool:
    return url.startswith(("http://", "https://")) and len(url) > len("https://") and " " not in url


def csv_rows(
    path: Path,
    required: Sequence[str],
    report: SkipReport,
    *,
    what: str,
    delimiter: str = ",",
    hint: str = "Check that this is the right file.",
    start_line: int = 2,
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) for each record of a CSV with a header; column names are stripped of spaces.

    `start_line` > 2 passes over the one-line records before it unread (the columnar path has
    read them already and hands the rest of the file over from there).

    A missing required column raises SourceFormatError naming the file, the column, the
    columns found and `hint` (what to do). A record with the wrong number of fields, or that
    the csv module cannot parse, is reported under `bad_row` and skipped. `line` is where the
    record starts (a quoted field may carry it over several lines).
    """
    with open_text(path) as f:
        reader = csv.reader(f, delimiter=delimiter)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise SourceFormatError(f"{what} {path}: file is empty (expected a header line)") from None
        missing = [c for c in required if c not in header]
        if missing:
            raise SourceFormatError(
                f"{what} {path}: missing required column(s) {', '.join(map(repr, missing))}; "
                f"found columns: {', '.join(map(repr, header[:20]))}. {hint}"
            )
        while reader.line_num + 1 < start_line:
            try:
                next(reader)
            except StopIteration:
                return
            except csv.Error:
                continue
        while True:
            first = reader.line_num + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                report.skip(
                    BAD_ROW, f"{what} {path} line {reader.line_num}: unreadable record ({e}); skipped"
                )
                continue
            if not fields or fields == [""]:
                continue
            if len(fields) != len(header):
                lines = reader.line_num - first
                where = f"lines {first}-{reader.line_num}" if lines else f"line {first}"
                why = "an unbalanced quote?" if lines else "an unquoted comma?"
                report.skip(
                    BAD_ROW,
                    f"{what} {path} {where}: {len(fields)} fields but the header has {len(header)} ({why}); "
                    "record skipped",
                )
                continue
            yield first, dict(zip(header, fields, strict=True))
