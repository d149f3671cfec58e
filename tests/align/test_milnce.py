"""The `milnce` builder against a re-implementation of MIL-NCE's caption handling.

Reference: antoine77340/MIL-NCE_HowTo100M, video_loader.py L119-133 (`_find_nearest_candidates`)
and L135-151 (`_get_text`: min_time padding, `int(start), int(end)`), run on caption tables
(column -> array; MIL-NCE's pandas frames index the same way), for every caption index of
generated tables with overlaps, repeats, sub-second cues and captions longer than min_time.
"""

from __future__ import annotations

import numpy as np

from vtdata.align.builders import build_clips
from vtdata.align.options import AlignOptions, ClipOptions
from vtdata.align.pipeline import AlignItem, align_item
from vtdata.align.records import Cue
from vtdata.records.sources import Segment, SourceItem


def ref_find_nearest_candidates(caption: dict, ind: int, num_candidates: int) -> int:
    """video_loader.py L119-133."""
    start, end = ind, ind
    n_candidate = 1
    while n_candidate < num_candidates:
        if start == 0:
            return 0
        elif end == len(caption["start"]) - 1:
            return start - (num_candidates - n_candidate)
        elif (
            caption["end"][end] - caption["start"][start - 1]
            < caption["end"][end + 1] - caption["start"][start]
        ):
            start -= 1
        else:
            end += 1
        n_candidate += 1
    return start


def ref_get_text(cap: dict, ind: int, num_candidates: int, min_time: float) -> tuple[list[str], int, int]:
    """video_loader.py L135-151, with the random caption index given and texts instead of token ids."""
    if num_candidates == 1:
        words = [cap["text"][ind]]
    else:
        cap_start = ref_find_nearest_candidates(cap, ind, num_candidates)
        words = [cap["text"][max(0, min(len(cap["text"]) - 1, cap_start + i))] for i in range(num_candidates)]
    start, end = cap["start"][ind], cap["end"][ind]
    if end - start < min_time:
        diff = min_time - end + start
        start = max(0, start - diff / 2)
        end = start + min_time
    return words, int(start), int(end)


def caption_table(rng: np.random.Generator, n: int) -> dict:
    """Narration like HowTo100M's: sorted starts, overlaps, sub-second and long cues."""
    starts = np.sort(np.round(rng.uniform(0, 8 * n, n), 2))
    lengths = np.round(rng.choice([rng.uniform(0.1, 1.0), rng.uniform(1, 4), rng.uniform(4, 12)], n), 2)
    lengths = np.round(np.where(rng.random(n) < 0.3, rng.uniform(0.1, 12, n), lengths), 2)
    return {"start": starts, "end": starts + lengths, "text": [f"caption {i}" for i in range(n)]}


def test_milnce_clip_times_and_candidates_identical_to_the_reference():
    rng = np.random.default_rng(0)
    checked = overlapping = 0
    for video in range(400):
        cap = caption_table(rng, int(rng.integers(1, 90)))
        cues = [
            Cue(float(a), float(b), t) for a, b, t in zip(cap["start"], cap["end"], cap["text"], strict=True)
        ]
        k = int(rng.choice([1, 2, 4, 5]))
        clips, drops = build_clips(f"v{video}", cues, ClipOptions(builder="milnce", pad_to=5.0, candidates=k))
        assert not drops
        by_text = {c.text: c for c in clips}
        for ind in range(len(cap["text"])):
            words, start, end = ref_get_text(cap, ind, k, 5.0)
            clip = by_text[cap["text"][ind]]
            assert (clip.start, clip.end, clip.texts) == (start, end, words), (video, ind)
            checked += 1
        overlapping += int((cap["start"][1:] < cap["end"][:-1]).sum())
    assert checked == 17_306 and overlapping == 6_127
    # the older behaviour (`cue`, kept): continuous times, so few captions agree
    cues = [Cue(1.3, 2.2, "a"), Cue(2.0, 9.7, "b")]
    old, _ = build_clips("v", cues, ClipOptions(builder="cue", pad_to=5.0))
    new, _ = build_clips("v", cues, ClipOptions(builder="milnce", pad_to=5.0))
    assert [(c.start, c.end) for c in old] == [(0.0, 5.0), (2.0, 9.7)]
    assert [(c.start, c.end) for c in new] == [(0.0, 5.0), (2.0, 9.0)]


def test_milnce_reads_howto100m_narration_unrepaired():
    segments = [
        Segment(1.0, 4.0, "pour the flour"),
        Segment(2.0, 6.0, "pour the flour"),
        Segment(5.0, 5.1, "um"),
    ]
    item = SourceItem(id="v1", source_id="v1", dataset="howto100m", media="video", url="u", segments=segments)
    repaired = align_item(AlignItem(item, 60.0), AlignOptions(ClipOptions(builder="cue", pad_to=5.0)))
    raw = align_item(AlignItem(item, 60.0), AlignOptions(ClipOptions(builder="milnce", pad_to=5.0)))
    assert len(raw.clips) == 3 and len(repaired.clips) < 3
    assert [(c.start, c.end) for c in raw.clips] == [(0, 5), (1, 6), (2, 7)]


def test_milnce_drops_what_cannot_be_a_clip():
    cues = [Cue(10.2, 10.7, "inside one second"), Cue(70.0, 72.0, "after the end")]
    clips, drops = build_clips("v", cues, ClipOptions(builder="milnce"), duration=60.0)
    assert not clips and [d.reason for d in drops] == ["too_short", "outside_media"]
