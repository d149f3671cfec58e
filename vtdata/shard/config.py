"""Typed, validated pipeline configs: what `vtdata shard` makes of the clips.

Ready pipelines ship with the package (`vtdata/shard/pipelines/*.yaml`) and are picked by name
(`-p webvid-frozen`); a path to a YAML file of your own works the same way.

A config holds everything that decides the bytes of the output (sampling, resizing, store,
encoder settings, shard sizes) and nothing about how fast it runs (workers, threads of the
decoder): two runs with the same config over the same clips write identical shards.

Validation happens once, when the YAML is read: an unknown key, a wrong type or a value out of
range raises `ConfigError`, whose message names the file, the dotted key and what is allowed.
CLI overrides use the same dotted keys (`sampling.num_frames=8`) and pass through the same checks.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vtdata.config.overrides import load_mapping, set_dotted
from vtdata.config.typed import ConfigError, build
from vtdata.config.typed import opt as _opt
from vtdata.media.decoders import DECODERS
from vtdata.media.resize import ResizeSpec
from vtdata.media.sampling import MODES, PROTOCOLS, WINDOWS, SamplingSpec
from vtdata.records.ids import name_problem

__all__ = ["ConfigError", "PipelineConfig", "config_from_dict", "load_pipeline"]

STORES = ("frames", "clip")
PIPELINES_DIR = Path(__file__).with_name("pipelines")
X264_PRESETS = (
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
)


@dataclass(frozen=True)
class SamplingConfig:
    """Which frames the `frames` store keeps per clip (see `vtdata.media.sampling` for the protocols)."""

    mode: str = _opt("uniform", choices=MODES, doc="uniform | rand | headtail | middle | dense | all")
    num_frames: int = _opt(SamplingSpec.num_frames, min=1, doc="frames per clip: uniform / rand / headtail")
    fps: float | None = _opt(None, min=0.001, doc="dense: frame rate; clipbert rand/middle: target fps")
    max_frames: int | None = _opt(None, min=1, doc="dense: keep a window of at most this many frames")
    window: str = _opt("center", choices=WINDOWS, doc="dense window: center | rand | rand-seconds (MIL-NCE)")
    seed: int = _opt(0, min=0, doc="seeds the random modes, per clip (hash of seed and clip_id)")
    protocol: str | None = _opt(None, doc="reference implementation the mode follows; None: its default")

    def spec(self) -> SamplingSpec:
        return SamplingSpec(
            mode=self.mode,
            num_frames=self.num_frames,
            fps=self.fps,
            max_frames=self.max_frames,
            seed=self.seed,
            protocol=self.protocol,
            window=self.window,
        )


@dataclass(frozen=True)
class ResizeConfig:
    """Short side to `short_side`, then an optional centre crop; never upscale unless `upscale`."""

    short_side: int | None = _opt(224, min=1, doc="target short side in pixels; null keeps the size")
    crop: bool = _opt(False, doc="centre-crop to a square after scaling")
    upscale: bool = _opt(False, doc="scale sources smaller than short_side up")

    def spec(self) -> ResizeSpec:
        return ResizeSpec(short_side=self.short_side, crop=self.crop, upscale=self.upscale)


@dataclass(frozen=True)
class FramesConfig:
    """The `frames` store: one JPEG per sampled frame."""

    jpeg_quality: int = _opt(90, min=1, max=100, doc="JPEG quality of stored frames")


@dataclass(frozen=True)
class ClipConfig:
    """The `clip` store: each clip re-encoded once with libx264 (no B-frames, fixed GOP)."""

    fps: float | None = _opt(8.0, min=0.001, doc="frame rate of the encoded clip; null: the source's frames")
    gop: int | None = _opt(None, min=1, doc="keyframe interval in frames; null: one second")
    crf: int = _opt(23, min=0, max=51, doc="x264 constant rate factor")
    preset: str = _opt("veryfast", choices=X264_PRESETS, doc="x264 preset")
    keep_audio: bool = _opt(False, doc="keep the first audio stream as AAC")
    threads: int = _opt(1, min=0, doc="x264 threads per clip (0: auto); the bytes depend on it")


@dataclass(frozen=True)
class LoaderConfig:
    """What `VideoTextDataset(sampling="protocol")` samples from each stored clip, every epoch anew:
    `sampling` (keys of `sampling`), with `sampling_by_split` overrides. Empty: the stored frames are
    already the protocol's choice (the loader takes them all)."""

    sampling: dict = _opt({}, doc="keys of `sampling` the loader applies per epoch (mode, num_frames, ...)")
    sampling_by_split: dict[str, dict] = _opt({}, doc="split name -> keys overriding loader.sampling")


@dataclass(frozen=True)
class ShardsConfig:
    """How clips are cut into tar files."""

    samples_per_shard: int = _opt(1000, min=1, doc="clips planned per shard")
    max_shard_bytes: int | None = _opt(
        None, min=1, size=True, doc="split a shard that grows past this size (500MB, 2GiB, or bytes)"
    )
    splits: list[str] | None = _opt(None, doc="only these splits of the clip table; null: all")


@dataclass(frozen=True)
class DecodeConfig:
    """Decoder choice and limits; they change which frames fail, never the frames that succeed."""

    decoder: str = _opt("auto", choices=DECODERS, doc="auto: decord where it is safe, else PyAV")
    timeout: float = _opt(60.0, min=0.001, doc="seconds one clip may take to decode or encode")
    max_damaged_frames: int | None = _opt(
        0,
        min=0,
        doc="a clip with more frames the decoder concealed (or decoded from concealed ones) fails as "
        "`damaged`; null: keep every clip and only count them (index.parquet)",
    )


@dataclass(frozen=True)
class PipelineConfig:
    """A whole pipeline YAML. `sampling_by_split` overrides keys of `sampling` for one split."""

    name: str = _opt("custom", doc="a name for the pipeline, recorded in dataset.json")
    description: str = _opt("", doc="free text")
    store: str = _opt("frames", choices=STORES, doc="frames (JPEG per frame) | clip (H.264 mp4 per clip)")
    sampling: SamplingConfig = _opt(SamplingConfig())
    sampling_by_split: dict[str, dict] = _opt({}, doc="split name -> keys of `sampling` to override")
    resize: ResizeConfig = _opt(ResizeConfig())
    frames: FramesConfig = _opt(FramesConfig())
    clip: ClipConfig = _opt(ClipConfig())
    shards: ShardsConfig = _opt(ShardsConfig())
    decode: DecodeConfig = _opt(DecodeConfig())
    loader: LoaderConfig = _opt(LoaderConfig())

    def sampling_for(self, split: str) -> SamplingConfig:
        """`sampling` with the overrides of `split` applied (validated when the config was built)."""
        overrides = self.sampling_by_split.get(split)
        return dataclasses.replace(self.sampling, **overrides) if overrides else self.sampling

    def to_dict(self) -> dict:
        """The config as recorded in dataset.json; an empty `loader` is left out, so pipelines without
        one record (and digest) exactly what they did before it existed."""
        out = dataclasses.asdict(self)
        if self.loader == LoaderConfig():
            del out["loader"]
        return out


# --- loading -----------------------------------------------------------------------------------


def shipped_pipelines() -> dict[str, Path]:
    """The pipelines that ship with vtdata: name -> its YAML file."""
    return {p.stem: p for p in sorted(PIPELINES_DIR.glob("*.yaml"))}


def resolve_pipeline(name_or_path: str | Path) -> Path:
    """A pipeline's YAML: an existing file, else a shipped pipeline of that name (`webvid-frozen`);
    ConfigError listing the shipped names otherwise."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    shipped = shipped_pipelines()
    if str(name_or_path) in shipped:
        return shipped[str(name_or_path)]
    if path.exists():
        raise ConfigError(f"{path}: is not a file; a pipeline is a YAML file or a shipped name")
    raise ConfigError(
        f"{name_or_path}: no such pipeline file, and no shipped pipeline of that name; "
        f"shipped: {', '.join(shipped)} (`vtdata shard --list-pipelines`)"
    )


def load_pipeline(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> PipelineConfig:
    """Read a pipeline (a YAML path or a shipped name; the defaults when None) and apply dotted overrides.

    An override of a sampling key (`sampling.num_frames`) sets it for every split, so it also
    replaces that key where `sampling_by_split` sets it. Raises `ConfigError` naming the file and
    key of the first problem.
    """
    where = str(path) if path is not None else "<defaults>"
    if path is not None:
        path = resolve_pipeline(path)
        where = str(path)
    data: dict = load_mapping(path, "pipeline config") if path is not None else {}
    for key, value in (overrides or {}).items():
        set_dotted(data, key, value, where)
        by_split = data.get("sampling_by_split")
        if key.startswith("sampling.") and isinstance(by_split, dict):
            for split_overrides in by_split.values():
                if isinstance(split_overrides, dict) and key[len("sampling.") :] in split_overrides:
                    split_overrides[key[len("sampling.") :]] = value
    if overrides and "sampling.mode" in overrides and "sampling.protocol" not in overrides:
        _drop_foreign_protocols(data, overrides["sampling.mode"])
    return config_from_dict(data, where)


def _drop_foreign_protocols(data: dict, mode: Any) -> None:
    """`--sampling headtail` on a config that names Frozen's protocol: the mode's default protocol."""
    sections = [data.get("sampling")] + list((data.get("sampling_by_split") or {}).values())
    for section in sections:
        if isinstance(section, dict) and section.get("protocol") not in PROTOCOLS.get(mode, (None,)):
            section.pop("protocol", None)


def config_from_dict(data: dict, where: str = "<config>") -> PipelineConfig:
    """Validate a plain dict (as YAML gives it) into a `PipelineConfig`."""
    config = build(PipelineConfig, data, "", where)
    for split in config.shards.splits or ():
        problem = name_problem(split)
        if problem is not None:  # a split names tar files: never a path
            raise ConfigError(f"{where}: shards.splits: {problem}")
    _check_sampling(config.sampling, "sampling", where)
    for split, overrides in config.sampling_by_split.items():
        key = f"sampling_by_split.{split}"
        if not isinstance(overrides, dict):
            raise ConfigError(f"{where}: {key} must be a mapping of sampling keys, got {overrides!r}")
        merged = {**dataclasses.asdict(config.sampling), **overrides}
        _check_sampling(build(SamplingConfig, merged, key, where), key, where)
    if config.loader != LoaderConfig():
        loader = config.loader.sampling
        _check_sampling(build(SamplingConfig, loader, "loader.sampling", where), "loader.sampling", where)
        for split, overrides in config.loader.sampling_by_split.items():
            key = f"loader.sampling_by_split.{split}"
            _check_sampling(build(SamplingConfig, {**loader, **overrides}, key, where), key, where)
    return config


def _check_sampling(sampling: SamplingConfig, key: str, where: str) -> None:
    """Cross-key rules of sampling (dense needs fps, the protocol must define the mode)."""
    protocols = PROTOCOLS[sampling.mode]
    if sampling.protocol is not None and sampling.protocol not in protocols:
        raise ConfigError(
            f"{where}: {key}.protocol is {sampling.protocol!r}; for mode {sampling.mode!r} "
            f"allowed values: {', '.join(protocols)}"
        )
    if sampling.mode == "dense" and sampling.fps is None:
        raise ConfigError(f"{where}: {key}.fps is required when {key}.mode is 'dense'")
    try:
        sampling.spec()
    except ValueError as exc:
        raise ConfigError(f"{where}: {key}: {exc}") from exc
