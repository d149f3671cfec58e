"""The decode stage: a raw shard sample (bytes) becomes `{"video", "text", "texts", "meta"}`.

It runs after the shuffle buffer, so the buffer holds compressed bytes, not frames. A sample
that cannot be decoded (a bad JPEG, a truncated mp4, broken metadata) is skipped with a warning
naming its key and shard, and counted in the shared state: never silently, never a crash.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
import torch

from vtdata.loader.augment import ClipTransform
from vtdata.loader.protocol import ProtocolSampling
from vtdata.loader.state import SharedState
from vtdata.media.errors import CORRUPT, MediaError
from vtdata.media.jpeg import FrameBuffer
from vtdata.media.samples import decode_clip, decode_frames
from vtdata.media.sampling import SamplingSpec, sample_times

log = logging.getLogger("vtdata.loader")

SET_KEY = "__set__"


def _times(meta: dict) -> np.ndarray | None:
    times = meta.get("frame_times")
    return np.asarray(times, dtype=np.float64) if times else None


class SampleDecoder:
    """Callable pipeline stage; draws frames and crops from a stream seeded by (seed, epoch, rank, worker)."""

    def __init__(
        self,
        spec: SamplingSpec | ProtocolSampling,
        transform: Callable[[torch.Tensor, np.random.Generator], torch.Tensor],
        state: SharedState,
        seed: int,
        tokenizer: Callable[[str], Any] | None = None,
        decord_threads: int = 1,
    ) -> None:
        self.spec = spec
        self.transform = transform
        self.state = state
        self.seed = seed
        self.tokenizer = tokenizer
        self.decord_threads = decord_threads
        self.buffer = FrameBuffer()  # JPEGs decode into it; the crop reads it and writes a new tensor

    def __call__(self, src: Iterable[dict]) -> Iterator[dict]:
        rng = np.random.default_rng(self.state.stream_seed(self.seed, 3))
        for sample in src:
            try:
                out = self.decode(sample, rng)
            except Exception as exn:
                self.state.count_bad_sample()
                log.warning(
                    "skipped sample %s in shard %s: %s: %s",
                    sample.get("__key__"),
                    sample.get("__url__"),
                    type(exn).__name__,
                    exn,
                )
                continue
            yield out

    def _choose(self, meta: dict, rng: np.random.Generator) -> Callable[[np.ndarray], np.ndarray]:
        spec = self.spec.spec_for(meta.get("split")) if isinstance(self.spec, ProtocolSampling) else self.spec

        def choose(times: np.ndarray) -> np.ndarray:
            if spec.mode == "dense":  # dense places slots in the clip's own [start, end)
                return sample_times(spec, float(meta.get("start", times[0])), meta.get("end"), times, rng)
            return sample_times(spec, -math.inf, None, times, rng)

        return choose

    def decode(self, sample: dict, rng: np.random.Generator) -> dict:
        if "json" not in sample:  # tars list "json" after the frames: a truncated tar's last sample lacks it
            raise MediaError(CORRUPT, "no json member (a truncated shard?)")
        meta = json.loads(sample["json"])
        text = sample["txt"].decode("utf-8") if "txt" in sample else (meta.get("texts") or [""])[0]
        stored = _times(meta)
        choose = self._choose(meta, rng)
        if "mp4" in sample:
            fps = meta.get("fps")
            if stored is None and fps:
                stored = float(meta.get("start", 0.0)) + np.arange(int(meta.get("num_frames") or 0)) / fps
            frames, indices, decoder = decode_clip(
                sample["mp4"],
                choose,
                meta.get("num_frames"),
                fps,
                stored,
                self.decord_threads,
                label=f"sample {sample.get('__key__')} in {sample.get('__url__')}",
            )
        else:
            frames, indices = decode_frames(sample, stored, choose, meta.get("num_frames"), self.buffer)
            decoder = "jpeg"
        video = self.transform(torch.from_numpy(frames).permute(0, 3, 1, 2), rng)
        if video.untyped_storage().data_ptr() == self.buffer.array.ctypes.data:
            video = video.clone()  # the transform kept a view of the reused buffer (size=None, no crop)
        meta.update(
            key=sample["__key__"],
            url=sample.get("__url__"),
            shard_set=sample.get(SET_KEY, 0),
            decoder=decoder,
            sampled_indices=[int(i) for i in indices],
            sampled_times=[float(stored[i]) for i in indices]
            if stored is not None and len(stored) > max(indices)
            else None,
        )
        out = {"video": video, "text": text, "texts": list(meta.get("texts") or [text]), "meta": meta}
        if self.tokenizer is not None:
            out["tokens"] = self.tokenizer(text)
        return out


def make_transform(
    size: int | tuple[int, int] | None, train: bool, augment: Any
) -> Callable[[torch.Tensor, np.random.Generator], torch.Tensor]:
    """`augment` may be an `Augment`, None (the default one), or your own `f(frames_uint8, rng)`."""
    if callable(augment):
        return augment
    return ClipTransform(size, train, augment)
