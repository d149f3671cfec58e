import re
from pathlib import Path

from vtdata.records.ids import id_from_url
from vtdata.sources import cc3m

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "manifests" / "cc3m"


def test_real_excerpt(real_file):
    result = cc3m.read(real_file("cc3m_validation_sample.tsv"), split="val")
    assert result.num_items == 20 and result.report.total == 0
    assert dict(result.counts) == {("cc3m", "image", "val"): 20}
    first = result.items[0]
    assert first.caption == "author : a life in photography -- in pictures"
    assert first.url.startswith("https://i.pinimg.com/736x/66/01/6c/")
    assert first.source_id == first.url and first.id == id_from_url(first.url)
    assert first.meta == {"line": 1}
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", i.id) for i in result.items)
    assert len({i.id for i in result.items}) == 20


def test_ids_are_stable_across_runs():
    a = [i.id for i in cc3m.read(SAMPLES / "Train_GCC-training_sample.tsv").items]
    b = [i.id for i in cc3m.read(SAMPLES / "Train_GCC-training_sample.tsv").items]
    assert a == b and len(set(a)) == 6


def test_malformed_lines_reported_with_line_and_skipped():
    result = cc3m.read(SAMPLES / "Train_GCC-training_malformed.tsv")
    assert [i.meta["line"] for i in result.items] == [1]
    counts = result.report.counts
    assert dict(counts) == {"bad_row": 2, "bad_url": 1, "missing_caption": 1, "duplicate_id": 1}
    joined = " | ".join(m for ms in result.report.messages.values() for m in ms)
    for line in (2, 3, 4, 5, 6):
        assert f"Train_GCC-training_malformed.tsv line {line}:" in joined


def test_blank_lines_and_crlf(tmp_path):
    path = tmp_path / "x.tsv"
    path.write_bytes(b"a cat\thttps://example.com/cat.jpg\r\n\r\na dog\thttps://example.com/dog.jpg\r\n")
    result = cc3m.read(path)
    assert [(i.caption, i.url, i.meta["line"]) for i in result.items] == [
        ("a cat", "https://example.com/cat.jpg", 1),
        ("a dog", "https://example.com/dog.jpg", 3),
    ]
