import json
from pathlib import Path

import pytest

from vtdata.records.sources import Segment
from vtdata.sources import howto100m
from vtdata.sources.report import SourceFormatError

SAMPLES = Path(__file__).resolve().parents[2] / "manifests" / "howto100m"
CSV, CAPTIONS = SAMPLES / "HowTo100M_v1.csv", SAMPLES / "caption.json"


def test_manifest_sample_joins_csv_and_captions():
    result = howto100m.read(CSV, CAPTIONS)
    assert result.report.total == 0
    by_source = {i.source_id: i for i in result.items}
    assert list(by_source) == ["nVbIUDjzWY4", "CTPAZ2euJ2Q", "-4mhCqZyTo0", "rwmt7Cbuvfs", "Z6y2xR4HnpA"]
    soup = by_source["nVbIUDjzWY4"]
    assert soup.url == "https://www.youtube.com/watch?v=nVbIUDjzWY4"
    assert soup.dataset == "howto100m" and soup.media == "video" and soup.caption is None
    assert soup.segments[1] == Segment(start=4.65, end=9.27, text="a simple tomato soup start by")
    assert soup.meta == {
        "category_1": "Food and Entertaining",
        "category_2": "Recipes",
        "rank": 27,
        "task_id": 52907,
    }
    dashed = by_source["-4mhCqZyTo0"]
    assert not dashed.id.startswith("-") and dashed.url.endswith("v=-4mhCqZyTo0")
    assert by_source["Z6y2xR4HnpA"].segments is None  # in the CSV, no captions


def test_require_captions_skips_uncaptioned_csv_rows():
    result = howto100m.read(CSV, CAPTIONS, require_captions=True)
    assert result.num_items == 4
    assert result.report.counts == {"no_captions": 1}
    assert "line 6" in result.report.messages["no_captions"][0]


def test_url_template_points_elsewhere():
    result = howto100m.read(CSV, CAPTIONS, url_template="http://127.0.0.1:8000/watch/{safe_id}.html")
    urls = {i.source_id: i.url for i in result.items}
    assert urls["CTPAZ2euJ2Q"] == "http://127.0.0.1:8000/watch/CTPAZ2euJ2Q.html"
    assert urls["-4mhCqZyTo0"] == f"http://127.0.0.1:8000/watch/{result.items[2].id}.html"
    with pytest.raises(ValueError, match="url_template"):
        howto100m.read(CSV, CAPTIONS, url_template="http://x/{video}")


def test_captions_alone_or_csv_alone():
    only_captions = howto100m.read(None, CAPTIONS)
    assert only_captions.num_items == 4 and all(i.segments and i.meta == {} for i in only_captions.items)
    only_csv = howto100m.read(CSV)
    assert only_csv.num_items == 5 and all(i.segments is None for i in only_csv.items)


def test_malformed_rows_and_captions_reported_and_skipped():
    result = howto100m.read(SAMPLES / "HowTo100M_v1_malformed.csv", SAMPLES / "caption_malformed.json")
    assert [i.source_id for i in result.items] == ["cccccccccc3"]
    assert dict(result.report.counts) == {
        "missing_id": 1,
        "duplicate_id": 1,
        "bad_row": 1,
        "bad_captions": 2,
        "bad_segment": 2,
        "caption_not_in_csv": 1,
    }
    kept = result.items[0]
    assert [s.text for s in kept.segments] == ["good segment", "another good segment"]
    messages = result.report.messages
    assert "line 3" in messages["missing_id"][0] and "line 4" in messages["duplicate_id"][0]
    assert "line 5" in messages["bad_row"][0]
    assert "'aaaaaaaaaa1'" in messages["bad_captions"][0] and "(3/2/3)" in messages["bad_captions"][0]
    assert "'dddddddddd4'" in messages["bad_captions"][1]
    assert "segment 1" in messages["bad_segment"][0] and "'soon'" in messages["bad_segment"][0]
    assert "segment 2" in messages["bad_segment"][1] and "end 4.0 < start 6.0" in messages["bad_segment"][1]
    assert "'zzzzzzzzzz9'" in messages["caption_not_in_csv"][0]


def test_missing_video_id_column(tmp_path):
    path = tmp_path / "HowTo100M_v1.csv"
    path.write_text("id,category_1\nabc,Food\n")
    with pytest.raises(SourceFormatError, match="'video_id'.*found columns: 'id', 'category_1'"):
        howto100m.read(path, CAPTIONS)


def test_limit_stops_reading_captions_early(tmp_path):
    """With a limit the reader stops before a broken tail it never needs."""
    path = tmp_path / "caption.json"
    good = {f"v{i:04d}": {"start": [0.0], "end": [1.0], "text": [f"t{i}"]} for i in range(50)}
    path.write_text(json.dumps(good)[:-1] + ', "broken": {"start": [')
    assert howto100m.read(None, path, limit=10).num_items == 10
    with pytest.raises(SourceFormatError, match="after member 'v0049'"):
        howto100m.read(None, path)


def test_prepare_streams_to_parquet(tmp_path):
    from vtdata.records.sources import read_sources

    result = howto100m.prepare_howto100m(
        CSV, CAPTIONS, tmp_path / "sources.parquet", val_fraction=0.4, seed=3
    )
    assert result.items is None and result.output == tmp_path / "sources.parquet"
    back = list(read_sources(result.output))
    assert [i.source_id for i in back] == [i.source_id for i in howto100m.read(CSV, CAPTIONS).items]
    assert sum(result.counts.values()) == 5 == len(back)
    assert back[0].segments[0].text == "hi everyone today we're making"


def test_segment_times_over_a_week_are_dropped(tmp_path):
    path = tmp_path / "caption.json"
    path.write_text(
        '{"v1": {"start": [0, 1e308, 2], "end": [1, 2, 1e10], "text": ["kept", "huge", "long"]}}'
    )
    result = howto100m.read(None, path)
    assert [s.text for s in result.items[0].segments] == ["kept"]
    messages = result.report.messages["bad_segment"]
    assert len(messages) == 2 and "segment 1" in messages[0] and "1e+308" in messages[0]
    assert "segment 2" in messages[1] and "a week" in messages[1]
