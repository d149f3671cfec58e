import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vtdata.records.ids import id_from_url
from vtdata.records.sources import Segment
from vtdata.sources import table
from vtdata.sources.report import SourceFormatError

SAMPLES = Path(__file__).resolve().parents[2] / "manifests" / "table"


def test_csv_sample():
    result = table.read(SAMPLES / "table.csv")
    assert result.report.total == 0
    items = {i.source_id: i for i in result.items}
    assert items["clip-0001"].duration == 8.5 and items["clip-0002"].duration == 12.0
    assert items["clip-0003"].split == "test" and items["clip-0001"].split == "train"
    assert items["photo-0004"].media == "image" and items["clip-0001"].meta == {"license": "cc-by"}
    no_id = "https://example.com/videos/no-id-given.mp4"
    assert items[no_id].id == id_from_url(no_id)
    assert all(i.dataset == "custom" for i in result.items)


def test_jsonl_timed_rows_become_segments():
    result = table.read(SAMPLES / "segments.jsonl")
    items = {i.id: i for i in result.items}
    assert items["lecture-01"].segments == [
        Segment(0.0, 4.2, "welcome to the course"),
        Segment(4.2, 9.0, "today we talk about gradients"),
    ]
    assert items["lecture-01"].caption is None and items["lecture-01"].meta == {"speaker": "host"}
    assert items["trailer"].segments is None and items["trailer"].duration == 30.0


def test_parquet_with_renamed_columns(tmp_path):
    path = tmp_path / "mine.parquet"
    pq.write_table(
        pa.table(
            {
                "key": ["k1", "k2"],
                "link": ["http://e.com/1.mp4", "http://e.com/2.jpg"],
                "text": ["one", "two"],
                "kind": ["video", "image"],
                "score": [0.5, 0.9],
            }
        ),
        path,
    )
    columns = table.Columns(url="link", id="key", caption="text", media="kind")
    result = table.read(path, columns=columns, val_fraction=0.5, seed=1)
    assert [(i.id, i.url, i.caption, i.media, i.meta) for i in result.items] == [
        ("k1", "http://e.com/1.mp4", "one", "video", {"score": 0.5}),
        ("k2", "http://e.com/2.jpg", "two", "image", {"score": 0.9}),
    ]
    with pytest.raises(SourceFormatError, match="'caption_text'.*found columns: 'key', 'link'"):
        table.read(path, columns=table.Columns(url="link", caption="caption_text"))


def test_missing_url_column_is_a_clear_error(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("id,link\n1,http://e.com/1.mp4\n")
    with pytest.raises(SourceFormatError) as err:
        table.read(path)
    assert str(path) in str(err.value) and "'url'" in str(err.value) and "'id', 'link'" in str(err.value)


def test_malformed_rows_reported_with_line_and_skipped():
    result = table.read(SAMPLES / "table_malformed.csv")
    assert [i.id for i in result.items] == ["good-1"]
    assert dict(result.report.counts) == {"missing_url": 1, "bad_duration": 1, "bad_media": 1, "bad_times": 2}
    m = result.report.messages
    assert (
        "line 3" in m["missing_url"][0]
        and "line 4" in m["bad_duration"][0]
        and "'five'" in m["bad_duration"][0]
    )
    assert "line 5" in m["bad_media"][0] and "'audio'" in m["bad_media"][0]
    assert "line 6" in m["bad_times"][0] and "line 7" in m["bad_times"][1]


def test_jsonl_bad_lines_and_conflicting_urls(tmp_path):
    path = tmp_path / "t.jsonl"
    rows = [
        {"id": "a", "url": "http://e.com/a.mp4", "caption": "x", "start": 0, "end": 1},
        {"id": "a", "url": "http://e.com/OTHER.mp4", "caption": "y", "start": 1, "end": 2},
    ]
    path.write_text("\n".join([json.dumps(r) for r in rows] + ["[1, 2]", "{not json"]) + "\n")
    result = table.read(path)
    assert [len(i.segments) for i in result.items] == [1]
    assert dict(result.report.counts) == {"conflicting_url": 1, "bad_row": 2}
    assert "line 2" in result.report.messages["conflicting_url"][0]
    assert (
        "line 3" in result.report.messages["bad_row"][0] and "line 4" in result.report.messages["bad_row"][1]
    )


def test_unbalanced_quote_does_not_smuggle_lines_into_a_url(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('id,url\n1,"http://e.com/a.mp4\n2,http://e.com/b.mp4\n')
    result = table.read(path)
    assert result.items == [] and "line 2" in result.report.messages["bad_url"][0]


def test_unknown_suffix(tmp_path):
    path = tmp_path / "t.xlsx"
    path.write_text("x")
    with pytest.raises(SourceFormatError, match="format"):
        table.read(path)


def test_absurd_durations_and_times_are_bad_rows(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(
        "id,url,caption,duration,start,end\n"
        "ok,http://e.com/ok.mp4,fine,604800,,\n"  # exactly a week: accepted
        "big,http://e.com/big.mp4,x,1e308,,\n"
        "inf,http://e.com/inf.mp4,x,inf,,\n"
        "iso,http://e.com/iso.mp4,x,PT99999999999999H,,\n"
        "times,http://e.com/t.mp4,x,10,0,1e308\n"
    )
    result = table.read(path)
    assert [i.id for i in result.items] == ["ok"]
    assert dict(result.report.counts) == {"bad_duration": 3, "bad_times": 1}
    m = result.report.messages
    assert "line 3" in m["bad_duration"][0] and "over a week" in m["bad_duration"][0]
    assert "line 4" in m["bad_duration"][1] and "'inf'" in m["bad_duration"][1]
    assert "line 5" in m["bad_duration"][2] and "PT99999999999999H" in m["bad_duration"][2]
    assert "line 6" in m["bad_times"][0] and "1e308" in m["bad_times"][0]
