"""What every recipe shares after parsing: sampling, de-duplication, split assignment, limit,
and either collecting the items or streaming them into `sources.parquet`.

Sampling and the held-out split are decided by a hash of (seed, id) alone, so an item lands in
the same split and the same sample on every run, whatever else the file holds or its order.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from vtdata.records.ids import name_problem
from vtdata.records.sources import SourceItem, write_sources
from vtdata.sources.report import BAD_SPLIT, DUPLICATE_ID, SkipReport, SourceResult

VAL_SPLIT = "val"
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


def select(
    located: Iterable[Located], selection: Selection, report: SkipReport, budget: Budget | None = None
) -> Iterator[SourceItem]:
    """Apply sampling, duplicate-id skipping, split assignment and the per-file limit, lazily."""
    budget = budget or Budget(selection.limit)
    if selection.limit == 0:
        return
    seen: set[str] = set()
    for where, item, source in located:
        if budget.full(source):
            if source == "":  # one stream: nothing more to read
                return
            continue
        if selection.sample_fraction < 1.0 and (
            hash_unit(item.id, selection.seed, "sample") >= selection.sample_fraction
        ):
            continue
        if item.split:
            problem = name_problem(item.split)
            if problem is not None:  # it would name the shard tars: never a path
                report.skip(BAD_SPLIT, f"{where}: {problem}; row skipped")
                continue
        if item.id in seen:
            report.skip(DUPLICATE_ID, f"{where}: id {item.id!r} was already read earlier; row skipped")
            continue
        seen.add(item.id)
        if not item.split:
            held_out = selection.val_fraction > 0 and (
                hash_unit(item.id, selection.seed, "split") < selection.val_fraction
            )
            default = "train" if selection.split == AUTO_SPLIT else selection.split
            item.split = VAL_SPLIT if held_out else default
        yield item
        budget.counts[source] += 1
        if source == "" and budget.full(source):
            return


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
