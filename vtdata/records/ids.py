"""Turn corpus ids and URLs into names that are safe as file names and WebDataset keys.

A WebDataset key ends at the first dot of a tar member name, and an id must never
escape the download store (`../../x`), so ids keep only `[A-Za-z0-9_-]`. When anything
had to change, a short hash of the original is appended so two different originals
can never collide.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np
import pyarrow as pa

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
MAX_ID_LEN = 96


def _digest(text: str, n: int = 10) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:n]


def safe_id(raw: str) -> str:
    """A filesystem- and key-safe id for `raw`; identity for ids that are already safe."""
    raw = str(raw)
    cleaned = _UNSAFE.sub("_", raw).strip("_-")
    if cleaned == raw and 0 < len(raw) <= MAX_ID_LEN and not raw.startswith("-"):
        return raw
    cleaned = cleaned[: MAX_ID_LEN - 11] or "id"
    return f"{cleaned}_{_digest(raw)}"


_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")


def name_problem(value: object, what: str = "split", max_len: int = 64) -> str | None:
    """Why `value` cannot be used as is in a file or tar member name (a split, a clip id), or None.

    Splits name tars (`<split>-000000.tar`) and clip ids name tar members: both must stay one
    plain path component (no `/`, `..`, dot, NUL or leading `-`), so a table can never steer a
    write outside the output folder. Checked, never silently rewritten: two splits must not merge.
    """
    if not isinstance(value, str) or not value:
        return f"empty {what}"
    if len(value) > max_len or _NAME.fullmatch(value) is None:
        return (
            f"{what} {value[:80]!r} is not a safe name (1-{max_len} of A-Z a-z 0-9 _ -, not starting with -)"
        )
    return None


def id_from_url(url: str) -> str:
    """An id for a row that has only a URL (CC3M, plain tables): readable tail plus a hash."""
    tail = url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0].rsplit(".", 1)[0]
    tail = _UNSAFE.sub("_", tail).strip("_-")[:40] or "item"
    return f"{tail}_{_digest(url, 12)}"


def shard_of(item_id: str) -> str:
    """Two hex digits spreading ids over 256 folders, so no folder holds millions of files."""
    return _digest(item_id, 2)


_BASES = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))  # odd: two independent hashes
_POWERS: list[np.ndarray] = [np.ones(1, np.uint64), np.ones(1, np.uint64)]


def _powers(which: int, n: int) -> np.ndarray:
    """base**0 .. base**(n-1) modulo 2**64 (numpy's unsigned arithmetic wraps)."""
    have = _POWERS[which]
    if len(have) < n:
        size = max(n, 2 * len(have), 256)
        grown = np.empty(size, np.uint64)
        grown[0] = 1
        with np.errstate(over="ignore"):
            for k in range(1, size):
                grown[k] = grown[k - 1] * _BASES[which]
        _POWERS[which] = have = grown
    return have


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer: every input bit reaches every output bit."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def string_hashes(values: Sequence[str] | pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Two 64-bit hashes of each string (its UTF-8 bytes), computed on the Arrow buffers with numpy:
    a list of ids and an Arrow column of the same ids hash alike, at a few ns per byte. The same
    on every run and machine (unlike Python's salted `hash`); not meant to resist chosen ids, which
    could at worst make one id of the metadata's own author pass for another."""
    array = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values, pa.large_string())
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    array = array.cast(pa.large_string())
    n = len(array)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    offsets = np.frombuffer(array.buffers()[1], np.int64)[array.offset : array.offset + n + 1]
    lengths = np.diff(offsets)
    total = int(lengths.sum())
    data = array.buffers()[2]
    raw = np.frombuffer(data, np.uint8)[offsets[0] : offsets[-1]].astype(np.uint64) if total else None
    out = []
    with np.errstate(over="ignore"):
        for which in (0, 1):
            h = lengths.astype(np.uint64) * _BASES[1 - which]  # the length, so "" and "\0" differ
            if total:
                ends = np.repeat(offsets[1:] - offsets[0], lengths)
                weights = _powers(which, int(lengths.max()))[ends - 1 - np.arange(total)]
                nonempty = lengths > 0
                starts = (offsets[:-1] - offsets[0])[nonempty]
                h[nonempty] += np.add.reduceat(raw * weights, starts)
            out.append(_mix(h).view(np.int64))
    return out[0], out[1]


class SeenIds:
    """The ids met so far in a run, in 16 bytes each whatever their length: two differently salted
    64-bit hashes per id, kept in sorted numpy arrays merged like the levels of an LSM tree. Two
    different ids are taken for one only if both hashes collide (about 1e-20 for 10M ids), so a
    corpus-wide duplicate check costs ~160 MB at WebVid-10M's size instead of gigabytes of strings.
    The hashes are Python's (salted per process): they only mean something within one run.
    """

    def __init__(self) -> None:
        self._levels: list[tuple[np.ndarray, np.ndarray]] = []  # (first hashes sorted, second hashes)

    def __len__(self) -> int:
        return sum(len(a) for a, _ in self._levels)

    @staticmethod
    def _keys(ids: Sequence[str] | pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
        return string_hashes(ids)

    def _known(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        known = np.zeros(len(a), dtype=bool)
        for level_a, level_b in self._levels:
            at = np.searchsorted(level_a, a)
            hit = at < len(level_a)
            hit[hit] = level_a[at[hit]] == a[hit]
            for k in np.flatnonzero(hit):  # equal first hash: the second decides (a run of equals is rare)
                j = at[k]
                while j < len(level_a) and level_a[j] == a[k]:
                    if level_b[j] == b[k]:
                        known[k] = True
                        break
                    j += 1
        return known

    def contains(self, ids: Sequence[str]) -> list[bool]:
        """For each id, whether it was added before (nothing is added)."""
        return self._known(*self._keys(ids)).tolist()

    def add(self, ids: Sequence[str]) -> None:
        """Remember `ids` (repeats and ids already known are fine)."""
        if ids:
            a, b = self._keys(ids)
            order = np.lexsort((b, a))
            self._add((a[order], b[order]))

    def first_seen(self, ids: Sequence[str] | pa.Array | pa.ChunkedArray) -> list[bool]:
        """For each id, True the first time it is met (earlier calls and earlier in `ids` count);
        every id is remembered."""
        a, b = self._keys(ids)
        order = np.lexsort((b, a))  # stable: among equal ids the earliest comes first
        sa, sb = a[order], b[order]
        known = np.empty(len(a), dtype=bool)
        known[order] = self._known(sa, sb)  # sorted needles: numpy's search walks forward
        repeat = np.zeros(len(ids), dtype=bool)
        repeat[order[1:][(sa[1:] == sa[:-1]) & (sb[1:] == sb[:-1])]] = True
        new = ~known & ~repeat
        if new.any():
            keep = new[order]
            self._add((sa[keep], sb[keep]))
        return new.tolist()

    def _add(self, level: tuple[np.ndarray, np.ndarray]) -> None:
        self._levels.append(level)
        while len(self._levels) > 1 and len(self._levels[-2][0]) <= 2 * len(self._levels[-1][0]):
            top_a, top_b = self._levels.pop()
            low_a, low_b = self._levels.pop()
            self._levels.append(_merged(low_a, low_b, top_a, top_b))


def _merged(low_a: np.ndarray, low_b: np.ndarray, top_a: np.ndarray, top_b: np.ndarray) -> tuple:
    """Two levels sorted by their first hash, merged in one pass: no sort and no index array of the
    whole (a merge at 10M ids would otherwise hold several copies of the level at once)."""
    at = np.searchsorted(low_a, top_a, side="right") + np.arange(len(top_a))
    a, b = np.empty(len(low_a) + len(top_a), np.int64), np.empty(len(low_a) + len(top_a), np.int64)
    low = np.ones(len(a), dtype=bool)
    low[at] = False
    a[at], b[at] = top_a, top_b
    a[low], b[low] = low_a, low_b
    return a, b

