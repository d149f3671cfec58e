"""Session-wide fixtures: the synthetic corpus, generated once, and a server over it.

`synthetic_corpus` is `vtdata.synthetic.generate(tmp, SyntheticSpec(seed=0))` (default spec:
24 WebVid-like clips, 6 narrated videos, 12 images; ~1 s to make). `synthetic_server` serves it
on 127.0.0.1 for the whole session: tests that assert on `requests` should `reset()` it first or
filter by their own paths. `synthetic_native` holds the native metadata files for that server
(no rows routed through fault mode: call `synthetic_corpus.write_native(url, dir, broken=...)`
for those).

`real_file(name)` is one of the real files written by others (docs/testing.md), found through
`$VTDATA_REAL_DATA` (default: `../shared/real` beside the checkout); a test that asks for one is
marked `real_data` and skipped with one reason where the folder is absent.

`clip_tables` are a clips.parquet (one clip per WebVid-like video and CC3M-like image, 36 in
all) and the media.parquet naming their files, to shard without a download store.

`s3` is a real S3 endpoint for the session: moto's server on 127.0.0.1, a versioned bucket, and
the AWS_* variables pointing at it (s3fs, boto3 and subprocesses read them); skipped with one
reason where `pip install -e ".[dev]"` did not bring moto, boto3 and s3fs.

`quickstart` is the output of one `vtdata quickstart` run, shared by all workers (see below).

`shard_sets` are shard folders written by the real shard stage from the synthetic corpus (for
the loader and media tests): its WebVid-like clips (18 train, 6 val) as a `frames` store (every
frame, 72x48 JPEGs) and a `clip` store (H.264 at 10 fps, 96x64), and its CC3M-like images (9
train) as 1-frame samples; 4 clips per shard gives 5 uneven train shards (4,4,4,4,2).
"""

from __future__ import annotations

import fcntl
import io
import logging
import os
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vtdata.media.jpeg import decode_image_pil
from vtdata.records.clips import Clip, write_clips
from vtdata.shard.config import load_pipeline
from vtdata.shard.media import refs_from_table
from vtdata.shard.run import shard
from vtdata.synthetic import NativeFiles, SyntheticCorpus, SyntheticServer, SyntheticSpec, generate

REAL_DATA_ENV = "VTDATA_REAL_DATA"
REAL_DATA_DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "real"


def real_data_dir() -> Path | None:
    """The folder of real files: `$VTDATA_REAL_DATA`, else `../shared/real` when it exists."""
    configured = os.environ.get(REAL_DATA_ENV)
    if configured:
        return Path(configured)
    return REAL_DATA_DEFAULT if REAL_DATA_DEFAULT.is_dir() else None


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if {"real_file", "real"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.real_data)


@pytest.fixture(scope="session")
def real() -> Path:
    """The real-file folder; the test is skipped (one reason) where there is none."""
    folder = real_data_dir()
    if folder is None or not folder.is_dir():
        pytest.skip(
            f"real-data files not found: set {REAL_DATA_ENV} to a folder holding the files of "
            f"docs/testing.md (default: {REAL_DATA_DEFAULT})"
        )
    return folder


@pytest.fixture(scope="session")
def real_file(real):
    """`real_file(name)`: the path of one real file, skipping the test when that file is missing."""

    def get(name: str) -> Path:
        path = real / name
        if not path.is_file():
            pytest.skip(f"real-data file {name} is not in {real} (see docs/testing.md for its origin)")
        return path

    return get


@pytest.fixture(scope="session")
def synthetic_corpus(tmp_path_factory: pytest.TempPathFactory) -> SyntheticCorpus:
    return generate(tmp_path_factory.mktemp("synthetic"), SyntheticSpec(seed=0))


@pytest.fixture(scope="session")
def synthetic_server(synthetic_corpus: SyntheticCorpus):
    with SyntheticServer(synthetic_corpus.root) as server:
        yield server


@pytest.fixture(scope="session")
def synthetic_native(
    synthetic_corpus: SyntheticCorpus,
    synthetic_server: SyntheticServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> NativeFiles:
    return synthetic_corpus.write_native(synthetic_server.url, tmp_path_factory.mktemp("native"))


PER_SHARD = 4


@dataclass(frozen=True)
class ShardSets:
    frames: Path
    clip: Path
    images: Path
    train_videos: set[str]  # clip ids of the train split
    train_images: set[str]


def _clips(corpus, dataset: str) -> list[Clip]:
    return [
        Clip(
            f"{i.id}_0",
            i.id,
            0.0,
            0.0 if i.media == "image" else i.duration,
            i.caption,
            [i.caption, "other"],
            "",
            i.split,
        )
        for i in corpus.of(dataset)
    ]


def _media_table(corpus, path: Path) -> Path:
    """media.parquet naming the files of the corpus's WebVid-like videos and CC3M-like images."""
    items = corpus.of("webvid") + corpus.of("cc3m")
    rows = [{"id": i.id, "path": str(corpus.path(i)), "media": i.media, "dataset": i.dataset} for i in items]
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


@dataclass(frozen=True)
class ClipTables:
    clips: Path  # clips.parquet
    media: Path  # media.parquet


@pytest.fixture(scope="session")
def clip_tables(synthetic_corpus, tmp_path_factory) -> ClipTables:
    root = tmp_path_factory.mktemp("clip-tables")
    _media_table(synthetic_corpus, root / "media.parquet")
    clips = _clips(synthetic_corpus, "webvid") + _clips(synthetic_corpus, "cc3m")
    return ClipTables(write_clips(clips, root / "clips.parquet"), root / "media.parquet")


@dataclass(frozen=True)
class S3Server:
    endpoint: str  # http://127.0.0.1:PORT
    bucket: str
    client: Any  # a boto3 S3 client for it

    def url(self, prefix: str) -> str:
        return f"s3://{self.bucket}/{prefix}"

    def keys(self, prefix: str) -> list[str]:
        """Keys under `prefix/`, relative to it, sorted."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=f"{prefix}/")
        return sorted(o["Key"][len(prefix) + 1 :] for page in pages for o in page.get("Contents", []))

    def read(self, prefix: str, name: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=f"{prefix}/{name}")["Body"].read()

    def versions(self, prefix: str) -> dict[str, list[str]]:
        """Every version id each key under `prefix/` has had (each upload makes one), oldest first."""
        pages = self.client.get_paginator("list_object_versions").paginate(
            Bucket=self.bucket, Prefix=f"{prefix}/"
        )
        found: dict[str, list] = {}
        for page in pages:
            for v in page.get("Versions", []):
                found.setdefault(v["Key"][len(prefix) + 1 :], []).append((v["LastModified"], v["VersionId"]))
        return {key: [vid for _, vid in sorted(vs)] for key, vs in sorted(found.items())}


@pytest.fixture(scope="session")
def s3(tmp_path_factory):
    skip = "the S3 tests need moto[server], boto3 and s3fs: pip install -e '.[dev]'"
    for module in ("moto.server", "boto3", "s3fs"):
        pytest.importorskip(module, reason=skip)
    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    with pytest.MonkeyPatch.context() as env:
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION"):
            env.delenv(name, raising=False)
        nowhere = str(tmp_path_factory.mktemp("aws") / "none")  # no ~/.aws files read
        env.setenv("AWS_CONFIG_FILE", nowhere)
        env.setenv("AWS_SHARED_CREDENTIALS_FILE", nowhere)
        env.setenv("AWS_ENDPOINT_URL", endpoint)
        env.setenv("AWS_ACCESS_KEY_ID", "vtdata-test")
        env.setenv("AWS_SECRET_ACCESS_KEY", "vtdata-test")
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        client = boto3.client("s3")
        bucket = "vtdata-test"
        client.create_bucket(Bucket=bucket)
        client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        try:
            yield S3Server(endpoint, bucket, client)
        finally:
            server.stop()


@pytest.fixture(scope="session")
def shard_sets(synthetic_corpus, tmp_path_factory) -> ShardSets:
    root = tmp_path_factory.mktemp("loader-shards")
    _media_table(synthetic_corpus, root / "media.parquet")
    refs = refs_from_table(root / "media.parquet")
    videos, images = _clips(synthetic_corpus, "webvid"), _clips(synthetic_corpus, "cc3m")
    write_clips(videos, root / "webvid.parquet")
    write_clips(images, root / "cc3m.parquet")
    common = {"shards.samples_per_shard": PER_SHARD}
    runs = {
        "frames": ("webvid", {"sampling.mode": "all", "resize.short_side": 48}),
        "clip": ("webvid", {"store": "clip", "clip.fps": 10, "resize.short_side": 64}),
        "images": ("cc3m", {"resize.short_side": 48}),
    }
    for name, (table, overrides) in runs.items():
        shard(root / f"{table}.parquet", root / name, load_pipeline(None, {**common, **overrides}), refs)
    return ShardSets(
        root / "frames",
        root / "clip",
        root / "images",
        {c.clip_id for c in videos if c.split == "train"},
        {c.clip_id for c in images if c.split == "train"},
    )


def tar_member(tar_path: Path, name: str) -> bytes:
    with tarfile.open(tar_path) as tar:
        return tar.extractfile(name).read()


def stored_frames(shards: Path, meta: dict) -> np.ndarray:
    """Every stored frame of a sample as uint8 [N, H, W, 3], read straight from its tar (PIL or PyAV)."""
    tar = shards / Path(meta["url"]).name
    key = meta["clip_id"]
    if meta["store"] == "clip":
        with av.open(io.BytesIO(tar_member(tar, f"{key}.mp4"))) as container:
            return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])
    return np.stack(
        [decode_image_pil(tar_member(tar, f"{key}.{k:03d}.jpg")) for k in range(meta["num_frames"])]
    )


@pytest.fixture(scope="session")
def stored():
    """`stored_frames` for tests (conftest modules are not importable under --import-mode=importlib)."""
    return stored_frames


# The quickstart's output, made once per test session and shared by the xdist workers (the report
# tests and `vtdata inspect`'s): `vtdata quickstart --clips 40 --train-steps 20 --workers 1` (about
# 2 minutes on 2 cores) writes every kind of output: three download stores with their clips
# tables, three shard folders (frames and clip stores, images) and a training run. The first
# worker to need it builds it under a file lock in the session's shared temporary folder; the
# others wait and reuse it. `VTDATA_REPORT_QUICKSTART=DIR` points at a quickstart output made
# beforehand instead (it is read, never written).
QUICKSTART_ENV = "VTDATA_REPORT_QUICKSTART"
ARGS = ["--clips", "40", "--train-steps", "20", "--workers", "1", "--seed", "0"]


@pytest.fixture(scope="session")
def quickstart(tmp_path_factory) -> Path:
    given = os.environ.get(QUICKSTART_ENV)
    if given:
        return Path(given)
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # one folder for all the workers of this session
    root = shared / "report-quickstart"
    done = shared / "report-quickstart.done"
    with open(shared / "report-quickstart.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            cmd = [sys.executable, "-m", "vtdata", "quickstart", str(root), *ARGS]
            result = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
            done.write_text("ok")
    return root
