"""Split from native file names (`--split auto`), as WebVid and CC3M ship their val files."""

from pathlib import Path

import pytest

from vtdata.sources import cc3m, webvid
from vtdata.sources.recipe import file_split

WEBVID_HEADER = "videoid,name,page_idx,page_dir,duration,contentUrl\n"


@pytest.mark.parametrize(
    ("name", "split"),
    [
        ("results_2M_val.csv", "val"),
        ("results_10M_train.csv", "train"),
        ("Validation_GCC-1.1.0-Validation.tsv", "val"),
        ("Train_GCC-training.tsv", "train"),
        ("results_test.csv", "test"),
        ("results_2M.csv", ""),
        ("intervals.csv", ""),
    ],
)
def test_file_split(name, split):
    assert file_split(name) == split


def _webvid(path: Path, vid: str) -> Path:
    path.write_text(WEBVID_HEADER + f"{vid},a red circle moves left,1,p/1,PT00H00M03S,http://h/{vid}.mp4\n")
    return path


def test_webvid_auto_split_from_file_names(tmp_path):
    train = _webvid(tmp_path / "results_2M_train.csv", "1")
    val = _webvid(tmp_path / "results_2M_val.csv", "2")
    items = webvid.read([train, val]).items
    assert {i.source_id: i.split for i in items} == {"1": "train", "2": "val"}


def test_explicit_split_overrides_file_name(tmp_path):
    val = _webvid(tmp_path / "results_2M_val.csv", "2")
    assert [i.split for i in webvid.read(val, split="holdout").items] == ["holdout"]


def test_cc3m_validation_file_is_val(tmp_path):
    tsv = tmp_path / "Validation_GCC-1.1.0-Validation.tsv"
    tsv.write_text("a blue square\thttp://h/a.jpg\n")
    assert [i.split for i in cc3m.read(tsv).items] == ["val"]
