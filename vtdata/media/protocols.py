"""Frame positions as the papers' loaders compute them, on a clip of `n` frames.

Each function returns int64 positions in `[0, n)` (the clip's candidate frames, as the reference
code indexes a video of `vlen` frames). `sampling.sample_times` picks the function for a
(mode, protocol) pair; docs/protocols.md says, per protocol, where the reference code is and
whether vtdata matches it exactly or in distribution. The tests re-implement each reference
and compare.

- ClipBERT (Lei et al., CVPR 2021; `src/datasets/decoder.py`, `src/datasets/dataset_base.py`):
  `uniform` is `torch.linspace(0, n - 1, N)` truncated (both endpoints; frames repeat when
  n < N; N = 1 gives frame 0). `rand` decodes a window of `N / fps` seconds (`clip_size = N / fps
  * source_fps` frames) starting at a uniform real offset in `[0, n - clip_size]`, keeping the
  frames from the first at or after the offset up to the window's end plus one frame (PyAV's
  decode loop keeps the first frame past the end), and takes `linspace(0, clip_size - 1, N)` of
  them, clamped to the last one. `middle` (its test time) is the same window at offset
  `(n - clip_size) / 3`. torch's float32 linspace is reproduced bit for bit (`torch_linspace`).
- LAVIS / ALPRO `headtail` (`lavis/datasets/data_utils.py`, `load_video`): N // 2 distinct frames
  from each half. Where N // 2 is 0 (N = 1, or an image) LAVIS asks decord for no frame and
  fails; vtdata returns one frame drawn from the whole clip, so images and N = 1 still load.
- CLIP4Clip (Luo et al., 2021; `dataloaders/rawvideo_util.py`, `video_to_tensor`, and
  `dataloader_msrvtt_retrieval.py`, `_get_rawvideo` with `slice_framepos=2`): one frame per
  second (frame `k * int(source_fps)`), then, when more than N remain,
  `np.linspace(0, m - 1, N, dtype=int)` of them; fewer are all kept (CLIP4Clip zero-pads them and
  masks the padding, as vtdata's collate does).
"""

from __future__ import annotations

import math

import numpy as np


def torch_linspace(start: float, end: float, steps: int) -> np.ndarray:
    """`torch.linspace(start, end, steps)` (float32) exactly, without torch.

    torch computes the first half as `start + step * i` and the second as `end - step * (steps -
    1 - i)`, each with one rounding (a fused multiply-add); float64 arithmetic rounded to float32
    gives the same values.
    """
    if steps == 1:
        return np.array([start], dtype=np.float32)
    a, b = np.float32(start), np.float32(end)
    step = float(np.float32((b - a) / np.float32(steps - 1)))
    i = np.arange(steps, dtype=np.float64)
    values = np.where(i < steps // 2, float(a) + step * i, float(b) - step * (steps - 1 - i))
    return values.astype(np.float32)


def _trunc_clamped(values: np.ndarray, hi: int) -> np.ndarray:
    """`torch.clamp(values, 0, hi).long()`: clamp, then truncate toward zero."""
    return np.clip(values, 0, hi).astype(np.int64)


def clipbert_uniform(n: int, num: int) -> np.ndarray:
    """ClipBERT `uniform`: N positions from `linspace(0, n - 1, N)`, repeating when n < N."""
    return _trunc_clamped(torch_linspace(0.0, float(n - 1), num), n - 1)


def clipbert_window(n: int, num: int, source_fps: float, fps: float, offset: float) -> np.ndarray:
    """ClipBERT's window of `num / fps` seconds whose start is `offset` frames into the clip."""
    clip_size = num / fps * source_fps
    first = min(math.ceil(offset), n - 1)
    last = min(math.floor(offset + clip_size - 1) + 1, n - 1)  # + the frame PyAV decodes past the end
    picked = _trunc_clamped(torch_linspace(0.0, clip_size - 1, num), max(last - first, 0))
    return first + picked


def clipbert_delta(n: int, num: int, source_fps: float, fps: float) -> float:
    """How far (in frames) ClipBERT's window may start into the clip: `max(n - clip_size, 0)`."""
    return max(n - num / fps * source_fps, 0.0)


def clipbert_rand(n: int, num: int, source_fps: float, fps: float, rng: np.random.Generator) -> np.ndarray:
    """ClipBERT `rand` (train time): the window at a uniform real offset."""
    offset = float(rng.uniform(0.0, clipbert_delta(n, num, source_fps, fps)))
    return clipbert_window(n, num, source_fps, fps, offset)


def clipbert_middle(n: int, num: int, source_fps: float, fps: float) -> np.ndarray:
    """ClipBERT `middle` (test time for retrieval): clip 1 of 3, offset `delta * 1 / 3`."""
    return clipbert_window(n, num, source_fps, fps, clipbert_delta(n, num, source_fps, fps) * 1 / 3)


def lavis_headtail(n: int, num: int, rng: np.random.Generator) -> np.ndarray:
    """LAVIS `headtail` on `k = min(N, n)`: sorted k // 2 from `range(n // 2)` and from `range(n // 2, n)`."""
    k = min(num, n)
    if k // 2 == 0:  # LAVIS fails here (no frame asked of decord); one frame keeps the sample
        return np.array([int(rng.integers(0, n))], dtype=np.int64)
    half = n // 2
    head = np.sort(rng.choice(half, size=k // 2, replace=False))
    tail = np.sort(rng.choice(np.arange(half, n), size=k // 2, replace=False))
    return np.concatenate([head, tail]).astype(np.int64)


def clip4clip(n: int, num: int, source_fps: float, sample_fp: float = 1.0) -> np.ndarray:
    """CLIP4Clip: `sample_fp` frames per second at `k * int(source_fps) // sample_fp`, then linspace to N."""
    rate = max(int(source_fps), 1)  # cv2's CAP_PROP_FPS, truncated by int()
    interval = max(rate // max(int(sample_fp), 1), 1)
    per_second = np.arange(0, rate, interval)[: max(int(sample_fp), 1)]
    seconds = np.arange(0, (n + rate - 1) // rate + 1)
    kept = (seconds[:, None] * rate + per_second[None, :]).ravel()
    kept = kept[kept < n]
    if len(kept) > num:
        kept = kept[np.linspace(0, len(kept) - 1, num=num, dtype=int)]
    return kept.astype(np.int64)


def nominal_fps(times: np.ndarray) -> float:
    """The frame rate a container would state for frames at `times` (seconds): 1 / median interval,
    rounded to 0.01 (so 24 fps stored at microsecond precision reads as 24, not 23.9998)."""
    if len(times) < 2:
        return 1.0
    return round(1.0 / float(np.median(np.diff(times))), 2)
