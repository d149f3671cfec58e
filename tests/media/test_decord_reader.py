"""vtdata/media/decord_reader.py: decord is refused when it disagrees with our index, and a hung call
times out without blocking."""

from __future__ import annotations

import time

import pytest

from vtdata.media import decode, decord_reader
from vtdata.media.decode import ClipRequest, extract_clips
from vtdata.media.sampling import SamplingSpec


def run(path, requests, **kwargs):
    return {r.key: r for r in extract_clips(path, requests, **kwargs)}


def test_decord_guard_falls_back_when_its_count_is_wrong(media, codes):
    # the frame list comes from our own demux; a decord that disagrees (here: told to open another file)
    # is refused and PyAV serves, never decord's extra or substituted frames
    out = run(media("h264"), [ClipRequest("x", 0.0, None, SamplingSpec("all"))], decoder="decord")
    assert out["x"].decoder == "decord"
    source = decode._Source(media("h264"), threads=0)
    with source:
        source.path = media("short")  # decord now sees 5 frames where the index holds 50
        assert decord_reader.DecordReader.open(source, [ClipRequest("x")], strict=True) is None


def test_bounded_call_times_out_without_blocking():
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        decord_reader._bounded(lambda: time.sleep(5), timeout=0.2)
    assert time.monotonic() - started < 2
    assert decord_reader._decord_disabled.is_set()
    decord_reader._decord_disabled.clear()
    assert decord_reader._bounded(lambda: 42, timeout=5) == 42
