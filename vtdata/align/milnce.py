"""The `milnce` clip builder: HowTo100M clips exactly as MIL-NCE's loader cuts them.

MIL-NCE (Miech et al., CVPR 2020; `video_loader.py` of antoine77340/MIL-NCE_HowTo100M,
`_get_text` and `_find_nearest_candidates`) takes one caption and:

- pads it to `min_time` seconds when shorter: `start = max(0, start - (min_time - length) / 2)`,
  `end = start + min_time` (`--pad-to`), then truncates both with `int()`: whole seconds;
- takes its K candidate texts (`--candidates`) greedily nearest in time: starting from the
  caption, add the neighbour (before or after) whose addition gives the shorter span, K - 1
  times; at the first or last caption the run is pinned there. Indices are clamped to the
  table, so a video with fewer than K captions repeats the last one;
- reads the narration as published: no repair of overlaps or repeats (the HowTo100M repair is
  off for this builder), no clamp to the media's duration (ffmpeg reads what there is).

vtdata makes every caption a clip; MIL-NCE draws one caption per video per iteration, so the
clip times are the same and only how often a video is visited differs. A caption whose whole-
second span is empty (an unpadded cue inside one second) is dropped as too short; one starting
at or after the media's end as outside the media.
"""

from __future__ import annotations

import math

from vtdata.align.records import Cue


def nearest_candidates(cues: list[Cue], ind: int, k: int) -> list[int]:
    """Indices of the K texts MIL-NCE pairs with caption `ind` (`_find_nearest_candidates`)."""
    start, end, count = ind, ind, 1
    while count < k:
        if start == 0:
            start = 0
            break
        if end == len(cues) - 1:
            start = start - (k - count)
            break
        if cues[end].end - cues[start - 1].start < cues[end + 1].end - cues[start].start:
            start -= 1
        else:
            end += 1
        count += 1
    return [max(0, min(len(cues) - 1, start + i)) for i in range(k)]


def padded_seconds(start: float, end: float, min_time: float) -> tuple[int, int]:
    """MIL-NCE's clip of one caption: padded to `min_time`, then `int()` on both ends."""
    if end - start < min_time:
        diff = min_time - end + start
        start = max(0.0, start - diff / 2)
        end = start + min_time
    return math.trunc(start), math.trunc(end)
