"""What a vtdata folder is, told by the contract's file names: a download store, a shard folder, a
training run, or none of these (so a command can say "this is a download store; X wants a shard
folder" instead of failing on a missing file)."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from vtdata.records.names import (
    CHECKPOINTS_DIR,
    DOWNLOAD_LOCK,
    INDEX_NAME,
    JOBS_LOCK,
    LEDGER_NAME,
    RUN_LOG,
    SHARD_LOCK,
    STATS_NAME,
)

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


class OutputError(ValueError):
    """An output location that cannot be written; the message names it and says why."""


def check_writable(path: str | Path) -> None:
    """Raise `OutputError` unless `path` (a folder, made if missing) could be created and written here.

    Checked before a run does any work, so a read-only output fails at once and leaves nothing.
    """
    path = Path(path)
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise OutputError(f"{path}: cannot write here: {probe} is a file, not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        what = "the folder" if probe == path else f"{probe}, where it would be made,"
        raise OutputError(f"{path}: cannot write here: {what} is not writable (permission denied)")


HOUSEKEEPING = (DOWNLOAD_LOCK, SHARD_LOCK, JOBS_LOCK)


@contextlib.contextmanager
def owned_folder(path: str | Path) -> Iterator[Path]:
    """Make `path` (and missing parents) for one run; if the run fails, remove the folders it made
    when they hold nothing but housekeeping (locks, temporary files, empty folders), so a failed
    run leaves nothing behind. A run that wrote real outputs keeps them (for resuming)."""
    path = Path(path)
    made = []
    probe = path
    while not probe.exists():
        made.append(probe)
        probe = probe.parent
    path.mkdir(parents=True, exist_ok=True)
    try:
        yield path
    except BaseException:
        for folder in made:  # deepest first
            if _only_housekeeping(folder):
                shutil.rmtree(folder, ignore_errors=True)
        raise


def _only_housekeeping(folder: Path) -> bool:
    if not folder.is_dir():
        return False
    for entry in folder.rglob("*"):
        if entry.is_file() and entry.name not in HOUSEKEEPING and not entry.name.endswith((".tmp", ".part")):
            return False
    return True
