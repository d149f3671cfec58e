"""`build_report`: read every output found at a path (see `discover`) and write one self-contained
`index.html`. Also the distribution charts alone, for `vtdata stats --plot`.

Every number on the page comes from the files themselves (ledger, tables, stats.json, the run's
log), read in batches; the same input and seed give the same bytes.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from vtdata.records.folders import DOWNLOAD_STORE, SHARD_FOLDER, TRAINING_RUN, identify
from vtdata.records.names import CLIPS_NAME
from vtdata.report import charts
from vtdata.report.alignment import Alignment, read_alignment
from vtdata.report.clips import ClipsFacts, read_clips
from vtdata.report.config import REPORT_NAME, ReportConfig
from vtdata.report.discover import CLIPS_TABLE, NotVtdata, Part, discover
from vtdata.report.run import RunFacts, read_run
from vtdata.report.shards import ShardFacts, read_shards
from vtdata.report.store import StoreFacts, read_store
from vtdata.report.stream import Categories, Distribution


@dataclass
class Chart:
    """One chart of the page: its title, PNG bytes, and the numbers behind it."""

    key: str  # file-name-safe, e.g. "frames_per_sample"
    title: str
    png: bytes
    summary: str


@dataclass
class Group:
    """The outputs of one folder (webvid/: its download store, clips table and shard folders)."""

    name: str
    parts: list[Part] = field(default_factory=list)
    store: tuple[Part, StoreFacts] | None = None
    clips: tuple[Part, ClipsFacts] | None = None
    shards: list[tuple[Part, ShardFacts]] = field(default_factory=list)
    runs: list[tuple[Part, RunFacts]] = field(default_factory=list)
    alignment: Alignment | None = None
    charts: list[Chart] = field(default_factory=list)


@dataclass
class Report:
    root: Path
    seed: int
    groups: list[Group]


def collect(cfg: ReportConfig) -> Report:
    """Read every output under `cfg.path` into a `Report` (NotVtdata when there is none)."""
    parts = discover(cfg.path)
    groups: dict[str, Group] = {}
    for part in parts:
        group = groups.setdefault(part.group, Group(part.group))
        group.parts.append(part)
        if part.kind == DOWNLOAD_STORE and group.store is None:
            group.store = (part, read_store(part.path, cfg.seed))
        elif part.kind == CLIPS_TABLE and group.clips is None:
            group.clips = (part, read_clips(part.path, cfg.seed))
        elif part.kind == SHARD_FOLDER:
            group.shards.append((part, read_shards(part.path, cfg.seed, cfg.samples)))
        elif part.kind == TRAINING_RUN:
            group.runs.append((part, read_run(part.path)))
    for group in groups.values():
        if group.store is not None and group.clips is not None:
            group.alignment = read_alignment(group.store[0].path, group.clips[0].path, cfg.seed)
        group.charts = group_charts(group)
    return Report(root=Path(cfg.path), seed=cfg.seed, groups=list(groups.values()))


def group_charts(group: Group) -> list[Chart]:
    """The distribution charts of a group, in stage order; empty distributions are left out."""
    found: list[tuple[Distribution | Categories, str, str]] = []  # (values, file key, title)
    if group.store is not None:
        facts = group.store[1]
        found += [(d, d.name, d.name) for d in (facts.durations, facts.sizes, facts.resolutions)]
        found.append((facts.codecs, "codecs", f"codecs ({facts.probed} files probed at random)"))
    if group.clips is not None:
        found += [(d, d.name, d.name) for d in (group.clips[1].lengths, group.clips[1].words)]
    for part, facts in group.shards:
        suffix = f" ({part.path.name})" if len(group.shards) > 1 else ""
        found += [
            (d, d.name + suffix, d.name + suffix)
            for d in (facts.frames, facts.sizes, facts.lengths, facts.tars)
        ]
    out = []
    for dist, key, title in found:
        if dist.count == 0:
            continue
        if isinstance(dist, Distribution):
            out.append(Chart(slug(key), title, charts.histogram(dist, title), summarize(dist)))
        else:
            top = ", ".join(f"{label} {n:,}" for label, n in dist.top(3))
            out.append(Chart(slug(key), title, charts.bars(dist, title), f"{dist.count:,} values: {top}"))
    return out


def summarize(dist: Distribution) -> str:
    def show(v: float) -> str:
        return f"{v:,.0f}" if dist.unit == "bytes" or float(v).is_integer() else f"{v:,.2f}"

    return (
        f"{dist.count:,} values; mean {show(dist.mean)}, min {show(dist.low)}, "
        f"max {show(dist.high)} {dist.unit}".rstrip()
    )


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "chart"


def build_report(cfg: ReportConfig) -> Path:
    """Write `index.html` for `cfg.path`; returns its path. The file appears atomically."""
    from vtdata.report.page import render

    report = collect(cfg)
    out_dir = Path(cfg.output) if cfg.output is not None else default_output(Path(cfg.path))
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / REPORT_NAME
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(render(report), encoding="utf-8")
    os.replace(tmp, target)
    return target


def default_output(path: Path) -> Path:
    return (path.parent if path.is_file() else path) / "report"


def distribution_charts(folder: Path, seed: int = 0) -> list[Chart]:
    """The distribution charts of one shard folder or download store (`vtdata stats --plot`)."""
    kind = identify(folder)
    group = Group(folder.name)
    if kind == SHARD_FOLDER:
        group.shards.append((Part(kind, folder, folder.name), read_shards(folder, seed, 0)))
    elif kind == DOWNLOAD_STORE:
        group.store = (Part(kind, folder, folder.name), read_store(folder, seed))
        clips = folder / CLIPS_NAME
        if clips.is_file():
            group.clips = (Part(CLIPS_TABLE, clips, folder.name), read_clips(clips, seed))
    else:
        raise NotVtdata(f"{folder}: neither a shard folder nor a download store; nothing to plot")
    return group_charts(group)
