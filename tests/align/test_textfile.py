import codecs

import pytest

from vtdata.align.records import TimedTextError
from vtdata.align.textfile import decode_text, read_text


def test_utf8_and_utf8_bom_read_without_issues():
    assert decode_text("WEBVTT\n\nné".encode(), "a.vtt") == ("WEBVTT\n\nné", "utf-8", [])
    text, encoding, issues = decode_text(codecs.BOM_UTF8 + b"WEBVTT\n", "a.vtt")
    assert (text, encoding, issues) == ("WEBVTT\n", "utf-8-sig", [])


def test_utf16_with_bom():
    text, encoding, issues = decode_text("WEBVTT\n\n00:00.000 --> 00:01.000\nçà\n".encode("utf-16"), "a.vtt")
    assert text.startswith("WEBVTT") and "çà" in text and encoding == "utf-16" and not issues


def test_cp1252_fallback_names_line_and_byte():
    data = "1\n00:00:01,000 --> 00:00:02,000\nCafé – ok\n".encode("cp1252")
    text, encoding, issues = decode_text(data, "x.srt")
    assert encoding == "cp1252" and "Café – ok" in text
    assert len(issues) == 1 and issues[0].severity == "warning" and issues[0].line == 3
    assert "0xe9" in issues[0].message and "cp1252" in str(issues[0])


def test_latin1_when_cp1252_cannot_decode():
    data = b"1\n00:00:01,000 --> 00:00:02,000\nbad \x81 byte \xe9\n"  # 0x81 is undefined in cp1252
    text, encoding, issues = decode_text(data, "x.srt")
    assert encoding == "latin-1" and text.endswith("bad \x81 byte é\n") and issues[0].line == 3


@pytest.mark.parametrize("data", [b"", b" \n\r\n\t", codecs.BOM_UTF8])
def test_empty_files_are_an_error(data):
    with pytest.raises(TimedTextError, match="empty"):
        decode_text(data, "e.vtt")


def test_binary_and_missing_files_are_an_error(tmp_path):
    with pytest.raises(TimedTextError, match="NUL"):
        decode_text(b"\x00\x01WEBVTT", "b.vtt")
    with pytest.raises(TimedTextError, match="cannot be read") as e:
        read_text(tmp_path / "missing.vtt")
    assert e.value.issue.file.endswith("missing.vtt")
