"""Decode a subtitle file whatever its encoding, saying so when it had to guess.

Order: a BOM decides (UTF-8, UTF-16 LE/BE); else strict UTF-8; else cp1252 (what most
non-UTF-8 SRT files from Windows tools are); else latin-1, which never fails. A guess is a
warning `Issue` naming the first byte that was not UTF-8, so a mojibake caption can be traced.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from vtdata.align.records import Issue, TimedTextError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(data: bytes, source: str) -> tuple[str, str, list[Issue]]:
    """`(text, encoding, issues)` for the bytes of a text file; raises `TimedTextError` when there
    is no text at all (empty, whitespace only, or binary with NUL bytes and no UTF-16 BOM)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _nonempty(data.decode(encoding), source), encoding, []
            except UnicodeDecodeError as e:
                raise TimedTextError(
                    Issue(source, None, f"has a {encoding} BOM but does not decode ({e})")
                ) from None
    if b"\x00" in data[:4096]:
        raise TimedTextError(Issue(source, None, "holds NUL bytes: a binary file, not timed text; skipped"))
    try:
        return _nonempty(data.decode("utf-8"), source), "utf-8", []
    except UnicodeDecodeError as e:
        bad = e.start
    line = data.count(b"\n", 0, bad) + 1
    for encoding in ("cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        issue = Issue(
            source,
            line,
            f"not UTF-8 (byte 0x{data[bad]:02x} at offset {bad}); read as {encoding}, check accented text",
            "warning",
        )
        return _nonempty(text, source), encoding, [issue]
    raise AssertionError("latin-1 decodes any bytes")


def read_text(path: str | Path) -> tuple[str, str, list[Issue]]:
    """`decode_text` of a file; a missing or unreadable file is a `TimedTextError` too."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise TimedTextError(Issue(str(path), None, f"cannot be read ({e.strerror or e}); skipped")) from None
    return decode_text(data, str(path))


def _nonempty(text: str, source: str) -> str:
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise TimedTextError(Issue(source, None, "is empty; no cues"))
    return text
