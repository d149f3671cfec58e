"""No table value ever steers a write outside the output folder (issue #14, defect 1).

Every field that reaches a file or tar member name is fuzzed: the source table's `id`, `split`,
`media` and URL tail (sources -> download -> align -> shard, all through the real CLI); the clip
table's `clip_id`, `id` and `split`; the ledger's `path` and subtitle languages and paths (align and
shard). After each example, nothing may have appeared outside the run's folder. The issue's own
cases are tested exactly, with their outcome: a skip or a failure with a reason, never a crash.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vtdata.cli import main
from vtdata.download.ledger import Ledger
from vtdata.records.clips import Clip, write_clips
from vtdata.records.shards import read_index

pytestmark = pytest.mark.slow

NASTY = [
    "./../../ESCAPED",
    "../../x",
    "/../../../../ESCAPED",
    "..",
    ".",
    "a/b",
    "a\\b",
    "-rf",
    "--exec=touch x",
    "x\x00y",
    "~",
    "$(touch pwned)",
    " ",
    "train.tar",
    "C:\\x",
    "../" * 12 + "tmp/ESCAPED",
]
PIECES = st.sampled_from(
    ["..", ".", "/", "\\", "ESCAPED", "x", "-", "_", "\x00", " ", "~", "train", ":", "é"]
)
NAMES = st.one_of(
    st.sampled_from(NASTY),
    st.lists(PIECES, min_size=1, max_size=8).map("".join),
    st.text(min_size=1, max_size=12),
)
SHARD_ARGS = ["--num-frames", "2", "--size", "32", "--workers", "1"]


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def _outside(root: Path, allowed: list[Path], before: set[str]) -> set[str]:
    """What appeared under `root` outside the `allowed` outputs (and at the file system's top) since
    `before`; the folders leading to an output and SQLite's reader files beside a ledger that was
    read are expected."""
    inside = [str(p.relative_to(root)) for p in allowed]
    expected = {str(p.relative_to(root)) for a in allowed for p in a.parents if p.is_relative_to(root)}
    new = {
        p
        for p in _tree(root) - before
        if not any(p == i or p.startswith(i + os.sep) for i in inside)
        and p not in expected
        and not p.endswith(("ledger.sqlite-shm", "ledger.sqlite-wal"))
    }
    return new | {p for p in os.listdir("/") if "ESCAPED" in p or p == "x"}


def _stage(root: Path, allowed: list[Path], *args):
    """Run one command; assert it wrote nothing under `root` outside `allowed` (its outputs)."""
    before = _tree(root)
    result = _cli(*args)
    escaped = _outside(root, allowed, before)
    assert not escaped, f"{args[0]} wrote outside its output: {sorted(escaped)}"
    return result


def _cli(*args: str):
    result = CliRunner().invoke(main, [str(a) for a in args])
    # a bad value fails a row, an item or a clip with a reason: never a crash or a traceback
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "internal error" not in result.output and "Traceback" not in result.output, result.output
    return result


@pytest.fixture(scope="module")
def media(synthetic_corpus, synthetic_server) -> dict[str, str]:
    video = synthetic_corpus.of("webvid")[0]
    image = synthetic_corpus.of("cc3m")[0]
    return {
        "video": f"{synthetic_server.url}/media/{video.file}",
        "image": f"{synthetic_server.url}/media/{image.file}",
    }


@pytest.fixture(scope="module")
def base_store(media, tmp_path_factory) -> Path:
    """A small download store (one video, one image) built by the real commands."""
    root = tmp_path_factory.mktemp("paths-base")
    table = pa.table(
        {
            "id": ["vid", "img"],
            "url": [media["video"], media["image"]],
            "caption": ["a video", "an image"],
            "media": ["video", "image"],
        }
    )
    pq.write_table(table, root / "in.parquet")
    assert _cli("sources", "table", root / "in.parquet", "-o", root / "sources.parquet").exit_code == 0
    assert _cli("download", root / "sources.parquet", "-o", root / "store").exit_code == 0
    return root / "store"


def _sandbox(factory) -> tuple[Path, Path]:
    """(root, out): `out` lies five folders down, so any `../` escape lands where it is seen."""
    root = factory.mktemp("sandbox")
    out = root / "a" / "b" / "c" / "d" / "out"
    out.mkdir(parents=True)
    return root, out


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    ids=st.lists(NAMES, min_size=2, max_size=2), splits=st.lists(NAMES, min_size=2, max_size=2), tail=NAMES
)
def test_source_fields_never_escape(media, tmp_path_factory, ids, splits, tail):
    root, out = _sandbox(tmp_path_factory)
    before = _tree(root)
    table = pa.table(
        {
            "id": [*ids, "fixed"],
            "url": [
                media["video"] + "?n=" + uuid.uuid4().hex,
                media["image"] + "#" + tail.replace("\x00", ""),
                media["image"] + "?fixed",
            ],
            "caption": ["a video", "an image", "a fixed row, so every stage runs"],
            "media": ["video", "image", "image"],
            "split": [*splits, "train"],
            "dataset": ["../../ESCAPED", "x/y", "custom"],
        }
    )
    pq.write_table(table, out / "in.parquet")
    sources, store, clips, shards = (
        out / "sources.parquet",
        out / "store",
        out / "clips.parquet",
        out / "deep/er/shards",
    )
    _stage(
        root, [sources, out / ".sources.parquet.tmp"], "sources", "table", out / "in.parquet", "-o", sources
    )
    _stage(root, [store], "download", sources, "-o", store)
    _stage(root, [clips, out / "clips.report.json"], "align", store, "-o", clips)
    _stage(root, [shards], "shard", store, "--clips", clips, "-o", shards, *SHARD_ARGS)
    assert (shards / "index.parquet").is_file()  # every stage ran
    assert not _outside(root, [out], before)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    clip_ids=st.lists(NAMES, min_size=3, max_size=3),
    splits=st.lists(NAMES, min_size=3, max_size=3),
    ledger_path=NAMES,
    lang=NAMES,
    sub_path=NAMES,
)
def test_clip_and_ledger_fields_never_escape(
    base_store, tmp_path_factory, clip_ids, splits, ledger_path, lang, sub_path
):
    root, out = _sandbox(tmp_path_factory)
    store = shutil.copytree(base_store, out / "store")
    with Ledger(store) as ledger:
        entry = ledger.get("vid")
        entry.path = ledger_path
        entry.subtitles = {lang: sub_path, "en": "../" * 6 + "ESCAPED.vtt"}
        ledger.put(entry)
    before = _tree(root)
    clips = [
        Clip(clip_ids[0], "vid", 0.0, 1.0, "one", split=splits[0]),
        Clip(clip_ids[1], "img", 0.0, 0.0, "two", split=splits[1]),
        Clip("img_ok", "img", 0.0, 0.0, "three", split=splits[2]),
    ]
    write_clips(clips, out / "clips.parquet")
    aligned = [out / "aligned.parquet", out / "aligned.report.json"]
    _stage(root, aligned, "align", store, "-o", out / "aligned.parquet")
    shards = out / "deep/er/shards"
    _stage(root, [shards], "shard", store, "--clips", out / "clips.parquet", "-o", shards, *SHARD_ARGS)
    assert not _outside(root, [out], before)


@pytest.mark.parametrize("split", ["./../../ESCAPED", "../../x", "/../../../../ESCAPED"])
def test_the_issues_splits_fail_their_clips_and_write_nothing_outside(base_store, tmp_path, split):
    root = tmp_path
    store = shutil.copytree(base_store, root / "store")
    out = root / "out" / "deep" / "er" / "shards"
    clips = [
        Clip("img_bad", "img", 0.0, 0.0, "escaping", split=split),
        Clip("img_good", "img", 0.0, 0.0, "fine", split="train"),
        Clip("../../clip", "img", 0.0, 0.0, "escaping member", split="train"),
    ]
    write_clips(clips, root / "clips.parquet")
    result = _stage(root, [out], "shard", store, "--clips", root / "clips.parquet", "-o", out, *SHARD_ARGS)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("*.tar")) == ["train-000000.tar"]
    index = read_index(out / "index.parquet").to_pylist()
    reasons = {row["clip_id"]: row["reason"] for row in index}
    assert reasons == {"img_bad": "bad_split", "img_good": None, "../../clip": "bad_clip_id"}
    stats = json.loads((out / "stats.json").read_text())
    assert stats["total"]["failures_by_reason"] == {"bad_clip_id": 1, "bad_split": 1}
    assert stats["total"]["clips"] == 3 and stats["total"]["samples"] == 1
    assert any(split[:20] in f["message"] for f in stats["failures"])
    assert "bad_split" in result.output


def test_a_source_row_with_an_unsafe_split_is_skipped(media, base_store, tmp_path):
    table = pa.table(
        {
            "id": ["a", "b", "c"],
            "url": [media["video"]] * 3,
            "split": ["./../../ESCAPED", "train", "../../x"],
        }
    )
    pq.write_table(table, tmp_path / "in.parquet")
    result = _cli("sources", "table", tmp_path / "in.parquet", "-o", tmp_path / "sources.parquet")
    assert result.exit_code == 0 and "bad_split" in result.output
    assert pq.read_table(tmp_path / "sources.parquet").column("id").to_pylist() == ["b"]
    bad = _cli("sources", "table", tmp_path / "in.parquet", "--split", "../x", "-o", tmp_path / "s2.parquet")
    assert bad.exit_code != 0 and "--split" in bad.output and not (tmp_path / "s2.parquet").exists()
    bad = _cli("shard", base_store, "--split", "../x", "-o", tmp_path / "shards")
    assert bad.exit_code == 2 and "shards.splits" in bad.output and not (tmp_path / "shards").exists()


def test_a_ledger_path_leaving_the_store_is_never_read(base_store, tmp_path):
    store = shutil.copytree(base_store, tmp_path / "store")
    with Ledger(store) as ledger:
        good = ledger.get("vid")
        secret = tmp_path / "secret.mp4"  # a real video, outside the store
        shutil.copy(store / good.path, secret)
        good.path = "../secret.mp4"
        ledger.put(good)
    write_clips([Clip("vid_0", "vid", 0.0, 1.0, "x")], tmp_path / "clips.parquet")
    out = tmp_path / "shards"
    result = _cli("shard", store, "--clips", tmp_path / "clips.parquet", "-o", out, *SHARD_ARGS)
    assert result.exit_code == 1 and "leaves the store" in result.output
    stats = json.loads((out / "stats.json").read_text())
    assert stats["total"]["failures_by_reason"] == {"missing_media": 1} and stats["total"]["samples"] == 0
    assert "ledger path '../secret.mp4' leaves the store" in stats["failures"][0]["message"]


def test_a_subtitle_language_that_is_a_path_is_dropped(synthetic_corpus, synthetic_server, tmp_path):
    narrated = synthetic_corpus.of("howto100m")[0]
    query = f"srclang=en/../../../ESCAPED&t={uuid.uuid4().hex[:6]}"
    url = f"{synthetic_server.url}/watch/{narrated.id}.html?{query}"
    table = pa.table({"id": ["page"], "url": [url]})
    pq.write_table(table, tmp_path / "in.parquet")
    _cli("sources", "table", tmp_path / "in.parquet", "-o", tmp_path / "sources.parquet")
    out = tmp_path / "a" / "b" / "store"
    options = ["--subs", "en.*", "--backend", "ytdlp"]
    result = _stage(tmp_path, [out], "download", tmp_path / "sources.parquet", "-o", out, *options)
    assert result.exit_code == 0, result.output
    with Ledger(out, readonly=True) as ledger:
        entry = ledger.get("page")
    assert entry.status == "ok" and entry.subtitles == {}
