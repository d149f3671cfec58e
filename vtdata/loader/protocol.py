"""`sampling="protocol"`: the loader samples each clip as the shard set's pipeline says.

A pipeline that reproduces a per-epoch random protocol (Frozen's `rand`, LAVIS's `headtail`)
stores every frame of the clip (the `clip` store at the source rate, `clip.fps: null`) and
names the sampling in its `loader:` section, recorded in the set's dataset.json; the loader
then draws new frames every epoch, as the paper's loader does, and its test-time sampling
for the splits that `sampling_by_split` names (e.g. `val: {mode: uniform}`). A pipeline
without a `loader:` section already picked the frames at shard time, so the loader takes
every stored frame.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from vtdata.media.sampling import SamplingSpec
from vtdata.records.names import DATASET_NAME

ALL_FRAMES = SamplingSpec(mode="all")


@dataclass(frozen=True)
class ProtocolSampling:
    """Sampling per split (`default` for splits the pipeline does not name)."""

    default: SamplingSpec = ALL_FRAMES
    by_split: dict[str, SamplingSpec] = field(default_factory=dict)

    def spec_for(self, split: str | None) -> SamplingSpec:
        return self.by_split.get(split or "", self.default)


def read_protocol(urls: list[str] | tuple[str, ...]) -> ProtocolSampling:
    """The `loader:` section of the dataset.json beside the shards (ValueError naming the file when
    it is unreadable or names an invalid sampling); all stored frames when there is none."""
    folders = {Path(url).parent for url in urls if "://" not in url}
    if len(folders) != 1:
        return ProtocolSampling()
    path = folders.pop() / DATASET_NAME
    if not path.is_file():
        return ProtocolSampling()
    try:
        loader = (json.loads(path.read_text()).get("config") or {}).get("loader") or {}
        base = dict(loader.get("sampling") or {})
        if not base:
            return ProtocolSampling()
        by_split = {
            split: SamplingSpec(**{**base, **over})
            for split, over in (loader.get("sampling_by_split") or {}).items()
        }
        return ProtocolSampling(SamplingSpec(**base), by_split)
    except (ValueError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path}: cannot read its loader sampling: {exc}") from exc
