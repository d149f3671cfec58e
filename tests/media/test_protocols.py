"""Each sampling protocol against a re-implementation of its paper's reference code.

The reference functions below are written from the published code (file and lines cited on
each) and run on frame indices, with Python's `random` where the reference uses it. Deterministic
modes must be identical on a grid of (n, N); random modes identical in support and equal in
distribution: a two-sample chi-square test over 10,000 draws each, fixed seeds.
"""

from __future__ import annotations

import math
import random
from collections import Counter

import numpy as np
import pytest
import torch

from vtdata.media import protocols
from vtdata.media.sampling import SamplingSpec, clip_rng, sample_times

DRAWS = 10_000


# --- references ---------------------------------------------------------------------------------


def ref_frozen(num_frames: int, vlen: int, sample: str, rnd: random.Random) -> list[int]:
    """Frozen in Time, base/base_dataset.py L245-260 (`sample_frames`), commit 0a4a669."""
    acc_samples = min(num_frames, vlen)
    intervals = np.linspace(start=0, stop=vlen, num=acc_samples + 1).astype(int)
    ranges = [(interv, intervals[idx + 1] - 1) for idx, interv in enumerate(intervals[:-1])]
    if sample == "rand":
        return [rnd.choice(range(x[0], x[1])) for x in ranges]
    return [(x[0] + x[1]) // 2 for x in ranges]


def ref_clipbert(n: int, num: int, source_fps: float, target_fps: float, clip_idx: int, num_clips: int,
                 rnd: random.Random | None, tb: int = 512) -> list[int]:  # fmt: skip
    """ClipBERT: src/datasets/dataset_base.py L18-44 (strategy -> clip_idx: rand -1, uniform -2,
    start/middle/end 0/1/2 of 3), src/datasets/decoder.py L52-60 (`get_start_end_idx`), L89-99
    (`pyav_decode_stream`: frames with start_pts <= pts <= end_pts, plus the first frame after,
    buffer_size=0), `pyav_decode` and `decode` (clip_size = sampling_rate * num_frames / target_fps
    * fps; the decoded frames are sampled from 0 to clip_size - 1), L24-25 (`temporal_sampling`:
    torch.linspace, clamp, long). Frame i has pts i * tb (a constant-rate stream)."""
    clip_size = num / target_fps * source_fps
    if clip_idx == -2:
        clip_size, clip_idx, num_clips = n, 0, 1
    delta = max(n - clip_size, 0)
    start_idx = rnd.uniform(0, delta) if clip_idx == -1 else delta * clip_idx / num_clips
    end_idx = start_idx + clip_size - 1
    start_pts, end_pts = int(start_idx * tb), int(end_idx * tb)
    frames = []
    for i in range(n):
        pts = i * tb
        if pts < start_pts:
            continue
        frames.append(i)
        if pts > end_pts:
            break
    if clip_size == n:  # clip_idx -2: decode() samples the whole decoded list
        clip_size = len(frames)
    index = torch.linspace(0, clip_size - 1, num)
    index = torch.clamp(index, 0, len(frames) - 1).long().tolist()
    return [frames[i] for i in index]


def ref_lavis(n: int, num: int, sampling: str, rnd: random.Random) -> list[int]:
    """LAVIS, lavis/datasets/data_utils.py L33-47 (`load_video`)."""
    vlen = n
    start, end = 0, vlen
    n_frms = min(num, vlen)
    if sampling == "uniform":
        return np.arange(start, end, vlen / n_frms).astype(int).tolist()
    indices_h = sorted(rnd.sample(range(vlen // 2), n_frms // 2))
    indices_t = sorted(rnd.sample(range(vlen // 2, vlen), n_frms // 2))
    return indices_h + indices_t


def ref_clip4clip(n: int, max_frames: int, fps: int, sample_fp: int = 1) -> list[int]:
    """CLIP4Clip, dataloaders/rawvideo_util.py (`RawVideoExtractorCV2.video_to_tensor`: int(fps),
    interval = fps // sample_fp, frames sec * fps + ind until a read fails) and
    dataloaders/dataloader_msrvtt_retrieval.py (`_get_rawvideo`, slice_framepos=2: np.linspace
    with dtype=int when more than max_frames)."""
    total_duration = (n + fps - 1) // fps
    interval = fps // sample_fp if sample_fp > 0 else 1
    interval = interval or 1
    inds = list(np.arange(0, fps, interval))[:sample_fp]
    got, ret = [], True
    for sec in np.arange(0, total_duration + 1):
        if not ret:
            break
        for ind in inds:
            index = int(sec * fps) + ind
            ret = index < n
            if not ret:
                break
            got.append(index)
    if max_frames < len(got):
        got = [got[i] for i in np.linspace(0, len(got) - 1, num=max_frames, dtype=int)]
    return got


# --- helpers ------------------------------------------------------------------------------------


def cfr(n: int, fps: float) -> np.ndarray:
    return np.round(np.arange(n) / fps, 6)


def chi_square_same(a: Counter, b: Counter) -> tuple[float, int]:
    """Two-sample chi-square statistic over categories (rare ones pooled) and its degrees of freedom."""
    keys = sorted(set(a) | set(b), key=str)
    big = [k for k in keys if a[k] + b[k] >= 10]
    rest = (sum(a[k] for k in keys if k not in big), sum(b[k] for k in keys if k not in big))
    rows = [(a[k], b[k]) for k in big] + ([rest] if sum(rest) else [])
    na, nb = sum(a.values()), sum(b.values())
    stat = 0.0
    for x, y in rows:
        tot = x + y
        ea, eb = tot * na / (na + nb), tot * nb / (na + nb)
        stat += (x - ea) ** 2 / ea + (y - eb) ** 2 / eb
    return stat, max(len(rows) - 1, 1)


def chi2_critical(df: int, z: float = 3.09) -> float:
    """Upper 0.1% point of chi-square(df) (Wilson-Hilferty; z of 0.999)."""
    return df * (1 - 2 / (9 * df) + z * math.sqrt(2 / (9 * df))) ** 3


def assert_same_distribution(ours: list[tuple], theirs: list[tuple]) -> None:
    a, b = Counter(ours), Counter(theirs)
    assert set(a) == set(b), f"supports differ: only ours {set(a) - set(b)}, only reference {set(b) - set(a)}"
    stat, df = chi_square_same(a, b)
    assert stat < chi2_critical(df), f"chi-square {stat:.1f} over {df} df"


# --- torch's linspace ---------------------------------------------------------------------------


def test_torch_linspace_is_bit_exact():
    for end in [0.0, 1.0, 2.0, 7.5, 29.0, 59.0, 89.9, 299.0, 1001.0]:
        for steps in range(1, 65):
            ours = protocols.torch_linspace(0.0, end, steps)
            assert ours.tobytes() == torch.linspace(0, end, steps).numpy().tobytes(), (end, steps)


# --- Frozen -------------------------------------------------------------------------------------


def test_frozen_uniform_identical_on_a_grid():
    for n in range(1, 200):
        for num in range(1, 33):
            got = sample_times(SamplingSpec("uniform", num), 0.0, None, cfr(n, 30)).tolist()
            assert got == ref_frozen(num, n, "uniform", random.Random(0)), (n, num)


@pytest.mark.parametrize(("n", "num"), [(8, 4), (30, 4), (300, 4), (45, 8)])
def test_frozen_rand_equal_in_distribution(n, num):
    spec = SamplingSpec("rand", num)
    rng = np.random.default_rng(1)
    ours = [tuple(sample_times(spec, 0.0, None, cfr(n, 30), rng).tolist()) for _ in range(DRAWS)]
    rnd = random.Random(2)
    theirs = [tuple(ref_frozen(num, n, "rand", rnd)) for _ in range(DRAWS)]
    if n >= 30:  # too many combinations to see them all: compare each frame's marginal
        for slot in range(num):
            assert_same_distribution([(o[slot],) for o in ours], [(t[slot],) for t in theirs])
    else:
        assert_same_distribution(ours, theirs)


def test_frozen_rand_where_frozen_raises():
    with pytest.raises(IndexError):  # n = 7, N = 4: the segment [0, 1) has an empty range
        ref_frozen(4, 7, "rand", random.Random(0))
    got = sample_times(SamplingSpec("rand", 4), 0.0, None, cfr(7, 30)).tolist()
    assert len(got) == 4 and got[0] == 0


# --- ClipBERT -----------------------------------------------------------------------------------


def test_clipbert_uniform_identical_on_a_grid():
    mismatches_with_frozen = 0
    for n in range(1, 200):
        for num in range(1, 33):
            spec = SamplingSpec("uniform", num, protocol="clipbert")
            got = sample_times(spec, 0.0, None, cfr(n, 30)).tolist()
            assert got == ref_clipbert(n, num, 30, 1, -2, 1, None), (n, num)
            assert len(got) == num  # repeats frames when n < N
            mismatches_with_frozen += got != ref_frozen(num, n, "uniform", random.Random(0))
    assert mismatches_with_frozen > 0.9 * 199 * 32  # the two 'uniform's are different protocols


@pytest.mark.parametrize("source_fps", [25, 30])
@pytest.mark.parametrize("target_fps", [1, 2, 3])
def test_clipbert_middle_identical_on_a_grid(source_fps, target_fps):
    for n in range(1, 160):
        for num in (1, 2, 3, 4, 8, 16):
            spec = SamplingSpec("middle", num, fps=target_fps, protocol="clipbert")
            got = sample_times(spec, 0.0, None, cfr(n, source_fps)).tolist()
            assert got == ref_clipbert(n, num, source_fps, target_fps, 1, 3, None), (n, num)


@pytest.mark.parametrize(("n", "num", "target_fps"), [(300, 2, 2), (300, 4, 1), (45, 8, 3), (100, 3, 3)])
def test_clipbert_rand_equal_in_distribution(n, num, target_fps):
    spec = SamplingSpec("rand", num, fps=target_fps, protocol="clipbert")
    rng = np.random.default_rng(3)
    ours = [tuple(sample_times(spec, 0.0, None, cfr(n, 30), rng).tolist()) for _ in range(DRAWS)]
    rnd = random.Random(4)
    theirs = [tuple(ref_clipbert(n, num, 30, target_fps, -1, 0, rnd)) for _ in range(DRAWS)]
    assert_same_distribution(ours, theirs)
    assert all(len(o) == num for o in ours)


def test_clipbert_rand_frame_gap_and_short_clip():
    # N = 2 at 2 fps on a 30 fps video: one second apart, frames 0 and 29 of the window
    spec = SamplingSpec("rand", 2, fps=2, protocol="clipbert")
    got = sample_times(spec, 0.0, None, cfr(300, 30), clip_rng(0, "a"))
    assert got[1] - got[0] == 29
    # a 45-frame clip, N = 8 at 3 fps: ClipBERT repeats frames to give 8
    spec = SamplingSpec("rand", 8, fps=3, protocol="clipbert")
    assert len(sample_times(spec, 0.0, None, cfr(45, 30), clip_rng(0, "a"))) == 8


# --- LAVIS / ALPRO ------------------------------------------------------------------------------


def test_lavis_uniform_first_n_identical_and_n_plus_one_counted():
    longer = 0
    for n in range(1, 1001):
        for num in range(1, 65):
            ref = ref_lavis(n, num, "uniform", random.Random(0))
            got = sample_times(SamplingSpec("uniform", num, protocol="lavis"), 0.0, None, cfr(n, 30)).tolist()
            assert got == ref[: min(num, n)], (n, num)
            longer += len(ref) > min(num, n)
    assert longer == 2581  # of 64,000: the pairs where LAVIS returns N + 1 indices (docs/protocols.md)


@pytest.mark.parametrize(("n", "num"), [(6, 4), (8, 4), (10, 2), (9, 5)])
def test_lavis_headtail_equal_in_distribution(n, num):
    spec = SamplingSpec("headtail", num)
    rng = np.random.default_rng(5)
    ours = [tuple(sample_times(spec, 0.0, None, cfr(n, 30), rng).tolist()) for _ in range(DRAWS)]
    rnd = random.Random(6)
    theirs = [tuple(ref_lavis(n, num, "headtail", rnd)) for _ in range(DRAWS)]
    assert_same_distribution(ours, theirs)


@pytest.mark.parametrize("n", [1, 2, 50])
def test_headtail_with_one_frame_or_an_image_gives_a_frame(n):
    # LAVIS asks for 0 frames here (N // 2 == 0) and fails; vtdata keeps the sample with one frame
    assert ref_lavis(n, 1, "headtail", random.Random(0)) == []
    got = sample_times(SamplingSpec("headtail", 1), 0.0, None, cfr(n, 30), clip_rng(0, "x"))
    assert len(got) == 1 and 0 <= got[0] < n
    assert len(sample_times(SamplingSpec("headtail", 4), 0.0, None, cfr(1, 30))) == 1  # an image


# --- CLIP4Clip ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fps", [24, 25, 30])
def test_clip4clip_identical_on_a_grid(fps):
    for n in range(1, 700, 7):
        for num in (1, 4, 12):
            spec = SamplingSpec("uniform", num, fps=1, protocol="clip4clip")
            got = sample_times(spec, 0.0, None, cfr(n, fps)).tolist()
            assert got == ref_clip4clip(n, num, fps), (n, num)


def test_clip4clip_truncates_a_fractional_rate():
    # 29.97 fps reads as int(29.97) = 29 in cv2, so the "1 fps" frames drift: 0, 29, 58, ...
    got = sample_times(SamplingSpec("uniform", 100, fps=1, protocol="clip4clip"), 0.0, None,
                       np.arange(300) * 1001 / 30000)  # fmt: skip
    assert got[:3].tolist() == [0, 29, 58]
