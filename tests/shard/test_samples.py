"""vtdata/shard/samples.py: both stores round-trip to the source frames; bad media fail their clips."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from vtdata.media.image import load_image
from vtdata.media.resize import ResizeSpec
from vtdata.shard.config import load_pipeline
from vtdata.shard.media import refs_from_store
from vtdata.shard.run import shard


def _source_frames(path: str) -> dict[float, np.ndarray]:
    with av.open(path) as container:
        return {
            round(float(f.pts * f.time_base), 6): f.to_ndarray(format="rgb24")
            for f in container.decode(video=0)
        }


def _samples(out: Path) -> dict[str, dict[str, bytes]]:
    samples: dict[str, dict[str, bytes]] = {}
    for tar_path in sorted(out.glob("*.tar")):
        with tarfile.open(tar_path) as tar:
            for member in tar.getmembers():
                key, ext = member.name.split(".", 1)
                samples.setdefault(key, {})[ext] = tar.extractfile(member).read()
    return samples


def _stored_frames(sample: dict[str, bytes]) -> list[np.ndarray]:
    if "mp4" in sample:
        with av.open(io.BytesIO(sample["mp4"])) as container:
            return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    jpgs = sorted(k for k in sample if k.endswith(".jpg"))
    return [np.asarray(Image.open(io.BytesIO(sample[k])).convert("RGB")) for k in jpgs]


@pytest.fixture(scope="module")
def full_size(shard_input, tmp_path_factory):
    """Both stores at the source size (no resize), so stored frames compare pixel for pixel."""
    refs = refs_from_store(shard_input.store)
    outs = {}
    for store in ("frames", "clip"):
        config = load_pipeline(None, {"store": store, "resize.short_side": None, "sampling.num_frames": 4})
        outs[store] = tmp_path_factory.mktemp(store)
        shard(shard_input.clips, outs[store], config, refs)
    return refs, outs


@pytest.mark.parametrize(("store", "tolerance"), [("frames", 12.0), ("clip", 6.0)])
def test_stored_frames_are_the_source_frames_at_their_times(full_size, store, tolerance):
    refs, outs = full_size
    samples = _samples(outs[store])
    checked = 0
    for key, sample in samples.items():
        meta = json.loads(sample["json"])
        if meta["media"] != "video":
            continue
        source = _source_frames(dict(refs.sorted_rows())[meta["id"]].path)
        times = sorted(source)
        stored = _stored_frames(sample)
        assert len(stored) == meta["num_frames"] == len(meta["frame_times"])
        assert stored[0].shape == (meta["height"], meta["width"], 3) == (64, 96, 3)
        for frame, t in zip(stored, meta["frame_times"], strict=True):
            assert meta["start"] - 1e-6 <= t < meta["end"]
            i = times.index(round(t, 6))
            error = np.abs(frame.astype(int) - source[times[i]].astype(int)).mean()
            assert error < tolerance, (key, t, error)
            if meta["id"] == "vid_a":  # testsrc2 moves every frame: the neighbours must be farther away
                for j in (i - 1, i + 1):
                    if 0 <= j < len(times):
                        assert np.abs(frame.astype(int) - source[times[j]].astype(int)).mean() > error
            checked += 1
    assert checked >= 20


def test_frames_store_follows_the_sampling(full_size):
    _, outs = full_size
    meta = json.loads(_samples(outs["frames"])["vid_a_1"]["json"])
    # uniform 4 of the 12 frames in [1.0, 2.2): Frozen's segment middles (0+2)//2, (3+5)//2, ...
    assert meta["frame_times"] == [1.1, 1.4, 1.7, 2.0]
    assert meta["sampling"]["mode"] == "uniform" and meta["sampling"]["protocol"] == "frozen"
    assert meta["store"] == "frames" and meta["fps"] is None
    assert meta["texts"] == ["a one"] and meta["dataset"] == "webvid"
    first = json.loads(_samples(outs["frames"])["vid_a_0"]["json"])
    assert first["texts"] == ["a zero", "a zero bis"] and first["context"] == "ctx a"


def test_clip_store_is_short_gop_h264_without_b_frames(full_size):
    _, outs = full_size
    sample = _samples(outs["clip"])["vid_b_0"]
    meta = json.loads(sample["json"])
    assert meta["fps"] == 8.0 and meta["num_frames"] == 16  # 2 s at 8 fps
    with av.open(io.BytesIO(sample["mp4"])) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        packets = [p for p in container.demux(stream) if p.size]
    keyframes = [i for i, p in enumerate(packets) if p.is_keyframe]
    assert keyframes == [0, 8]  # one keyframe per second
    assert [p.pts for p in packets] == sorted(p.pts for p in packets)  # no reordering: no B-frames
    assert meta["source"]["decoder"] == "ffmpeg" and meta["source"]["codec"] == "h264"


@pytest.mark.parametrize("store", ["frames", "clip"])
def test_images_are_one_frame_samples(full_size, shard_input, store):
    refs, outs = full_size
    for item_id in ("img_a", "img_b"):
        sample = _samples(outs[store])[f"{item_id}_0"]
        assert sorted(sample) == ["000.jpg", "json", "txt"]
        meta = json.loads(sample["json"])
        assert (meta["media"], meta["num_frames"], meta["dataset"]) == ("image", 1, "cc3m")
        stored = _stored_frames(sample)[0]
        source = load_image(dict(refs.sorted_rows())[item_id].path)
        assert np.abs(stored.astype(int) - source.astype(int)).mean() < 6


def test_resize_short_side_without_upscale(shard_input, tmp_path):
    refs = refs_from_store(shard_input.store)
    config = load_pipeline(None, {"resize.short_side": 32, "resize.crop": True, "shards.splits": ["val"]})
    shard(shard_input.clips, tmp_path / "small", config, refs)
    config = load_pipeline(None, {"resize.short_side": 500, "store": "clip", "shards.splits": ["val"]})
    shard(shard_input.clips, tmp_path / "big", config, refs)
    small = _samples(tmp_path / "small")["vid_d_0"]
    assert _stored_frames(small)[0].shape == (32, 32, 3)
    big = _samples(tmp_path / "big")["vid_d_0"]
    assert _stored_frames(big)[0].shape == (64, 96, 3)  # never upscaled
    assert ResizeSpec(32, crop=True).plan(96, 64).out_size == (32, 32)


def test_bad_media_fail_only_their_clips(full_size):
    _, outs = full_size
    for store, out in outs.items():
        stats = json.loads((out / "stats.json").read_text())
        reasons = {f["clip_id"]: f["reason"] for f in stats["failures"]}
        assert reasons == {"vid_bad_0": "corrupt", "vid_gone_0": "missing_media"}, store
        messages = {f["clip_id"]: f["message"] for f in stats["failures"]}
        assert "vid_bad.mp4" in messages["vid_bad_0"] and "404" in messages["vid_gone_0"]
        assert stats["total"]["samples"] == 9 and stats["total"]["failed"] == 2
        assert "vid_bad_0" not in _samples(out) and "vid_c_0" in _samples(out)


@pytest.mark.parametrize("store", ["frames", "clip"])
def test_a_truncated_download_fails_only_the_clips_past_the_cut(tmp_path, store):
    from vtdata.media.ffmpeg import run_ffmpeg
    from vtdata.records.clips import Clip, write_clips
    from vtdata.shard.media import refs_from_table

    full = tmp_path / "full.mp4"
    run_ffmpeg(
        ["-f", "lavfi", "-i", "testsrc2=size=96x64:rate=10", "-t", "3", "-c:v", "libx264"]
        + ["-pix_fmt", "yuv420p", "-g", "5", "-movflags", "+faststart", "-y", str(full)]
    )
    data = full.read_bytes()
    (tmp_path / "cut.mp4").write_bytes(data[: len(data) // 2])  # index first, half the frames
    (tmp_path / "media.csv").write_text("id,path\ncut,cut.mp4\n")
    clips = write_clips(
        [Clip("cut_0", "cut", 0.0, 1.0, "a"), Clip("cut_1", "cut", 2.0, 3.0, "b")], tmp_path / "c.parquet"
    )
    config = load_pipeline(None, {"store": store})
    summary = shard(clips, tmp_path / "out", config, refs_from_table(tmp_path / "media.csv"))
    assert summary.total["samples"] == 1
    [failure] = summary.stats["failures"]
    assert (
        failure["clip_id"] == "cut_1" and failure["reason"] == "corrupt" and "truncated" in failure["message"]
    )
