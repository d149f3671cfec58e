"""vtdata/engine/ray.py on a real multi-node Ray cluster: two raylets on this machine, 1 CPU each.

`ray.cluster_utils.Cluster` starts a head node and a second node as separate raylets, each with
its own object store and worker processes, as `ray start --head` and `ray start --address` do on
two machines. `vtdata align` and `vtdata shard` run there with `--engine ray` and must write the
bytes `--engine local` writes, with tasks on both nodes (node ids from the engine's log and
`RayEngine.nodes`). Then the second node is removed while a shard run is going: its tasks are
retried on the head and the run finishes with the same bytes; a fresh second node takes its place
for whatever test runs next. Bounded: the cluster starts once (~15 s), every run is seconds.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

# read by Ray when it is imported (so before the import below) or starts its processes: no usage
# stats, no token auth, and every node on the loopback address (Ray's "no real cluster" mode, which
# still runs separate raylets): nothing depends on this machine's network interfaces
for _name, _value in (
    ("RAY_USAGE_STATS_ENABLED", "0"),
    ("RAY_AUTH_MODE", "disabled"),
    ("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0"),
):
    os.environ.setdefault(_name, _value)

ray = pytest.importorskip("ray", reason="the multi-node test needs Ray: pip install 'vtdata[ray]'")
cluster_utils = pytest.importorskip("ray.cluster_utils")

from vtdata.align.run import CHUNK  # noqa: E402
from vtdata.cli import main  # noqa: E402
from vtdata.engine.ray import RayEngine  # noqa: E402
from vtdata.records.sources import write_sources  # noqa: E402
from vtdata.shard.config import load_pipeline  # noqa: E402
from vtdata.shard.media import refs_from_table  # noqa: E402
from vtdata.shard.run import shard  # noqa: E402
from vtdata.sources import howto100m, webvid  # noqa: E402

pytestmark = pytest.mark.slow

NODE = {"num_cpus": 1, "object_store_memory": 80 * 2**20}  # 80 MiB: the least Ray takes, plenty here
SHARD_ARGS = ["--num-frames", "3", "--size", "48", "--samples-per-shard", "2"]
# H.264 clips, one a shard: 36 jobs of real encoding, long enough to lose a node in the middle
CLIP_STORE = {"store": "clip", "resize.short_side": 48, "clip.fps": 5.0, "shards.samples_per_shard": 1}
COPIES = 30  # the align table repeated (720 rows, 3 chunks of 256), so align has tasks to spread


@dataclasses.dataclass
class TwoNodes:
    cluster: object  # ray.cluster_utils.Cluster
    head: str  # node ids
    worker: str
    worker_node: object  # the second raylet, to remove


def _node_id() -> str:
    import vtdata.align.run  # noqa: F401 - warm the worker: the imports the first real task needs
    import vtdata.shard.job  # noqa: F401

    return ray.get_runtime_context().get_node_id()


@pytest.fixture(scope="module")
def nodes():
    """A head and a second node, 1 CPU each, joined by this process; torn down at the end."""
    # a short private folder: Ray's socket paths must stay under ~107 bytes, and /tmp/ray is shared
    temp_dir = tempfile.mkdtemp(prefix="vtray-", dir="/tmp")
    cluster = cluster_utils.Cluster(
        initialize_head=True, head_node_args={**NODE, "temp_dir": temp_dir, "include_dashboard": False}
    )
    try:
        worker_node = cluster.add_node(**NODE)
        cluster.wait_for_nodes()
        ray.init(address=cluster.address, logging_level="ERROR", log_to_driver=False)
        ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers can't import tests
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        head, worker = cluster.head_node.node_id, worker_node.node_id
        on = [NodeAffinitySchedulingStrategy(n, soft=False) for n in (head, worker)]
        assert ray.get([ray.remote(_node_id).options(scheduling_strategy=s).remote() for s in on]) == [
            head,
            worker,
        ]
        yield TwoNodes(cluster, head, worker, worker_node)
    finally:
        ray.shutdown()
        cluster.shutdown()
        shutil.rmtree(temp_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def sources(synthetic_native, tmp_path_factory) -> Path:
    """A bare source table for align: narration segments and captions, repeated to fill 3 chunks."""
    n = synthetic_native
    items = howto100m.read(n.howto_csv, n.howto_captions, url_template=n.howto_url_template).items
    items += webvid.read([n.webvid_csv]).items
    copies = [dataclasses.replace(i, id=f"{i.id}-{k}") for k in range(COPIES) for i in items]
    return write_sources(copies, tmp_path_factory.mktemp("cluster-sources") / "sources.parquet")


def _vtdata(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _files(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` but the done records (which hold wall times) and hidden files."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith(".") and "_done" not in p.parts
    }


def _nodes_used(caplog) -> dict[str, int]:
    """Tasks per node id of the last Ray run, from the engine's closing log line."""
    records = [r for r in caplog.records if r.name == "vtdata.engine.ray" and "node(s)" in r.msg]
    assert records, "the Ray engine logged no run"
    return records[-1].args[2]


@pytest.fixture(scope="module")
def local_shards(clip_tables, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("local") / "shards"
    shard_in = ["--clips", str(clip_tables.clips), "--media-table", str(clip_tables.media)]
    _vtdata("shard", *shard_in, "-o", str(out), *SHARD_ARGS, "--engine", "local", "--workers", "1")
    return out


def test_align_on_two_nodes_writes_the_local_bytes(nodes, sources, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="vtdata.engine.ray")
    local, remote = tmp_path / "local" / "clips.parquet", tmp_path / "ray" / "clips.parquet"
    _vtdata("align", "--sources", str(sources), "-o", str(local), "--engine", "local", "--workers", "1")
    _vtdata("align", "--sources", str(sources), "-o", str(remote), "--engine", "ray")
    used = _nodes_used(caplog)
    chunks = -(-pq.read_metadata(sources).num_rows // CHUNK)
    assert chunks >= 3 and sum(used.values()) == chunks
    assert set(used) == {nodes.head, nodes.worker}  # chunks ran on both nodes
    assert remote.read_bytes() == local.read_bytes()
    report = "clips.report.json"
    assert (remote.parent / report).read_bytes() == (local.parent / report).read_bytes()
    assert pq.read_metadata(local).num_rows > COPIES * 6  # narration made several clips per video


def test_shard_on_two_nodes_writes_the_local_bytes(nodes, clip_tables, local_shards, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="vtdata.engine.ray")
    out = tmp_path / "shards"
    shard_in = ["--clips", str(clip_tables.clips), "--media-table", str(clip_tables.media)]
    _vtdata("shard", *shard_in, "-o", str(out), *SHARD_ARGS, "--engine", "ray")
    used = _nodes_used(caplog)
    expected = _files(local_shards)
    jobs = len([n for n in expected if n.endswith(".tar")])
    assert jobs >= 18 and sum(used.values()) == jobs  # 36 clips, 2 a shard (per split)
    assert set(used) == {nodes.head, nodes.worker}  # jobs ran on both nodes
    assert _files(out) == expected  # tars (members and bytes), index.parquet, stats.json, dataset.json


def test_a_node_removed_mid_run_leaves_the_run_finishing_with_the_same_bytes(nodes, clip_tables, tmp_path):
    """The second node is replaced by a fresh one at the end, for the tests that may run after."""
    config = load_pipeline(None, CLIP_STORE)
    refs = refs_from_table(clip_tables.media)
    shard(clip_tables.clips, tmp_path / "local", config, refs)
    engine = RayEngine(num_cpus=1, max_retries=3)
    done = 0
    removed = {}

    def progress(n: int) -> None:
        nonlocal done
        done += n
        # once the second node has finished a job it is never idle again until the end (1 CPU, jobs
        # queued for it): removing it now kills the job it runs, which Ray retries on the head
        if not removed and engine.nodes[nodes.worker] >= 1:
            removed.update(at=done, worker_jobs=engine.nodes[nodes.worker])
            nodes.cluster.remove_node(nodes.worker_node)

    try:
        summary = shard(
            clip_tables.clips, tmp_path / "shards", config, refs, engine=engine, progress=progress
        )
        alive = {n["NodeID"]: n["Alive"] for n in ray.nodes()}
    finally:
        if removed:
            lost = nodes.worker
            nodes.worker_node = nodes.cluster.add_node(**NODE)
            nodes.worker = nodes.worker_node.node_id
            nodes.cluster.wait_for_nodes()
    assert removed and removed["at"] < 36, f"the node was not removed before the end: {removed}"
    assert alive[nodes.head] and not alive[lost]
    assert summary.total["samples"] == 36 and summary.resumed == 0
    assert _files(tmp_path / "shards") == _files(tmp_path / "local")  # same bytes, no hole, no duplicate
    assert engine.nodes.total() == summary.jobs == 36 and engine.nodes[nodes.head] > 36 // 2
