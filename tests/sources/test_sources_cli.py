from pathlib import Path

import pytest
from click.testing import CliRunner

from vtdata.cli import main
from vtdata.records.sources import read_sources

ROOT = Path(__file__).resolve().parents[2]
M = ROOT / "manifests"


def _run(*args):
    return CliRunner().invoke(main, ["sources", *map(str, args)])


def test_webvid_writes_table_and_summary(real_file, tmp_path):
    out = tmp_path / "sources.parquet"
    r = _run(
        "webvid",
        real_file("webvid_results_sample.csv"),
        M / "webvid" / "results_malformed.csv",
        "--val-fraction",
        "0.3",
        "--seed",
        "1",
        "-o",
        out,
    )
    assert r.exit_code == 0, r.output
    items = list(read_sources(out))
    assert len(items) == 21 and {i.split for i in items} == {"train", "val"}
    assert "21 items" in r.output and "webvid     video  train" in r.output
    assert "bad_duration" in r.output and "results_malformed.csv line 3" in r.output


def test_cc3m_limit_and_split(real_file, tmp_path):
    out = tmp_path / "cc3m.parquet"
    r = _run("cc3m", real_file("cc3m_validation_sample.tsv"), "--limit", "7", "--split", "val", "-o", out)
    assert r.exit_code == 0, r.output
    assert [i.split for i in read_sources(out)] == ["val"] * 7
    assert "skipped: none" in r.output


def test_howto100m_with_template_and_sample(tmp_path):
    out = tmp_path / "h.parquet"
    h = M / "howto100m"
    r = _run(
        "howto100m",
        h / "HowTo100M_v1.csv",
        "--captions",
        h / "caption.json",
        "--require-captions",
        "--url-template",
        "http://127.0.0.1:9/watch/{id}.html",
        "-o",
        out,
    )
    assert r.exit_code == 0, r.output
    items = list(read_sources(out))
    assert len(items) == 4 and all(i.url.startswith("http://127.0.0.1:9/watch/") for i in items)
    assert "no_captions" in r.output
    sampled = _run(
        "howto100m", h / "HowTo100M_v1.csv", "--sample", "0.5", "--seed", "2", "-o", tmp_path / "s.parquet"
    )
    again = _run(
        "howto100m", h / "HowTo100M_v1.csv", "--sample", "0.5", "--seed", "2", "-o", tmp_path / "t.parquet"
    )
    assert sampled.exit_code == again.exit_code == 0
    assert [i.id for i in read_sources(tmp_path / "s.parquet")] == [
        i.id for i in read_sources(tmp_path / "t.parquet")
    ]


def test_table_with_renamed_column(tmp_path):
    src = tmp_path / "t.csv"
    src.write_text("name,link\na cat,http://e.com/cat.mp4\n")
    r = _run(
        "table",
        src,
        "--url-col",
        "link",
        "--caption-col",
        "name",
        "--media",
        "video",
        "-o",
        tmp_path / "o.parquet",
    )
    assert r.exit_code == 0, r.output
    [item] = read_sources(tmp_path / "o.parquet")
    assert (item.caption, item.url, item.dataset) == ("a cat", "http://e.com/cat.mp4", "custom")


def test_missing_column_is_a_clean_error_and_writes_nothing(tmp_path):
    out = tmp_path / "o.parquet"
    r = _run("webvid", M / "cc3m" / "Train_GCC-training_sample.tsv", "-o", out)
    assert r.exit_code == 1 and "Error:" in r.output and "missing required column" in r.output
    assert "Traceback" not in r.output and not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_howto100m_needs_an_input(tmp_path):
    r = _run("howto100m", "-o", tmp_path / "o.parquet")
    assert r.exit_code == 2 and "give HOWTO100M_V1_CSV" in r.output


@pytest.mark.parametrize("command", ["howto100m", "webvid", "cc3m", "table"])
def test_every_option_has_help(command):
    from vtdata.cli import sources_group

    cmd = sources_group.commands[command]
    for param in cmd.params:
        if param.param_type_name == "option":
            assert param.help, f"{command} {param.opts} has no help"
    r = _run(command, "--help")
    assert r.exit_code == 0 and "--val-fraction" in r.output and "--output" in r.output
