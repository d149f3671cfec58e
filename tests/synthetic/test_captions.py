import re

import pytest
import webvtt

from vtdata.synthetic.captions import (
    BRIDGE,
    caption_json_lines,
    group_lines,
    vtt_time,
    youtube_autocaption_vtt,
)

TAG = re.compile(r"<(\d\d:\d\d:\d\d\.\d\d\d)>")
MARKUP = re.compile(r"<[^>]*>")


def _words(text: str, start: float = 0.16, step: float = 0.37) -> list[tuple[float, float, str]]:
    return [
        (round(start + k * step, 3), round(start + k * step + 0.3, 3), w) for k, w in enumerate(text.split())
    ]


NARRATION = _words(
    "so now the red circle moves to the left and here we have a blue square going up "
    "okay then a green triangle slides down"
)


def _seconds(stamp: str) -> float:
    h, m, s = stamp.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def _parse(text: str) -> list:
    return list(webvtt.from_string(text))


@pytest.mark.parametrize("style", ["new", "old"])
def test_vtt_parses_with_webvtt_py_and_rolls(style):
    cues = _parse(youtube_autocaption_vtt(NARRATION, style=style))
    lines = group_lines(NARRATION)
    assert len(lines) >= 3
    assert len(cues) == 2 * len(lines)  # one main cue and one 10 ms bridge per line
    mains, bridges = cues[0::2], cues[1::2]
    for k, (main, bridge) in enumerate(zip(mains, bridges, strict=True)):
        words = " ".join(w[2] for w in lines[k])
        main_rows = main.text.split("\n")
        assert main_rows[-1] == words  # webvtt-py strips the tags: the timed row reads plainly
        assert main_rows[0] == (" " if k == 0 else " ".join(w[2] for w in lines[k - 1]))
        assert bridge.text.split("\n")[0] == words
        assert round(_seconds(bridge.end) - _seconds(bridge.start), 3) == BRIDGE
        assert main.end == bridge.start
        if k + 1 < len(lines):
            assert bridge.end == mains[k + 1].start == vtt_time(lines[k + 1][0][0])


@pytest.mark.parametrize("style", ["new", "old"])
def test_every_word_is_timed_once_with_its_start(style):
    text = youtube_autocaption_vtt(NARRATION, style=style)
    recovered = []
    for cue in _parse(text)[0::2]:
        timed = cue.raw_text.split("\n")[-1]
        pieces = TAG.split(MARKUP.sub(lambda m: m.group(0) if TAG.fullmatch(m.group(0)) else "", timed))
        recovered.append((_seconds(cue.start), pieces[0].strip()))
        recovered += [(_seconds(t), w.strip()) for t, w in zip(pieces[1::2], pieces[2::2], strict=True)]
    assert recovered == [(s, w) for s, _, w in NARRATION]


def test_new_style_header_and_blank_rows():
    text = youtube_autocaption_vtt(NARRATION, style="new")
    assert text.startswith("WEBVTT\nKind: captions\nLanguage: en\n\n")
    assert "Style:" not in text and "##" not in text and "c.color" not in text
    assert "align:start position:0%\n \nso<" in text  # the first cue's empty top row is a single space


def test_old_style_looks_like_the_real_2018_files(real_file):
    text = youtube_autocaption_vtt(NARRATION, style="old")
    real = (real_file("youtube_autocaption_old.vtt")).read_text()
    assert text.split("\n\n", 1)[0] == real.split("\n\n", 1)[0]  # identical header block, Style and ##
    assert "<c.colorE5E5E5>" in text and "<c.colorCCCCCC>" in text
    assert re.search(r"\n </c>\n", text)  # the last colour group closes after the bridge's blank row
    assert "\n\n\n" in text  # some cues are followed by two blank lines, as in the real files


def test_long_pause_starts_a_new_line():
    words = [(0.0, 0.3, "hello"), (0.4, 0.7, "there"), (3.0, 3.3, "again")]
    assert [[w[2] for w in line] for line in group_lines(words)] == [["hello", "there"], ["again"]]


def test_caption_json_lines_overlap_like_howto100m():
    lines = caption_json_lines(NARRATION)
    assert [t for _, _, t in lines] == [" ".join(w[2] for w in line) for line in group_lines(NARRATION)]
    for k in range(len(lines) - 2):
        assert lines[k][1] == lines[k + 2][0]  # a line lasts until the line after the next starts
        assert lines[k][1] > lines[k + 1][0]  # so consecutive lines overlap
    assert lines[-1][1] == NARRATION[-1][1]


@pytest.mark.parametrize(
    "words",
    [[(1.0, 0.5, "backwards")], [(0.0, 0.2, "two words")], [(1.0, 1.2, "b"), (0.5, 0.7, "a")], [(0, 1, "")]],
)
def test_bad_words_are_refused(words):
    with pytest.raises(ValueError):
        youtube_autocaption_vtt(words)


def test_unknown_style_is_refused():
    with pytest.raises(ValueError, match="style"):
        youtube_autocaption_vtt(NARRATION, style="2015")
