"""vtdata/engine/ray.py (+ shard.py, download.py, options.py): `--engine ray` gives the local output.

One local Ray with 2 CPUs serves the whole module (starting Ray takes seconds). Download and shard
run on the synthetic corpus served over HTTP with both engines and are compared byte for byte; a
real `vtdata shard --engine ray` is SIGKILLed mid-run and rerun.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from vtdata.align.options import AlignOptions, ClipOptions
from vtdata.align.store import run_align, store_items
from vtdata.cli import main
from vtdata.download.config import DownloadConfig
from vtdata.download.ledger import Ledger
from vtdata.download.runner import download
from vtdata.engine import TaskError
from vtdata.engine.local import LocalEngine
from vtdata.engine.ray import RayEngine, ray_cluster
from vtdata.records.sources import SourceItem, write_sources
from vtdata.shard.config import load_pipeline
from vtdata.shard.media import refs_from_store
from vtdata.shard.run import shard
from vtdata.sources import cc3m, howto100m, webvid

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.slow

FRAMES = {"sampling.num_frames": 3, "resize.short_side": 48, "shards.samples_per_shard": 3}
CLIP_ARGS = ["--store", "clip", "--size", "48", "--clip-fps", "5", "--samples-per-shard", "1"]


@pytest.fixture(scope="module")
def cluster():
    """A local Ray with 2 CPUs for this module; yields its address for subprocess drivers."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    # the test functions below run in Ray workers, which cannot import this test module by name
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def sources(synthetic_native, tmp_path_factory) -> Path:
    """WebVid clips and CC3M images (plain HTTP) and two HowTo100M pages with captions (yt-dlp)."""
    n = synthetic_native
    items = webvid.read([n.webvid_csv, n.webvid_val_csv]).items
    items += cc3m.read(n.cc3m_tsv, limit=4).items
    items += howto100m.read(n.howto_csv, n.howto_captions, url_template=n.howto_url_template, limit=2).items
    return write_sources(items, tmp_path_factory.mktemp("sources") / "sources.parquet")


def _download(sources: Path, store: Path, engine: str) -> str:
    result = CliRunner().invoke(
        main,
        ["download", str(sources), "-o", str(store), "--workers", "4", "--engine", engine, "--subs", "en"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def stores(cluster, sources, tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("stores")
    out = {engine: root / engine for engine in ("local", "ray")}
    for engine, store in out.items():
        _download(sources, store, engine)
    run_align(store_items(out["local"]), out["local"] / "clips.parquet", AlignOptions(ClipOptions("whole")))
    return out


def _ledger(store: Path) -> dict[str, dict]:
    with Ledger(store, readonly=True) as ledger:
        rows = {e.id: asdict(e) for e in ledger.entries(status=None)}
    for row in rows.values():
        row.pop("updated")
    return rows


def _files(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` but the done records (which hold wall times) and hidden files."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith(".") and "_done" not in p.parts
    }


def test_download_with_ray_fills_the_store_the_local_engine_fills(stores):
    local, remote = _ledger(stores["local"]), _ledger(stores["ray"])
    assert len(local) == 30 and all(row["status"] == "ok" for row in local.values())
    assert remote == local  # same rows: paths, sizes, probed durations, subtitles, attempts
    media = {k: v for k, v in _files(stores["local"] / "media").items()}
    assert media == _files(stores["ray"] / "media")
    assert sum(name.endswith(".vtt") for name in media) == 2  # the yt-dlp pages brought their captions


def test_a_rate_limit_seen_by_a_task_cools_the_host_down_on_the_driver(
    cluster, synthetic_server, synthetic_corpus, tmp_path
):
    url, file, tag = synthetic_server.url, synthetic_corpus.of("webvid")[0].file, tmp_path.name
    items = [
        SourceItem("limited", "limited", "custom", "video", f"{url}/fault/429/media/{file}?t={tag}"),
        SourceItem("fine", "fine", "custom", "video", f"{url}/media/{file}?t={tag}"),
    ]
    config = DownloadConfig(workers=1, retries=0, cooldown=0.5, timeout=5.0, deadline=30.0)
    engine = RayEngine(num_cpus=0.25)
    summary = download(items, tmp_path / "store", config, engine=engine)
    assert summary.failed == {"rate_limited": 1} and summary.ok == 1
    assert summary.cooldowns == 1  # the driver's host gate heard of the 429 that a Ray task got


@pytest.fixture(scope="module")
def local_shards(stores, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("local") / "shards"
    config = load_pipeline(None, FRAMES)
    refs = refs_from_store(stores["local"])
    shard(stores["local"] / "clips.parquet", out, config, refs, engine=LocalEngine(2))
    return out


def test_shard_with_ray_writes_the_bytes_the_local_engine_writes(stores, local_shards, tmp_path):
    out = tmp_path / "shards"
    ticks = []
    summary = shard(
        stores["local"] / "clips.parquet",
        out,
        load_pipeline(None, FRAMES),
        refs_from_store(stores["local"]),
        engine=RayEngine(num_cpus=1, max_retries=1),
        progress=ticks.append,
    )
    expected = _files(local_shards)
    assert sorted(expected) == sorted(_files(out)) and len([n for n in expected if n.endswith(".tar")]) == 10
    assert _files(out) == expected  # tars (members and bytes), index.parquet, stats.json, dataset.json
    assert sum(ticks) == summary.total["clips"] == 30  # per-clip progress came back from the workers


def test_shard_to_a_url_goes_through_fsspec(stores, local_shards, tmp_path):
    out = tmp_path / "url"
    result = CliRunner().invoke(
        main,
        [
            "shard",
            str(stores["local"]),
            "-o",
            f"file://{out}",
            "--engine",
            "ray",
            "--num-frames",
            "3",
            "--size",
            "48",
            "--samples-per-shard",
            "3",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert _files(out) == _files(local_shards)
    assert not list(out.glob(".*")) and not list((out / "_done").glob(".*"))  # no temporaries left


def _vtdata(*args: str) -> list[str]:
    return [sys.executable, "-c", "from vtdata.cli import main; main()", *args]


def _cluster_idle(timeout: float) -> None:
    """Wait until the killed driver's tasks are gone (Ray frees a dead driver's workers)."""
    deadline = time.monotonic() + timeout
    while ray.available_resources().get("CPU", 0) < 2:
        assert time.monotonic() < deadline, "Ray did not free the killed driver's workers"
        time.sleep(0.1)


def test_sigkill_of_the_driver_then_rerun_completes_without_duplicates_or_holes(cluster, stores, tmp_path):
    store, reference, out = stores["local"], tmp_path / "reference", tmp_path / "killed"
    clip_config = {"store": "clip", "resize.short_side": 48, "clip.fps": 5.0, "shards.samples_per_shard": 1}
    shard(store / "clips.parquet", reference, load_pipeline(None, clip_config), refs_from_store(store))

    command = _vtdata("shard", str(store), "-o", str(out), *CLIP_ARGS, "--engine", "ray")
    command += ["--ray-address", cluster]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            if len(list(out.glob("_done/*-*.json"))) >= 2:
                break
            time.sleep(0.01)
        assert proc.poll() is None, f"the run ended before it could be killed: {proc.stderr.read()[-2000:]}"
        os.kill(proc.pid, signal.SIGKILL)  # the driver only: its tasks die with it, as in a crash
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()
    _cluster_idle(timeout=60)
    finished = {p.name: p.stat().st_mtime_ns for p in out.glob("*.tar")}
    done_before = {p.stem for p in out.glob("_done/*-*.json")}
    assert 2 <= len(done_before) < 30 and not (out / "index.parquet").exists()

    rerun = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert f"resumed: {len(done_before)} of 30 shard jobs" in rerun.stdout
    assert _files(out) == _files(reference)  # every shard, once, with the uninterrupted bytes
    for name in done_before:  # finished shards were kept, not written again
        assert (out / f"{name}.tar").stat().st_mtime_ns == finished[f"{name}.tar"]
    keys = [row["clip_id"] for row in pq.read_table(out / "index.parquet").to_pylist()]
    assert len(keys) == len(set(keys)) == 30
    assert json.loads((out / "stats.json").read_text())["total"]["samples"] == 30


def _write_marker(path: str) -> bool:
    """True the first time it is called for `path` (across processes)."""
    try:
        with open(path, "x"):
            return True
    except FileExistsError:
        return False


def _die_once(item: int, report, marker_dir: str) -> int:
    if _write_marker(f"{marker_dir}/{item}"):
        os._exit(1)  # the worker process dies mid-task, as on a lost node
    if report is not None:
        report(item)
    return item * 10


def _raise_always(item: int, report) -> int:
    raise ValueError(f"item {item} is bad")


def _spans(item: int, report, marker_dir: str) -> tuple[float, float]:
    start = time.monotonic()
    time.sleep(0.3)
    return start, time.monotonic()


def test_executor_retries_dead_workers_and_reports_errors(cluster, tmp_path):
    executor = RayEngine(num_cpus=1, max_retries=1)
    ticks = []
    results = dict(executor.map_unordered(_die_once, [1, 2], str(tmp_path), progress=ticks.append))
    assert results == {1: 10, 2: 20} and sum(ticks) == 3  # each item's worker died once, then it ran
    failed = dict(executor.map_unordered(_raise_always, [7]))
    assert isinstance(failed[7], TaskError) and "item 7 is bad" in failed[7].error
    with pytest.raises(ValueError, match="item 8 is bad"):
        executor.call(_raise_always, 8, None)


def test_executor_bounds_the_work_in_flight(cluster, tmp_path):
    assert RayEngine(num_cpus=1).in_flight_limit() == 4  # twice the 2 CPUs
    assert RayEngine(num_cpus=0.5).in_flight_limit() == 8
    one_at_a_time = RayEngine(num_cpus=0.5, max_in_flight=1)
    spans = sorted(s for _, s in one_at_a_time.map_unordered(_spans, range(3), "x"))
    assert all(prev[1] <= nxt[0] for prev, nxt in zip(spans, spans[1:], strict=False))  # one at a time


def test_ray_cluster_reuses_the_ray_this_process_joined(cluster):
    with ray_cluster("ignored:1234") as joined:
        assert joined is ray and ray.is_initialized()
    assert ray.is_initialized()  # not ours to stop


NO_RAY = "import sys; sys.modules['ray'] = None; from vtdata.cli import main; main()"


@pytest.mark.parametrize("command", ["download", "shard"])
def test_engine_ray_without_ray_says_how_to_install_it(command, stores, tmp_path):
    store = stores["local"]
    args = [str(store / "sources.parquet"), "-o", str(tmp_path / "x")]
    if command == "shard":
        args = [str(store), "-o", str(tmp_path / "x")]
    argv = [sys.executable, "-c", NO_RAY, command, *args, "--engine", "ray"]
    run = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert "--engine ray needs Ray, which is not installed: pip install 'vtdata[ray]'" in run.stderr
    assert not (tmp_path / "x").exists()  # refused before doing anything
