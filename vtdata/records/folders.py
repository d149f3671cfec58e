"""What a vtdata folder is, told by the contract's file names: a download store, a shard folder, a
training run, or none of these (so a command can say "this is a download store; X wants a shard
folder" instead of failing on a missing file)."""

from __future__ import annotations

from pathlib import Path

from vtdata.records.names import CHECKPOINTS_DIR, INDEX_NAME, LEDGER_NAME, RUN_LOG, SOURCES_NAME, STATS_NAME

DOWNLOAD_STORE = "download store"
SHARD_FOLDER = "shard folder"
TRAINING_RUN = "training run"

_HINTS = {
    DOWNLOAD_STORE: "made by `vtdata download`",
    SHARD_FOLDER: "made by `vtdata shard`",
    TRAINING_RUN: "made by `vtdata train-reference`",
}


def identify(path: str | Path) -> str | None:
    """The kind of vtdata folder at `path`, or None when it is none of them (or not a folder)."""
    path = Path(path)
    if not path.is_dir():
        return None
    if (path / INDEX_NAME).is_file() or (path / STATS_NAME).is_file():
        return SHARD_FOLDER
    if (path / LEDGER_NAME).is_file():
        return DOWNLOAD_STORE
    if (path / RUN_LOG).is_file() or (path / CHECKPOINTS_DIR).is_dir():
        return TRAINING_RUN
    if (path / SOURCES_NAME).is_file():
        return DOWNLOAD_STORE
    return None


def expect(path: str | Path, kind: str, command: str) -> Path:
    """`path` if it is a folder of `kind`; else ValueError saying what it is and what `command` needs."""
    path = Path(path)
    found = identify(path)
    if found == kind:
        return path
    if found is None:
        what = "not a folder" if not path.is_dir() else "not a vtdata folder"
        raise ValueError(f"{path}: {what}; `{command}` needs a {kind} ({_HINTS[kind]})")
    raise ValueError(f"{path}: this is a {found}; `{command}` needs a {kind} ({_HINTS[kind]})")
