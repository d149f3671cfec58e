"""Every option of a realign run, with its default (the one place it lives; `vtdata realign --help`
reads them from here). Importing this module imports nothing heavy."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RealignConfig:
    """What to realign with which model, and how widely to search. Times in seconds."""

    checkpoint: str = ""
    clips: str = ""
    output: str = ""
    store: str | None = None
    media_table: str | None = None
    search_range: float = field(default=10.0, metadata={"doc": "Search shifts in [-RANGE, +RANGE] seconds."})
    step: float = field(default=0.5, metadata={"doc": "Seconds between candidate shifts."})
    rate: float = field(
        default=4.0, metadata={"doc": "Frames per second decoded from each video (once) to build windows."}
    )
    num_frames: int | None = field(
        default=None, metadata={"doc": "Frames per window; default: what the model was trained with."}
    )
    prior_weight: float = field(
        default=1.0,
        metadata={"doc": "Weight of the neighbouring captions' vote for a shift (0: each caption alone)."},
    )
    prior_span: float = field(
        default=30.0, metadata={"doc": "Seconds over which neighbouring captions vote (Gaussian sigma)."}
    )
    min_score: float | None = field(
        default=None,
        metadata={"doc": "Drop (and report) captions whose alignability score is below this."},
    )
    workers: int = field(default=1, metadata={"doc": "Videos realigned at once (processes)."})
    batch_size: int = field(default=256, metadata={"doc": "Windows embedded per forward pass."})
    device: str = field(default="cpu", metadata={"doc": "torch device: cpu, cuda, cuda:1, auto."})
    decoder: str = "auto"

    def __post_init__(self) -> None:
        if self.search_range < 0 or self.step <= 0 or self.rate <= 0:
            raise ValueError(
                f"range ({self.search_range}) must be >= 0, step ({self.step}) and rate ({self.rate}) > 0"
            )
        if self.num_frames is not None and self.num_frames < 1:
            raise ValueError(f"num_frames must be >= 1, got {self.num_frames}")
        if self.prior_weight < 0 or self.prior_span <= 0:
            raise ValueError(f"prior_weight ({self.prior_weight}) must be >= 0, prior_span > 0")
        if self.workers < 1 or self.batch_size < 1:
            raise ValueError("workers and batch_size must be >= 1")
        if (self.store is None) == (self.media_table is None):
            raise ValueError("give either a download store or a media table (not both)")

    def search_key(self) -> dict:
        """What a per-video result depends on besides the model: a changed key redoes the video."""
        return {
            "range": self.search_range,
            "step": self.step,
            "rate": self.rate,
            "num_frames": self.num_frames,
            "prior_weight": self.prior_weight,
            "prior_span": self.prior_span,
            "decoder": self.decoder,
        }
