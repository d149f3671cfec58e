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


TRACK = [(1.0, 2.5, "Hello there, friends"), (3.0, 4.25, "the second line"), (5.5, 7.0, "and the end")]


def _ts(t: float, sep: str = ".") -> str:
    return f"00:00:{int(t):02d}{sep}{round(t % 1 * 1000):03d}"


def _formats() -> dict[str, str]:
    """One caption track written in every format yt-dlp may hand over."""
    vtt = "WEBVTT\n\n" + "\n".join(f"{_ts(a)} --> {_ts(b)}\n{t}\n" for a, b, t in TRACK)
    sbv = "\n".join(f"0:{_ts(a)[3:]},0:{_ts(b)[3:]}\n{t}\n" for a, b, t in TRACK)
    ttml = (
        '<?xml version="1.0" encoding="utf-8"?>\n<tt xmlns="http://www.w3.org/ns/ttml"><body><div>\n'
        + "\n".join(f'<p begin="{_ts(a)}" end="{_ts(b)}">{t}</p>' for a, b, t in TRACK)
        + "\n</div></body></tt>\n"
    )

    def words(start: float, text: str) -> str:  # srv3 word times: 300 ms per word
        first, *rest = text.split(" ")
        return f"<s>{first}</s>" + "".join(f'<s t="{300 * (k + 1)}"> {w}</s>' for k, w in enumerate(rest))

    srv3 = (
        '<?xml version="1.0" encoding="utf-8" ?><timedtext format="3"><body>\n'
        + "\n".join(
            f'<p t="{round(a * 1000)}" d="{round((b - a) * 1000)}">{words(a, t)}</p>' for a, b, t in TRACK
        )
        + "\n</body></timedtext>\n"
    )
    srv1 = "<transcript>" + "".join(f'<text start="{a}" dur="{b - a}">{t}</text>' for a, b, t in TRACK)
    return {"vtt": vtt, "sbv": sbv, "ttml": ttml, "srv3": srv3, "srv1": srv1 + "</transcript>"}


def test_one_track_in_every_format_reads_to_the_same_cues(tmp_path):
    expected = [(a, b, t) for a, b, t in TRACK]
    for ext, text in _formats().items():
        for name in (f"v.en.{ext}", f"v.en.{ext}.unknown-suffix"):  # by suffix, then by content
            path = tmp_path / name
            path.write_text(text, encoding="utf-8")
            timed = read_timed_text(path)
            assert timed.format == ext and timed.issues == [], (name, timed.issues)
            assert [(c.start, c.end, c.text) for c in timed.cues] == expected, name
    srv3 = read_timed_text(tmp_path / "v.en.srv3")
    assert srv3.rolling  # word times came through, as from YouTube's WebVTT
    assert [(w.start, w.text) for w in srv3.cues[1].words] == [(3.0, "the"), (3.3, "second"), (3.6, "line")]
