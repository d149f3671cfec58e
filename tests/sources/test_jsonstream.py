import json
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vtdata.sources.jsonstream import iter_object
from vtdata.sources.report import SourceFormatError

_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None)
@given(
    obj=st.dictionaries(st.text(max_size=6), _values, max_size=6),
    chunk=st.integers(1, 9),
    indent=st.sampled_from([None, 1]),
)
def test_matches_json_load_at_any_chunk_boundary(tmp_path_factory, obj, chunk, indent):
    path = tmp_path_factory.mktemp("j") / "o.json"
    path.write_text(json.dumps(obj, indent=indent), encoding="utf-8")
    assert dict(iter_object(path, chunk_chars=chunk)) == obj


def test_empty_object(tmp_path):
    (tmp_path / "e.json").write_text(" { } \n")
    assert list(iter_object(tmp_path / "e.json")) == []


@pytest.fixture(scope="module")
def big_caption_json(tmp_path_factory):
    """~6 MB caption.json written member by member (never built in memory)."""
    path = tmp_path_factory.mktemp("big") / "caption.json"
    n = 4000
    with open(path, "w", encoding="utf-8") as f:
        f.write("{")
        for i in range(n):
            entry = {
                "start": [k * 2.5 for k in range(40)],
                "end": [k * 2.5 + 2.0 for k in range(40)],
                "text": [f"video {i} says word number {k} of its narration" for k in range(40)],
            }
            f.write(("," if i else "") + json.dumps(f"vid{i:07d}") + ":" + json.dumps(entry) + "\n")
        f.write("}")
    return path, n


def test_streams_multi_mb_file_with_small_peak_memory(big_caption_json):
    path, n = big_caption_json
    size = path.stat().st_size
    assert size > 5_000_000
    tracemalloc.start()
    try:
        count = 0
        for _key, value in iter_object(path, chunk_chars=1 << 16):
            count += 1
            assert len(value["text"]) == 40
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == n
    assert peak < size / 10, f"peak {peak} bytes for a {size}-byte file"


def test_yields_first_members_before_reading_the_rest(big_caption_json, tmp_path):
    """Members before a truncation arrive first; the error comes only when the reader gets there."""
    path, n = big_caption_json
    data = path.read_bytes()
    cut = tmp_path / "truncated.json"
    cut.write_bytes(data[: len(data) * 3 // 4])
    it = iter_object(cut, chunk_chars=1 << 16)
    assert next(it)[0] == "vid0000000"
    seen = 1
    with pytest.raises(SourceFormatError) as err:
        for _ in it:
            seen += 1
    assert n // 2 < seen < n
    message = str(err.value)
    assert str(cut) in message and "character" in message and f"vid{seen - 1:07d}" in message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('["a", "list"]', "expected one of '{'"),
        ('{"a": 1 "b": 2}', "expected one of ',}'"),
        ('{"a": 1}{"b": 2}', "extra data"),
        ('{"a": {"start": [1, 2}', "character"),
        ("", "end of file"),
    ],
)
def test_broken_json_is_a_format_error(tmp_path, text, fragment):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(SourceFormatError, match="re-download") as err:
        list(iter_object(path))
    assert fragment in str(err.value)


def test_reads_gzip(tmp_path):
    import gzip

    path = tmp_path / "caption.json.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        json.dump({"x": {"start": [0], "end": [1], "text": ["hi"]}}, f)
    assert list(iter_object(path)) == [("x", {"start": [0], "end": [1], "text": ["hi"]})]
