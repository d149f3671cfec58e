"""Every option of an align run in two small records, with their defaults (the one place they live;
`vtdata align --help` reads them from here). Importing this module imports nothing heavy."""

from __future__ import annotations

from dataclasses import dataclass, field

BUILDERS = ("whole", "cue", "merge", "window", "milnce")
MAX_SUBTITLE_BYTES = 16 * 1024 * 1024  # a real subtitle file is < 1 MB; a 50 MB one took 66 s and 800 MB
DEDUP_MODES = ("auto", "always", "never")


@dataclass(frozen=True)
class ClipOptions:
    """How to cut clips (see `vtdata.align.builders`). Times in seconds."""

    builder: str = "cue"
    min_duration: float = 0.0
    max_duration: float | None = None
    window: float = 10.0
    stride: float | None = None  # None: = window (no overlap)
    shift: float = 0.0
    pad: float = 0.0
    pad_to: float = 0.0
    context: int = 0
    neighbours: int = 0
    min_clip: float = 0.1
    candidates: int = 1  # milnce: texts per clip, the nearest in time (MIL-NCE's num_candidates)

    def __post_init__(self) -> None:
        if self.builder not in BUILDERS:
            raise ValueError(f"builder {self.builder!r}: use one of {', '.join(BUILDERS)}")
        if self.window <= 0 or (self.stride is not None and self.stride <= 0):
            raise ValueError(f"window ({self.window}) and stride ({self.stride}) must be > 0")
        if self.max_duration is not None and (
            self.max_duration <= 0 or self.max_duration < self.min_duration
        ):
            raise ValueError(
                f"max_duration {self.max_duration} must be > 0 and >= min_duration {self.min_duration}"
            )
        if self.candidates < 1:
            raise ValueError(f"candidates must be >= 1, got {self.candidates}")
        if min(self.min_duration, self.pad, self.pad_to, self.context, self.neighbours, self.min_clip) < 0:
            raise ValueError("min_duration, pad, pad_to, context, neighbours and min_clip must be >= 0")


@dataclass(frozen=True)
class AlignOptions:
    """How an align run turns items into clips: the clip options, subtitle languages in order of
    preference, rolling-caption de-duplication, whether HowTo100M narration is repaired (never
    for the `milnce` builder, which reads the narration as MIL-NCE did), and the largest subtitle
    file read (a larger one is reported and skipped unread; 0: no cap)."""

    clips: ClipOptions = field(default_factory=ClipOptions)
    langs: tuple[str, ...] = ("en",)
    dedup: str = "auto"  # rolling-caption de-duplication: auto | always | never
    howto100m: bool = True  # repair HowTo100M narration segments (normalize.HOWTO100M)
    max_subtitle_bytes: int = MAX_SUBTITLE_BYTES

    def __post_init__(self) -> None:
        if self.dedup not in DEDUP_MODES:
            raise ValueError(f"dedup={self.dedup!r}: use one of {DEDUP_MODES}")
        if self.max_subtitle_bytes < 0:
            raise ValueError(f"max_subtitle_bytes {self.max_subtitle_bytes} must be >= 0 (0: no cap)")
