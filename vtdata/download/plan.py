"""Decide, without touching the network, what a run will fetch and how.

Pure functions of (source items, what the ledger already says, config): the local runner
and a distributed one (Ray) plan the same way and differ only in who runs `download_one`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pyarrow as pa

from vtdata.download.config import DownloadConfig
from vtdata.download.hosts import host_of
from vtdata.download.ledger import Prior
from vtdata.download.retry import FetchError
from vtdata.records.ids import SeenIds
from vtdata.records.ledger import Reason
from vtdata.records.sources import TABLE as SOURCES
from vtdata.records.sources import SourceItem, items_of
from vtdata.records.tables import open_table

VIDEO_EXTS = frozenset("mp4 m4v webm mkv mov avi flv ogv ts mpg mpeg 3gp".split())
IMAGE_EXTS = frozenset("jpg jpeg png gif webp bmp tif tiff avif heic".split())


@dataclass(frozen=True)
class Task:
    """One item to fetch: which backend, which host it loads, which time range (None = all)."""

    item: SourceItem
    backend: str
    host: str
    section: tuple[float, float] | None
    prior_attempts: int = 0


@dataclass
class PlanCounts:
    """What planning saw; filled while the plan is consumed."""

    total: int = 0
    todo: int = 0
    skipped_ok: int = 0
    skipped_failed: int = 0
    duplicates: int = 0


def url_ext(url: str) -> str:
    path = urlsplit(url).path
    tail = path.rsplit("/", 1)[-1]
    return tail.rsplit(".", 1)[-1].lower() if "." in tail else ""


def choose_backend(item: SourceItem, config: DownloadConfig) -> str:
    """yt-dlp for pages and YouTube ids (and any cut by --sections); plain HTTP for direct files."""
    if config.backend != "auto":
        return config.backend
    if item.media == "image":
        return "http"
    if section_of(item, config) is not None:
        return "ytdlp"
    return "http" if url_ext(item.url) in VIDEO_EXTS else "ytdlp"


def section_of(item: SourceItem, config: DownloadConfig) -> tuple[float, float] | None:
    """With --sections, the one time span covering every segment (padded); None = whole file.

    One covering span, not one file per segment, keeps the store's one-file-per-id layout;
    HowTo100M narration is sparse at the ends of videos, which is where the savings are.
    """
    if not config.sections or item.media != "video" or not item.segments:
        return None
    start = max(0.0, min(s.start for s in item.segments) - config.section_pad)
    end = max(s.end for s in item.segments) + config.section_pad
    if item.duration:
        end = min(end, item.duration)
    return (start, end) if end > start else None


def check_url(url: str, config: DownloadConfig) -> FetchError | None:
    """Refuse schemes we never fetch (only http/https, plus local files with --allow-local-files)."""
    if not url or not url.strip():
        return FetchError(Reason.UNSUPPORTED, "empty URL")
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError as exc:
        return FetchError(Reason.UNSUPPORTED, f"unparsable URL {url!r}: {exc}")
    if scheme in ("http", "https"):
        return None
    if scheme in ("", "file"):
        if config.allow_local_files:
            return None
        return FetchError(
            Reason.UNSUPPORTED, f"local file {url!r} refused: pass --allow-local-files to allow"
        )
    return FetchError(Reason.UNSUPPORTED, f"URL scheme {scheme!r} refused (only http/https): {url!r}")


def wants_fetch(prior: Prior | None, config: DownloadConfig) -> bool:
    """New ids always; ok never; failed ones only with --retry-failed (and a matching --reason)."""
    if prior is None:
        return True
    if prior.status == "ok":
        return False
    if prior.status == "failed" and not config.retry_failed:
        return False
    return not config.retry_reasons or prior.reason in config.retry_reasons


PriorSource = Mapping[str, Prior] | Callable[[list[str]], dict[str, Prior]]
"""What the ledger says: a mapping (small runs, tests) or a batch lookup (`Ledger.priors_of`)."""

CHUNK = 4096


def _priors_of(priors: PriorSource, ids: list[str]) -> dict[str, Prior]:
    if callable(priors):
        return priors(ids)
    return {i: priors[i] for i in ids if i in priors}


def _decided(
    ids: list[str], seen: SeenIds, priors: PriorSource, config: DownloadConfig, counts: PlanCounts
) -> list[Prior | None | bool]:
    """For each id: its prior (None when new) when it is to be fetched, `False` when skipped."""
    first = seen.first_seen(ids)
    known = _priors_of(priors, [i for i, f in zip(ids, first, strict=True) if f])
    out: list[Prior | None | bool] = []
    for item_id, is_first in zip(ids, first, strict=True):
        counts.total += 1
        if not is_first:
            counts.duplicates += 1
            out.append(False)
            continue
        prior = known.get(item_id)
        if wants_fetch(prior, config):
            counts.todo += 1
            out.append(prior)
        else:
            if prior is not None and prior.status == "ok":
                counts.skipped_ok += 1
            else:
                counts.skipped_failed += 1
            out.append(False)
    return out


def _chunks(values: Iterable, size: int = CHUNK) -> Iterator[list]:
    chunk: list = []
    for value in values:
        chunk.append(value)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def plan(
    items: Iterable[SourceItem],
    priors: PriorSource,
    config: DownloadConfig,
    counts: PlanCounts | None = None,
) -> Iterator[Task]:
    """Tasks for the items that need fetching, in source order; duplicate ids are fetched once.

    Items are decided a few thousand at a time, each batch's ledger rows looked up by id, so a
    resume over a ledger of millions of rows holds none of them in memory.
    """
    counts = counts if counts is not None else PlanCounts()
    seen = SeenIds()
    for chunk in _chunks(items):
        decided = _decided([i.id for i in chunk], seen, priors, config, counts)
        todo = [k for k, prior in enumerate(decided) if prior is not False]
        yield from _tasks([chunk[k] for k in todo], [decided[k] for k in todo], config)


def plan_table(
    path: str | Path,
    priors: PriorSource,
    config: DownloadConfig,
    counts: PlanCounts | None = None,
    decided: Decided | None = None,
) -> Iterator[Task]:
    """`plan` over a source table file, deciding on its ids first: only the items to fetch become
    `SourceItem`s, so resuming a run of millions of items that are done costs little. With the
    `decided` of a `count_plan` over the same table, the ledger is not asked a second time."""
    counts = counts if counts is not None else PlanCounts()
    seen = SeenIds()
    row = 0
    for batch in open_table(path, SOURCES).iter_batches(CHUNK):
        if decided is None:
            verdicts = _decided(batch.column("id").to_pylist(), seen, priors, config, counts)
            todo = [k for k, prior in enumerate(verdicts) if prior is not False]
            chosen = [verdicts[k] for k in todo]
        else:
            todo = np.flatnonzero(decided.todo[row : row + batch.num_rows]).tolist()
            chosen = [decided.priors.get(row + k) for k in todo]
        row += batch.num_rows
        if todo:
            items = items_of(batch.take(pa.array(todo, pa.int64())))
            yield from _tasks(items, chosen, config)
    if decided is not None:
        vars(counts).update(vars(decided.counts))


@dataclass
class Decided:
    """`count_plan`'s verdicts, kept for `plan_table`: one byte per row (10 MB for 10M rows), plus
    the ledger's prior of each row to fetch again (failed ones retried)."""

    counts: PlanCounts
    todo: np.ndarray
    priors: dict[int, Prior]


def _tasks(items: Iterable[SourceItem], priors: list[Prior | None], config: DownloadConfig) -> Iterator[Task]:
    for item, prior in zip(items, priors, strict=True):
        yield Task(
            item=item,
            backend=choose_backend(item, config),
            host=host_of(item.url),
            section=section_of(item, config),
            prior_attempts=prior.attempts if prior else 0,
        )


def count_plan(
    ids: Iterable[str], priors: PriorSource, config: DownloadConfig, keep: bool = False
) -> PlanCounts | Decided:
    """The counts `plan` will reach, from ids alone (cheap: sizes the progress bar up front);
    with `keep`, the verdicts too (`Decided`), for `plan_table` over the same table."""
    counts = PlanCounts()
    seen = SeenIds()
    todo: list[np.ndarray] = []
    again: dict[int, Prior] = {}
    row = 0
    for chunk in _chunks(ids):
        verdicts = _decided(chunk, seen, priors, config, counts)
        if keep:
            todo.append(np.array([v is not False for v in verdicts], dtype=bool))
            again.update((row + k, v) for k, v in enumerate(verdicts) if v not in (None, False))
        row += len(chunk)
    if not keep:
        return counts
    return Decided(counts, np.concatenate(todo) if todo else np.zeros(0, bool), again)
