"""What every recipe shares after parsing: sampling, de-duplication, split assignment, limit,
and either collecting the items or streaming them into `sources.parquet`.

Sampling and the held-out split are decided by a hash of (seed, id) alone, so an item lands in
the same split and the same sample on every run, whatever else the file holds or its order.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vtdata.records.ids import SeenIds, name_problem
from vtdata.records.sources import SourceItem, write_sources
from vtdata.sources.report import BAD_SPLIT, DUPLICATE_ID, SkipReport, SourceResult

VAL_SPLIT = "val"
CHUNK = 4096  # candidate rows decided at a time
AUTO_SPLIT = "auto"
_FILE_SPLIT = re.compile(r"(?:^|[^a-z])(train(?:ing)?|val(?:id|idation)?|test)(?:[^a-z]|$)", re.IGNORECASE)

class Located(NamedTuple):
    """What a recipe's parser yields: `where` names the file and line (or video id) for messages,
    `item.split` is "" unless the input itself says which split the row is in, and `source` is the
    input file it came from (`--limit` counts per file; "" for a recipe whose inputs are one stream).
    """

    where: str
    item: SourceItem
    source: str = ""


@dataclass(frozen=True)
class Selection:
    """Which items of a corpus to keep and how to split them.

    `split` names every item's split (`"auto"`: the split a file's name states, as in
    `results_2M_val.csv` or `Validation_GCC-1.1.0-Validation.tsv`, else "train"), except
    that a `val_fraction` of items (chosen by id hash)
    go to "val" and a split given by the input row itself (table recipe) wins over both.
    `sample_fraction` keeps that fraction of ids (by a hash independent of the split's).
    `limit` keeps at most that many items of each input file (so a train and a val file both
    contribute), and a file is read no further once its limit is reached.
    """

    limit: int | None = None
    split: str = AUTO_SPLIT
    val_fraction: float = 0.0
    sample_fraction: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.limit is not None and self.limit < 0:
            raise ValueError(f"limit must be >= 0, got {self.limit}")
        if not 0.0 <= self.val_fraction < 1.0:
            raise ValueError(f"val_fraction must be in [0, 1), got {self.val_fraction}")
        if not 0.0 < self.sample_fraction <= 1.0:
            raise ValueError(f"sample_fraction must be in (0, 1], got {self.sample_fraction}")
        problem = name_problem(self.split)
        if problem is not None:  # the split names the shard tars: it must not be a path
            raise ValueError(f"--split: {problem}")


def file_split(path: str | Path) -> str:
    """The split a native file's name states ("train", "val", "test"), or "" when it names none."""
    found = _FILE_SPLIT.findall(Path(path).name)
    if not found:
        return ""
    word = found[-1].lower()
    return "train" if word.startswith("train") else "test" if word == "test" else VAL_SPLIT


def hash_unit(item_id: str, seed: int, salt: str) -> float:
    """A number in [0, 1) fixed by (salt, seed, id): the same on every run and machine."""
    digest = hashlib.blake2b(f"{salt}:{seed}:{item_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


class Budget:
    """The per-file `--limit`, shared by `select` (which counts what it keeps from each file) and a
    recipe's parser (which stops reading a file once it is `full`, and the whole input once every
    file is)."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.counts: Counter[str] = Counter()

    def full(self, source: str | Path = "") -> bool:
        return self.limit is not None and self.counts[str(source)] >= self.limit


class Selector:
    """The selection's decisions, a chunk of candidate rows at a time: per-file limit, sampling,
    duplicate ids (reported with their `where`), split assignment. Rows and Arrow tables share it,
    so every recipe selects alike; the ids met are kept in 16 bytes each (`SeenIds`)."""

    def __init__(self, selection: Selection, report: SkipReport, budget: Budget | None = None) -> None:
        self.selection = selection
        self.report = report
        self.budget = budget or Budget(selection.limit)
        self.seen = SeenIds()
        self.done = selection.limit == 0  # a one-stream input has all it needs: read no further

    def chunk_size(self) -> int:
        limit = self.selection.limit
        return min(CHUNK, limit) if limit else CHUNK

    def decide(
        self, ids: list[str], splits: list[str], sources: list[str], where: Callable[[int], str]
    ) -> tuple[list[int], list[str]]:
        """Indices (in order) of the rows kept, and each kept row's split."""
        sel, budget = self.selection, self.budget
        if self.done:
            return [], []
        sampled = [True] * len(ids)
        if sel.sample_fraction < 1.0:
            sampled = [hash_unit(i, sel.seed, "sample") < sel.sample_fraction for i in ids]
        candidates = [k for k, s in enumerate(sampled) if s]
        known = dict(zip(candidates, self.seen.contains([ids[k] for k in candidates]), strict=True))
        default = "train" if sel.split == AUTO_SPLIT else sel.split
        kept: list[int] = []
        kept_splits: list[str] = []
        kept_ids: set[str] = set()
        for k, item_id in enumerate(ids):
            source = sources[k]
            if budget.full(source):
                if source == "":
                    self.done = True
                    break
                continue
            if not sampled[k]:
                continue
            split = splits[k]
            problem = name_problem(split) if split else None
            if problem is not None:  # it would name the shard tars: never a path
                self.report.skip(BAD_SPLIT, f"{where(k)}: {problem}; row skipped")
                continue
            if known[k] or item_id in kept_ids:
                message = f"{where(k)}: id {item_id!r} was already read earlier; row skipped"
                self.report.skip(DUPLICATE_ID, message)
                continue
            kept_ids.add(item_id)
            if not split:
                held_out = sel.val_fraction > 0 and hash_unit(item_id, sel.seed, "split") < sel.val_fraction
                split = VAL_SPLIT if held_out else default
            kept.append(k)
            kept_splits.append(split)
            budget.counts[source] += 1
            if source == "" and budget.full(source):
                self.done = True
                break
        self.seen.add(list(kept_ids))
        return kept, kept_splits


    def chunks(self, located: Iterable[Located]) -> Iterator[list[SourceItem]]:
        """The items kept, a chunk of candidates at a time (their split set)."""
        source = iter(located)
        while not self.done:
            chunk = list(itertools.islice(source, self.chunk_size()))
            if not chunk:
                return
            kept, splits = self.decide(
                [loc.item.id for loc in chunk],
                [loc.item.split for loc in chunk],
                [loc.source for loc in chunk],
                lambda k, chunk=chunk: chunk[k].where,
            )
            items = []
            for k, split in zip(kept, splits, strict=True):
                chunk[k].item.split = split
                items.append(chunk[k].item)
            yield items

    def decide_all(
        self, ids: pa.Array, splits: pa.Array, source: str, where: Callable[[int], str]
    ) -> tuple[np.ndarray, pa.Array]:
        """`decide` for the rows of one file when no limit is set, vectorized (the columnar path):
        the same rows kept, the same splits, the same duplicate messages in the same order. Its
        splits are "" or the file name's (train/val/test), never a row's, so none is unsafe."""
        sel = self.selection
        assert sel.limit is None, "a limit takes the row path"
        candidates = np.arange(len(ids))
        if sel.sample_fraction < 1.0:
            sampled = [hash_unit(i, sel.seed, "sample") < sel.sample_fraction for i in ids.to_pylist()]
            candidates = candidates[np.array(sampled, dtype=bool)]
        chosen = ids if len(candidates) == len(ids) else ids.take(candidates)
        first = np.array(self.seen.first_seen(chosen), dtype=bool)
        for k in candidates[~first]:
            message = f"{where(int(k))}: id {ids[k].as_py()!r} was already read earlier; row skipped"
            self.report.skip(DUPLICATE_ID, message)
        kept = candidates[first]
        given = splits.take(kept)
        default = "train" if sel.split == AUTO_SPLIT else sel.split
        if sel.val_fraction > 0:
            kept_ids = ids.take(kept).to_pylist()
            held = [hash_unit(i, sel.seed, "split") < sel.val_fraction for i in kept_ids]
            default = pa.array([VAL_SPLIT if h else default for h in held], pa.string())
        self.budget.counts[source] += len(kept)
        return kept, pc.if_else(pc.equal(given, ""), default, given)


def select(
    located: Iterable[Located], selection: Selection, report: SkipReport, budget: Budget | None = None
) -> Iterator[SourceItem]:
    """Apply sampling, duplicate-id skipping, split assignment and the per-file limit, lazily (a
    chunk of candidates at a time: with a limit of N, at most N rows are read ahead)."""
    for items in Selector(selection, report, budget).chunks(located):
        yield from items


def run(
    located: Iterable[Located],
    selection: Selection,
    report: SkipReport,
    output: str | Path | None = None,
    progress: Callable[[int], None] | None = None,
    budget: Budget | None = None,
) -> SourceResult:
    """Collect the selected items, or stream them into `output` (atomically) when it is given.

    `progress(n)` is called with the number of items just emitted. A run that selects no item
    writes no file (an older `output` stays as it was): `SourceResult.output` is then None.
    """
    counts: Counter = Counter()

    def counted() -> Iterator[SourceItem]:
        for item in select(located, selection, report, budget):
            counts[(item.dataset, item.media, item.split)] += 1
            if progress is not None:
                progress(1)
            yield item

    if output is None:
        return SourceResult(items=list(counted()), report=report, counts=counts)
    path = write_sources(counted(), output, allow_empty=False)
    return SourceResult(items=None, report=report, counts=counts, output=path)
