"""The shard stage's units of work: the plan's jobs and their results (the index rows they hold
are `vtdata.records.shards`).

Everything here is a plain picklable dataclass, so a shard job can be shipped to a local process
or a Ray task as is, and its result comes back (and is stored in `_done/`) as JSON. A job does not
carry its clips: they are one row group of the plan's rows table (`vtdata.shard.plan`), which the
job reads where it runs, so a plan of millions of clips is a few kilobytes per job in memory.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from vtdata.records.shards import Failure, IndexRow


@dataclass(frozen=True)
class ClipRow:
    """One clip of the clip table, as a shard job needs it."""

    clip_id: str
    start: float
    end: float
    text: str
    texts: tuple[str, ...] = ()
    context: str = ""


@dataclass(frozen=True)
class VideoTask:
    """All clips of one media item inside one job: the file is opened (decoded) once for them.

    `path` is None when the item has no usable download; `missing` then says why.
    """

    id: str
    dataset: str
    media: str  # "video" | "image"
    path: str | None
    clips: tuple[ClipRow, ...]
    missing: str = ""


@dataclass(frozen=True)
class ShardJob:
    """One unit of work: the clips of one planned shard, in the order they are written.

    `name` is the shard's base name (`train-000003`); the job writes `<out_dir>/<name>.tar`
    (and `<name>_1.tar`, ... when `max_shard_bytes` splits it) and `<out_dir>/_done/<name>.json`.
    Its clips are row group `row_group` of the plan's rows table at `rows`; relative media paths in
    it are relative to `cwd`, the planning process's folder. `digest` fingerprints the job's clips
    and config, so a stale done-record is never trusted.
    """

    split: str
    number: int
    name: str
    out_dir: str
    rows: str
    row_group: int
    num_clips: int
    digest: str
    cwd: str = ""

    @property
    def videos(self) -> tuple[VideoTask, ...]:
        """The job's clips, grouped by media item, read from the plan's rows table."""
        from vtdata.shard.plan import load_tasks

        return load_tasks(self)


REJECTED = "rejected"  # the pseudo-result of clips planned into no shard (unsafe split or clip_id)


@dataclass
class ShardResult:
    """What a finished job wrote: its tar files with their sizes, one index row per clip, failures."""

    name: str
    split: str
    digest: str
    tars: dict[str, int] = field(default_factory=dict)  # file name -> bytes
    rows: list[IndexRow] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0  # wall time of the job (kept out of stats.json, which must be reproducible)

    @property
    def samples(self) -> int:
        return sum(1 for r in self.rows if r.shard is not None)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ShardResult:
        return cls(
            name=data["name"],
            split=data["split"],
            digest=data["digest"],
            tars={str(k): int(v) for k, v in data["tars"].items()},
            rows=[IndexRow(**r) for r in data["rows"]],
            failures=[Failure(**f) for f in data["failures"]],
            seconds=float(data.get("seconds", 0.0)),
        )
