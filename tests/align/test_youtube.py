import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vtdata.align.records import RawCue
from vtdata.align.vtt import parse_vtt, read_vtt
from vtdata.align.youtube import dedup_rolling, is_rolling, plain_cues
from vtdata.synthetic.captions import youtube_autocaption_vtt


def _words(cues):
    return [(w.start, w.text) for c in cues for w in c.words]


def test_real_old_format_each_word_once_at_its_time(real_file):
    cues = read_vtt(real_file("youtube_autocaption_old.vtt")).cues
    assert is_rolling(cues)
    out = dedup_rolling(cues)
    assert _words(out) == [
        (286.07, "yeah"),
        (286.47, "what"),
        (304.08, "this"),
        (304.199, "will"),
        (304.379, "happen"),
        (304.62, "is"),
        (304.86, "I'm"),
        (305.069, "telling"),
    ]
    assert [(c.start, c.end, c.text, c.line) for c in out] == [
        (286.07, 286.47, "yeah", 12),
        (286.47, 304.08, "what", 16),
        (304.08, 305.069, "this will happen is I'm telling", 19),
    ]


def test_netflix_does_not_roll(real_file):
    assert not is_rolling(read_vtt(real_file("netflix_notes_settings.vtt")).cues)


def _check_recovered(words, style):
    parsed = parse_vtt(youtube_autocaption_vtt(words, style=style), "synthetic.vtt")
    assert [i for i in parsed.issues if i.severity == "error"] == []
    got = _words(dedup_rolling(parsed.cues))
    assert [t for _, t in got] == [w[2] for w in words]
    assert all(abs(g - w[0]) <= 0.001 for (g, _), w in zip(got, words, strict=True))


SENTENCE = "first we take the onion and cut it in half then we slice it thin".split()


@pytest.mark.parametrize("style", ["new", "old"])
def test_synthetic_sentence_and_transition_cue_times(style):
    words = [(1.0 + 0.37 * k, 1.3 + 0.37 * k, w) for k, w in enumerate(SENTENCE)]
    parsed = parse_vtt(youtube_autocaption_vtt(words, style=style), "s.vtt")
    # new: 10 ms transition cues; old: "finalize" cues from the last word to the next line
    bridges = [c for c in parsed.cues if "<" not in c.text.replace("<c.", "").replace("</c>", "")]
    assert len(bridges) == 2 and len(parsed.cues) == 4
    assert style == "old" or all(round(c.end - c.start, 3) == 0.01 for c in bridges)
    _check_recovered(words, style)
    out = dedup_rolling(parsed.cues)
    # one cue per spoken line, starting at its first word; no bridge's times survive
    assert [(c.start, c.text) for c in out] == [
        (1.0, "first we take the onion and cut"),
        (3.59, "it in half then we slice it thin"),
    ]
    assert all((c.start, c.end) != (b.start, b.end) for c in out for b in bridges)


@pytest.mark.parametrize("style", ["new", "old"])
def test_synthetic_repeated_one_word_lines(style):
    # pauses > 1 s make one-word lines, which carry no timing tag: "no" "no" "no" must stay three
    words = [
        (0.5, 0.8, "I"),
        (0.9, 1.2, "said"),
        (1.3, 1.6, "no"),
        (3.0, 3.3, "no"),
        (5.0, 5.3, "no"),
        (7.0, 7.2, "ok"),
    ]
    _check_recovered(words, style)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["no", "yes", "the", "a", "onion", "cut", "I'm", "it."]),
            st.floats(0.05, 0.6),
            st.one_of(st.just(0.0), st.floats(0.0, 2.5)),
        ),
        min_size=1,
        max_size=60,
    ),
    st.sampled_from(["new", "old"]),
)
def test_synthetic_random_speech_recovered_exactly(spec, style):
    t, words = 0.3, []
    for text, length, pause in spec:
        words.append((round(t, 3), round(t + length, 3), text))
        t += length + pause
    _check_recovered(words, style)


def test_overlapping_single_line_cues_are_cut_at_the_next_start():
    cues = [
        RawCue(0.73, 4.95, "[Music]"),
        RawCue(2.24, 8.69, "after<c.colorE5E5E5><00:00:03.240><c> Trump's</c></c>"),
        RawCue(4.95, 8.69, "bracing<00:00:05.549><c> itself</c>"),
    ]
    out = dedup_rolling(cues)
    assert [(c.start, c.end, c.text) for c in out] == [
        (0.73, 2.24, "[Music]"),
        (2.24, 4.95, "after Trump's"),
        (4.95, 8.69, "bracing itself"),
    ]
    assert out[1].words[1].start == 3.24


def test_plain_cues_strip_markup():
    out = plain_cues([RawCue(1.0, 2.0, "<i>Hola</i>\n&amp; adiós", 7)])
    assert [(c.start, c.end, c.text, c.words, c.line) for c in out] == [(1.0, 2.0, "Hola & adiós", None, 7)]


def test_untimed_rolling_file_is_detected_and_deduplicated():
    cues = [
        RawCue(0, 2, "one two"),
        RawCue(2, 4, "one two\nthree four"),
        RawCue(4, 6, "three four\nfive"),
        RawCue(6, 8, "five\nsix seven"),
    ]
    assert is_rolling(cues)
    assert [c.text for c in dedup_rolling(cues)] == ["one two", "three four", "five", "six seven"]
