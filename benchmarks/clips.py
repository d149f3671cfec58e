"""How much of each HowTo100M clip shows what its caption says: `milnce` against the older `cue` builder.

The synthetic narrated videos know what they show when (`ShownSegment`) and what is said about
it (`spoken`, lagging the picture like real narration). Both builders cut clips from the same
caption.json lines (overlapping, like HowTo100M's):

- `milnce`: MIL-NCE's cutting (pad to 5 s, whole seconds, no repair);
- `cue --pad-to 5` with the HowTo100M repair (vtdata's behaviour before the `milnce` builder).

A clip's topic is the shown segment whose sentence shares the most words with the clip's caption;
its on-topic fraction is the part of the clip's time range inside that segment. The RESULT line
gives the mean over clips for both builders (higher is better); it is a quality figure, not a
speed one, so there is no limit to run against.
"""

from __future__ import annotations

import argparse

from vtdata.align.options import AlignOptions, ClipOptions
from vtdata.align.pipeline import AlignItem, align_item
from vtdata.records.sources import Segment, SourceItem
from vtdata.synthetic.spec import SyntheticSpec
from vtdata.synthetic.world import plan


def on_topic(clips, segments) -> list[float]:
    fractions = []
    for clip in clips:
        words = set(clip.text.split())
        topic = max(segments, key=lambda s: len(words & set(s.spoken.split())))
        inside = max(0.0, min(clip.end, topic.end) - max(clip.start, topic.start))
        fractions.append(inside / (clip.end - clip.start))
    return fractions


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--videos", type=int, default=300, help="synthetic narrated videos (planned, not rendered)"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    spec = SyntheticSpec(seed=args.seed, webvid=0, howto=args.videos, cc3m=0, narration_lag_jitter=0.5)
    builders = {
        "milnce": AlignOptions(ClipOptions(builder="milnce", pad_to=5.0)),
        "cue": AlignOptions(ClipOptions(builder="cue", pad_to=5.0)),
    }
    scores: dict[str, list[float]] = {name: [] for name in builders}
    for item in plan(spec):
        segments = [Segment(line.start, line.end, line.text) for line in item.lines]
        source = SourceItem(item.id, item.id, "howto100m", "video", f"http://x/{item.id}", segments=segments)
        for name, opts in builders.items():
            result = align_item(AlignItem(source, item.duration), opts)
            scores[name] += on_topic(result.clips, item.segments)
    for name, values in scores.items():
        print(f"{name}: {len(values)} clips, mean on-topic {sum(values) / len(values):.3f}")
    mean = {name: sum(v) / len(v) for name, v in scores.items()}
    print(f"RESULT clips-on-topic milnce={mean['milnce']:.3f} cue={mean['cue']:.3f}")


if __name__ == "__main__":
    main()
