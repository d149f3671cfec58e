"""Which frames of a clip to keep, exactly as the reference implementations pick them.

Every function works on the clip's REAL frames: `frame_times` holds the presentation time (seconds) of
every frame of the video, in order, so variable-frame-rate files are sampled by frame, not by a
nominal rate. A clip is the half-open interval `[start, end)`; the frames inside it are the
"candidates" and sparse modes index into them, as the papers index into a video of `vlen` frames.

Modes and their protocols (the protocol name is recorded in shard metadata):

- `uniform` / `frozen` — Frozen in Time (Bain et al., ICCV 2021, `base_dataset.sample_frames`):
  split `[0, n)` into `min(N, n)` segments with `np.linspace(0, n, min(N, n) + 1).astype(int)`;
  segment `[a, b)` gives frame `(a + (b - 1)) // 2`. A clip with fewer than N frames gives n frames
  (Frozen's `min(N, n)`), never repeats.
- `uniform` / `lavis` — LAVIS / ALPRO `load_video`: `np.arange(0, n, n / min(N, n)).astype(int)`.
  LAVIS's float arithmetic returns N + 1 indices for some (n, N) (2,581 of the 64,000 pairs
  n <= 1000, N <= 64); vtdata keeps the first N, so every clip has N frames.
- `uniform` / `clipbert`, `rand` / `clipbert`, `middle` / `clipbert`, `uniform` / `clip4clip`,
  `headtail` / `lavis` — see `vtdata.media.protocols` (`fps` is ClipBERT's target fps, CLIP4Clip's
  frames per second).
- `rand` / `frozen` — Frozen's train-time sampling: one frame drawn uniformly from
  `range(a, b - 1)` per segment (Frozen's exact range, which never draws a segment's last frame);
  where that range is empty (a segment of one frame, which any n < 2N can have, e.g. n = 7, N = 4)
  the segment's only frame `a` (Frozen itself raises there and substitutes a black clip).
- `dense` / `milnce` — MIL-NCE (Miech et al., CVPR 2020) reads clips through ffmpeg's `fps` filter:
  slots at `w0 + k / fps`; slot k shows the last candidate with time `< w0 + (k + 0.5) / fps` (the fps
  filter's round-to-nearest rule, so this matches what the `clip` store encodes), or the first
  candidate before any. A slower source repeats frames, as the filter does. With `max_frames`, a
  window of `max_frames / fps` seconds is placed at the centre of the clip (`window="center"`, test
  time), at a uniformly random whole-second offset (`window="rand-seconds"`, MIL-NCE's train time:
  `random.randint(start, int(end - num_sec))`), or at a continuous random offset (`window="rand"`,
  vtdata's older choice, kept so configs that name it write the same shards). Slots stop where
  the video stops (its last frame's time plus the last frame interval), as the filter's do.
  `num_frames` is not used.
- `all` — every candidate frame.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np

from vtdata.media import protocols

MODES = ("uniform", "rand", "headtail", "middle", "dense", "all")
PROTOCOLS = {
    "uniform": ("frozen", "lavis", "clipbert", "clip4clip"),
    "rand": ("frozen", "clipbert"),
    "headtail": ("lavis",),
    "middle": ("clipbert",),
    "dense": ("milnce",),
    "all": ("all",),
}
WINDOWS = ("center", "rand", "rand-seconds")
NEEDS_FPS = {("rand", "clipbert"), ("middle", "clipbert"), ("dense", "milnce")}


@dataclass(frozen=True)
class SamplingSpec:
    """How to pick frames in a clip; `protocol=None` becomes the mode's default (first in `PROTOCOLS`).

    `num_frames` is N for uniform / rand / headtail / middle. `fps`, `max_frames` and `window` belong
    to dense; `fps` is also ClipBERT's target rate (rand, middle) and CLIP4Clip's frames per second.
    `seed` seeds `clip_rng` for the random modes (rand, headtail, dense with window="rand").
    """

    mode: str = "uniform"
    num_frames: int = 8
    fps: float | None = None
    max_frames: int | None = None
    seed: int = 0
    protocol: str | None = None
    window: str = "center"  # dense with max_frames: "center" | "rand" | "rand-seconds"

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"sampling.mode {self.mode!r} is not one of {MODES}")
        protocol = self.protocol or PROTOCOLS[self.mode][0]
        if protocol not in PROTOCOLS[self.mode]:
            choices = PROTOCOLS[self.mode]
            raise ValueError(
                f"sampling.protocol {protocol!r} does not define mode {self.mode!r}; use one of {choices}"
            )
        object.__setattr__(self, "protocol", protocol)
        if self.mode in ("uniform", "rand", "headtail", "middle") and self.num_frames < 1:
            raise ValueError(f"sampling.num_frames must be >= 1, got {self.num_frames}")
        if (self.mode, protocol) in NEEDS_FPS and not (self.fps and self.fps > 0):
            raise ValueError(f"sampling.fps must be > 0 for mode {self.mode!r} ({protocol})")
        if self.max_frames is not None and self.max_frames < 1:
            raise ValueError(f"sampling.max_frames must be >= 1, got {self.max_frames}")
        if self.window not in WINDOWS:
            raise ValueError(f"sampling.window {self.window!r} is not one of {WINDOWS}")

    @property
    def is_random(self) -> bool:
        return self.mode in ("rand", "headtail") or (self.mode == "dense" and self.window != "center")

    def to_dict(self) -> dict:
        """The shard metadata's `sampling` record."""
        return {
            "mode": self.mode,
            "num_frames": self.num_frames,
            "fps": self.fps,
            "max_frames": self.max_frames,
            "seed": self.seed,
            "protocol": self.protocol,
            "window": self.window,
        }


def clip_rng(seed: int, key: str) -> np.random.Generator:
    """A generator that depends only on (seed, key): the same clip samples the same frames in any process."""
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def candidates(frame_times: np.ndarray, start: float, end: float | None) -> np.ndarray:
    """Indices of the frames whose presentation time lies in `[start, end)` (`end=None`: to the end)."""
    times = np.asarray(frame_times, dtype=np.float64)
    lo = int(np.searchsorted(times, start, side="left"))
    hi = len(times) if end is None else int(np.searchsorted(times, end, side="left"))
    return np.arange(lo, max(lo, hi), dtype=np.int64)


def sample_times(
    spec: SamplingSpec,
    start: float,
    end: float | None,
    frame_times: np.ndarray,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Indices into `frame_times` (sorted seconds) of the frames to keep for clip `[start, end)`.

    Returns int64 indices in presentation order (dense may repeat an index); empty when no frame lies in
    the clip. `rng` defaults to `np.random.default_rng(spec.seed)`; pass `clip_rng(spec.seed, key)` so
    that each clip draws its own, reproducible frames.
    """
    cand = candidates(frame_times, start, end)
    n = len(cand)
    if n == 0:
        return cand
    if rng is None:
        rng = np.random.default_rng(spec.seed)
    if spec.mode == "all":
        return cand
    if spec.mode == "dense":
        times = np.asarray(frame_times, dtype=np.float64)
        # the video ends when its last frame stops showing (its time plus the last frame interval);
        # ffmpeg's fps filter emits no slot after that, so neither do we
        step = float(times[-1] - times[-2]) if len(times) > 1 else 1.0 / float(spec.fps)
        stop = float(times[-1]) + step if end is None else min(end, float(times[-1]) + step)
        return cand[_dense_positions(times[cand], start, stop, spec, rng)]
    return cand[_sparse_positions(spec, n, np.asarray(frame_times, dtype=np.float64)[cand], rng)]


def _sparse_positions(spec: SamplingSpec, n: int, times: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Positions in the clip's n candidates for the modes that take N frames."""
    num, protocol = spec.num_frames, spec.protocol
    if protocol == "clipbert":
        if spec.mode == "uniform":
            return protocols.clipbert_uniform(n, num)
        source_fps = protocols.nominal_fps(times)
        if spec.mode == "rand":
            return protocols.clipbert_rand(n, num, source_fps, float(spec.fps), rng)
        return protocols.clipbert_middle(n, num, source_fps, float(spec.fps))
    if protocol == "clip4clip":
        return protocols.clip4clip(n, num, protocols.nominal_fps(times), spec.fps or 1.0)
    if spec.mode == "headtail":
        return protocols.lavis_headtail(n, num, rng)
    k = min(num, n)
    if protocol == "lavis":
        return np.arange(0, n, n / k).astype(np.int64)[:k]
    return _frozen_positions(n, k, spec.mode, rng)


def _frozen_positions(n: int, k: int, mode: str, rng: np.random.Generator) -> np.ndarray:
    edges = np.linspace(0, n, k + 1).astype(np.int64)
    lo, hi = edges[:-1], edges[1:] - 1  # Frozen's (interv, next_interv - 1) ranges
    if mode == "uniform":
        return (lo + hi) // 2
    return np.array(
        [int(rng.integers(a, b)) if b > a else int(a) for a, b in zip(lo, hi, strict=False)], dtype=np.int64
    )


def _dense_positions(
    times: np.ndarray, start: float, end: float, spec: SamplingSpec, rng: np.random.Generator
) -> np.ndarray:
    fps = float(spec.fps)
    duration = max(0.0, end - start)
    # ffmpeg ends the fps filter at EOF by rounding the duration to the nearest slot (eof_action=round),
    # so a 1.44 s stretch at 10 fps gives 14 frames, not 15
    slots = max(1, math.floor(duration * fps + 0.5))
    w0 = start
    if spec.max_frames is not None and slots > spec.max_frames:
        spare = duration - spec.max_frames / fps
        if spec.window == "center":
            w0 = start + spare / 2
        elif spec.window == "rand-seconds":  # MIL-NCE: random.randint(start, int(end - num_sec))
            w0 = start + float(rng.integers(0, math.floor(spare + 1e-9) + 1))
        else:
            w0 = start + float(rng.uniform(0.0, spare))
        slots = spec.max_frames
    lo = int(np.searchsorted(times, w0 - 1e-9, side="left"))  # a window drops frames before it, as -ss does
    lo = min(lo, len(times) - 1)
    limits = w0 + (np.arange(slots) + 0.5) / fps
    pos = np.searchsorted(times[lo:], limits - 1e-9, side="left") - 1
    return lo + np.clip(pos, 0, len(times) - lo - 1).astype(np.int64)
