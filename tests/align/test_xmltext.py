import pytest

from vtdata.align.records import TimedTextError
from vtdata.align.xmltext import parse_xml_text

TTML = """<?xml version="1.0" encoding="utf-8"?>
<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter"
    ttp:tickRate="10000000" ttp:frameRate="25">
<head><styling/></head>
<body><div>
<p begin="00:00:01.000" end="00:00:02.500">first<br/>line &amp; <span>more</span></p>
<p begin="30000000t" dur="1.2s">ticks</p>
<p begin="00:00:05:05" end="00:00:06.000">frames</p>
<p begin="soon" end="00:00:07.000">bad time</p>
<p begin="00:00:09.000" end="00:00:08.000">backwards</p>
</div>
<div begin="10s"><p begin="1s" end="2s">in a div that starts at 10 s</p></div>
</body></tt>
"""


def test_ttml_times_text_and_problems():
    parsed = parse_xml_text(TTML, "x.ttml")
    assert parsed.format == "ttml"
    assert [(c.start, c.end, c.text, c.line) for c in parsed.cues] == [
        (1.0, 2.5, "first\nline &amp; more", 6),
        (3.0, 4.2, "ticks", 7),
        (5.2, 6.0, "frames", 8),
        (11.0, 12.0, "in a div that starts at 10 s", 12),
    ]
    assert [(i.line, i.severity) for i in parsed.issues] == [(9, "error"), (10, "error")]
    assert "'soon' is not a TTML time" in parsed.issues[0].message


def test_srv1_srv2_srv3():
    srv1 = '<?xml version="1.0"?><transcript><text start="1.5" dur="2">Hi &amp;amp; bye</text></transcript>'
    parsed = parse_xml_text(srv1, "x.srv1")
    assert parsed.format == "srv1" and [(c.start, c.end) for c in parsed.cues] == [(1.5, 3.5)]
    srv2 = '<timedtext><window id="1"/><text t="1500" d="2000">two</text><text d="5">no t</text></timedtext>'
    parsed = parse_xml_text(srv2, "x.srv2")
    assert parsed.format == "srv2" and [(c.start, c.end, c.text) for c in parsed.cues] == [(1.5, 3.5, "two")]
    assert len(parsed.issues) == 1 and "cue skipped" in parsed.issues[0].message
    srv3 = (
        '<timedtext format="3"><body>\n'
        '<p t="1000" d="2000" w="1"><s ac="0">hello</s><s t="400" ac="0"> big</s><s t="900"> world</s></p>\n'
        '<p t="2000" d="1000" w="1" a="1">\n</p>\n'
        '<p t="3000" d="1500">plain line</p>\n'
        "</body></timedtext>"
    )
    parsed = parse_xml_text(srv3, "x.srv3")
    assert parsed.format == "srv3" and parsed.issues == []
    assert [(c.start, c.end, c.text, c.line) for c in parsed.cues] == [
        (1.0, 3.0, "hello<00:00:01.400><c> big</c><00:00:01.900><c> world</c>", 2),
        (3.0, 4.5, "plain line", 5),
    ]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("<tt><body><p begin='1s' end='2s'>x</body></tt>", "not well-formed"),
        ('<!DOCTYPE tt [<!ENTITY a "aaaa">]><tt>&a;</tt>', "DTD"),
        ("<html><body/></html>", "not TTML"),
    ],
)
def test_unusable_xml_is_an_error(text, why):
    with pytest.raises(TimedTextError, match=why):
        parse_xml_text(text, "x.xml")
