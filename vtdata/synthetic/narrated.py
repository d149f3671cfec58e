"""The narrated videos' sentences with their true times: the ground truth of `vtdata realign`.

With `SyntheticSpec(narration_lags=(-4, 4), unalignable=0.2)` each narrated video's narration
trails (or leads) its picture by its own lag, and some sentences describe nothing on screen.
`sentences` lists, per spoken sentence, when the ASR says it was said (`asr_start..asr_end`,
its first and last word) and when what it describes is shown (`true_start..true_end`, its
segment; empty for an unalignable sentence). `generate` writes them to `narration.parquet`
beside `corpus.json`; `asr_clips` and `true_clips` are clip tables cut at either time.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from vtdata.records.clips import Clip
from vtdata.synthetic.truth import SyntheticItem

NARRATION_TRUTH = "narration.parquet"


@dataclass(frozen=True)
class Sentence:
    """One spoken sentence of a narrated video; `clip_id` is `<id>_<segment>`."""

    clip_id: str
    id: str
    segment: int
    text: str
    asr_start: float
    asr_end: float
    true_start: float
    true_end: float
    alignable: bool
    lag: float
    split: str


def sentences(items: list[SyntheticItem]) -> list[Sentence]:
    """Every spoken sentence of the narrated items, in item then time order."""
    out = []
    for item in items:
        if item.dataset != "howto100m":
            continue
        by_segment: dict[int, list] = {}
        for word in item.words:
            by_segment.setdefault(word.segment, []).append(word)
        for j, words in sorted(by_segment.items()):
            seg = item.segments[j]
            out.append(
                Sentence(
                    clip_id=f"{item.id}_{j}",
                    id=item.id,
                    segment=j,
                    text=" ".join(w.text for w in words),
                    asr_start=words[0].start,
                    asr_end=words[-1].end,
                    true_start=seg.start,
                    true_end=seg.end,
                    alignable=j not in item.unalignable,
                    lag=float(item.lag or 0.0),
                    split=item.split,
                )
            )
    return out


def write_truth(items: list[SyntheticItem], path: str | Path) -> Path:
    """`narration.parquet`: one row per `Sentence`, written atomically."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(pa.Table.from_pylist([asdict(s) for s in sentences(items)]), tmp)
    tmp.replace(path)
    return path


def read_truth(path: str | Path) -> list[Sentence]:
    return [Sentence(**row) for row in pq.read_table(path).to_pylist()]


def asr_clips(truth: list[Sentence], split: str | None = None) -> list[Clip]:
    """One clip per sentence at its ASR time (what aligning the auto-captions by sentence gives)."""
    return [
        Clip(s.clip_id, s.id, s.asr_start, s.asr_end, s.text, [s.text], "", s.split)
        for s in truth
        if split is None or s.split == split
    ]


def true_clips(truth: list[Sentence], split: str | None = None) -> list[Clip]:
    """One clip per alignable sentence at the time its segment is shown (held-out evaluation)."""
    return [
        Clip(s.clip_id, s.id, s.true_start, s.true_end, s.text, [s.text], "", s.split)
        for s in truth
        if s.alignable and (split is None or s.split == split)
    ]
