"""The shard plan: which clips go into which shard, decided from the clip table and config alone.

Clips are sorted by (split, id, start, clip_id) and packed into shards of at most
`samples_per_shard` clips, keeping the clips of one video together so the file is decoded once:
a shard closes before a video that does not fit in it, unless the shard is less than half full,
in which case the video's first clips fill it and the rest start the next shard. Shards are
numbered per split from 0 (`train-000000`, `train-000001`, ...).

Nothing here looks at the media, so the same clips and config always give the same plan: a clip
that fails to decode leaves its shard one sample smaller, it never renumbers anything, and a
resumed run finds every shard where the first run put it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from itertools import groupby
from pathlib import Path

from vtdata.records.clips import Clip
from vtdata.shard.config import PipelineConfig
from vtdata.shard.media import MediaRef, unknown_ref
from vtdata.shard.records import ClipRow, ShardJob, VideoTask


def shard_name(split: str, number: int) -> str:
    return f"{split}-{number:06d}"


def plan_shards(
    clips: Iterable[Clip],
    refs: Mapping[str, MediaRef],
    config: PipelineConfig,
    out_dir: str | Path,
) -> list[ShardJob]:
    """Jobs in (split, number) order; clips of splits outside `config.shards.splits` are left out."""
    splits = set(config.shards.splits) if config.shards.splits is not None else None
    rows = sorted(
        (c for c in clips if splits is None or c.split in splits),
        key=lambda c: (c.split, c.id, c.start, c.clip_id),
    )
    config_digest = _digest(config.to_dict())
    jobs: list[ShardJob] = []
    for split, in_split in groupby(rows, key=lambda c: c.split):
        videos = [(item_id, list(group)) for item_id, group in groupby(in_split, key=lambda c: c.id)]
        for number, shard in enumerate(_pack(videos, config.shards.samples_per_shard)):
            tasks = tuple(_task(i, part, refs.get(i) or unknown_ref(i)) for i, part in shard)
            name = shard_name(split, number)
            jobs.append(
                ShardJob(
                    split=split,
                    number=number,
                    name=name,
                    out_dir=str(out_dir),
                    videos=tasks,
                    digest=_job_digest(name, tasks, config_digest),
                )
            )
    return jobs


def plan_digest(jobs: list[ShardJob]) -> str:
    """Fingerprint of a whole plan: a resumed run must find the same one."""
    return hashlib.sha256("\n".join(f"{j.name} {j.digest}" for j in jobs).encode()).hexdigest()


def _pack(videos: list[tuple[str, list[Clip]]], limit: int) -> list[list[tuple[str, list[Clip]]]]:
    shards: list[list[tuple[str, list[Clip]]]] = []
    current: list[tuple[str, list[Clip]]] = []
    size = 0
    for item_id, clips in videos:
        while clips:
            room = limit - size
            if len(clips) <= room:
                current.append((item_id, clips))
                size += len(clips)
                clips = []
            elif 2 * size >= limit:  # half full or more: close it, the video starts the next shard
                shards.append(current)
                current, size = [], 0
            else:  # fill the shard with the video's first clips
                current.append((item_id, clips[:room]))
                clips = clips[room:]
                shards.append(current)
                current, size = [], 0
            if size == limit:
                shards.append(current)
                current, size = [], 0
    if current:
        shards.append(current)
    return shards


def _task(item_id: str, clips: list[Clip], ref: MediaRef) -> VideoTask:
    rows = tuple(
        ClipRow(c.clip_id, float(c.start), float(c.end), c.text, tuple(c.texts or ()), c.context or "")
        for c in clips
    )
    return VideoTask(
        id=item_id,
        dataset=ref.dataset,
        media=ref.media,
        path=ref.path,
        clips=rows,
        missing=ref.missing,
    )


def _job_digest(name: str, tasks: tuple[VideoTask, ...], config_digest: str) -> str:
    content = [name, config_digest]
    for task in tasks:
        content.append([task.id, task.media, task.dataset, [list(_clip(c)) for c in task.clips]])
    return _digest(content)


def _clip(c: ClipRow) -> tuple:
    return (c.clip_id, c.start, c.end, c.text, list(c.texts), c.context)


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
