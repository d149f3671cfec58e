import math

from vtdata.align.normalize import HOWTO100M, SUBTITLES, normalize_cues
from vtdata.align.records import Cue, Word
from vtdata.synthetic.captions import caption_json_lines


def _tuples(cues):
    return [(c.start, c.end, c.text) for c in cues]


def test_cleaning_sorting_and_garbage_with_reasons():
    cues = [
        Cue(5.0, 6.0, "second\nline"),
        Cue(1.0, 2.0, "<i>first</i>"),
        Cue(2.0, 3.0, "[Music]"),
        Cue(3.0, 4.0, "♪ ♪"),
        Cue(4.0, 4.5, "..."),
        Cue(6.0, 5.0, "backwards"),
        Cue(math.nan, 5.0, "nan"),
        Cue(-1.0, 0.5, "before zero"),
    ]
    out, drops, _ = normalize_cues(cues, SUBTITLES)
    assert _tuples(out) == [(0.0, 0.5, "before zero"), (1.0, 2.0, "first"), (5.0, 6.0, "second line")]
    assert [d.reason for d in drops] == [
        "annotation_only",
        "empty_text",
        "no_letters",
        "bad_times",
        "bad_times",
    ]
    assert cues[1].text == "<i>first</i>"  # inputs untouched


def test_words_are_cleaned_with_the_text():
    cue = Cue(1.0, 3.0, "so [Music] yes", [Word(1.0, "so"), Word(1.5, "[Music]"), Word(2.0, "yes")])
    (out,), _, _ = normalize_cues([cue])
    assert out.text == "so yes" and out.words == [Word(1.0, "so"), Word(2.0, "yes")]


def test_howto100m_overlaps_end_at_the_next_start_even_a_dropped_one():
    cues = [
        Cue(0.5, 4.0, "hello there"),
        Cue(2.0, 6.0, "we cut the onion"),
        Cue(4.0, 8.0, "[Music]"),
        Cue(7.0, 12.0, "then fry it"),
    ]
    out, drops, notes = normalize_cues(cues, HOWTO100M)
    assert _tuples(out) == [
        (0.5, 2.0, "hello there"),
        (2.0, 4.0, "we cut the onion"),
        (7.0, 12.0, "then fry it"),
    ]
    assert notes["overlap_trimmed"] == 2 and [d.reason for d in drops] == ["annotation_only"]


def test_howto100m_glitch_cues():
    cues = [
        Cue(0.0, 2.0, "we cut the onion"),
        Cue(2.0, 2.01, "onion"),  # repeats the end of the previous line: dropped
        Cue(2.5, 2.6, "and"),  # new words: joined to the previous cue
        Cue(10.0, 10.05, "then"),  # far from the previous one: joined to the next
        Cue(10.3, 12.0, "fry it"),
        Cue(30.0, 30.1, "alone"),  # nothing near: kept
    ]
    out, drops, notes = normalize_cues(cues, HOWTO100M)
    assert _tuples(out) == [
        (0.0, 2.6, "we cut the onion and"),
        (10.0, 12.0, "then fry it"),
        (30.0, 30.1, "alone"),
    ]
    assert [(d.reason, d.text) for d in drops] == [("duplicate", "onion")]
    assert notes["glitch_joined"] == 2


def test_howto100m_repeated_text():
    cues = [
        Cue(0.0, 2.0, "put the pan on"),
        Cue(2.0, 3.0, "pan on"),  # duplicate of the end
        Cue(3.0, 5.0, "put the pan on the stove"),  # superset: replaces
        Cue(5.0, 7.0, "the stove and wait"),  # starts with 2 repeated words: trimmed
        Cue(7.0, 9.0, "wait wait a minute"),  # 1 repeated word: kept, "wait wait" is speech
    ]
    out, drops, notes = normalize_cues(cues, HOWTO100M)
    assert _tuples(out) == [
        (0.0, 5.0, "put the pan on the stove"),
        (5.0, 7.0, "and wait"),
        (7.0, 9.0, "wait wait a minute"),
    ]
    assert [d.reason for d in drops] == ["duplicate"]
    assert notes["repeat_extended"] == 1 and notes["repeat_trimmed"] == 1


def test_same_start_cues_are_joined():
    out, _, notes = normalize_cues(
        [Cue(1.0, 3.0, "a b"), Cue(1.0, 2.0, "c d"), Cue(4.0, 5.0, "e f")], HOWTO100M
    )
    assert _tuples(out) == [(1.0, 3.0, "a b c d"), (4.0, 5.0, "e f")] and notes["same_start_joined"] == 1


def test_synthetic_caption_json_lines_become_spoken_lines():
    words = [(0.4 + 0.3 * k, 0.6 + 0.3 * k, f"w{k}") for k in range(40)]
    lines = caption_json_lines(words)
    assert any(b[0] < a[1] for a, b in zip(lines, lines[1:], strict=False))  # they overlap as given
    out, drops, _ = normalize_cues([Cue(*line) for line in lines], HOWTO100M)
    assert drops == [] and " ".join(c.text for c in out) == " ".join(w[2] for w in words)
    assert [c.start for c in out] == [line[0] for line in lines]
    assert all(a.end == b.start for a, b in zip(out, out[1:], strict=False))


def test_cues_past_a_week_are_bad_times():
    """A timing like 99999999:00:00.000 parses, but no media is that long: dropped with a reason."""
    week = 7 * 24 * 3600
    cues = [Cue(1, 2, "kept", line=3), Cue(1, week + 1, "long", line=6), Cue(1e308, 1e308, "huge", line=9)]
    kept, drops, _ = normalize_cues(cues, SUBTITLES)
    assert [c.text for c in kept] == ["kept"]
    assert [(d.reason, d.line) for d in drops] == [("bad_times", 6), ("bad_times", 9)]
