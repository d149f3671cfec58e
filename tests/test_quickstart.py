"""`vtdata quickstart`: the whole pipeline on the synthetic corpus, as a user runs it."""

import json
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from vtdata.quickstart import QuickstartConfig, steps


def test_steps_name_every_stage(tmp_path):
    plan = steps(QuickstartConfig(root=tmp_path), tmp_path / "meta", "http://127.0.0.1:1/watch/{id}.html")
    commands = [s.argv[0] for s in plan]
    for stage in ("sources", "download", "align", "shard", "train-reference", "evaluate"):
        assert stage in commands
    assert "train-reference" not in [
        s.argv[0] for s in steps(QuickstartConfig(root=tmp_path, train=False), tmp_path, "")
    ]
    assert all(s.shell.startswith("vtdata ") for s in plan)


@pytest.mark.slow
def test_quickstart_runs_end_to_end_and_resumes(tmp_path):
    root = tmp_path / "qs"
    cmd = [sys.executable, "-m", "vtdata", "quickstart", str(root), "--clips", "12", "--no-train"]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "Quickstart finished" in first.stdout
    corpus = json.loads((root / "corpus" / "corpus.json").read_text())
    webvid = [i for i in corpus["items"] if i["dataset"] == "webvid"]
    index = pq.read_table(root / "webvid" / "shards" / "index.parquet").to_pylist()
    assert len(webvid) == 12
    assert sorted(r["id"] for r in index) == sorted(i["id"] for i in webvid)
    assert all(r["num_frames"] > 8 for r in index)  # every frame: the loader samples per epoch
    clip_index = pq.read_table(root / "howto100m" / "shards" / "index.parquet").to_pylist()
    assert clip_index and all(r["store"] == "clip" for r in clip_index)
    # A second run resumes: nothing is downloaded again.
    second = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert "to fetch 0, already ok 12" in second.stdout
