"""The report's options (a light module: `vtdata report --help` reads its defaults from here)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vtdata.config.typed import opt

REPORT_NAME = "index.html"


@dataclass(frozen=True)
class ReportConfig:
    """What to report on and how much to show."""

    path: Path
    output: Path | None = opt(None, doc="folder of index.html [default: PATH/report]")
    samples: int = opt(12, min=0, doc="random samples shown per shard folder in the gallery")
    seed: int = opt(0, min=0, doc="seed of the gallery's and the alignment view's random picks")
