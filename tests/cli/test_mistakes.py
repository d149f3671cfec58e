"""A new user's ordinary mistakes, through the real CLI: each gives one line that names the culprit,
the right exit code (2: usage, 1: a failed run), no traceback, and leaves no new file behind."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from vtdata.cli import main
from vtdata.records.clips import Clip, write_clips
from vtdata.records.sources import SourceItem, write_sources


def files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


def run(args: list[str], code: int, *names: str) -> str:
    """Run `vtdata ARGS`; assert the exit code and one `Error:` line that names every one of `names`."""
    result = CliRunner().invoke(main, [str(a) for a in args])
    out = result.output
    assert result.exit_code == code, out
    assert "Traceback" not in out and result.exception is None or isinstance(result.exception, SystemExit), (
        out
    )
    error = [line for line in out.splitlines() if line.startswith("Error:")]
    assert len(error) == 1, out
    for name in names:
        assert str(name) in error[0], (name, error[0])
    return error[0]


@pytest.fixture
def sources(tmp_path) -> Path:
    items = [SourceItem("v1", "v1", "custom", "video", "http://127.0.0.1:9/v1.mp4", caption="a cat")]
    return write_sources(items, tmp_path / "sources.parquet")


def test_a_file_that_is_not_a_table(tmp_path):
    garbage = tmp_path / "garbage.parquet"
    garbage.write_text("not parquet at all")
    before = files(tmp_path)
    run(["download", garbage, "-o", tmp_path / "d"], 1, "garbage.parquet", "not a Parquet file")
    empty = tmp_path / "empty.parquet"
    empty.write_bytes(b"")
    run(["download", empty, "-o", tmp_path / "d"], 1, "empty.parquet", "empty file (0 bytes)")
    run(["align", "--sources", empty], 1, "empty.parquet", "expected a source table")
    assert files(tmp_path) == before | {"empty.parquet"}


def test_the_wrong_kind_of_table(tmp_path, sources):
    clips = write_clips([Clip("v1_0", "v1", 0.0, 1.0, "a cat")], tmp_path / "clips.parquet")
    media = tmp_path / "media.csv"
    media.write_text("id,path\nv1,v1.mp4\n")
    before = files(tmp_path)
    run(
        ["shard", "--media-table", media, "--clips", sources, "-o", tmp_path / "shards"],
        1,
        "sources.parquet",
        "clips table expected; this is a source table",
    )
    run(
        ["download", clips, "-o", tmp_path / "d"],
        1,
        "clips.parquet",
        "source table expected; this is a clips table",
    )
    assert files(tmp_path) == before


def test_inspect_and_stats_on_the_wrong_folder(tmp_path, sources):
    store = tmp_path / "store"
    store.mkdir()
    (store / "ledger.sqlite").write_bytes(b"")
    shutil.copy(sources, store / "sources.parquet")
    run(["inspect", store], 1, str(store), "this is a download store", "needs a shard folder")
    run(["inspect", tmp_path / "store"], 1, "store")
    run(["stats", tmp_path], 1, str(tmp_path), "neither a shard folder")
    run(["stats", store], 1, "ledger.sqlite", "not a vtdata download ledger")


def test_sources_that_give_no_item(tmp_path):
    webvid_csv = tmp_path / "results_2M_val.csv"
    webvid_csv.write_text(
        "videoid,name,page_idx,page_dir,duration,contentUrl\n1,a cat,1,d,PT00H00M05S,http://h/1.mp4\n"
    )
    empty = tmp_path / "empty.tsv"
    empty.write_text("")
    before = files(tmp_path)
    out = tmp_path / "new" / "sources.parquet"
    run(["sources", "cc3m", webvid_csv, "-o", out], 1, "no items", "every one of 2 rows was skipped")
    run(["sources", "cc3m", empty, "-o", out], 1, "no items", "the input holds no rows")
    assert files(tmp_path) == before


def test_a_download_where_every_item_failed(tmp_path, synthetic_server, synthetic_corpus):
    video = synthetic_corpus.of("webvid")[0]
    table = [
        SourceItem(
            f"gone{i}", f"gone{i}", "custom", "video", f"{synthetic_server.url}/fault/404/media/{video.file}"
        )
        for i in range(3)
    ]
    src = write_sources(table, tmp_path / "sources.parquet")
    store = tmp_path / "store"
    run(["download", src, "-o", store, "--retries", "0"], 1, "every item failed (3", "--failures")
    # the store keeps what is worth keeping: the ledger with every item's reason, for --retry-failed
    listing = CliRunner().invoke(main, ["stats", str(store), "--failures", "--json"])
    assert listing.exit_code == 0 and '"not_found"' in listing.output and "gone0" in listing.output


def test_sharding_nothing(tmp_path):
    clips = write_clips([Clip("v1_0", "v1", 0.0, 1.0, "a cat", split="train")], tmp_path / "clips.parquet")
    media = tmp_path / "media.csv"
    media.write_text("id,path\nv1,v1.mp4\n")
    before = files(tmp_path)
    args = ["shard", "--media-table", media, "--clips", clips, "-o", tmp_path / "out" / "shards"]
    run([*args, "--split", "val"], 1, "no clips to shard", "clips.parquet", "of the splits val")
    # every clip failing (its media file does not exist) is a failed run too, though the outputs say why
    run(args, 1, "every clip failed (1")
    assert (tmp_path / "out" / "shards" / "stats.json").exists()
    assert files(tmp_path) - before <= {f for f in files(tmp_path) if f.startswith("out")}


def test_training_mistakes(tmp_path, shard_sets):
    before = files(tmp_path)
    out = tmp_path / "run"
    base = ["train-reference", "--shards", shard_sets.frames, "-o", out, "--steps", "1"]
    run([*base, "--split", "nosuch"], 1, "has no split 'nosuch'", "it has")
    assert files(tmp_path) == before
    result = CliRunner().invoke(main, [str(a) for a in [*base, "--workers", "-1"]])
    assert result.exit_code == 2 and "--workers" in result.output and "Traceback" not in result.output
    out.mkdir()
    (out / "config.json").write_text("{}")
    run(base, 1, str(out), "holds a training run already", "--resume")
    assert files(tmp_path) == before | {"run", "run/config.json"}


def test_a_checkpoint_that_is_not_one(tmp_path):
    junk = tmp_path / "junk.pt"
    junk.write_text("not a checkpoint")
    run(["evaluate", junk, "--shards", tmp_path], 1, "junk.pt", "not a vtdata checkpoint")
    run(["evaluate", tmp_path, "--shards", tmp_path], 1, str(tmp_path), "checkpoints/latest.pt")


def test_config_mistakes_are_usage_errors(tmp_path):
    result = CliRunner().invoke(main, ["shard", "-p", "webvid-frozn", "--show-config"])
    assert result.exit_code == 2 and "no shipped pipeline of that name" in result.output
    result = CliRunner().invoke(main, ["shard", "--set", "sampling.nmu_frames=3", "--show-config"])
    assert result.exit_code == 2 and "unknown key 'sampling.nmu_frames'" in result.output


def test_debug_shows_the_traceback(tmp_path):
    garbage = tmp_path / "garbage.parquet"
    garbage.write_text("x")
    result = CliRunner().invoke(main, ["--debug", "download", str(garbage), "-o", str(tmp_path / "d")])
    assert result.exit_code == 1 and "TableError" in repr(result.exception)


# --- read-only output folders: a real permission check needs a user that is not root -------------


def _as_user(args: list[str], home: Path) -> subprocess.CompletedProcess:
    """`python -m vtdata ARGS` as an unprivileged user (root ignores permission bits)."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: cannot make a folder read-only for the test")
        prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / "cache")}
    if prefix:
        probe = [*prefix, sys.executable, "-c", "import vtdata"]
        if subprocess.run(probe, capture_output=True, env=env, timeout=60, check=False).returncode:
            pytest.skip(  # e.g. a checkout or venv inside a folder only root may enter (mktemp -d)
                "the unprivileged user (uid 65534) cannot import vtdata from this checkout and venv"
            )
    return subprocess.run(
        [*prefix, sys.executable, "-m", "vtdata", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_read_only_outputs_fail_before_any_work(sources):
    root = Path(tempfile.mkdtemp(prefix="vtdata-ro-"))
    try:
        root.chmod(0o777)
        shutil.copy(sources, root / "sources.parquet")
        csv = root / "results_2M_train.csv"
        csv.write_text(
            "videoid,name,page_idx,page_dir,duration,contentUrl\n1,a cat,1,d,PT00H00M05S,http://h/1.mp4\n"
        )
        clips = write_clips([Clip("v1_0", "v1", 0.0, 1.0, "a cat")], root / "clips.parquet")
        (root / "media.csv").write_text("id,path\nv1,v1.mp4\n")
        junk = root / "junk.pt"
        junk.write_text("x")
        for path in root.iterdir():
            path.chmod(0o644)
        ro = root / "ro"
        ro.mkdir(mode=0o555)
        ro.chmod(0o555)
        cases = {
            "sources": ["sources", "webvid", csv, "-o", ro / "sources.parquet"],
            "download": ["download", root / "sources.parquet", "-o", ro / "store"],
            "shard": ["shard", "--media-table", root / "media.csv", "--clips", clips, "-o", ro / "shards"],
            "evaluate": ["evaluate", junk, "--shards", root, "-o", ro / "eval.json"],
        }
        for name, args in cases.items():
            result = _as_user(args, root)
            assert result.returncode == 1, (name, result.stderr)
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1 and "Traceback" not in result.stderr, (name, result.stderr)
            assert str(ro) in lines[0] and "cannot write here" in lines[0], (name, lines[0])
            assert list(ro.iterdir()) == [], name
    finally:
        shutil.rmtree(root, ignore_errors=True)
