"""probe() on every codec, several streams, missing durations, and bad files."""

from __future__ import annotations

import pytest

from vtdata.media.errors import MediaError
from vtdata.media.probe import probe

CODECS = {
    "h264": ("h264", 8),
    "h264_10bit": ("h264", 10),
    "hevc": ("hevc", 8),
    "hevc_10bit": ("hevc", 10),
    "vp8": ("vp8", 8),
    "vp9": ("vp9", 8),
    "vp9_10bit": ("vp9", 10),
    "av1": ("av1", 8),
    "av1_10bit": ("av1", 10),
}


@pytest.mark.parametrize("name", sorted(CODECS))
def test_probe_codecs(media, name):
    info = probe(media(name))
    codec, depth = CODECS[name]
    assert (info.codec, info.bit_depth) == (codec, depth)
    assert (info.width, info.height, info.fps) == (128, 72, 25.0)
    assert info.duration == pytest.approx(2.0, abs=0.05)
    assert info.num_frames == 50
    assert (info.stream_index, info.n_video_streams, info.has_audio) == (0, 1, False)


def test_largest_of_two_video_streams(media):
    info = probe(media("two_streams"))  # stream 0 is 64x36, stream 1 is 128x72, stream 2 audio
    assert (info.stream_index, info.n_video_streams, info.width, info.height) == (1, 2, 128, 72)
    assert info.has_audio


@pytest.mark.parametrize("name", ["raw_h264", "streamed_mkv"])
def test_duration_without_container_duration(media, name):
    info = probe(media(name))
    assert info.duration_source == "packets"
    assert info.duration == pytest.approx(2.0, abs=0.05)
    assert info.num_frames == 50  # duration x fps when the container does not count


def test_mpegts_start_time(media):
    info = probe(media("mpegts"))
    assert info.start_time > 0  # MPEG-TS clocks do not start at zero; vtdata times are relative to it
    assert info.duration == pytest.approx(2.0, abs=0.05)


def test_real_nasa_file(real):
    info = probe(real / "nasa_13013.mp4")  # 320x180 and 480x270 video, two audio streams, moov at the end
    assert (info.stream_index, info.n_video_streams, info.width, info.height) == (3, 2, 480, 270)
    assert info.has_audio and info.codec == "h264"
    assert info.fps == pytest.approx(29.97, abs=0.01)
    assert info.duration == pytest.approx(13.013, abs=0.01)


def test_real_webm(real):
    info = probe(real / "big_buck_bunny_432_433.webm")
    assert (info.codec, info.width, info.height, info.container) == ("vp8", 1280, 720, "matroska,webm")
    assert info.duration == pytest.approx(1.0, abs=0.05)


def test_bad_files(media, tmp_path):
    with pytest.raises(MediaError) as err:
        probe(media("corrupt"))
    assert err.value.reason == "corrupt" and "corrupt.mp4" in err.value.message
    with pytest.raises(MediaError) as err:
        probe(tmp_path / "missing.mp4")
    assert err.value.reason == "error"
    audio_only = tmp_path / "audio.m4a"
    from vtdata.media.ffmpeg import run_ffmpeg

    run_ffmpeg(["-f", "lavfi", "-i", "sine=d=0.5", "-c:a", "aac", "-y", audio_only])
    with pytest.raises(MediaError, match="no video stream") as err:
        probe(audio_only)
    assert err.value.reason == "unsupported"
