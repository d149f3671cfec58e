"""Shard sets and the first pipeline stages: which shard each rank and worker reads, in what order.

Plain `wds.SimpleShardList`/`wds.ResampledShards` keep their epoch in the worker's own copy of
the dataset, which resets with non-persistent workers; these stages read the epoch from the
shared state instead, and split by node with the rank the loader pinned (webdataset's default
refuses world > 1 without an explicit nodesplitter).
"""

from __future__ import annotations

import logging
import os
import random
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import webdataset as wds
from webdataset.gopen import gopen_schemes

from vtdata.loader.state import SharedState, worker_info
from vtdata.loader.tars import url_filesystem
from vtdata.records.names import INDEX_NAME
from vtdata.records.shards import read_index

log = logging.getLogger("vtdata.loader")


@dataclass(frozen=True)
class ShardSet:
    """The tar URLs of one shard set and, when an index.parquet told us, the samples in each."""

    urls: tuple[str, ...]
    counts: tuple[int, ...] | None = None

    @property
    def num_samples(self) -> int | None:
        return sum(self.counts) if self.counts is not None else None


def _index_counts(index_path: Path) -> tuple[dict[str, int], dict[str, set[str]]]:
    """Samples per shard file name, and the shard names of each split, from an index.parquet."""
    table = read_index(index_path, ["shard", "split"]).to_pylist()
    counts: dict[str, int] = {}
    splits: dict[str, set[str]] = {}
    for row in table:
        shard = row.get("shard")
        if not shard:  # a failed clip has no shard
            continue
        counts[shard] = counts.get(shard, 0) + 1
        splits.setdefault(str(row.get("split")), set()).add(shard)
    return counts, splits


def _no_index(folder: str) -> FileNotFoundError:
    return FileNotFoundError(
        f"{folder}: no {INDEX_NAME} here; pass the shard files as a brace pattern instead, "
        f"e.g. '{folder}/train-{{000000..000009}}.tar'"
    )


def _pick(index: str, counts: dict[str, int], splits: dict[str, set[str]], split: str | None) -> list[str]:
    """The shard names of `split` (all of them when the index holds one split only)."""
    if split is None:
        if len(splits) > 1:
            raise ValueError(f"{index} holds the splits {sorted(splits)}; pick one with split=...")
        return sorted(counts)
    if split not in splits:
        raise ValueError(f"{index} has no split {split!r}; it has {sorted(splits)}")
    return sorted(splits[split])


def _shard_set(index: str, folder: str, names: list[str], present, counts: dict[str, int]) -> ShardSet:
    missing = [name for name in names if name not in present]
    if missing:
        raise FileNotFoundError(
            f"{index} lists {len(missing)} shard(s) that are not in {folder}: {missing[:3]}"
        )
    return ShardSet(tuple(f"{folder}/{name}" for name in names), tuple(counts[name] for name in names))


def _from_directory(directory: Path, split: str | None) -> ShardSet:
    index = directory / INDEX_NAME
    if not index.is_file():
        raise _no_index(str(directory))
    counts, splits = _index_counts(index)
    names = _pick(str(index), counts, splits, split)
    present = {name for name in names if (directory / name).is_file()}
    return _shard_set(str(index), str(directory), names, present, counts)


def _from_url_folder(url: str, split: str | None) -> ShardSet:
    """A shard folder on an object store (`s3://bucket/shards`): its index.parquet read through fsspec."""
    folder = url.rstrip("/")
    fs, root = url_filesystem(folder)
    index = f"{folder}/{INDEX_NAME}"
    with tempfile.TemporaryDirectory(prefix="vtdata-index-") as tmp:
        local = Path(tmp) / INDEX_NAME
        try:
            fs.get_file(f"{root}/{INDEX_NAME}", str(local))
        except FileNotFoundError:
            raise _no_index(folder) from None
        counts, splits = _index_counts(local)
    names = _pick(index, counts, splits, split)
    present = {path.rstrip("/").rsplit("/", 1)[-1] for path in fs.ls(root, detail=False)}
    return _shard_set(index, folder, names, present, counts)


def _is_url_folder(spec: str) -> bool:
    """A URL read through fsspec (`s3://...`; not one webdataset opens: http, pipe, ...) that names a
    folder: no brace pattern, no tar file name."""
    scheme = _URL.match(spec)
    if scheme is None or scheme.group(1) in gopen_schemes or "{" in spec:
        return False
    return not re.search(r"\.(tar|tgz|tar\.gz|tar\.bz2|tar\.xz)$", spec)


_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def _counts_beside(urls: Sequence[str]) -> tuple[int, ...] | None:
    """Sample counts for local shards when an index.parquet sits beside them (else unknown)."""
    parents = {Path(url).parent for url in urls}
    if len(parents) != 1 or "://" in urls[0]:
        return None
    index = parents.pop() / INDEX_NAME
    if not index.is_file():
        return None
    counts, _ = _index_counts(index)
    names = [Path(url).name for url in urls]
    return tuple(counts[name] for name in names) if all(name in counts for name in names) else None


def resolve_shards(spec: str | os.PathLike | Sequence[str], split: str | None = None) -> ShardSet:
    """One shard set from a brace pattern, a list of URLs, or a directory (a local path, or a folder URL
    such as `s3://bucket/shards`) holding index.parquet."""
    if isinstance(spec, os.PathLike) or (isinstance(spec, str) and os.path.isdir(spec)):
        return _from_directory(Path(spec), split)
    if isinstance(spec, str) and _is_url_folder(spec):
        return _from_url_folder(spec, split)
    if isinstance(spec, str):
        urls = wds.shardlists.expand_urls(spec)
    else:
        urls = [os.fspath(url) for url in spec]
        folders = [url for url in urls if os.path.isdir(url)]
        if folders:
            raise ValueError(
                f"{folders[0]} is a directory, not a tar: to mix several shard sets, pass one weight "
                "per set (weights=[...]); for one set, pass the directory itself"
            )
    if not urls:
        raise ValueError(f"no shards in {spec!r}")
    return ShardSet(tuple(urls), _counts_beside(urls))


class ShardList(wds.pytorch.IterableDataset):
    """Every shard once per pass; shuffled with a seed that all ranks share, so they split alike."""

    def __init__(self, urls: Sequence[str], state: SharedState, seed: int, shuffle: bool) -> None:
        super().__init__()
        self.urls = list(urls)
        self.state = state
        self.seed = seed
        self.shuffle = shuffle

    def __iter__(self) -> Iterator[dict]:
        urls = list(self.urls)
        if self.shuffle:
            random.Random(self.state.stream_seed(self.seed, 1, per_worker=False)).shuffle(urls)
        for url in urls:
            yield {"url": url}


class ResampledShardList(wds.pytorch.IterableDataset):
    """Shards drawn with replacement, forever; each rank and worker draws its own stream."""

    def __init__(self, urls: Sequence[str], state: SharedState, seed: int, set_index: int) -> None:
        super().__init__()
        self.urls = list(urls)
        self.state = state
        self.seed = seed
        self.set_index = set_index

    def __iter__(self) -> Iterator[dict]:
        rng = random.Random(self.state.stream_seed(self.seed, 2, self.set_index))
        while True:
            yield {"url": rng.choice(self.urls)}


class SplitByNode:
    """Keep every world_size-th shard, starting at this rank (`wds.split_by_node` with a pinned rank)."""

    def __init__(self, state: SharedState) -> None:
        self.state = state

    def __call__(self, src: Iterable[dict]) -> Iterator[dict]:
        rank, world = self.state.node()
        kept = 0
        for i, shard in enumerate(src):
            if i % world == rank:
                kept += 1
                yield shard
        if kept == 0:
            self.state.warn_once(
                "rank_without_shard",
                "rank %d of %d got no shard: there are fewer shards than ranks; it yields nothing "
                "(use resampled=True with an epoch_length, or write more shards)",
                rank,
                world,
            )


class SplitByWorker:
    """Keep every num_workers-th shard of this rank, starting at this worker."""

    def __init__(self, state: SharedState) -> None:
        self.state = state

    def __call__(self, src: Iterable[dict]) -> Iterator[dict]:
        worker, workers = worker_info()
        kept = 0
        for i, shard in enumerate(src):
            if i % workers == worker:
                kept += 1
                yield shard
        if kept == 0 and workers > 1:
            self.state.warn_once(
                "worker_without_shard",
                "DataLoader worker %d of %d got no shard: fewer shards than ranks x workers, "
                "so it idles (use fewer workers or more shards; logged once per loader)",
                worker,
                workers,
            )


class ShardErrorHandler:
    """`on_error` of `TarSamples`: report an unreadable shard with its URL, count it, go on."""

    def __init__(self, state: SharedState) -> None:
        self.state = state

    def __call__(self, url: str, exn: Exception) -> None:
        detail = exn.strerror if isinstance(exn, OSError) and exn.strerror else exn
        self.state.count_bad_shard()
        log.warning(
            "shard %s is unreadable (%s: %s); skipped the rest of it", url, type(exn).__name__, detail
        )
