"""vtdata/engine/storage.py: local paths and fsspec URLs behave alike, and shards can go to a URL.

fsspec's `memory://` filesystem stands in for an object store: no renames, no local files, no
locks. (In-process only: Ray workers would not see it, so the Ray test writes to `file://`.)
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

fsspec = pytest.importorskip("fsspec")

from vtdata.engine import storage  # noqa: E402
from vtdata.engine.local import LocalEngine  # noqa: E402
from vtdata.records.clips import Clip, write_clips  # noqa: E402
from vtdata.shard.config import load_pipeline  # noqa: E402
from vtdata.shard.media import MediaRef  # noqa: E402
from vtdata.shard.run import shard  # noqa: E402

CONFIG = {"sampling.num_frames": 2, "resize.short_side": 32, "shards.samples_per_shard": 2}


def _memory_url() -> str:
    return f"memory://vtdata-test-{uuid.uuid4().hex[:8]}/out"


@pytest.fixture(params=["path", "url"])
def location(request, tmp_path):
    return tmp_path / "out" if request.param == "path" else _memory_url()


def test_write_read_list_and_remove(location, tmp_path):
    done = storage.join(location, "_done", "a.json")
    storage.write_bytes(done, b"{}")  # makes the folder
    storage.write_bytes(done, b'{"v": 2}')  # replaces
    local = tmp_path / ".part.tmp"
    local.write_bytes(b"x" * 700)
    storage.publish(local, storage.join(location, "train-000000.tar"))
    storage.write_bytes(storage.join(location, "train-000000_1.tar"), b"y")
    assert not local.exists()
    assert storage.read_bytes(done) == b'{"v": 2}'
    assert storage.size(storage.join(location, "train-000000.tar")) == 700
    assert storage.size(storage.join(location, "nothing")) is None
    assert storage.size(storage.join(location, "_done")) is None  # a folder is not a file
    names = [storage.name_of(p) for p in storage.glob(location, "train-000000*.tar")]
    assert names == ["train-000000.tar", "train-000000_1.tar"]
    assert storage.glob(location, ".*.tmp") == []  # nothing half-written left behind
    with pytest.raises(FileNotFoundError):
        storage.read_bytes(storage.join(location, "nothing"))
    storage.remove(storage.join(location, "train-000000.tar"))
    storage.remove(storage.join(location, "train-000000.tar"))  # already gone: fine
    storage.remove_tree(storage.join(location, "_done"))
    assert [storage.name_of(p) for p in storage.glob(location, "*")] == ["train-000000_1.tar"]
    assert storage.glob(storage.join(location, "_done"), "*") == []


def test_paths_stay_paths_and_urls_stay_urls(tmp_path):
    assert storage.join(tmp_path, "a", "b") == tmp_path / "a" / "b"
    assert storage.join(str(tmp_path), "a") == tmp_path / "a"
    assert storage.join("s3://bucket/shards/", "_done", "x.json") == "s3://bucket/shards/_done/x.json"
    assert storage.is_url("gs://b/x") and storage.is_url("file:///x")
    assert not storage.is_url(Path("s3://b/x")) and not storage.is_url("/data/shards")


def test_a_file_url_renames_into_place(tmp_path):
    """On `file://` a half-written file would be visible, so writes go through a hidden name."""
    url = f"file://{tmp_path}/out"
    storage.write_bytes(storage.join(url, "stats.json"), b"{}")
    assert (tmp_path / "out" / "stats.json").read_bytes() == b"{}"
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["stats.json"]


@pytest.fixture(scope="module")
def clips_and_refs(synthetic_corpus, tmp_path_factory):
    items = synthetic_corpus.of("webvid")[:4] + synthetic_corpus.of("cc3m")[:2]
    clips = [
        Clip(f"{i.id}_0", i.id, 0.0, 0.0 if i.media == "image" else 1.0, i.caption, split=i.split)
        for i in items
    ]
    refs = {i.id: MediaRef(str(synthetic_corpus.path(i)), i.media, i.dataset) for i in items}
    return write_clips(clips, tmp_path_factory.mktemp("clips") / "clips.parquet"), refs


def _memory_files(url: str) -> dict[str, bytes]:
    fs, root = fsspec.core.url_to_fs(url)
    return {p[len(root) + 1 :]: fs.cat_file(p) for p in fs.find(root) if "/_done/" not in p}


def test_shard_into_an_object_store_url_writes_the_local_bytes_and_resumes(clips_and_refs, tmp_path):
    clips, refs = clips_and_refs
    config = load_pipeline(None, CONFIG)
    local = tmp_path / "local"
    shard(clips, local, config, refs, engine=LocalEngine(1))
    url = _memory_url()
    first = shard(clips, url, config, refs, engine=LocalEngine(1))
    expected = {p.name: p.read_bytes() for p in local.iterdir() if p.is_file() and not p.name.startswith(".")}
    assert _memory_files(url) == expected and len(expected) == 3 + first.total["shards"]

    storage.write_bytes(storage.join(url, ".train-000000.tar.tmp"), b"left by a killed run")
    storage.remove(storage.join(url, "_done", "train-000001.json"))  # as if killed before its done record
    again = shard(clips, url, config, refs, engine=LocalEngine(1))
    assert again.resumed == first.jobs - 1 and again.clips_run == 2
    assert _memory_files(url) == expected  # the temporary is gone, the shard rewritten the same

    cleared = shard(clips, url, config, refs, engine=LocalEngine(1), overwrite=True)
    assert cleared.resumed == 0 and _memory_files(url) == expected
