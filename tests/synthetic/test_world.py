from collections import Counter

import numpy as np
import pytest

from vtdata.records.ids import safe_id
from vtdata.synthetic.spec import SyntheticSpec
from vtdata.synthetic.world import COLOURS, MOTIONS, SHAPES, plan

BIG = SyntheticSpec(seed=3, webvid=800, howto=40, cc3m=40)


@pytest.fixture(scope="module")
def big_plan():
    return plan(BIG)


def test_captions_state_colour_shape_and_motion(big_plan):
    for item in big_plan:
        words = item.caption.split()
        if item.dataset == "webvid":
            assert {item.colour, item.shape, item.motion} <= set(words), item.caption
            assert item.colour in COLOURS and item.shape in SHAPES and item.motion in MOTIONS
        elif item.dataset == "cc3m":
            assert {item.colour, item.shape} <= set(words) and item.motion is None
    templates = Counter(
        " ".join(w for w in i.caption.split() if w not in COLOURS and w not in SHAPES) for i in big_plan
    )
    assert len(templates) > 8  # a little template variety, not one fixed sentence


def test_one_frame_does_not_reveal_the_direction(big_plan):
    """Start positions are uniform over the frame whatever the direction (motion wraps around)."""
    webvid = [i for i in big_plan if i.dataset == "webvid"]
    for axis, extent in (("x0", BIG.width), ("y0", BIG.height)):
        means = {m: np.mean([getattr(i.segments[0], axis) for i in webvid if i.motion == m]) for m in MOTIONS}
        assert max(means.values()) - min(means.values()) < 0.1 * extent, means
    assert Counter(i.motion for i in webvid) == {m: 200 for m in MOTIONS}


def test_items_do_not_change_when_counts_grow():
    small, big = plan(SyntheticSpec(seed=5, webvid=3, howto=2, cc3m=2)), plan(SyntheticSpec(seed=5))
    for item in small:
        same = next(i for i in big if i.id == item.id)
        assert (same.caption, same.segments, same.words) == (item.caption, item.segments, item.words)


def test_ids_are_unique_and_already_safe(big_plan):
    assert len({i.id for i in big_plan}) == len(big_plan)
    assert all(safe_id(i.id) == i.id and "." not in i.id for i in big_plan)
    assert any("-" in i.id or "_" in i.id for i in big_plan if i.dataset == "howto100m")  # YouTube-like


def test_seeds_differ():
    a, b = plan(SyntheticSpec(seed=0)), plan(SyntheticSpec(seed=1))
    assert [i.caption for i in a] != [i.caption for i in b]


def test_val_split_is_the_requested_fraction():
    items = plan(SyntheticSpec(webvid=40, howto=8, cc3m=20, val_fraction=0.25))
    for dataset, n in (("webvid", 40), ("howto100m", 8), ("cc3m", 20)):
        assert sum(i.split == "val" for i in items if i.dataset == dataset) == n // 4


def test_narration_lags_its_segment_and_stays_inside_the_video(big_plan):
    for item in (i for i in big_plan if i.dataset == "howto100m"):
        assert item.lag == BIG.narration_lag
        assert 3 <= len(item.segments) <= 5
        assert item.segments[0].start == 0 and item.segments[-1].end == item.duration
        for a, b in zip(item.segments, item.segments[1:], strict=False):
            assert a.end == b.start and (a.colour, a.shape) != (b.colour, b.shape)
        for k, seg in enumerate(item.segments):
            spoken = [w for w in item.words if w.segment == k]
            assert " ".join(w.text for w in spoken) == seg.spoken
            assert {seg.colour, seg.shape, seg.motion} <= set(seg.spoken.split())
            assert seg.start + item.lag <= spoken[0].start
            assert spoken[-1].end <= min(seg.end + item.lag, item.duration)
        starts = [w.start for w in item.words]
        assert starts == sorted(starts) and all(w.end > w.start for w in item.words)
        assert " ".join(line.text for line in item.lines) == " ".join(w.text for w in item.words)
    styles = Counter(i.vtt_style for i in big_plan if i.dataset == "howto100m")
    assert set(styles) == {"new", "old"}


def test_lag_jitter_varies_per_video():
    items = plan(SyntheticSpec(howto=10, narration_lag=1.0, narration_lag_jitter=0.5, webvid=0, cc3m=0))
    lags = [i.lag for i in items]
    assert len(set(lags)) > 5 and all(0.5 <= lag <= 1.5 for lag in lags)


@pytest.mark.parametrize(
    "bad",
    [dict(width=95), dict(fps=0), dict(clip_duration=(3.0, 2.0)), dict(val_fraction=1.0), dict(webvid=-1)],
)
def test_bad_specs_are_refused(bad):
    with pytest.raises(ValueError):
        SyntheticSpec(**bad)
