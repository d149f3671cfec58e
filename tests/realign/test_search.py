import numpy as np

from vtdata.realign import search


def test_shifts_are_symmetric_steps_within_the_range():
    assert search.shifts(1.0, 0.5).tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert search.shifts(1.2, 0.5).tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert search.shifts(0.0, 0.5).tolist() == [0.0]


def test_candidates_stay_mostly_inside_the_video():
    cands = search.candidates(1.0, 3.0, 10.0, search.shifts(4.0, 1.0))
    shifts = [d for d, _, _ in cands]
    assert shifts == [-2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0]  # -3 and -4 leave < half the window inside
    assert cands[0] == (-2.0, 0.0, 1.0)  # clamped at 0
    assert all(0 <= a < b <= 10 for _, a, b in cands)
    # a caption longer than the video still gets one candidate: itself, clamped
    assert search.candidates(0.0, 30.0, 10.0, search.shifts(2.0, 1.0)) == [(0.0, 0.0, 10.0)]


def test_pick_frames_takes_segment_middles_inside_the_window():
    times = np.arange(40) / 4.0  # 4 fps, 10 s
    picks = search.pick_frames(times, 2.0, 4.0, 4)  # frames 8..15 inside
    assert picks.tolist() == [8, 10, 12, 14]
    assert search.pick_frames(times, 2.0, 2.5, 4).tolist() == [8, 8, 9, 9]  # two inside: repeated
    assert search.pick_frames(times, 20.0, 21.0, 2).tolist() == [39, 39]  # none inside: the nearest


def test_choose_takes_the_best_then_the_smallest_shift_and_scores_the_margin():
    offsets = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    best, score = search.choose(np.array([0.1, 0.9, 0.2, 0.9, 0.1]), offsets)
    assert best == 1 and abs(score - 0.7) < 1e-9  # a tie: -0.5 and 0.5, the earlier wins
    best, score = search.choose(np.array([0.3, 0.3, 0.3, 0.3, 0.3]), offsets)
    assert best == 2 and score == 0.0  # flat: no shift, no alignability


def test_neighbours_outvote_a_flat_curve_but_not_a_clear_peak():
    offsets = np.array([-1.0, 0.0, 1.0])
    sure = (offsets, np.array([0.1, 0.1, 0.9]))  # both neighbours say +1
    flat = (offsets, np.array([0.50, 0.51, 0.50]))  # barely prefers 0
    clear = (offsets, np.array([0.9, 0.1, 0.1]))  # says -1, loudly
    priors = search.neighbour_prior([sure, sure, flat], [0.0, 5.0, 10.0], weight=1.0, span=30.0)
    assert search.choose(flat[1], offsets, priors[2])[0] == 2  # follows its neighbours
    assert search.choose(flat[1], offsets)[0] == 1  # alone, it would not move
    priors = search.neighbour_prior([sure, clear], [0.0, 5.0], weight=0.5, span=30.0)
    assert search.choose(clear[1], offsets, priors[1])[0] == 0
    far = search.neighbour_prior([sure, flat], [0.0, 1000.0], weight=1.0, span=30.0)
    assert np.allclose(far[1], 0.0, atol=1e-6)  # neighbours too far away have no say
