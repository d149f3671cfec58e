"""`vtdata shard` as a user runs it: after a SIGKILL mid-run, a rerun gives the uninterrupted output."""

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
from vtdata.records.clips import Clip, write_clips
from vtdata.shard.config import load_pipeline
from vtdata.shard.media import refs_from_store
from vtdata.shard.run import shard

ARGS = ["--store", "clip", "--size", "48", "--clip-fps", "5", "--samples-per-shard", "2"]
OVERRIDES = {"store": "clip", "resize.short_side": 48, "clip.fps": 5.0, "shards.samples_per_shard": 2}


def _files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and not p.name.startswith(".")}


def _vtdata(*args: str) -> list[str]:
    return [sys.executable, "-c", "from vtdata.cli import main; main()", *args]


@pytest.mark.slow
def test_sigkill_then_rerun_gives_the_uninterrupted_shards(shard_input, tmp_path):
    clips = [
        Clip(f"{vid}_{k}", vid, 0.05 * k, 0.05 * k + 0.8, f"{vid} clip {k}")
        for vid in ("vid_a", "vid_b", "vid_d")
        for k in range(16)
    ]
    clips_path = write_clips(clips, tmp_path / "clips.parquet")
    reference = tmp_path / "reference"
    shard(clips_path, reference, load_pipeline(None, OVERRIDES), refs_from_store(shard_input.store))

    out = tmp_path / "killed"
    command = _vtdata("shard", str(shard_input.store), "--clips", str(clips_path), "-o", str(out), *ARGS)
    proc = subprocess.Popen(
        [*command, "--workers", "2"],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            done = list((out / "_done").glob("*-*.json")) if (out / "_done").is_dir() else []
            if len(done) >= 2:
                break
            time.sleep(0.01)
        assert proc.poll() is None, "the run finished before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its workers, like a crash
    finally:
        proc.wait()
    jobs = len(list((reference / "_done").glob("*-*.json")))
    assert 2 <= len(list((out / "_done").glob("*-*.json"))) < jobs
    assert not (out / "index.parquet").exists()

    rerun = subprocess.run(command + ["--workers", "1"], capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert "shard jobs were already complete" in rerun.stdout
    assert not list(out.glob(".*.tmp"))
    assert _files(out) == _files(reference)


@pytest.mark.slow
def test_two_workers_write_what_one_writes(shard_input, tmp_path):
    for workers in ("1", "2"):
        result = CliRunner().invoke(
            main,
            [
                "shard",
                str(shard_input.store),
                "--clips",
                str(shard_input.clips),
                "-o",
                str(tmp_path / workers),
            ]
            + ["--workers", workers, "--samples-per-shard", "3", "--size", "32"],
        )
        assert result.exit_code == 0, result.output
        assert "9 samples in 4 tar files" in result.output
        assert "corrupt" in result.output and "missing_media" in result.output
    assert _files(tmp_path / "1") == _files(tmp_path / "2")


def test_config_errors_name_the_key(shard_input, tmp_path):
    runner = CliRunner()
    base = ["shard", str(shard_input.store), "--clips", str(shard_input.clips), "-o", str(tmp_path / "o")]
    result = runner.invoke(main, base + ["--set", "sampling.modes=rand"])
    assert result.exit_code == 2 and "unknown key 'sampling.modes'" in result.output
    result = runner.invoke(main, base + ["--sampling", "dense"])
    assert result.exit_code == 2 and "sampling.fps is required" in result.output
    result = runner.invoke(main, ["shard", "--show-config", "--num-frames", "6", "--store", "clip"])
    assert result.exit_code == 0 and "num_frames: 6" in result.output and "store: clip" in result.output
    assert not (tmp_path / "o").exists()


def _session(sid: int) -> list[int]:
    """Live (not zombie) processes of session `sid`, read from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        state, session = fields[0], int(fields[3])
        if session == sid and state not in ("Z", "X"):
            found.append(int(entry.name))
    return found


def _tars(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.glob("*.tar")}


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree from /proc")
def test_sigkill_of_the_cli_leaves_no_process_and_resume_matches(shard_input, tmp_path):
    clips = [
        Clip(f"{vid}_{k}", vid, 0.05 * k, 0.05 * k + 0.8, f"{vid} clip {k}")
        for vid in ("vid_a", "vid_b", "vid_d")
        for k in range(16)
    ]
    clips_path = write_clips(clips, tmp_path / "clips.parquet")
    reference = tmp_path / "reference"
    shard(clips_path, reference, load_pipeline(None, OVERRIDES), refs_from_store(shard_input.store))

    out = tmp_path / "killed"
    command = _vtdata("shard", str(shard_input.store), "--clips", str(clips_path), "-o", str(out), *ARGS)
    command += ["--workers", "2"]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    proc = subprocess.Popen(command, start_new_session=True, **quiet)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            done = list((out / "_done").glob("*-*.json")) if (out / "_done").is_dir() else []
            if len(done) >= 2:
                break
            time.sleep(0.01)
        assert proc.poll() is None, "the run finished before it could be killed"
        tree = _session(proc.pid)
        assert len(tree) >= 3, f"expected the CLI and two workers, found {tree}"
        os.kill(proc.pid, signal.SIGKILL)  # the CLI only: its workers must follow by themselves
        killed = time.monotonic()
        proc.wait()
        left = _session(proc.pid)
        while left and time.monotonic() - killed < 5.0:
            time.sleep(0.01)
            left = _session(proc.pid)
        gone_after = time.monotonic() - killed
    finally:
        for pid in _session(proc.pid):  # never leave a survivor to other tests
            os.kill(pid, signal.SIGKILL)
    assert not left, f"processes of the killed run still alive {gone_after:.1f} s after the kill: {left}"
    print(f"all {len(tree)} processes of the run gone {gone_after * 1000:.0f} ms after the kill")
    finished = len(list((out / "_done").glob("*-*.json")))
    time.sleep(1.0)  # a survivor would go on finishing jobs: none may appear
    assert len(list((out / "_done").glob("*-*.json"))) == finished
    assert finished < len(list((reference / "_done").glob("*-*.json")))

    rerun = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert not list(out.glob(".*.tmp"))
    assert _tars(out) == _tars(reference) and len(_tars(reference)) >= 10
    assert (out / "index.parquet").read_bytes() == (reference / "index.parquet").read_bytes()
