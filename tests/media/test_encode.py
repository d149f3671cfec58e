"""The clip store's encoder: one ffmpeg run, exact geometry, seekable output, the right frames."""

from __future__ import annotations

import io

import av
import numpy as np
import pytest

from vtdata.media.decode import ClipRequest, extract_clips
from vtdata.media.encode import count_video_frames, encode_clip
from vtdata.media.errors import MediaError
from vtdata.media.ffmpeg import run_ffmpeg
from vtdata.media.frameindex import index_file
from vtdata.media.resize import ResizeSpec
from vtdata.media.sampling import SamplingSpec, sample_times

CFR = np.arange(50) / 25.0


def decode_mp4(data: bytes) -> dict:
    with av.open(io.BytesIO(data)) as container:
        video = container.streams.video[0]
        frames, keys, types = [], [], []
        for frame in container.decode(video):
            frames.append(frame.to_ndarray(format="rgb24"))
            keys.append(frame.key_frame)
            types.append(av.video.frame.PictureType(frame.pict_type).name)
        return {
            "frames": np.stack(frames),
            "keys": np.flatnonzero(keys),
            "types": set(types),
            "pix_fmt": video.codec_context.pix_fmt,
            "audio": len(container.streams.audio),
            "fps": float(video.average_rate),
        }


def test_round_trip(media, codes):
    data = encode_clip(media("h264"), 0.4, 1.6, size=ResizeSpec(36), fps=10, gop=5)
    out = decode_mp4(data)
    assert data[4:8] == b"ftyp" and data.index(b"moov") < data.index(b"mdat")  # +faststart
    assert len(out["frames"]) == pytest.approx(12, abs=1)  # fps x duration
    assert out["frames"].shape[1:] == (36, 64, 3)
    assert out["types"] <= {"I", "P"}  # no B-frames
    assert np.all(np.diff(out["keys"]) <= 5) and out["keys"][0] == 0  # keyframe interval <= gop
    assert out["pix_fmt"] == "yuv420p" and out["fps"] == pytest.approx(10)
    # the frames ARE the source frames the fps filter picks, which dense sampling reproduces
    expected = sample_times(SamplingSpec("dense", fps=10), 0.4, 1.6, CFR)
    assert codes(out["frames"]) == expected.tolist()
    # and match the decoded source within x264 tolerance
    (source,) = extract_clips(
        media("h264"), [ClipRequest("s", 0.4, 1.6, SamplingSpec("dense", fps=10), ResizeSpec(36))]
    )
    assert np.abs(out["frames"].astype(np.int16) - source.frames).mean() < 8


@pytest.mark.parametrize("start,end,fps", [(1.0, 3.0, 10), (0.0, None, 25), (0.3, 1.05, 8)])
def test_frame_count_matches_dense_sampling(media, codes, start, end, fps):
    """Clips running past the video's end and fps equal to the source's: ffmpeg and `dense` agree."""
    out = decode_mp4(encode_clip(media("h264"), start, end, size=ResizeSpec(), fps=fps))
    assert codes(out["frames"]) == sample_times(SamplingSpec("dense", fps=fps), start, end, CFR).tolist()


def test_crop_and_no_upscale(media):
    square = decode_mp4(encode_clip(media("h264"), 0.0, 1.0, size=ResizeSpec(36, crop=True), fps=5))
    assert square["frames"].shape[1:3] == (36, 36)
    native = decode_mp4(encode_clip(media("h264"), 0.0, 1.0, size=ResizeSpec(224), fps=5))
    assert native["frames"].shape[1:3] == (72, 128)  # never upscaled unless asked
    up = decode_mp4(encode_clip(media("h264"), 0.0, 1.0, size=ResizeSpec(144, upscale=True), fps=5))
    assert up["frames"].shape[1:3] == (144, 256)


def test_variable_frame_rate_source(media, codes, vfr_times):
    out = decode_mp4(encode_clip(media("vfr"), 0.5, 2.0, size=ResizeSpec(), fps=10))
    assert codes(out["frames"]) == sample_times(SamplingSpec("dense", fps=10), 0.5, 2.0, vfr_times).tolist()


@pytest.mark.parametrize("name", ["hevc_10bit", "av1", "vp9_10bit", "raw_h264", "streamed_mkv"])
def test_any_source_codec(media, codes, name):
    out = decode_mp4(encode_clip(media(name), 0.5, 1.5, size=ResizeSpec(), fps=5))
    assert out["pix_fmt"] == "yuv420p"  # 10-bit sources come out 8-bit
    assert codes(out["frames"]) == sample_times(SamplingSpec("dense", fps=5), 0.5, 1.5, CFR).tolist()


def test_streams_and_audio(media, codes):
    largest = decode_mp4(encode_clip(media("two_streams"), 0.0, 1.0, size=ResizeSpec(), fps=5))
    assert largest["frames"].shape[1:3] == (72, 128) and largest["audio"] == 0
    first_second = sample_times(SamplingSpec("dense", fps=5), 0.0, 1.0, CFR).tolist()
    assert codes(largest["frames"]) == first_second == [2, 7, 12, 17, 22]
    small = decode_mp4(encode_clip(media("two_streams"), 0.0, 1.0, size=ResizeSpec(), fps=5, stream_index=0))
    assert small["frames"].shape[1:3] == (36, 64)
    with_audio = decode_mp4(
        encode_clip(media("two_streams"), 0.0, 1.0, size=ResizeSpec(), fps=5, keep_audio=True)
    )
    assert with_audio["audio"] == 1
    broken = decode_mp4(encode_clip(media("bad_audio"), 0.0, 1.0, size=ResizeSpec(), fps=5, keep_audio=True))
    assert codes(broken["frames"]) == first_second  # undecodable audio does not cost the video


def test_real_file_with_audio(real):
    data = encode_clip(
        real / "nasa_13013.mp4", 2.0, 5.0, size=ResizeSpec(112, crop=True), fps=8, keep_audio=True
    )
    out = decode_mp4(data)
    assert out["frames"].shape[1:] == (112, 112, 3) and out["audio"] == 1
    assert len(out["frames"]) == pytest.approx(24, abs=1)


def test_failures(media):
    with pytest.raises(MediaError) as err:
        encode_clip(media("corrupt"), 0.0, 1.0, size=ResizeSpec(36), fps=5)
    assert err.value.reason == "corrupt"
    with pytest.raises(MediaError) as err:
        encode_clip(media("h264"), 5.0, 6.0, size=ResizeSpec(36), fps=5)
    assert err.value.reason == "empty" and "5.000" in err.value.message


def test_dense_slot_count_matches_the_fps_filter_at_the_end_of_a_ntsc_video(tmp_path):
    """29.97 fps: ffmpeg's fps filter rounds the stretch to the nearest slot at EOF (it used to be
    counted up, one slot too many in about half of these windows)."""
    src = tmp_path / "ntsc.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=96x64:rate=30000/1001", "-t", "4", "-c:v", "libx264",
                "-pix_fmt", "yuv420p", "-g", "15", "-y", str(src)])  # fmt: skip
    info, index = index_file(src)
    rng = np.random.default_rng(1)
    for w in range(16):
        start = float(np.round(rng.uniform(0, 3), 3))
        end = None if w % 3 == 0 else float(np.round(min(4.0, start + rng.uniform(0.3, 2)), 3))
        data = encode_clip(src, start, end, size=ResizeSpec(short_side=None), fps=10.0, info=info)
        predicted = sample_times(SamplingSpec("dense", fps=10.0), start, end, index.times)
        assert count_video_frames(data) == len(predicted), (start, end)
