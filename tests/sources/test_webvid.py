import re
from pathlib import Path

import pytest

from vtdata.records.ids import safe_id
from vtdata.records.sources import read_sources
from vtdata.sources import webvid
from vtdata.sources.report import SourceFormatError

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "manifests" / "webvid"


def test_real_excerpt(real_file):
    result = webvid.read(real_file("webvid_results_sample.csv"))
    assert result.num_items == 20 and result.report.total == 0
    first = result.items[0]
    assert first.id == first.source_id == "1053841541"
    assert first.dataset == "webvid" and first.media == "video" and first.split == "train"
    assert first.caption.startswith("Travel blogger shoot a story on top of mountains")
    assert first.duration == 17.0
    assert first.url.startswith("https://ak.picdn.net/shutterstock/videos/1053841541/")
    assert first.meta == {"page_idx": 27732, "page_dir": "027701_027750"}
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", i.id) and i.id == safe_id(i.source_id) for i in result.items)
    assert len({i.id for i in result.items}) == 20


def test_manifest_sample_keeps_quoted_commas():
    result = webvid.read(SAMPLES / "results_sample.csv")
    assert result.num_items == 6 and result.report.total == 0
    assert result.items[1].caption == "Barista pours milk into a cup of coffee, close up"
    assert [i.duration for i in result.items] == [15.0, 9.0, 21.0, 30.0, 12.0, 7.0]


def test_malformed_rows_reported_with_line_and_skipped():
    result = webvid.read(SAMPLES / "results_malformed.csv")
    assert [i.source_id for i in result.items] == ["2000001"]
    assert dict(result.report.counts) == {
        "bad_duration": 1,
        "missing_url": 1,
        "bad_row": 1,
        "missing_caption": 1,
    }
    messages = result.report.messages
    assert (
        "results_malformed.csv line 3" in messages["bad_duration"][0]
        and "'11 seconds'" in messages["bad_duration"][0]
    )
    assert "line 4" in messages["missing_url"][0]
    assert "line 5" in messages["bad_row"][0] and "7 fields" in messages["bad_row"][0]
    assert "line 6" in messages["missing_caption"][0]


def test_folder_reads_results_files_and_reports_duplicates(tmp_path):
    (tmp_path / "results_a.csv").write_bytes((SAMPLES / "results_sample.csv").read_bytes())
    (tmp_path / "results_b.csv").write_bytes((SAMPLES / "results_sample.csv").read_bytes())
    (tmp_path / "notes.csv").write_text("not,webvid\n")
    result = webvid.read(tmp_path)
    assert result.num_items == 6
    assert result.report.counts["duplicate_id"] == 6
    assert "results_b.csv line 2" in result.report.messages["duplicate_id"][0]


def test_missing_required_column_names_file_column_and_header(tmp_path):
    path = tmp_path / "results_x.csv"
    path.write_text("videoid,name,duration\n1,a cat,PT1S\n")
    with pytest.raises(SourceFormatError) as err:
        webvid.read(path)
    message = str(err.value)
    assert str(path) in message and "'contentUrl'" in message and "'videoid', 'name', 'duration'" in message


def test_empty_duration_is_unknown_not_an_error(tmp_path):
    path = tmp_path / "results_x.csv"
    path.write_text("videoid,name,duration,contentUrl\n1,a cat,,https://example.com/1.mp4\n")
    assert webvid.read(path).items[0].duration is None


@pytest.mark.parametrize("duration", ["PT99999999999999H", "P9999999D", "PT605000S"])
def test_duration_over_a_week_is_a_bad_row(tmp_path, duration):
    path = tmp_path / "results_x.csv"
    path.write_text(
        "videoid,name,page_idx,page_dir,duration,contentUrl\n"
        "1,ok,1,d,PT00H00M10S,https://e.com/1.mp4\n"
        f"2,absurd,1,d,{duration},https://e.com/2.mp4\n"
    )
    result = webvid.read(path)
    assert [i.source_id for i in result.items] == ["1"]
    assert dict(result.report.counts) == {"bad_duration": 1}
    message = result.report.messages["bad_duration"][0]
    assert "line 3" in message and repr(duration) in message and "over a week" in message
    for fast in (True, False):  # the Arrow column path refuses it too, with the same report
        out = tmp_path / f"sources-{fast}.parquet"
        prepared = webvid.prepare_webvid(path, out, fast=fast)
        assert dict(prepared.report.counts) == {"bad_duration": 1}
        assert [i.source_id for i in read_sources(out)] == ["1"]
