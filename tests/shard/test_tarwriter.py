"""vtdata/shard/tarwriter.py: deterministic, atomic tars that plain tools read."""

from __future__ import annotations

import hashlib
import os
import subprocess
import tarfile

import pytest

from vtdata.shard.tarwriter import ShardWriter


def _samples(n: int, size: int = 3000):
    for i in range(n):
        payload = hashlib.sha256(str(i).encode()).digest() * (size // 32)
        yield f"clip{i}_0", {"txt": b"caption", "json": b"{}", "001.jpg": payload, "000.jpg": payload[::-1]}


def _write(folder, max_bytes=None, n=5):
    writer = ShardWriter(folder, "train-000000", max_bytes)
    names = [writer.write(key, members) for key, members in _samples(n)]
    return names, writer.commit()


def test_bytes_do_not_depend_on_the_run(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _write(tmp_path / "a")
    _write(tmp_path / "b")
    assert (tmp_path / "a/train-000000.tar").read_bytes() == (tmp_path / "b/train-000000.tar").read_bytes()
    with tarfile.open(tmp_path / "a/train-000000.tar") as tar:
        members = tar.getmembers()
    assert [m.name for m in members[:4]] == [
        "clip0_0.000.jpg",
        "clip0_0.001.jpg",
        "clip0_0.json",
        "clip0_0.txt",
    ]
    assert {(m.mtime, m.uid, m.gid, m.uname, m.mode) for m in members} == {(0, 0, 0, "", 0o644)}
    listing = subprocess.run(
        ["tar", "tf", str(tmp_path / "a/train-000000.tar")], capture_output=True, text=True
    )
    assert listing.stdout.split() == [m.name for m in members]


def test_nothing_visible_before_commit_and_abort_cleans(tmp_path):
    writer = ShardWriter(tmp_path, "val-000001")
    for key, members in _samples(2):
        writer.write(key, members)
    assert os.listdir(tmp_path) == [".val-000001.tar.tmp"]
    writer.abort()
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("limit", [20_000, 45_000])
def test_max_bytes_splits_into_parts(tmp_path, limit):
    names, sizes = _write(tmp_path, max_bytes=limit, n=6)
    assert len(sizes) > 1 and all(size <= limit for size in sizes.values())
    assert names[0] == "train-000000.tar" and "train-000000_1.tar" in names
    keys = []
    for name in sizes:
        with tarfile.open(tmp_path / name) as tar:
            keys += sorted({m.name.split(".")[0] for m in tar.getmembers()})
    assert keys == [f"clip{i}_0" for i in range(6)]
