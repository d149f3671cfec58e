"""The WebVid fast path (Arrow columns) against the row path on the same files, to the byte.

The fast path may refuse a file (`NotSimple`) but must never write a different table or report:
hypothesis writes CSVs of awkward values (quotes, tabs, odd whitespace, non-ASCII digits, bad
durations and URLs, unsafe and repeated ids, line breaks in values) and both paths read them.
"""

import csv
import hashlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vtdata.sources import columnar
from vtdata.sources.webvid import prepare_webvid

IDS = ["1066674169", "007", "a b", "../x", "A" * 100, "-x", "x_", "ok-id_1", "", " 42 ", "٣", "x" * 97]
NAMES = ["a cat", "", "  spaced  ", 'say "hi", then', "tab\tinside", "naïve café", "mid\u3000wide"]
REFUSED = ["\u3000wide", "x\ny", "v\u00a0", "bell\x07"]  # values that send a file to the row path
DURATIONS = ["PT00H00M17S", "", "PT1H", "P1DT2H3M4.5S", "pt1m", "PT", "T", "1e308", "PT-1S", "P2D", "PT0.5S"]
URLS = ["http://h/v.mp4", "https://h/a b.mp4", "ftp://h/v.mp4", "", "https://h/x.mp4?q=1", "http://"]
PAGE = ["1", "007", "", "٣", "99999999999999999999", "x", " 3 "]
DIRS = ["dir/a", "", 'q"uote', "back\\slash", "t\tab"]

row = st.tuples(
    st.sampled_from(IDS), st.sampled_from(NAMES), st.sampled_from(PAGE),
    st.sampled_from(DIRS), st.sampled_from(DURATIONS), st.sampled_from(URLS),
)  # fmt: skip


def _write(path: Path, rows: list[tuple[str, ...]], newline: str = "\r\n", bom: bool = False) -> None:
    with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as f:
        writer = csv.writer(f, lineterminator=newline)
        writer.writerow(["videoid", "name", "page_idx", "page_dir", "duration", "contentUrl"])
        writer.writerows(rows)


RAW = [
    '7,a"b,1,d,PT1S,http://h/7.mp4',
    '8,"x""y",2,d,PT2S,http://h/8.mp4',
    "9,,,,,",
    ",,,,,",
    "10,c,1,d,PT1S",
]


def _outcome(out: Path, result) -> tuple:
    digest = hashlib.sha256(out.read_bytes()).hexdigest() if result.output else None
    return digest, dict(result.counts), dict(result.report.counts), dict(result.report.messages)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    first=st.lists(row, max_size=30),
    second=st.lists(
        st.one_of(row, st.sampled_from(REFUSED).map(lambda v: ("5", v, "", "", "", "http://h/5"))),
        max_size=30,
    ),
    raw=st.lists(st.sampled_from(RAW), max_size=3),
    val=st.sampled_from([0.0, 0.3]),
    sample=st.sampled_from([1.0, 0.6]),
    newline=st.sampled_from(["\n", "\r\n"]),
    bom=st.booleans(),
    block=st.sampled_from([1 << 20, 300]),
)
def test_fast_path_writes_what_the_row_path_writes(
    tmp_path_factory, monkeypatch, first, second, raw, val, sample, newline, bom, block
):
    """Small blocks put a refused value part-way through a file: the row path reads on from it."""
    monkeypatch.setattr(columnar, "BLOCK", block)
    folder = tmp_path_factory.mktemp("csv")
    _write(folder / "results_2M_train.csv", first, newline, bom)
    _write(folder / "results_2M_val.csv", second, newline)
    with open(folder / "results_2M_train.csv", "a", encoding="utf-8", newline="") as f:
        f.write("".join(line + newline for line in raw))
    outcomes = []
    for fast in (True, False):
        out = folder / f"sources-{fast}.parquet"
        result = prepare_webvid(folder, out, val_fraction=val, sample_fraction=sample, seed=3, fast=fast)
        outcomes.append(_outcome(out, result))
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("value", REFUSED)
def test_values_the_fast_path_cannot_vouch_for_fall_back_alike(tmp_path, value):
    rows = [
        ("1", "a", "1", "d", "PT1S", "http://h/1.mp4"),
        ("2", value, "2", value, "PT2S", "http://h/2.mp4"),
    ]
    _write(tmp_path / "results_2M_train.csv", rows)
    fast = prepare_webvid(tmp_path, tmp_path / "f.parquet")
    slow = prepare_webvid(tmp_path, tmp_path / "s.parquet", fast=False)
    assert _outcome(tmp_path / "f.parquet", fast) == _outcome(tmp_path / "s.parquet", slow)


def test_a_clean_file_takes_the_fast_path_and_keeps_every_row(tmp_path, caplog):
    rows = [(str(1000 + k), f"clip {k}", str(k), "d", "PT00H00M10S", f"http://h/{k}.mp4") for k in range(500)]
    _write(tmp_path / "results_2M_train.csv", rows)
    with caplog.at_level("DEBUG", logger="vtdata.sources.files"):
        result = prepare_webvid(tmp_path, tmp_path / "s.parquet")
    assert result.num_items == 500
    assert "row by row" not in caplog.text  # the fast path took it


def test_a_line_break_in_a_value_falls_back_to_the_row_path(tmp_path, caplog):
    _write(tmp_path / "results_2M_train.csv", [("1", "two\nlines", "1", "d", "PT1S", "http://h/1.mp4")])
    with caplog.at_level("DEBUG", logger="vtdata.sources.files"):
        result = prepare_webvid(tmp_path, tmp_path / "s.parquet")
    assert "row by row" in caplog.text
    assert result.num_items == 1


@pytest.mark.parametrize("limit", [1, 3])
def test_a_limit_reads_each_file_as_the_row_path_does(tmp_path, limit):
    rows = [(str(k), f"c{k}", "", "", "", f"http://h/{k}.mp4") for k in range(10)]
    _write(tmp_path / "results_2M_train.csv", rows)
    result = prepare_webvid(tmp_path, tmp_path / "s.parquet", limit=limit)
    assert result.num_items == limit
