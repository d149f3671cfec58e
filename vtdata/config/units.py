"""Quantities as text, one way everywhere. Byte sizes: SI units for `kB`/`MB`/`GB` (powers of
1000), binary units for `KiB`/`MiB`/`GiB` (powers of 1024), as `ls --si` and `ls -h` print them; a
bare unit letter (`500M`, `2G`) is SI, like `MB`; `500MiB` is 500 x 2**20 bytes. Counts: `plural`.
"""

from __future__ import annotations

import re

_UNITS = " KMGTP"
_SIZE = re.compile(r"\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([kKmMgGtTpP]?)(i?)[bB]?\s*")


def parse_size(value: int | str) -> int:
    """`1000000`, `"500MB"`, `"2GiB"`, `"1.5G"`, `"64k"` -> bytes. Raises ValueError naming the value.

    An int is taken as bytes; units are case-insensitive (`mb` = `MB`); `i` makes them binary.
    """
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a byte size like 500MB or 2GiB")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"a byte size cannot be negative, got {value}")
        return value
    match = _SIZE.fullmatch(str(value))
    if not match:
        raise ValueError(f"{value!r} is not a byte size like 500MB (SI) or 2GiB (binary)")
    number, unit, binary = match.groups()
    if binary and not unit:
        raise ValueError(f"{value!r} is not a byte size like 500MB (SI) or 2GiB (binary)")
    base = 1024 if binary else 1000
    return int(float(number) * base ** _UNITS.index(unit.upper() or " "))


def format_size(n: float, binary: bool = False) -> str:
    """`17100000` -> `"17.1 MB"` (SI); with `binary`, `"16.3 MiB"`. Bytes below one unit are whole."""
    base = 1024.0 if binary else 1000.0
    suffix = "iB" if binary else "B"
    if abs(n) < base:
        return f"{n:.0f} B"
    for unit in _UNITS[1:]:
        n /= base
        if abs(n) < base or unit == _UNITS[-1]:
            return f"{n:.1f} {unit if binary or unit != 'K' else 'k'}{suffix}"
    raise AssertionError("unreachable")


def exact_size(n: int) -> str:
    """The shortest exact spelling that `parse_size` reads back: `1 << 30` -> `"1GiB"`, `5e8` -> `"500MB"`."""
    for unit in reversed(_UNITS[1:]):
        for base, suffix in ((1024, "iB"), (1000, "B")):
            scale = base ** _UNITS.index(unit)
            if n and n % scale == 0:
                return f"{n // scale}{unit if base == 1024 or unit != 'K' else 'k'}{suffix}"
    return str(n)


def plural(n: int, word: str, words: str | None = None) -> str:
    """`1 item`, `2 items`, `1 tar file`, `3 tar files` (`words` for irregular plurals)."""
    return f"{n} {word if n == 1 else (words or word + 's')}"
