"""Recipes over the session's synthetic corpus (served on 127.0.0.1), and what the tests compare.

`webvid_recipe(root, mode, **sections)` is a WebVid recipe (whole clips, 4 per shard, 32 px frames)
over the session server's native CSVs; `staged_webvid` is that recipe run once in staged mode, the
reference the streaming tests compare with.
"""

from __future__ import annotations

import filecmp
import os
import tarfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from vtdata.run.recipe import Recipe, recipe_from_dict
from vtdata.run.stages import run_staged

PER_SHARD = 4
OUTPUTS = ("index.parquet", "stats.json", "dataset.json")


def webvid_dict(native, root: Path, mode: str, **sections) -> dict:
    data = {
        "corpus": "webvid",
        "mode": mode,
        "metadata": {"paths": [str(native.webvid_csv), str(native.webvid_val_csv)]},
        "download": {"cooldown": 0.1, "backoff": 0.1},
        "align": {"builder": "whole"},
        "shard": {
            "pipeline": "webvid-frozen",
            "set": {"shards.samples_per_shard": PER_SHARD, "resize.short_side": 32},
        },
        "outputs": {"root": str(root)},
        "engine": {"workers": 2},
    }
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
    return data


@pytest.fixture(scope="session")
def webvid_recipe(synthetic_native):
    def make(root: Path, mode: str, **sections) -> Recipe:
        return recipe_from_dict(webvid_dict(synthetic_native, root, mode, **sections))

    return make


@pytest.fixture(scope="session")
def staged_webvid(webvid_recipe, tmp_path_factory) -> Recipe:
    recipe = webvid_recipe(tmp_path_factory.mktemp("staged") / "run", "staged")
    run_staged(recipe)
    return recipe


def tar_names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.tar"))


def assert_same_shards(a: Path, b: Path) -> None:
    """Same tar files and outputs, byte for byte."""
    assert tar_names(a) and tar_names(a) == tar_names(b)
    for name in [*tar_names(a), *OUTPUTS]:
        assert filecmp.cmp(a / name, b / name, shallow=False), f"{name} differs between {a} and {b}"


def samples_by_key(folder: Path) -> dict[str, dict[str, bytes]]:
    """Every sample of every tar: key -> {member suffix: bytes}."""
    samples: dict[str, dict[str, bytes]] = {}
    for path in sorted(folder.glob("*.tar")):
        with tarfile.open(path) as tar:
            for member in tar.getmembers():
                key, _, ext = member.name.partition(".")
                samples.setdefault(key, {})[ext] = tar.extractfile(member).read()
    return samples


class DiskSampler:
    """Peak bytes under some folders, sampled every few ms by a thread (files being written count).

    SQLite's journal of the ledger (`-wal`, `-shm`: at most ~4 MB, checkpointed by SQLite) is left
    out: it is the ledger's, whatever the corpus, and would swamp a corpus this small."""

    def __init__(self, *folders: Path, interval: float = 0.002) -> None:
        self.folders = folders
        self.interval = interval
        self.peaks = [0] * len(folders)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for k, folder in enumerate(self.folders):
                self.peaks[k] = max(self.peaks[k], du(folder))
            time.sleep(self.interval)

    def __enter__(self) -> DiskSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def du(folder: Path) -> int:
    """Bytes of the regular files under `folder` (0 when it does not exist; racing deletes are fine)."""
    total = 0
    for dirpath, _, files in os.walk(folder):
        for name in files:
            if name.endswith(("-wal", "-shm")):
                continue
            try:
                total += os.stat(os.path.join(dirpath, name)).st_size
            except FileNotFoundError:
                pass
    return total


@pytest.fixture(scope="session")
def run_helpers() -> SimpleNamespace:
    """The helpers above, for the test modules (with importlib imports, a conftest is not a module
    they can import)."""
    return SimpleNamespace(
        per_shard=PER_SHARD,
        webvid_dict=webvid_dict,
        tar_names=tar_names,
        assert_same_shards=assert_same_shards,
        samples_by_key=samples_by_key,
        DiskSampler=DiskSampler,
        du=du,
    )
