"""Ground truth of the synthetic corpus: what each item shows and says, stored in `corpus.json`.

Tests and benchmarks compare what the pipeline produced against these records; times are in
seconds of the media file, rounded to the millisecond.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class ShownSegment:
    """A stretch of video showing one shape moving one way (a WebVid clip is one segment).

    The shape's centre is at `(x0 + vx * t, y0 + vy * t)` pixels `t` seconds after `start`,
    wrapped around the frame edges (so where it is in one frame says nothing of its direction).
    `spoken` is the narration sentence of this segment (narrated videos), else "".
    """

    start: float
    end: float
    colour: str
    shape: str
    motion: str
    caption: str
    x0: float
    y0: float
    vx: float
    vy: float
    size: float
    spoken: str = ""


@dataclass(frozen=True)
class SpokenWord:
    """One narrated word as said in the video (already lagged), with its shown segment's index."""

    start: float
    end: float
    text: str
    segment: int


@dataclass(frozen=True)
class CaptionLine:
    """One line of the item's HowTo100M caption.json entry (lines overlap, like the real ones)."""

    start: float
    end: float
    text: str


@dataclass
class SyntheticItem:
    """One generated media item and the truth about it.

    `id` is safe for file names and is the id vtdata's recipes give the item, except for CC3M,
    whose recipe derives ids from the URL (`ids.id_from_url`); `SyntheticCorpus.find` maps either.
    `source_id` is what the native metadata carries (WebVid videoid, YouTube-like id, image name).
    `file` and `subtitles` are names inside `<root>/media/`. For WebVid and CC3M items `colour`,
    `shape` (and `motion` for WebVid) hold the caption's facts; narrated (howto100m) items keep
    them per segment in `segments`, their narration in `words`, and the caption.json lines in
    `lines`; `lag` is how many seconds the narration trails the segment it describes.
    `unalignable` lists the segments whose sentence (`spoken`) describes nothing on screen.
    `background` is the RGB of the backdrop; `exif_orientation` is set on images stored rotated
    (the shape is where `segments[0]` says once the orientation is applied).
    """

    id: str
    source_id: str
    dataset: str
    media: str
    file: str
    caption: str
    split: str
    width: int
    height: int
    duration: float = 0.0
    fps: float | None = None
    num_frames: int = 1
    colour: str | None = None
    shape: str | None = None
    motion: str | None = None
    segments: list[ShownSegment] = field(default_factory=list)
    words: list[SpokenWord] = field(default_factory=list)
    lines: list[CaptionLine] = field(default_factory=list)
    lag: float | None = None
    unalignable: list[int] = field(default_factory=list)
    subtitles: str | None = None
    vtt_style: str | None = None
    has_audio: bool = False
    exif_orientation: int | None = None
    background: list[int] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict) -> SyntheticItem:
        data = dict(data)
        data["segments"] = [ShownSegment(**s) for s in data.get("segments", [])]
        data["words"] = [SpokenWord(**w) for w in data.get("words", [])]
        data["lines"] = [CaptionLine(**c) for c in data.get("lines", [])]
        return cls(**data)

    def word_tuples(self) -> list[tuple[float, float, str]]:
        """The narration as (start, end, text), the input of `captions.youtube_autocaption_vtt`."""
        return [(w.start, w.end, w.text) for w in self.words]


def item_dict(item: SyntheticItem) -> dict:
    """The item as stored; an empty `unalignable` is left out (corpora made before it keep their bytes)."""
    data = asdict(item)
    if not data["unalignable"]:
        del data["unalignable"]
    return data


def dumps_truth(spec: dict, items: list[SyntheticItem]) -> str:
    """`corpus.json` text: the same spec and items give the same bytes."""
    doc = {"schema_version": SCHEMA_VERSION, "spec": spec, "items": [item_dict(i) for i in items]}
    return json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def loads_truth(text: str) -> tuple[dict, list[SyntheticItem]]:
    doc = json.loads(text)
    if doc.get("schema_version") != SCHEMA_VERSION:
        raise ValueError(
            f"corpus.json has schema_version {doc.get('schema_version')!r}, expected {SCHEMA_VERSION}; "
            "regenerate the corpus"
        )
    return doc["spec"], [SyntheticItem.from_dict(d) for d in doc["items"]]
