"""`vtdata download` (the command in vtdata/cli.py), including a kill -9 in the middle of a run."""

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from vtdata.cli import main
from vtdata.download.ledger import Ledger
from vtdata.records.sources import SourceItem, write_sources
from vtdata.synthetic import SyntheticServer

VTDATA = [sys.executable, "-c", "from vtdata.cli import main; main()"]


def item(item_id, url, media="video") -> SourceItem:
    return SourceItem(id=item_id, source_id=item_id, dataset="custom", media=media, url=url)


def test_every_option_has_help():
    command = main.commands["download"]
    for param in command.params:
        if param.param_type_name == "option":
            assert param.help and len(param.help) > 15, param.name
    text = CliRunner().invoke(main, ["download", "--help"]).output
    for flag in (
        "--max-height",
        "--sections",
        "--retry-failed",
        "--dry-run",
        "--ytdlp-opt",
        "--allow-local-files",
    ):
        assert flag in text


@pytest.mark.slow
def test_summary_and_dry_run(synthetic_server, synthetic_corpus, tmp_path):
    videos = synthetic_corpus.of("webvid")[:2]
    table = [item(v.id, f"{synthetic_server.url}/media/{v.file}") for v in videos]
    table.append(item("gone", f"{synthetic_server.url}/fault/404/media/{videos[0].file}"))
    src = write_sources(table, tmp_path / "sources.parquet")
    store = tmp_path / "store"
    dry = CliRunner().invoke(main, ["download", str(src), "-o", str(store), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "dry run" in dry.output and "by backend: http 3" in dry.output and not store.exists()
    run = CliRunner().invoke(main, ["download", str(src), "-o", str(store), "--workers", "2"])
    assert run.exit_code == 0, run.output
    assert re.search(r"^\s+ok\s+2\s+66.7%$", run.output, re.M), run.output
    assert re.search(r"^\s+not_found\s+1\s+33.3%$", run.output, re.M)
    assert "items/s" in run.output
    bad = CliRunner().invoke(main, ["download", str(src), "-o", str(store), "--max-bytes", "lots"])
    assert bad.exit_code == 2 and "is not a byte size" in bad.output


def _ok_ids(store) -> set[str]:
    try:
        db = sqlite3.connect(f"file:{store / 'ledger.sqlite'}?mode=ro", uri=True, timeout=5)
        try:
            return {r[0] for r in db.execute("SELECT id FROM entries WHERE status = 'ok'")}
        finally:
            db.close()
    except sqlite3.OperationalError:  # not created yet
        return set()


@pytest.mark.slow
def test_sigkill_mid_run_then_rerun_completes_every_item_once(synthetic_corpus, tmp_path):
    videos = synthetic_corpus.of("webvid")[:16]
    # a trickling server, so the kill lands while items are in flight
    with SyntheticServer(synthetic_corpus.root, slow_interval=0.03, slow_chunk=1024) as server:
        paths = {v.id: f"/fault/slow/media/{v.file}" for v in videos}
        src = write_sources([item(i, server.url + p) for i, p in paths.items()], tmp_path / "sources.parquet")
        store = tmp_path / "store"
        command = [*VTDATA, "download", str(src), "-o", str(store), "--workers", "2", "--per-host", "2"]
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 60
            while len(_ok_ids(store)) < 3 and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait(10)
        assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()
        ok_before = _ok_ids(store)
        assert 3 <= len(ok_before) < len(videos), "the kill should land mid-run"
        partials = list((store / "media").rglob(".*.part"))
        log_before = len(server.requests)

        rerun = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert rerun.returncode == 0, rerun.stderr
        if partials:
            assert f"removed {len(partials)} partial files" in rerun.stdout
        rerun_requests = [p for _, p, _ in server.requests[log_before:]]

    with Ledger(store, readonly=True) as ledger:
        entries = list(ledger.entries(None))
    assert len(entries) == len(videos) and {e.status for e in entries} == {"ok"}
    for entry in entries:
        fetched_again = rerun_requests.count(paths[entry.id])
        assert fetched_again == (0 if entry.id in ok_before else 1), entry.id
        assert (store / entry.path).stat().st_size == entry.bytes
    media = [p for p in (store / "media").rglob("*") if p.is_file()]
    assert sorted(p.name for p in media) == sorted(
        f"{v.id}.mp4" for v in videos
    )  # nothing partial, nothing twice
    assert not [p for p in (store / "media").rglob("*.part")]
