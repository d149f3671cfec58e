import math

import pytest

from vtdata.train.schedule import cosine_lr


def test_warmup_is_linear_and_reaches_the_base_rate():
    assert cosine_lr(0, 1.0, 10, 100) == pytest.approx(0.1)
    assert cosine_lr(4, 1.0, 10, 100) == pytest.approx(0.5)
    assert cosine_lr(10, 1.0, 10, 100) == pytest.approx(1.0)


def test_cosine_halfway_and_end():
    assert cosine_lr(55, 1.0, 10, 100, min_lr=0.0) == pytest.approx(0.5)
    assert cosine_lr(100, 1.0, 10, 100, min_lr=0.1) == pytest.approx(0.1)
    assert cosine_lr(500, 1.0, 10, 100, min_lr=0.1) == pytest.approx(0.1)


def test_monotone_after_warmup():
    rates = [cosine_lr(s, 3e-4, 5, 50) for s in range(5, 50)]
    assert all(a >= b for a, b in zip(rates, rates[1:], strict=False))
    assert not math.isnan(cosine_lr(0, 1.0, 0, 0))
