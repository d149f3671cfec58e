"""In-memory decoding: decord and PyAV agree, simplejpeg gives PIL's pixels; bad bytes raise."""

from __future__ import annotations

import io

import numpy as np
import pytest
import webdataset as wds
from PIL import Image

from vtdata.media.errors import MediaError
from vtdata.media.jpeg import FrameBuffer, decode_jpeg
from vtdata.media.samples import (
    decode_clip,
    decode_frames,
    decode_image_pil,
    decode_mp4_decord,
    decode_mp4_pyav,
    frame_members,
)


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


def _jpeg_bytes(pixels: np.ndarray, mode: str = "RGB", fmt: str = "JPEG") -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).convert(mode).save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize("mode", ["RGB", "L", "CMYK"])
def test_decode_jpeg_gives_pils_pixels_for_every_colour_space(mode):
    pixels = np.random.default_rng(1).integers(0, 256, (40, 56, 3), dtype=np.uint8)
    data = _jpeg_bytes(pixels, mode)
    expected = decode_image_pil(data)
    assert expected.shape == (40, 56, 3)
    assert np.array_equal(decode_jpeg(data), expected)
    out = np.zeros((40, 56, 3), np.uint8)
    assert np.shares_memory(decode_jpeg(data, out=out), out) and np.array_equal(out, expected)


def test_a_png_in_a_jpg_member_still_decodes_and_a_jpeg_cut_after_its_header_raises(shard_sets):
    pixels = np.random.default_rng(2).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    assert np.array_equal(decode_jpeg(_jpeg_bytes(pixels, fmt="PNG")), pixels)
    good = _first_sample(shard_sets.frames / "train-000000.tar")["000.jpg"]
    with pytest.raises((ValueError, OSError)):
        decode_jpeg(good[: len(good) * 2 // 3])
    with pytest.raises(ValueError, match="72x48"):
        decode_jpeg(good, out=np.zeros((10, 10, 3), np.uint8))


def test_decode_frames_reuses_the_buffer_and_refuses_mixed_sizes(shard_sets):
    sample = _first_sample(shard_sets.frames / "train-000000.tar")
    buffer = FrameBuffer()
    first, idx = decode_frames(sample, None, lambda t: np.array([0, 2]), buffer=buffer)
    address = buffer.array.ctypes.data
    second, _ = decode_frames(sample, None, lambda t: np.array([1]), buffer=buffer)
    assert first.shape == (2, 48, 72, 3) and list(idx) == [0, 2]
    assert buffer.array.ctypes.data == address and np.shares_memory(first, second)  # no new allocation
    assert np.array_equal(second[0], decode_image_pil(sample["001.jpg"]))
    sample["001.jpg"] = _jpeg_bytes(np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(MediaError, match="001.jpg.*8x8"):
        decode_frames(sample, None, lambda t: np.array([0, 1]), buffer=buffer)
