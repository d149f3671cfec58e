import json

import pytest

from vtdata.align.howto100m import parse_caption_entry, read_caption_json, segment_cues
from vtdata.align.records import TimedTextError
from vtdata.records.sources import Segment


def test_entry_to_cues_skipping_bad_segments():
    entry = {"start": [1.5, "2.0", None, 4.0], "end": [3.0, 5.5, 6.0, 7.0], "text": ["hi", "there", "x", 42]}
    parsed = parse_caption_entry(entry, "caption.json video v")
    assert [(c.start, c.end, c.text) for c in parsed.cues] == [
        (1.5, 3.0, "hi"),
        (2.0, 5.5, "there"),
        (4.0, 7.0, "42"),
    ]
    assert len(parsed.issues) == 1 and "segment 2" in parsed.issues[0].message


@pytest.mark.parametrize(
    "entry",
    [{"start": [1], "end": [2, 3], "text": ["a"]}, {"start": [1], "text": ["a"]}, ["not", "a", "dict"]],
)
def test_unusable_entries_raise(entry):
    with pytest.raises(TimedTextError, match="video skipped"):
        parse_caption_entry(entry)


def test_read_caption_json_yields_each_video(tmp_path):
    path = tmp_path / "caption.json"
    path.write_text(json.dumps({"a": {"start": [0], "end": [1], "text": ["x"]}, "b": {"start": 3}}))
    out = dict(read_caption_json(path))
    assert [c.text for c in out["a"].cues] == ["x"] and isinstance(out["b"], TimedTextError)


def test_segment_cues():
    assert [(c.start, c.end, c.text) for c in segment_cues([Segment(1.0, 2.0, "a")])] == [(1.0, 2.0, "a")]
