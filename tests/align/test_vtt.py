import pytest

from vtdata.align.records import TimedTextError
from vtdata.align.vtt import parse_vtt, read_vtt


def test_real_youtube_old_format(real_file):
    parsed = read_vtt(real_file("youtube_autocaption_old.vtt"))
    assert parsed.issues == []
    assert [(c.start, c.end, c.line) for c in parsed.cues] == [
        (286.07, 286.47, 12),
        (286.47, 304.08, 16),
        (304.08, 305.069, 19),  # follows the previous cue with no blank line
        (305.069, 305.4, 22),
    ]
    assert parsed.cues[1].text == "yeah\n<c.colorCCCCCC>what</c>"
    assert parsed.cues[2].text.startswith("this<00:05:04.199><c> will</c><c.colorE5E5E5>")
    assert parsed.cues[3].text.endswith("telling\n </c>")


def test_real_netflix_notes_and_settings(real_file):
    parsed = read_vtt(real_file("netflix_notes_settings.vtt"))
    assert parsed.issues == [] and len(parsed.cues) == 865
    first, second, last = parsed.cues[0], parsed.cues[1], parsed.cues[-1]
    assert (first.start, first.end, first.text, first.line) == (7.96, 9.48, "[Alba] <i>En 1928,</i>", 20)
    assert (second.text, second.line) == ("<i>las mujeres éramos</i>\n<i>algo así como adornos</i>", 24)
    assert (last.start, last.end, last.text, last.line) == (3147.32, 3148.6, "Alba.", 3863)
    assert not any("NOTE" in c.text or "Segment=" in c.text for c in parsed.cues)


def test_bom_crlf_headers_style_note_settings_identifiers():
    text = (
        "\ufeffWEBVTT - a title\r\nKind: captions\r\nLanguage: en\r\n\r\n"
        "STYLE\r\n::cue { color: yellow }\r\n\r\n"
        "NOTE a comment\r\nover two lines\r\n\r\n"
        "intro\r\n00:00:01.000 --> 00:00:02.000 line:0 position:20% align:start\r\nHello <b>there</b>\r\n\r\n"
        "00:00:02.500 --> 00:00:04.000\r\nTwo\r\nlines\r\n"
    )
    parsed = parse_vtt(text, "t.vtt")
    assert parsed.issues == []
    assert [(c.start, c.end, c.text, c.line) for c in parsed.cues] == [
        (1.0, 2.0, "Hello <b>there</b>", 12),
        (2.5, 4.0, "Two\nlines", 15),
    ]


def test_lenient_timing_is_read_with_a_warning():
    parsed = parse_vtt("WEBVTT\n\n00:00:5,000 --> 00:00:6.5\nhi\n\n1:02.000 --> 1:03.000\nthere\n", "t.vtt")
    assert [(c.start, c.end, c.text) for c in parsed.cues] == [(5.0, 6.5, "hi"), (62.0, 63.0, "there")]
    assert [(i.line, i.severity) for i in parsed.issues] == [(3, "warning"), (6, "warning")]
    assert "read as 00:00:05.000 --> 00:00:06.500" in parsed.issues[0].message


def test_bad_cues_are_skipped_and_reported_with_their_line():
    text = (
        "WEBVTT\n\n"
        "00:00:01.000 --> 00:00:02.000\nkept one\n\n"
        "00:00:75.000 --> 00:00:76.000\nbad seconds\n\n"
        "00:00:09.000 --> 00:00:08.000\nbackwards\n\n"
        "00:00:xx --> 00:00:10.000\ngarbage\n"
        "00:00:11.000 --> 00:00:12.000\nkept two, no blank line before\n"
    )
    parsed = parse_vtt(text, "t.vtt")
    assert [c.text for c in parsed.cues] == ["kept one", "kept two, no blank line before"]
    assert [(i.line, i.severity) for i in parsed.issues] == [(6, "error"), (9, "error"), (12, "error")]
    assert "above 59" in parsed.issues[0].message and "before it starts" in parsed.issues[1].message
    assert str(parsed.issues[2]).startswith("t.vtt line 12: unreadable cue timing")


def test_whitespace_stripped_youtube_padding_keeps_the_text():
    text = "WEBVTT\n\n00:00:00.000 --> 00:00:02.000 position:0%\n\nhello<00:00:01.000><c> world</c>\n"
    parsed = parse_vtt(text, "t.vtt")
    assert [c.text for c in parsed.cues] == [" \nhello<00:00:01.000><c> world</c>"]
    assert parsed.issues[0].severity == "warning" and parsed.issues[0].line == 5


def test_not_webvtt_is_an_error():
    with pytest.raises(TimedTextError, match="not 'WEBVTT'"):
        parse_vtt("1\n00:00:01,000 --> 00:00:02,000\nhi\n", "x.vtt")


def test_a_text_block_without_timing_is_reported():
    text = (
        "WEBVTT\nKind: captions\nLanguage: en\n\n"
        "NOTE a comment is fine\n\n"
        "1\n00:00:01.000 --> 00:00:02.000\nfirst\n\n"
        "2\nlost its timing\n\n"
        "00:00:03.000 --> 00:00:04.000\nsecond\n"
    )
    parsed = parse_vtt(text, "x.vtt")
    assert [(c.start, c.text) for c in parsed.cues] == [
        (1.0, "first"),
        (3.0, "second"),
    ]
    (issue,) = parsed.issues
    assert (issue.line, issue.severity) == (11, "error")
    assert "'2' has no 'start --> end' timing line" in issue.message and "x.vtt line 11" in str(issue)
