"""Stream the members of one huge top-level JSON object (HowTo100M's multi-GB caption.json).

`json.load` would hold the whole file and every parsed value at once. Here the file is read in
chunks and each member's value is decoded with `json.JSONDecoder.raw_decode` as soon as it is
complete, so memory stays at about one chunk plus one value, whatever the file size.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from vtdata.sources.inputs import open_text
from vtdata.sources.report import SourceFormatError

_SPACE = re.compile(r"[ \t\n\r]*")
_NUMBER_TAIL = re.compile(r"[0-9+\-.eE]*")


class _Cursor:
    """A growing window over a text stream; `offset` is the file position of `buf[0]`."""

    def __init__(self, f: IO[str], path: Path, chunk_chars: int, max_value_chars: int):
        self.f, self.path, self.chunk, self.max_value = f, path, chunk_chars, max_value_chars
        self.buf, self.pos, self.offset, self.eof = "", 0, 0, False
        self.last_key: str | None = None

    def fill(self, at_least: int) -> None:
        data = self.f.read(max(self.chunk, at_least))
        if not data:
            self.eof = True
        self.offset += self.pos
        self.buf = self.buf[self.pos :] + data
        self.pos = 0

    def error(self, what: str, at: int | None = None) -> SourceFormatError:
        where = self.offset + (self.pos if at is None else at)
        after = f" (after member {self.last_key!r})" if self.last_key is not None else ""
        return SourceFormatError(
            f"{self.path}: invalid JSON at character {where}{after}: {what}. "
            "The file may be truncated or not a JSON object; re-download or re-extract it."
        )

    def skip_space(self) -> None:
        while True:
            self.pos = _SPACE.match(self.buf, self.pos).end()
            if self.pos < len(self.buf) or self.eof:
                return
            self.fill(0)

    def take(self, expected: str) -> str:
        self.skip_space()
        if self.pos >= len(self.buf):
            raise self.error(f"unexpected end of file, expected one of {expected!r}")
        ch = self.buf[self.pos]
        if ch not in expected:
            raise self.error(f"found {ch!r}, expected one of {expected!r}")
        self.pos += 1
        return ch

    def peek(self) -> str:
        self.skip_space()
        return self.buf[self.pos] if self.pos < len(self.buf) else ""

    def value(self, decoder: json.JSONDecoder) -> Any:
        self.skip_space()
        while True:
            try:
                value, end = decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as e:
                if self.eof:
                    raise self.error(e.msg, e.pos) from None
                if len(self.buf) - self.pos > self.max_value:  # a syntax error, not a short read
                    what = f"{e.msg}, in a value longer than {self.max_value} characters"
                    raise self.error(what, e.pos) from None
                self.fill(len(self.buf) - self.pos)  # grow geometrically: linear total work
                continue
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not self.eof and (end == len(self.buf) or (number and _NUMBER_TAIL.fullmatch(self.buf, end))):
                # A number cut by the chunk end can parse as a shorter one ("0." + "5" -> 0).
                self.fill(len(self.buf) - self.pos)
                continue
            self.pos = end
            return value


def iter_object(
    path: str | Path, chunk_chars: int = 1 << 20, max_value_chars: int = 1 << 26
) -> Iterator[tuple[str, Any]]:
    """Yield `(key, value)` for each member of the JSON object in `path`, in file order.

    Broken JSON raises SourceFormatError with the character offset and the last good key,
    after every member before it has been yielded (a value is given up on once it spans more
    than `max_value_chars` without parsing). `*.gz` files are read through gzip.
    """
    path = Path(path)
    decoder = json.JSONDecoder()
    with open_text(path) as f:
        cur = _Cursor(f, path, chunk_chars, max_value_chars)
        cur.take("{")
        if cur.peek() == "}":
            return
        while True:
            key = cur.value(decoder)
            if not isinstance(key, str):
                raise cur.error(f"member name {key!r} is not a string")
            cur.take(":")
            value = cur.value(decoder)
            cur.last_key = key
            yield key, value
            if cur.take(",}") == "}":
                break
        cur.skip_space()
        if cur.pos < len(cur.buf):
            raise cur.error("extra data after the top-level object")
