from collections import Counter

from vtdata.align.pipeline import Drop, ItemResult
from vtdata.align.records import Issue
from vtdata.align.summary import AlignSummary, format_summary, histogram
from vtdata.records.clips import Clip


def _clip(k, start, end):
    return Clip(f"a_{k}", "a", start, end, "t")


def test_counts_and_histograms():
    s = AlignSummary()
    s.add(
        ItemResult(
            "a",
            [_clip(0, 0, 0.5), _clip(1, 1, 3), _clip(2, 5, 75)],
            "subtitles:en",
            rolling=True,
            notes=Counter(overlap_trimmed=2),
            issues=[Issue("a.vtt", 3, "bad", "error")],
        )
    )
    s.add(ItemResult("b", [Clip("b_0", "b", 0, 0, "img")], "caption"))
    s.add(ItemResult("c", drops=[Drop("c", "item", "no_text", "nothing")]))
    d = s.to_dict()
    assert (s.items, s.items_with_clips, s.clips, s.rolling_items) == (3, 2, 4, 1)
    assert d["durations"] == {"image (0 s)": 1, "0-1 s": 1, "2-4 s": 1, ">= 64 s": 1}
    assert d["clips_per_item"] == {"0": 1, "1": 1, "2-4": 1}
    assert d["sources"] == {"subtitles": 1, "caption": 1, "none": 1}
    assert d["drops"] == {"item:no_text": 1} and d["item_drops"] == [
        {"id": "c", "reason": "no_text", "message": "nothing"}
    ]
    assert d["issue_lines"] == ["a: error: a.vtt line 3: bad"]
    text = format_summary(s)
    assert (
        "clips: 4" in text
        and "item:no_text: 1" in text
        and "overlap_trimmed 2" in text
        and "1 errors" in text
    )


def test_histogram_rows_scale_to_the_largest_bin():
    rows = histogram({"a": 10, "bb": 5}, width=10)
    assert rows == ["   a | ########## 10", "  bb | #####      5"]
    assert histogram({}) == ["  (none)"]
