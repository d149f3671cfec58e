"""vtdata/engine/storage.py against a real S3 endpoint: `vtdata shard -o s3://bucket/prefix`.

The endpoint is moto's S3 server on 127.0.0.1 (the `s3` fixture), reached through s3fs as any S3
is, with a versioned bucket: every upload of a key makes a version, so "a finished shard was not
written again" is a fact the server records, not a timing. Shards written there must be the
bytes written to a local folder; a run killed mid-way and run again must keep the finished shards
(one version each) and fill the rest; `--overwrite` must write every shard again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from vtdata.cli import main
from vtdata.engine import storage
from vtdata.shard.config import load_pipeline
from vtdata.shard.media import refs_from_table
from vtdata.shard.run import shard

pytestmark = pytest.mark.slow

FRAMES = {"sampling.num_frames": 3, "resize.short_side": 48, "shards.samples_per_shard": 3}
CLIP = {"store": "clip", "resize.short_side": 48, "clip.fps": 5.0, "shards.samples_per_shard": 1}


def _set(config: dict) -> list[str]:
    """The same pipeline keys as `vtdata shard` options."""
    return [arg for key, value in config.items() for arg in ("--set", f"{key}={value}")]


def _local(clip_tables, config: dict, out: Path) -> dict[str, bytes]:
    """The reference: the same run into a local folder, as {name: bytes} (no done records)."""
    shard(clip_tables.clips, out, load_pipeline(None, config), refs_from_table(clip_tables.media))
    return {
        p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file() and not p.name.startswith(".")
    }


def _outputs(s3, prefix: str) -> dict[str, bytes]:
    """What a run left under `prefix`, but the done records (which hold wall times)."""
    return {k: s3.read(prefix, k) for k in s3.keys(prefix) if not k.startswith("_done/")}


def _shard_args(clip_tables, url: str, config: dict, *args: str) -> list[str]:
    tables = ["--clips", str(clip_tables.clips), "--media-table", str(clip_tables.media)]
    return ["shard", *tables, "-o", url, *_set(config), *args]


def test_files_another_process_wrote_are_seen_after_a_listing(s3):
    """Workers (other processes, other nodes) write the shards the driver then lists and sizes."""
    url = s3.url("listing")
    storage.write_bytes(storage.join(url, "_done", "a.json"), b"{}")
    assert [storage.name_of(p) for p in storage.glob(url, "*")] == []  # listed (and once, cached)
    s3.client.put_object(Bucket=s3.bucket, Key="listing/train-000000.tar", Body=b"x" * 10)
    assert [storage.name_of(p) for p in storage.glob(url, "*.tar")] == ["train-000000.tar"]
    assert storage.size(storage.join(url, "train-000000.tar")) == 10
    storage.remove_tree(url)
    assert s3.keys("listing") == []


def test_shards_go_to_s3_with_the_local_bytes_resume_and_overwrite(s3, clip_tables, tmp_path):
    expected = _local(clip_tables, FRAMES, tmp_path / "local")
    tars = [name for name in expected if name.endswith(".tar")]
    assert len(tars) == 12 and {"index.parquet", "stats.json", "dataset.json"} <= set(expected)

    url = s3.url("frames")
    first = CliRunner().invoke(main, _shard_args(clip_tables, url, FRAMES, "--workers", "2"))
    assert first.exit_code == 0, first.output
    assert _outputs(s3, "frames") == expected  # written by 2 spawned workers, each with its own s3fs
    assert all(len(v) == 1 for v in s3.versions("frames").values())

    again = CliRunner().invoke(main, _shard_args(clip_tables, url, FRAMES, "--workers", "1"))
    assert again.exit_code == 0, again.output
    assert f"resumed: {len(tars)} of {len(tars)} shard jobs" in again.output
    assert {k: len(v) for k, v in s3.versions("frames").items() if k.endswith(".tar")} == dict.fromkeys(
        tars, 1
    )

    cleared = CliRunner().invoke(main, _shard_args(clip_tables, url, FRAMES, "--workers", "1", "--overwrite"))
    assert cleared.exit_code == 0, cleared.output
    assert "resumed" not in cleared.output
    assert _outputs(s3, "frames") == expected
    versions = s3.versions("frames")
    assert all(len(versions[name]) == 2 for name in tars)  # every shard written again, same bytes


def _vtdata(*args: str) -> list[str]:
    return [sys.executable, "-c", "from vtdata.cli import main; main()", *args]


def test_a_killed_run_into_s3_resumes_without_writing_finished_shards_again(s3, clip_tables, tmp_path):
    expected = _local(clip_tables, CLIP, tmp_path / "local")
    prefix = "killed"
    command = _vtdata(*_shard_args(clip_tables, s3.url(prefix), CLIP, "--workers", "1"))
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ.copy())
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if sum(k.endswith(".json") and "-" in k for k in s3.keys(f"{prefix}/_done")) >= 2:
                break
            time.sleep(0.05)
        assert proc.poll() is None, f"the run ended before it could be killed: {proc.stderr.read()[-2000:]}"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()
    done = [k[: -len(".json")] for k in s3.keys(f"{prefix}/_done") if k.endswith(".json") and "-" in k]
    before = s3.versions(prefix)
    assert 2 <= len(done) < 36 and "index.parquet" not in before

    rerun = subprocess.run(command, capture_output=True, text=True, timeout=300, env=os.environ.copy())
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert f"resumed: {len(done)} of 36 shard jobs" in rerun.stdout
    assert _outputs(s3, prefix) == expected  # every shard once, with the uninterrupted bytes
    after = s3.versions(prefix)
    for name in done:  # the finished shards were kept: still their one upload
        assert after[f"{name}.tar"] == before[f"{name}.tar"] and len(after[f"{name}.tar"]) == 1
