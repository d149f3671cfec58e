"""The fast path of the CSV recipes: a file read, checked and written as Arrow columns.

A 10M-row WebVid CSV parsed row by row in Python takes minutes; Arrow reads it in seconds. This
path takes a file only when it can prove the outcome equals the row-by-row path's to the byte
(same items, same skip messages, same table): the file must parse with Arrow, hold no value that
spans lines, no value with exotic whitespace at its ends, and no control character. Anything
else raises `NotSimple` before a row is used, and the recipe reads that file the careful way.
Rows that a vectorized check flags (an empty id, a bad URL, a bad duration, an id that needs
`safe_id`) are handed back to the recipe's own per-row code, so their messages are the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from vtdata.records.sources import ARROW_SCHEMA
from vtdata.sources.recipe import Selector
from vtdata.sources.report import SourceFormatError

BLOCK = 2 << 20  # bytes Arrow parses at a time: larger blocks cost memory (several copies each), not time
_EXOTIC_EDGE = (  # whitespace Python's str.strip removes but Arrow's trim might not, at either end
    r"(^[\x0b\x1c-\x1f\x85\xa0\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}])"
    r"|([\x0b\x1c-\x1f\x85\xa0\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]$)"
)
_CONTROL = r"[\x00-\x08\x0a-\x1f]"
SAFE_ID = r"^[A-Za-z0-9]([A-Za-z0-9_-]{0,94}[A-Za-z0-9])?$"  # ids `safe_id` leaves as they are


class NotSimple(Exception):
    """This file needs the row-by-row path; the message says why (for the debug log)."""


def csv_batches(
    path: Path, required: Sequence[str], what: str, hint: str, delimiter: str = ","
) -> Iterator[tuple[pa.Table, int]]:
    """(table of stripped string columns, line of its first row) for each block of a headed CSV;
    every row of a block is one line, so the next block starts at line + rows.

    A missing required column raises `SourceFormatError` as the row path would; a block the fast
    path cannot vouch for raises `NotSimple` before it is returned: the blocks before it stand
    (each block's outcome is the row path's for those lines), and the caller reads on from the
    failing block's first line row by row.
    """
    parse = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=False, ignore_empty_lines=False)
    try:
        names = _header(path, parse)
        reader = pacsv.open_csv(
            pa.input_stream(str(path), compression=_compression(path)),
            read_options=pacsv.ReadOptions(block_size=BLOCK),
            parse_options=parse,
            convert_options=pacsv.ConvertOptions(
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                column_types={name: pa.string() for name in names},  # no type guessing ("007")
            ),
        )
    except pa.ArrowInvalid as exc:
        raise NotSimple(f"{path}: {exc}") from None
    header = [name.strip() for name in reader.schema.names]
    missing = [c for c in required if c not in header]
    if missing:
        raise SourceFormatError(
            f"{what} {path}: missing required column(s) {', '.join(map(repr, missing))}; "
            f"found columns: {', '.join(map(repr, header[:20]))}. {hint}"
        )
    if len(set(header)) != len(header) or any(c in name for name in names for c in "\r\n\ufeff"):
        raise NotSimple(f"{path}: repeated column names, or a line break in the header")
    line = 2
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            return
        except pa.ArrowInvalid as exc:  # a row with another number of fields, invalid UTF-8, ...
            raise NotSimple(f"{path}: {exc}") from None
        table = pa.Table.from_batches([batch]).rename_columns(header)
        columns = []
        for name in header:
            column = pc.cast(table.column(name), pa.string())
            control, wide = _bytes_of(column)
            if control and pc.any(pc.match_substring_regex(column, _CONTROL)).as_py():
                raise NotSimple(f"{path}: a control character or a line break in column {name!r}")
            if (control or wide) and pc.any(pc.match_substring_regex(column, _EXOTIC_EDGE)).as_py():
                raise NotSimple(f"{path}: unusual whitespace at the edge of a value in column {name!r}")
            columns.append(pc.utf8_trim_whitespace(column))
        yield pa.Table.from_arrays(columns, names=header), line
        line += table.num_rows


def _bytes_of(column: pa.ChunkedArray) -> tuple[bool, bool]:
    """(any byte below 0x20 but tab, any byte above 0x7f) in the column's data buffers: a cheap
    scan that spares the regular expressions for the usual all-ASCII column (it may look at bytes
    beyond a sliced array's values; that only costs the exact check)."""
    control = wide = False
    for chunk in column.chunks:
        data = chunk.buffers()[2]
        if data is None:
            continue
        raw = np.frombuffer(data, dtype=np.uint8)
        control = control or bool(((raw < 0x20) & (raw != 0x09)).any())
        wide = wide or bool((raw > 0x7F).any())
    return control, wide


def _compression(path: Path) -> str | None:
    """As `inputs.open_text` reads it: gzip by its suffix, anything else as plain text."""
    return "gzip" if path.suffix == ".gz" else None


def _header(path: Path, parse: pacsv.ParseOptions) -> list[str]:
    """The raw column names (the first line), read by Arrow with its own quoting rules."""
    reader = pacsv.open_csv(
        pa.input_stream(str(path), compression=_compression(path)),
        read_options=pacsv.ReadOptions(block_size=1 << 16),
        parse_options=parse,
        convert_options=pacsv.ConvertOptions(include_columns=[]),
    )
    return list(reader.schema.names)


def json_object(table: pa.Table, keys: Sequence[str], ints: set[str]) -> pa.Array:
    """`json.dumps({k: v for non-empty v}, ensure_ascii=False, sort_keys=True)` per row, vectorized;
    columns in `ints` hold ASCII digits only where they are written as numbers."""
    pieces = []
    for key in sorted(keys):
        value = table.column(key)
        text = value
        if _has_any(value, b'\\"\t'):  # JSON escapes, only where a value needs them
            text = pc.replace_substring(pc.replace_substring(value, "\\", "\\\\"), '"', '\\"')
            text = pc.replace_substring(text, "\t", "\\t")
        quoted = pc.binary_join_element_wise('"', text, '"', "")
        if key in ints:
            digits = pc.match_substring_regex(value, "^[0-9]+$")
            number = pc.cast(pc.cast(pc.if_else(digits, value, "0"), pa.int64()), pa.string())
            quoted = pc.if_else(digits, number, quoted)
        piece = pc.binary_join_element_wise(f', "{_escaped(key)}": ', quoted, "")
        pieces.append(pc.if_else(pc.equal(value, ""), "", piece))
    if not pieces:
        return pa.array(["{}"] * table.num_rows, pa.string())
    # Every piece starts with ", " (the first one's is cut off): Arrow's null_handling="skip"
    # drops a row whose pieces are all null (pyarrow 26), so empty pieces are "" instead.
    joined = pc.utf8_slice_codeunits(pc.binary_join_element_wise(*pieces, ""), 2)
    return pc.binary_join_element_wise("{", joined, "}", "")


def _has_any(column: pa.ChunkedArray, chars: bytes) -> bool:
    """Whether any of the ASCII `chars` occurs in the column's data buffers (maybe beyond them)."""
    wanted = np.frombuffer(chars, np.uint8)
    for chunk in column.chunks:
        data = chunk.buffers()[2]
        if data is not None and np.isin(np.frombuffer(data, np.uint8), wanted).any():
            return True
    return False


def _escaped(key: str) -> str:
    return key.replace("\\", "\\\\").replace('"', '\\"')


def select_table(table: pa.Table, selector: Selector, source: str, where: Callable[[int], str]) -> pa.Table:
    """The rows of `table` (source table schema, `split` "" or the file's) the selection keeps."""
    ids, splits = table.column("id").combine_chunks(), table.column("split").combine_chunks()
    kept, chosen = selector.decide_all(ids, splits, source, where)
    picked = table.take(pa.array(kept, pa.int64()))
    return picked.set_column(picked.schema.get_field_index("split"), "split", chosen)


def sources_table(columns: dict[str, pa.Array], rows: int) -> pa.Table:
    """A table in the source table's schema from the columns given (the others null)."""
    arrays = [columns[f.name] if f.name in columns else pa.nulls(rows, f.type) for f in ARROW_SCHEMA]
    return pa.Table.from_arrays(arrays, schema=ARROW_SCHEMA)
