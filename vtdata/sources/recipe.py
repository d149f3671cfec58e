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

from vtdata.records.sources import SourceItem, write_sources
from vtdata.sources.report import DUPLICATE_ID, SkipReport, SourceResult

VAL_SPLIT = "val"
AUTO_SPLIT = "auto"
_FILE_SPLIT = re.compile(r"(?:^|[^a-z])(train(?:ing)?|val(?:id|idation)?|test)(?:[^a-z]|$)", re.IGNORECASE)

# A recipe's parser yields (where, item): `where` names the file and line (or video id) for
# messages, and `item.split` is "" unless the input itself says which split the row is in.
Located = tuple[str, SourceItem]


@dataclass(frozen=True)
class Selection:
    """Which items of a corpus to keep and how to split them.

    `split` names every item's split (`"auto"`: the split a file's name states, as in
    `results_2M_val.csv` or `Validation_GCC-1.1.0-Validation.tsv`, else "train"), except
    that a `val_fraction` of items (chosen by id hash)
    go to "val" and a split given by the input row itself (table recipe) wins over both.
    `sample_fraction` keeps that fraction of ids (by a hash independent of the split's).
    `limit` stops after that many items, reading no further.
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
        if not self.split:
            raise ValueError("split must be a non-empty name")


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


def select(located: Iterable[Located], selection: Selection, report: SkipReport) -> Iterator[SourceItem]:
    """Apply sampling, duplicate-id skipping, split assignment and the limit, lazily."""
    if selection.limit == 0:
        return
    seen: set[str] = set()
    emitted = 0
    for where, item in located:
        if selection.sample_fraction < 1.0 and (
            hash_unit(item.id, selection.seed, "sample") >= selection.sample_fraction
        ):
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
        emitted += 1
        if selection.limit is not None and emitted >= selection.limit:
            return


def run(
    located: Iterable[Located],
    selection: Selection,
    report: SkipReport,
    output: str | Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> SourceResult:
    """Collect the selected items, or stream them into `output` (atomically) when it is given.

    `progress(n)` is called with the number of items just emitted.
    """
    counts: Counter = Counter()

    def counted() -> Iterator[SourceItem]:
        for item in select(located, selection, report):
            counts[(item.dataset, item.media, item.split)] += 1
            if progress is not None:
                progress(1)
            yield item

    if output is None:
        return SourceResult(items=list(counted()), report=report, counts=counts)
    path = write_sources(counted(), output)
    return SourceResult(items=None, report=report, counts=counts, output=path)
