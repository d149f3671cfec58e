"""Every file and folder name of the on-disk contract (docs/formats.md), defined once.

A download store holds `sources.parquet`, `ledger.sqlite`, `media/` and, after align,
`clips.parquet` with its `clips.report.json`; a shard folder holds `<split>-NNNNNN.tar`,
`index.parquet`, `stats.json`, `dataset.json` and the resume records in `_done/`; a training run
holds `config.json`, `log.jsonl`, `checkpoints/latest.pt`, `metrics.json` and `curves.png`.
"""

from __future__ import annotations

from pathlib import Path

# download store
SOURCES_NAME = "sources.parquet"
LEDGER_NAME = "ledger.sqlite"
MEDIA_DIR = "media"
PART_SUFFIX = ".part"  # in-flight downloads: `.<sid>[.<tag>].part`
DOWNLOAD_LOCK = ".download.lock"

# align
CLIPS_NAME = "clips.parquet"

# shard folder
INDEX_NAME = "index.parquet"
STATS_NAME = "stats.json"
DATASET_NAME = "dataset.json"
DONE_DIR = "_done"  # one `<shard name>.json` per finished job, and `plan.json`
PLAN_NAME = "plan.json"
SHARD_LOCK = ".shard.lock"
JOBS_LOCK = ".shard.jobs.lock"  # shared by a run's running jobs; a new run takes it exclusively

# training run (vtdata train-reference)
RUN_CONFIG = "config.json"
RUN_LOG = "log.jsonl"
RUN_METRICS = "metrics.json"
RUN_CURVES = "curves.png"
CHECKPOINTS_DIR = "checkpoints"
LATEST_CHECKPOINT = "latest.pt"


def report_path(clips: str | Path) -> Path:
    """The align report beside a clips table: `clips.parquet` -> `clips.report.json`."""
    clips = Path(clips)
    return clips.with_name(f"{clips.stem}.report.json")


def temporary(path: Path) -> Path:
    """The hidden name a file is written under before its atomic rename: `.<name>.tmp`."""
    return path.with_name(f".{path.name}.tmp")


def realign_parts(clips: str | Path) -> Path:
    """Where `vtdata realign` keeps one result file per video until the table is written (resume):
    `realigned.parquet` -> `.realigned.parts/`."""
    clips = Path(clips)
    return clips.with_name(f".{clips.stem}.parts")
