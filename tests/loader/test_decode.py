"""In-memory decoding: decord and the PyAV fallback deliver the same frames; bad bytes raise."""

from __future__ import annotations

import numpy as np
import pytest
import webdataset as wds

from vtdata.loader.decode import decode_clip, decode_jpeg, decode_mp4_decord, decode_mp4_pyav, frame_members
from vtdata.media.errors import MediaError


def _first_sample(tar):
    return next(iter(wds.WebDataset(str(tar), shardshuffle=False)))


def _pick(times):
    return np.array([0, 9, 10, len(times) - 1])


def test_decord_and_pyav_agree_on_a_clip_store_mp4(shard_sets):
    data = _first_sample(shard_sets.clip / "train-000000.tar")["mp4"]
    a, ia = decode_mp4_decord(data, _pick, None, 10.0, None)
    b, ib = decode_mp4_pyav(data, _pick, 10.0, None)
    assert a.shape == b.shape == (4, 64, 96, 3) and list(ia) == list(ib)
    assert np.abs(a.astype(int) - b.astype(int)).max() <= 3
    frames, _, decoder = decode_clip(data, _pick)
    assert decoder == "decord" and np.array_equal(frames, a)


def test_frame_count_hint_caps_decord(shard_sets):
    data = _first_sample(shard_sets.clip / "train-000000.tar")["mp4"]
    seen = []
    decode_mp4_decord(data, lambda times: seen.append(len(times)) or np.array([0]), 12, 10.0, None)
    assert seen == [12]


def test_garbage_mp4_raises_media_error():
    with pytest.raises(MediaError, match="decord.*PyAV"):
        decode_clip(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 500, _pick)


def test_jpeg_members_in_order_and_a_bad_jpeg_raises(shard_sets):
    sample = {"json": b"{}", "010.jpg": b"", "002.jpg": b"", "000.jpg": b"", "txt": b""}
    assert frame_members(sample) == ["000.jpg", "002.jpg", "010.jpg"]
    good = _first_sample(shard_sets.frames / "train-000000.tar")["000.jpg"]
    assert decode_jpeg(good).shape == (48, 72, 3)
    with pytest.raises(OSError):
        decode_jpeg(good[:200])
