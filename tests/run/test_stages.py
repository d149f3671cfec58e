"""`mode: staged` gives the files of the same commands run by hand, byte for byte."""

from __future__ import annotations

import filecmp

from click.testing import CliRunner

from vtdata.cli import main
from vtdata.download.ledger import Ledger
from vtdata.records.names import CLIPS_NAME, SOURCES_NAME, report_path
from vtdata.run.stages import run_staged


def _invoke(*argv: str) -> None:
    result = CliRunner().invoke(main, list(argv))
    assert result.exit_code == 0, result.output


def test_staged_equals_the_commands_by_hand(staged_webvid, synthetic_native, run_helpers, tmp_path):
    hand = tmp_path / "hand"
    store, shards = hand / "download", hand / "shards"
    _invoke(
        "sources", "webvid", str(synthetic_native.webvid_csv), str(synthetic_native.webvid_val_csv),
        "-o", str(hand / SOURCES_NAME),
    )  # fmt: skip
    _invoke("download", str(hand / SOURCES_NAME), "-o", str(store), "--backoff", "0.1", "--cooldown", "0.1")
    _invoke("align", str(store), "--builder", "whole")
    _invoke(
        "shard", str(store), "-o", str(shards), "-p", "webvid-frozen", "--workers", "2",
        "--set", f"shards.samples_per_shard={run_helpers.per_shard}", "--size", "32",
    )  # fmt: skip
    run = staged_webvid
    assert filecmp.cmp(run.root / SOURCES_NAME, hand / SOURCES_NAME, shallow=False)
    assert filecmp.cmp(run.store / SOURCES_NAME, store / SOURCES_NAME, shallow=False)
    for name in (CLIPS_NAME, report_path(store / CLIPS_NAME).name):
        assert filecmp.cmp(run.store / name, store / name, shallow=False), name
    run_helpers.assert_same_shards(run.shards, shards)
    with Ledger(run.store, readonly=True) as a, Ledger(store, readonly=True) as b:
        assert [(e.id, e.status, e.path, e.bytes) for e in a.entries(status=None)] == [
            (e.id, e.status, e.path, e.bytes) for e in b.entries(status=None)
        ]


def test_staged_resumes_without_fetching_again(staged_webvid, synthetic_server):
    tars = {p.name: p.stat().st_mtime_ns for p in staged_webvid.shards.glob("*.tar")}
    synthetic_server.reset()
    stages = run_staged(staged_webvid)
    assert [s.stage for s in stages] == ["sources", "download", "align", "shard"]
    assert not [r for r in synthetic_server.requests if r[1].startswith("/media/")]
    assert stages[1].summary.skipped_ok == 24 and stages[3].summary.resumed == stages[3].summary.jobs
    assert {p.name: p.stat().st_mtime_ns for p in staged_webvid.shards.glob("*.tar")} == tars


def test_cli_run_prints_a_summary_per_stage(staged_webvid, synthetic_native, run_helpers, tmp_path):
    """`vtdata run` on a finished staged run: every stage resumes and says so."""
    import yaml

    data = run_helpers.webvid_dict(synthetic_native, staged_webvid.root, "staged")
    recipe_file = tmp_path / "recipe.yaml"
    recipe_file.write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(main, ["run", str(recipe_file)])
    assert result.exit_code == 0, result.output
    assert "sources: 24 items" in result.output
    for stage_line in ("ok", "wrote", "shard"):
        assert stage_line in result.output
    missing = CliRunner().invoke(main, ["run", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2 and "vtdata run --init" in missing.output
