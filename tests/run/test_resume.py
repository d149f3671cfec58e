"""SIGKILL a streaming `vtdata run` mid-way, rerun it: finished shards untouched and never fetched
again, unfinished ones redone, no item lost or duplicated, tars identical to an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from urllib.parse import urlparse

import pyarrow.parquet as pq
import pytest
import yaml

from vtdata.records.ids import safe_id
from vtdata.records.names import SOURCES_NAME
from vtdata.records.sources import read_sources
from vtdata.run.job import STREAM_DIR
from vtdata.run.recipe import recipe_from_dict
from vtdata.run.streaming import run_streaming

pytestmark = pytest.mark.slow


def _recipe(run_helpers, native, root) -> dict:
    data = run_helpers.webvid_dict(native, root, "streaming", streaming={"items_per_job": 2})
    data["shard"]["set"]["shards.samples_per_shard"] = 2
    return data


def _finished(shards) -> dict[str, dict]:
    records = {}
    for path in (shards / STREAM_DIR).glob("*-*.json"):
        try:
            records[path.stem] = json.loads(path.read_text())
        except ValueError:  # not possible (written atomically), but never trust a race in a test
            pass
    return records


def _run(recipe_file, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    argv = [sys.executable, "-m", "vtdata", "run", str(recipe_file)]
    return subprocess.Popen(argv, env=env, start_new_session=True, **kwargs)


def test_sigkill_and_resume(synthetic_native, synthetic_server, run_helpers, tmp_path):
    reference = recipe_from_dict(_recipe(run_helpers, synthetic_native, tmp_path / "reference"))
    run_streaming(reference)
    jobs = len(_finished(reference.shards))
    assert jobs == 12

    data = _recipe(run_helpers, synthetic_native, tmp_path / "killed")
    recipe_file = tmp_path / "recipe.yaml"
    recipe_file.write_text(yaml.safe_dump(data))
    shards = tmp_path / "killed/shards"
    proc = _run(recipe_file, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(_finished(shards)) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGKILL)  # the driver and its worker processes, at once
    proc.wait()
    finished = _finished(shards)
    assert 2 <= len(finished) < jobs, "the run ended before it could be killed mid-way"
    kept = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in shards.glob("*.tar")}
    kept = {name: v for name, v in kept.items() if name.removesuffix(".tar").split("_")[0] in finished}
    assert kept
    done_ids = {e["id"] for r in finished.values() for e in r["entries"]}
    # items an unfinished job had fetched but not yet written: reused from its work folder
    fetched_before = {p.stem for p in (shards / STREAM_DIR / "work").glob("*/.entries/*.json")}

    synthetic_server.reset()
    rerun = _run(recipe_file, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output, _ = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, output
    assert f"({len(finished)} resumed)" in output

    # finished shards untouched, and nothing in them fetched again
    assert {n: (shards / n).stat().st_ino for n in kept} == {n: v[0] for n, v in kept.items()}
    assert {n: (shards / n).stat().st_mtime_ns for n in kept} == {n: v[1] for n, v in kept.items()}
    urls = {i.id: urlparse(i.url).path for i in read_sources(tmp_path / "killed" / SOURCES_NAME)}
    fetched = {path.split("?")[0] for _, path, _ in synthetic_server.requests}
    assert fetched and not {urls[i] for i in done_ids} & fetched
    rest = {i for i in set(urls) - done_ids if safe_id(i) not in fetched_before}
    assert rest and {urls[i] for i in rest} <= fetched  # the rest was fetched by the rerun

    # no item lost or duplicated; the same tars as the uninterrupted run
    index = pq.read_table(shards / "index.parquet").to_pylist()
    assert sorted(r["id"] for r in index) == sorted(urls)
    run_helpers.assert_same_shards(reference.shards, shards)
    assert not list((tmp_path / "killed").rglob("*.mp4"))
