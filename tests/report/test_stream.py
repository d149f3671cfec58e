"""`vtdata.report.stream`: exact summaries and a bounded, seeded uniform sample."""

import numpy as np

from vtdata.report.stream import Categories, Distribution, Reservoir


def test_distribution_is_exact_and_its_sample_bounded():
    values = np.random.default_rng(1).exponential(3.0, 50_000)
    dist = Distribution("lengths", "s", seed=0, capacity=1000)
    dist.extend(values.tolist() + [None, float("nan")])
    assert dist.count == 50_000
    assert np.isclose(dist.total, values.sum()) and dist.low == values.min() and dist.high == values.max()
    assert np.isclose(dist.mean, values.mean())
    assert len(dist.sample) == 1000 and not dist.exact
    assert abs(np.median(dist.sample) - np.median(values)) < 0.3  # a uniform sample, not the first 1000
    assert max(dist.sample) > np.quantile(values, 0.99)


def test_same_values_and_seed_give_the_same_sample():
    def sampled(seed):
        dist = Distribution("x", seed=seed, capacity=50)
        dist.extend(range(10_000))
        return dist.sample

    assert sampled(3) == sampled(3)
    assert sampled(3) != sampled(4)
    small = Distribution("x", capacity=50)
    small.extend(range(20))
    assert small.exact and small.sample == list(range(20))


def test_categories_rank_and_cap_their_labels():
    cats = Categories("codecs", limit=3)
    for label in ["h264"] * 5 + ["vp9"] * 3 + ["av1"] * 3 + ["hevc", "mpeg4"]:
        cats.add(label)
    assert cats.count == 13 and cats.other == 2
    assert cats.top(2) == [("h264", 5), ("av1", 3), ("other", 5)]


def test_reservoir_keeps_k_items_uniformly():
    hits = np.zeros(100)
    for seed in range(300):
        r = Reservoir(5, seed)
        for i in range(100):
            r.add(i)
        assert len(r.items) == 5 and r.seen == 100
        hits[r.items] += 1
    assert hits[:50].sum() / hits.sum() > 0.4  # early and late items are both drawn
