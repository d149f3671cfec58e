import csv
import json

import pytest

from vtdata.sources import cc3m, howto100m, table, webvid
from vtdata.synthetic.native import FAULT_CYCLE, write_native

pytestmark = pytest.mark.slow  # synthetic_native starts the session's server


def test_webvid_csv_has_the_real_columns_and_reads_back(synthetic_corpus, synthetic_native):
    with open(synthetic_native.webvid_csv, newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["videoid", "name", "page_idx", "page_dir", "duration", "contentUrl"]
    truth = {i.source_id: i for i in synthetic_corpus.of("webvid", "train")}
    assert {r["videoid"] for r in rows} == set(truth)
    for row in rows:
        item = truth[row["videoid"]]
        assert row["name"] == item.caption
        assert row["duration"] == f"PT00H00M{round(item.duration):02d}S"
        assert row["contentUrl"] == f"{synthetic_native.base_url}/media/{item.file}"
    for path, split in ((synthetic_native.webvid_csv, "train"), (synthetic_native.webvid_val_csv, "val")):
        result = webvid.read(path, split=split)
        assert not result.report.counts
        assert sorted(i.id for i in result.items) == sorted(
            i.id for i in synthetic_corpus.of("webvid", split)
        )


def test_howto100m_files_read_back_with_the_watch_page_template(synthetic_corpus, synthetic_native):
    result = howto100m.read(
        synthetic_native.howto_csv,
        synthetic_native.howto_captions,
        url_template=synthetic_native.howto_url_template,
    )
    assert not result.report.counts
    truth = {i.id: i for i in synthetic_corpus.of("howto100m", "train")}
    assert {i.id for i in result.items} == set(truth)
    for item in result.items:
        assert item.url == f"{synthetic_native.base_url}/watch/{item.id}.html"
        assert [(s.start, s.end, s.text) for s in item.segments] == [
            (c.start, c.end, c.text) for c in truth[item.id].lines
        ]
    val = json.loads(synthetic_native.howto_val_captions.read_text())
    assert set(val) == {i.source_id for i in synthetic_corpus.of("howto100m", "val")}


def test_cc3m_tsv_is_caption_tab_url_without_header(synthetic_corpus, synthetic_native):
    lines = synthetic_native.cc3m_tsv.read_text().splitlines()
    train = synthetic_corpus.of("cc3m", "train")
    assert lines == [f"{i.caption}\t{synthetic_native.base_url}/media/{i.file}" for i in train]
    result = cc3m.read([synthetic_native.cc3m_tsv, synthetic_native.cc3m_val_tsv])
    assert len(result.items) == len(synthetic_corpus.of("cc3m"))
    assert all(synthetic_corpus.find(i.id).caption == i.caption for i in result.items)


def test_generic_table_holds_every_item_with_its_split(synthetic_corpus, synthetic_native):
    result = table.read(synthetic_native.table_csv)
    assert not result.report.counts
    by_id = {i.id: i for i in result.items}
    assert set(by_id) == {i.id for i in synthetic_corpus.items}
    for truth in synthetic_corpus.items:
        item = by_id[truth.id]
        assert (item.split, item.media) == (truth.split, truth.media)
        if truth.dataset == "howto100m":
            assert [s.text for s in item.segments] == [c.text for c in truth.lines]
        else:
            assert item.caption == truth.caption


def test_broken_rows_go_through_fault_mode(synthetic_corpus, tmp_path):
    native = write_native(synthetic_corpus.items, "http://127.0.0.1:9", tmp_path, broken=0.5)
    assert 0 < len(native.broken) < len(synthetic_corpus.items)
    assert set(native.broken.values()) <= set(FAULT_CYCLE)
    text = native.webvid_csv.read_text() + native.cc3m_tsv.read_text()
    for item_id, kind in native.broken.items():
        item = synthetic_corpus.find(item_id)
        if item.dataset != "howto100m" and item.split == "train":
            assert f"http://127.0.0.1:9/fault/{kind}/media/{item.file}" in text
    again = write_native(synthetic_corpus.items, "http://127.0.0.1:9", tmp_path / "again", broken=0.5)
    assert again.broken == native.broken
    assert again.table_csv.read_bytes() == native.table_csv.read_bytes()
