import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vtdata.align.builders import build_clips, spans_merge, window_starts
from vtdata.align.howto100m import parse_caption_entry
from vtdata.align.normalize import HOWTO100M, normalize_cues
from vtdata.align.options import ClipOptions
from vtdata.align.records import Cue, Word
from vtdata.align.youtube import plain_cues

# a HowTo100M caption.json entry: each line lasts until the line after next starts
ENTRY = {
    "start": [0.5, 2.0, 4.0, 6.0, 9.0],
    "end": [4.0, 6.0, 9.0, 11.0, 14.0],
    "text": ["first we wash", "the potatoes", "[Music]", "then cut them", "into small\ncubes"],
}
DURATION = 12.0


@pytest.fixture
def cues():
    out, _, _ = normalize_cues(plain_cues(parse_caption_entry(ENTRY).cues), HOWTO100M)
    assert [(c.start, c.end, c.text) for c in out] == [
        (0.5, 2.0, "first we wash"),
        (2.0, 4.0, "the potatoes"),
        (6.0, 9.0, "then cut them"),
        (9.0, 14.0, "into small cubes"),
    ]
    return out


def _build(cues, duration=DURATION, **opts):
    clips, drops = build_clips("vid", cues, ClipOptions(**opts), duration=duration)
    return [(c.start, c.end, c.text) for c in clips], [(d.reason, d.text) for d in drops], clips


def test_cue_builder(cues):
    got, drops, clips = _build(cues, builder="cue")
    assert got == [
        (0.5, 2.0, "first we wash"),
        (2.0, 4.0, "the potatoes"),
        (6.0, 9.0, "then cut them"),
        (9.0, 12.0, "into small cubes"),  # clamped to the media
    ]
    assert drops == [] and [c.clip_id for c in clips] == ["vid_0", "vid_1", "vid_2", "vid_3"]
    assert all(c.texts == [c.text] and c.context == "" and c.split == "train" for c in clips)


def test_merge_builder(cues):
    got, drops, clips = _build(cues, builder="merge", min_duration=3.0, max_duration=6.0)
    assert got == [
        (0.5, 4.0, "first we wash the potatoes"),
        (6.0, 9.0, "then cut them"),
        (9.0, 12.0, "into small cubes"),
    ]
    assert clips[0].texts == ["first we wash", "the potatoes"] and drops == []


def test_window_builder(cues):
    got, drops, clips = _build(cues, builder="window", window=5.0, stride=5.0)
    assert got == [
        (0.0, 5.0, "first we wash the potatoes"),
        (5.0, 10.0, "then cut them into small cubes"),
        (7.0, 12.0, "then cut them into small cubes"),  # the last window is aligned to the end
    ]
    assert clips[1].texts == ["then cut them", "into small cubes"]
    got, drops, _ = _build(cues, builder="window", window=2.0, stride=2.0)
    assert (4.0, 6.0) not in [g[:2] for g in got] and ("no_text", "") in drops  # silence: no clip


def test_whole_builder(cues):
    got, _, clips = _build(cues, builder="whole")
    assert got == [(0.0, 12.0, "first we wash the potatoes then cut them into small cubes")]
    assert clips[0].texts == [c.text for c in cues]
    clips, drops = build_clips("vid", cues, ClipOptions(builder="whole"), duration=None)
    assert clips == [] and drops[0].reason == "no_duration"
    clips, _ = build_clips(
        "img", [], ClipOptions(builder="cue"), caption="A [red] dog &amp; cat", media="image"
    )
    assert [(c.clip_id, c.start, c.end, c.text) for c in clips] == [("img_0", 0.0, 0.0, "A dog & cat")]


def test_shift_and_pad_at_the_edges(cues):
    got, drops, _ = _build(cues, builder="cue", shift=-1.0)
    assert got[0] == (0.0, 1.0, "first we wash") and got[-1] == (8.0, 12.0, "into small cubes")
    got, _, _ = _build(cues, builder="cue", pad=1.0)
    assert got[0][:2] == (0.0, 3.0) and got[-1][:2] == (8.0, 12.0)
    got, drops, _ = _build(cues, builder="cue", shift=3.0)  # the last cue now starts at the end
    assert got[-1] == (9.0, 12.0, "then cut them") and drops == [("outside_media", "into small cubes")]
    got, drops, _ = _build(cues, builder="cue", shift=-2.5, pad=2.0)  # first cue entirely before 0
    assert got[0][2] == "the potatoes" and drops == [("outside_media", "first we wash")]
    got, drops, _ = _build(cues, builder="cue", shift=-1.95)  # 0.05 s left of the first cue
    assert drops == [("too_short", "first we wash")]


def test_pad_to_slides_inside_the_media_and_max_duration_caps(cues):
    got, _, _ = _build(cues, builder="cue", pad_to=5.0)
    assert got[0][:2] == (0.0, 5.0)  # MIL-NCE: start = max(0, middle - 2.5), end = start + 5
    assert got[1][:2] == (0.5, 5.5)
    got, _, _ = _build([Cue(11.0, 11.5, "late")], builder="cue", pad_to=5.0)
    assert got == [(7.0, 12.0, "late")]
    got, _, _ = _build(cues, builder="cue", max_duration=2.0, pad=1.0)
    assert got[0][:2] == (0.25, 2.25) and got[2][:2] == (6.0, 8.0)  # pad shrinks, long cues are cut


def test_context_and_neighbours(cues):
    _, _, clips = _build(cues, builder="cue", context=1, neighbours=1)
    assert clips[1].context == "first we wash then cut them"
    assert clips[1].texts == ["first we wash", "the potatoes", "then cut them"]
    assert clips[0].context == "the potatoes" and clips[0].texts == ["first we wash", "the potatoes"]


def test_window_uses_word_times_when_present():
    words = [Word(0.5, "one"), Word(1.5, "two"), Word(4.2, "three"), Word(5.5, "four")]
    cue = Cue(0.5, 6.0, "one two three four", words)
    got, _, _ = _build([cue], duration=8.0, builder="window", window=4.0, stride=4.0)
    assert got == [(0.0, 4.0, "one two"), (4.0, 8.0, "three four")]


def test_options_are_validated():
    for bad in ({"builder": "nope"}, {"window": 0}, {"max_duration": 1.0, "min_duration": 2.0}, {"pad": -1}):
        with pytest.raises(ValueError):
            ClipOptions(**bad)


def test_window_starts():
    assert window_starts(0.0, 5, 5) == [] and window_starts(3.0, 5, 5) == [0.0]
    assert window_starts(10.0, 5, 5) == [0.0, 5.0] and window_starts(11.0, 4, 2) == [0.0, 2.0, 4.0, 6.0, 7.0]


# --- properties over random cue lists ------------------------------------------------------------


@st.composite
def cue_lists(draw):
    n = draw(st.integers(0, 25))
    t, cues = draw(st.floats(0, 5)), []
    for k in range(n):
        t += draw(st.floats(0, 4))
        length = draw(st.floats(0, 8))
        cues.append(Cue(round(t, 3), round(t + length, 3), f"c{k}"))
    return cues


BUILD = st.fixed_dictionaries(
    {
        "builder": st.sampled_from(["cue", "merge", "window"]),
        "min_duration": st.floats(0, 10),
        "window": st.floats(0.5, 20),
        "stride": st.one_of(st.none(), st.floats(0.5, 20)),
        "shift": st.floats(-5, 5),
        "pad": st.floats(0, 3),
        "pad_to": st.floats(0, 6),
        "min_clip": st.floats(0, 1),
    }
)


@settings(max_examples=300, deadline=None)
@given(cue_lists(), BUILD, st.one_of(st.none(), st.floats(0.5, 80)), st.one_of(st.none(), st.floats(10, 30)))
def test_clips_lie_inside_the_media_and_are_ordered(cues, opts, duration, max_duration):
    opts = ClipOptions(**opts, max_duration=max(max_duration, opts["min_duration"]) if max_duration else None)
    clips, _ = build_clips("x", cues, opts, duration=duration)
    assert [c.clip_id for c in clips] == [f"x_{k}" for k in range(len(clips))]
    assert all(a.start <= b.start for a, b in zip(clips, clips[1:], strict=False))
    for c in clips:
        assert 0 <= c.start < c.end and c.end - c.start >= opts.min_clip - 1e-9
        assert duration is None or c.end <= duration
        assert opts.max_duration is None or c.end - c.start <= opts.max_duration + 1e-6
        assert c.text and c.texts


@settings(max_examples=300, deadline=None)
@given(cue_lists(), st.floats(0, 12), st.one_of(st.none(), st.floats(0.5, 20)))
def test_merge_keeps_every_cue_once_and_respects_min_max(cues, min_duration, max_duration):
    if max_duration is not None:
        max_duration = max(max_duration, min_duration)
    spans = spans_merge(cues, min_duration, max_duration)
    assert [p for s in spans for p in s.pieces] == [c.text for c in cues]
    for k, s in enumerate(spans):
        length = s.end - s.start
        if max_duration is not None and s.first != s.last:
            assert length <= max_duration + 1e-9  # only a single cue may be longer than the cap
        if length < min_duration:  # short only where growing was impossible
            nxt = spans[k + 1] if k + 1 < len(spans) else None
            if nxt is not None:
                assert max_duration is not None and max(s.end, cues[nxt.first].end) - s.start > max_duration
            elif k > 0:
                prev = spans[k - 1]
                assert max_duration is not None and max(prev.end, s.end) - prev.start > max_duration
    # through build_clips too: no duration, no shift or pad: only empty (zero-length) clips drop
    clips, drops = build_clips("x", cues, ClipOptions("merge", min_duration, max_duration, min_clip=0))
    kept = [t for c in clips for t in c.texts] + [t for d in drops for t in d.text.split()]
    assert sorted(kept, key=lambda t: int(t[1:])) == [c.text for c in cues]
    assert all(d.reason == "too_short" and d.start == d.end for d in drops)
