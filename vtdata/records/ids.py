"""Turn corpus ids and URLs into names that are safe as file names and WebDataset keys.

A WebDataset key ends at the first dot of a tar member name, and an id must never
escape the download store (`../../x`), so ids keep only `[A-Za-z0-9_-]`. When anything
had to change, a short hash of the original is appended so two different originals
can never collide.
"""

from __future__ import annotations

import hashlib
import re

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


def id_from_url(url: str) -> str:
    """An id for a row that has only a URL (CC3M, plain tables): readable tail plus a hash."""
    tail = url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0].rsplit(".", 1)[0]
    tail = _UNSAFE.sub("_", tail).strip("_-")[:40] or "item"
    return f"{tail}_{_digest(url, 12)}"


def shard_of(item_id: str) -> str:
    """Two hex digits spreading ids over 256 folders, so no folder holds millions of files."""
    return _digest(item_id, 2)
