"""Frame sampling against literal transcriptions of the reference implementations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vtdata.media.sampling import SamplingSpec, candidates, clip_rng, sample_times

CFR = np.arange(100) / 25.0  # 100 frames at 25 fps


def frozen_reference(num_frames: int, vlen: int) -> tuple[list[int], list[tuple[int, int]]]:
    """Frozen in Time's `sample_frames` (base/base_dataset.py): uniform picks and the rand ranges."""
    acc_samples = min(num_frames, vlen)
    intervals = np.linspace(start=0, stop=vlen, num=acc_samples + 1).astype(int)
    ranges = [(interv, intervals[idx + 1] - 1) for idx, interv in enumerate(intervals[:-1])]
    return [(x[0] + x[1]) // 2 for x in ranges], ranges


@pytest.mark.parametrize("n_frames,vlen", [(8, 100), (4, 37), (8, 8), (8, 5), (3, 1000), (1, 10)])
def test_uniform_is_frozen_midpoints(n_frames, vlen):
    times = np.arange(vlen) / 25.0
    idx = sample_times(SamplingSpec("uniform", n_frames), 0.0, None, times)
    expected, _ = frozen_reference(n_frames, vlen)
    assert idx.tolist() == expected


def test_uniform_indexes_frames_inside_the_clip():
    # [1.0, 3.0) holds frames 25..74; Frozen's picks are relative to the clip
    idx = sample_times(SamplingSpec("uniform", 4), 1.0, 3.0, CFR)
    expected, _ = frozen_reference(4, 50)
    assert idx.tolist() == [25 + i for i in expected]
    assert np.all((CFR[idx] >= 1.0) & (CFR[idx] < 3.0))


def test_rand_draws_inside_frozen_ranges_and_is_seeded():
    spec = SamplingSpec("rand", 8)
    _, ranges = frozen_reference(8, 100)
    draws = [sample_times(spec, 0.0, None, CFR, clip_rng(seed, "clip")) for seed in range(20)]
    for idx in draws:
        assert all(a <= i < max(a + 1, b) for i, (a, b) in zip(idx.tolist(), ranges, strict=True))
    again = sample_times(spec, 0.0, None, CFR, clip_rng(3, "clip"))
    assert again.tolist() == draws[3].tolist()
    assert len({tuple(d.tolist()) for d in draws}) > 10  # seeds really differ


def test_rand_differs_across_keys_with_one_seed():
    spec = SamplingSpec("rand", 8, seed=0)
    a = sample_times(spec, 0.0, None, CFR, clip_rng(0, "vid_0"))
    b = sample_times(spec, 0.0, None, CFR, clip_rng(0, "vid_1"))
    assert a.tolist() != b.tolist()


def test_rand_on_a_clip_shorter_than_n_takes_every_frame():
    times = np.arange(5) / 25.0
    idx = sample_times(SamplingSpec("rand", 8), 0.0, None, times, clip_rng(0, "k"))
    assert idx.tolist() == [0, 1, 2, 3, 4]


def test_lavis_uniform():
    idx = sample_times(SamplingSpec("uniform", 8, protocol="lavis"), 0.0, None, CFR)
    assert idx.tolist() == np.arange(0, 100, 100 / 8).astype(int).tolist()


def test_headtail_halves():
    spec = SamplingSpec("headtail", 8)
    for seed in range(10):
        idx = sample_times(spec, 0.0, None, CFR, clip_rng(seed, "k")).tolist()
        head, tail = idx[:4], idx[4:]
        assert head == sorted(set(head)) and tail == sorted(set(tail))
        assert all(i < 50 for i in head) and all(50 <= i < 100 for i in tail)
    assert len(sample_times(SamplingSpec("headtail", 5), 0.0, None, CFR)) == 4  # odd N: LAVIS gives N - 1


def test_dense_follows_ffmpeg_fps_rounding():
    # 25 fps source sampled at 10 fps: slot k takes the last frame before (k + 0.5) / 10; these are the
    # frames `ffmpeg -vf fps=10` outputs (checked against ffmpeg itself in test_encode.py)
    idx = sample_times(SamplingSpec("dense", fps=10), 0.0, 1.0, CFR)
    assert idx.tolist() == [1, 3, 6, 8, 11, 13, 16, 18, 21, 23]
    # a slower source repeats frames, as the fps filter does
    slow = np.arange(10) / 5.0
    assert sample_times(SamplingSpec("dense", fps=10), 0.0, 1.0, slow).tolist() == [
        0,
        0,
        1,
        1,
        2,
        2,
        3,
        3,
        4,
        4,
    ]


def test_dense_max_frames_window():
    spec = SamplingSpec("dense", fps=10, max_frames=8)
    idx = sample_times(spec, 0.0, 4.0, CFR)  # 40 slots -> 0.8 s window [1.6, 2.4) centred at 2.0 s
    assert len(idx) == 8
    assert CFR[idx].tolist() == pytest.approx([1.64, 1.72, 1.84, 1.92, 2.04, 2.12, 2.24, 2.32])
    rand = SamplingSpec("dense", fps=10, max_frames=8, window="rand")
    starts = {float(CFR[sample_times(rand, 0.0, 4.0, CFR, clip_rng(s, "k"))[0]]) for s in range(10)}
    assert len(starts) > 3 and all(0.0 <= t <= 3.2 for t in starts)


def test_dense_on_variable_frame_rate(vfr_times):
    # 25 fps for 1 s, then 10 fps: at 10 fps sampling the second part gives every frame
    idx = sample_times(SamplingSpec("dense", fps=10), 1.0, 2.0, vfr_times)
    assert vfr_times[idx].tolist() == pytest.approx(1.0 + np.arange(10) / 10)
    uniform = sample_times(SamplingSpec("uniform", 4), 0.0, None, vfr_times)
    assert uniform.tolist() == frozen_reference(4, 50)[0]  # by frame, not by nominal rate


def test_all_and_empty():
    assert sample_times(SamplingSpec("all"), 0.5, 0.7, CFR).tolist() == [13, 14, 15, 16, 17]
    assert len(sample_times(SamplingSpec("uniform"), 10.0, 11.0, CFR)) == 0
    assert candidates(CFR, 3.96, None).tolist() == [99]


def test_spec_validation_names_the_key():
    with pytest.raises(ValueError, match="sampling.mode"):
        SamplingSpec("sparse")
    with pytest.raises(ValueError, match="sampling.fps"):
        SamplingSpec("dense")
    with pytest.raises(ValueError, match="sampling.protocol"):
        SamplingSpec("rand", protocol="lavis")
    assert SamplingSpec("headtail").protocol == "lavis"
    assert SamplingSpec("dense", fps=5).to_dict()["protocol"] == "milnce"


@settings(max_examples=200, deadline=None)
@given(
    mode=st.sampled_from(["uniform", "rand", "headtail"]),
    n=st.integers(1, 32),
    vlen=st.integers(1, 300),
    start=st.floats(0, 5),
    length=st.floats(0.01, 10),
    seed=st.integers(0, 1000),
)
def test_sparse_modes_stay_inside_the_clip(mode, n, vlen, start, length, seed):
    times = np.sort(np.random.default_rng(seed).uniform(0, 10, vlen))
    times = np.unique(times)
    idx = sample_times(SamplingSpec(mode, n), start, start + length, times, clip_rng(seed, "k"))
    inside = candidates(times, start, start + length)
    assert set(idx.tolist()) <= set(inside.tolist())
    assert idx.tolist() == sorted(idx.tolist())
    expected = min(n, len(inside))
    if mode == "headtail":  # an odd N gives N - 1 (LAVIS); N // 2 == 0 still gives one frame
        expected = max(expected // 2 * 2, 1) if expected else 0
    assert len(idx) == expected
