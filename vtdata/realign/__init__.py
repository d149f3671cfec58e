"""Find and fix ASR misalignment with a trained dual encoder (docs/realign.md).

    from vtdata.realign import RealignConfig, realign
    summary = realign(RealignConfig(checkpoint="runs/a", clips="clips.parquet", store="store/",
                                    output="realigned.parquet", min_score=0.05))

Each caption is scored against windows around its ASR time (every `step` seconds within
`search_range`); the best window gives its corrected time, its margin over the caption's other
windows its alignability score.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "RealignConfig": "vtdata.realign.params",
    "RealignSummary": "vtdata.realign.run",
    "realign": "vtdata.realign.run",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    # imported on first use: `vtdata.realign.params` (for `--help`) must not load torch
    if name not in _EXPORTS:
        raise AttributeError(f"module 'vtdata.realign' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
