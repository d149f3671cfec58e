import json

import pytest

from vtdata.align.records import TimedTextError
from vtdata.align.timedtext import read_timed_text
from vtdata.synthetic.captions import youtube_autocaption_vtt

SRT = "1\n00:00:01,000 --> 00:00:02,000\nhi\n"


def test_real_files_by_suffix(real_file):
    yt = read_timed_text(real_file("youtube_autocaption_old.vtt"))
    assert (yt.format, yt.rolling, len(yt.cues)) == ("vtt", True, 3)
    srt = read_timed_text(real_file("malformed_timestamps.srt"))
    assert (srt.format, srt.rolling, [c.text for c in srt.cues][:2]) == ("srt", False, ["Red!", "More Red!"])


def test_content_beats_suffix(tmp_path):
    (tmp_path / "a.vtt").write_text(SRT)
    got = read_timed_text(tmp_path / "a.vtt")
    assert got.format == "srt" and [c.text for c in got.cues] == ["hi"]
    assert got.issues[0].severity == "warning" and "no WEBVTT" in got.issues[0].message
    (tmp_path / "b.srt").write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nyo\n")
    got = read_timed_text(tmp_path / "b.srt")
    assert got.format == "vtt" and [c.text for c in got.cues] == ["yo"]


def test_json_entry_and_errors(tmp_path):
    (tmp_path / "v.json").write_text(json.dumps({"vid": {"start": [1], "end": [2], "text": ["x"]}}))
    assert [c.text for c in read_timed_text(tmp_path / "v.json").cues] == ["x"]
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(TimedTextError, match="not valid JSON"):
        read_timed_text(tmp_path / "bad.json")
    (tmp_path / "empty.vtt").write_bytes(b"")
    with pytest.raises(TimedTextError, match="empty"):
        read_timed_text(tmp_path / "empty.vtt")
    (tmp_path / "prose.vtt").write_text("hello, no cues here\n")
    with pytest.raises(TimedTextError, match="not a WebVTT file"):
        read_timed_text(tmp_path / "prose.vtt")


def test_dedup_modes(tmp_path):
    words = [
        (0.5 + 0.4 * k, 0.8 + 0.4 * k, w)
        for k, w in enumerate("one two three four five six seven eight nine".split())
    ]
    path = tmp_path / "y.en.vtt"
    path.write_text(youtube_autocaption_vtt(words))
    auto, never = read_timed_text(path), read_timed_text(path, dedup="never")
    assert auto.rolling and not never.rolling
    assert " ".join(c.text for c in auto.cues) == "one two three four five six seven eight nine"
    assert len(" ".join(c.text for c in never.cues).split()) > len(words)  # the duplicates a naive read keeps
    with pytest.raises(ValueError, match="dedup"):
        read_timed_text(path, dedup="maybe")
