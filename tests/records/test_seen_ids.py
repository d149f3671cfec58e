"""SeenIds against a Python set, and the Arrow and list forms of string_hashes agreeing."""

import random

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from vtdata.records.ids import SeenIds, string_hashes


def test_first_seen_and_contains_match_a_set_over_many_merges():
    seen, ref, rng = SeenIds(), set(), random.Random(0)
    for _ in range(400):
        ids = [f"v{rng.randrange(30000)}" for _ in range(rng.randrange(1, 300))]
        expected = []
        for i in ids:
            expected.append(i not in ref)
            ref.add(i)
        assert seen.first_seen(ids) == expected
        probe = [f"v{rng.randrange(30000)}" for _ in range(64)]
        assert seen.contains(probe) == [p in ref for p in probe]
    assert len(seen._levels) < 20  # levels merge: lookups stay logarithmic


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=12), max_size=40), st.integers(0, 5))
def test_hashes_of_a_list_and_of_a_sliced_arrow_array_agree(values, cut):
    listed = string_hashes(values)
    arrow = string_hashes(pa.array(["pad"] * cut + values).slice(cut))
    chunked = string_hashes(
        pa.chunked_array([pa.array(values[:3], pa.string()), pa.array(values[3:], pa.string())])
    )
    for a, b, c in zip(listed, arrow, chunked, strict=True):
        assert np.array_equal(a, b) and np.array_equal(a, c)


def test_distinct_strings_get_distinct_hashes():
    values = (
        [""]
        + [chr(c) for c in range(1, 300)]
        + [f"{k:08d}" for k in range(100000)]
        + ["a" * n for n in range(200)]
    )
    values = list(dict.fromkeys(values))  # "" and "a" come twice above
    a, b = string_hashes(values)
    pairs = set(zip(a.tolist(), b.tolist(), strict=True))
    assert len(pairs) == len(values)
    assert len(set(a.tolist())) == len(values)  # each hash alone already separates them
