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

    def first_seen(self, ids: Sequence[str]) -> list[bool]:
        """For each id, True the first time it is met (earlier calls and earlier in `ids` count)."""
        a = np.fromiter((hash(i) for i in ids), dtype=np.int64, count=len(ids))
        b = np.fromiter((hash((i, 1)) for i in ids), dtype=np.int64, count=len(ids))
        known = np.zeros(len(ids), dtype=bool)
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
        order = np.lexsort((b, a))  # stable: among equal ids the earliest comes first
        sa, sb = a[order], b[order]
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
            low_a, low_b = self._levels[-1]
            a, b = np.concatenate([low_a, top_a]), np.concatenate([low_b, top_b])
            order = np.argsort(a, kind="stable")  # by the first hash only: equal ones are scanned
            self._levels[-1] = (a[order], b[order])
