import random

import pytest

from vtdata.records.sources import SourceItem
from vtdata.sources.recipe import Budget, Located, Selection, hash_unit, select
from vtdata.sources.report import SkipReport


def _located(ids):
    return [
        Located(
            f"test line {n}",
            SourceItem(id=i, source_id=i, dataset="custom", media="video", url=f"http://x/{i}", split=""),
        )
        for n, i in enumerate(ids, 1)
    ]


IDS = [f"vid{i:05d}" for i in range(2000)]


def _split_of(ids, **kw):
    return {i.id: i.split for i in select(_located(ids), Selection(**kw), SkipReport())}


def test_val_fraction_is_stable_and_order_free():
    a = _split_of(IDS, val_fraction=0.1, seed=7)
    shuffled = IDS[:]
    random.Random(1).shuffle(shuffled)
    b = _split_of(shuffled, val_fraction=0.1, seed=7)
    subset = _split_of(IDS[::3], val_fraction=0.1, seed=7)
    assert a == b
    assert all(a[k] == v for k, v in subset.items())  # an id's split does not depend on the other rows
    n_val = sum(v == "val" for v in a.values())
    assert 150 < n_val < 250 and set(a.values()) == {"train", "val"}
    assert _split_of(IDS, val_fraction=0.1, seed=8) != a  # the seed matters


def test_sample_fraction_is_deterministic_and_independent_of_split():
    kept = set(_split_of(IDS, sample_fraction=0.25, seed=3))
    assert kept == set(_split_of(list(reversed(IDS)), sample_fraction=0.25, seed=3))
    assert 400 < len(kept) < 600
    split = _split_of(IDS, sample_fraction=0.25, val_fraction=0.5, seed=3)
    assert set(split) == kept and 0.3 < sum(v == "val" for v in split.values()) / len(split) < 0.7


def test_fixed_split_limit_and_explicit_row_split():
    rows = _located(["a", "b", "c", "d"])
    rows[1][1].split = "test"
    out = list(select(rows, Selection(split="holdout", limit=3, val_fraction=0.0), SkipReport()))
    assert [(i.id, i.split) for i in out] == [("a", "holdout"), ("b", "test"), ("c", "holdout")]
    assert list(select(_located(["a"]), Selection(limit=0), SkipReport())) == []


def test_limit_stops_consuming_the_input():
    consumed = []

    def rows():
        for pair in _located(IDS):
            consumed.append(pair[1].id)
            yield pair

    assert len(list(select(rows(), Selection(limit=5), SkipReport()))) == 5
    assert len(consumed) == 5


def test_duplicates_reported_with_location():
    report = SkipReport(max_messages=2)
    out = list(select(_located(["a", "b", "a", "a", "a"]), Selection(), report))
    assert [i.id for i in out] == ["a", "b"]
    assert report.counts["duplicate_id"] == 3 and report.total == 3
    assert report.messages["duplicate_id"] == [
        "test line 3: id 'a' was already read earlier; row skipped",
        "test line 4: id 'a' was already read earlier; row skipped",
    ]


def test_hash_unit_is_fixed():
    assert hash_unit("abc", 0, "split") == hash_unit("abc", 0, "split")
    assert hash_unit("abc", 0, "split") != hash_unit("abc", 0, "sample")
    assert 0.0 <= hash_unit("abc", 0, "split") < 1.0


@pytest.mark.parametrize(
    "kw", [{"limit": -1}, {"val_fraction": 1.0}, {"sample_fraction": 0.0}, {"split": ""}]
)
def test_bad_selection_is_refused(kw):
    with pytest.raises(ValueError):
        Selection(**kw)


def test_limit_counts_per_file_and_stops_reading_each_file(tmp_path):
    """--limit over a train and a val file keeps N of each, and reads no row of a full file."""
    from vtdata.sources import webvid

    header = "videoid,name,page_idx,page_dir,duration,contentUrl\n"
    for name, n in (("results_2M_train.csv", 500), ("results_2M_val.csv", 40)):
        tag = name[11:14]
        rows = [f"{tag}{i},clip {i},1,d,PT00H00M10S,http://h/{tag}{i}.mp4\n" for i in range(n)]
        (tmp_path / name).write_text(header + "".join(rows))
    result = webvid.read([tmp_path / "results_2M_train.csv", tmp_path / "results_2M_val.csv"], limit=30)
    assert sorted((split, n) for (_, _, split), n in result.counts.items()) == [("train", 30), ("val", 30)]
    budget = Budget(30)
    report = SkipReport()
    parsed = list(webvid.iter_located(tmp_path, report, True, budget))  # the budget alone stops nothing
    assert len(parsed) == 540
    consumed = []
    located = webvid.iter_located(tmp_path, report, True, budget)

    def counting():
        for loc in located:
            consumed.append(loc.item.id)
            yield loc

    kept = list(select(counting(), Selection(limit=30), report, budget))
    assert len(kept) == 60 and len(consumed) == 60  # neither file was read past its 30th row
