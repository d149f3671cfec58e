import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from vtdata.download.retry import FetchError
from vtdata.download.verify import verify_image, verify_video
from vtdata.media.ffmpeg import run_ffmpeg
from vtdata.records.ledger import Reason


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    root = tmp_path_factory.mktemp("verify")
    src = ["-f", "lavfi", "-i", "testsrc=size=96x64:rate=10:duration=3"]
    enc = ["-c:v", "libx264", "-g", "10", "-pix_fmt", "yuv420p"]
    run_ffmpeg([*src, *enc, "-movflags", "+faststart", str(root / "front.mp4")])
    run_ffmpeg([*src, *enc, str(root / "back.mp4")])
    run_ffmpeg(["-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", str(root / "audio.m4a")])
    return root


def _cut(path: Path, fraction: float, dest: Path) -> Path:
    data = path.read_bytes()
    dest.write_bytes(data[: int(len(data) * fraction)])
    return dest


def test_good_video_reports_size_duration_fps(clips):
    v = verify_video(clips / "front.mp4")
    assert (v.width, v.height, v.fps, v.codec) == (96, 64, 10.0, "h264")
    assert v.duration == pytest.approx(3.0, abs=0.05)


def test_real_files(clips, real_file):
    nasa = verify_video(real_file("nasa_13013.mp4"))  # several video streams: the largest is used
    assert nasa.width * nasa.height >= 320 * 180 and nasa.duration == pytest.approx(13, abs=1)
    webm = verify_video(real_file("big_buck_bunny_432_433.webm"))
    assert webm.duration == pytest.approx(1.0, abs=0.1)


@pytest.mark.parametrize("name", ["front.mp4", "back.mp4"])
@pytest.mark.parametrize("fraction", [0.4, 0.9])
def test_truncated_video_is_corrupt(clips, tmp_path, name, fraction):
    # index in front: the start still decodes, so only the packet scan can tell
    cut = _cut(clips / name, fraction, tmp_path / "cut.mp4")
    with pytest.raises(FetchError) as info:
        verify_video(cut, "downloaded video")
    assert info.value.reason is Reason.CORRUPT
    assert info.value.message.startswith("downloaded video")
    assert str(tmp_path) not in info.value.message


def test_garbage_with_an_mp4_header_is_corrupt(tmp_path):
    head = (tmp_path / "x").with_suffix(".mp4")
    head.write_bytes(b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + bytes(range(256)) * 20)
    with pytest.raises(FetchError) as info:
        verify_video(head)
    assert info.value.reason is Reason.CORRUPT


def test_audio_only_is_unsupported(clips):
    with pytest.raises(FetchError) as info:
        verify_video(clips / "audio.m4a")
    assert info.value.reason is Reason.UNSUPPORTED
    assert "no video stream" in info.value.message


def test_images(tmp_path):
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (48, 64, 3), dtype=np.uint8)).save(buf, "JPEG")
    good = tmp_path / "good.jpg"
    good.write_bytes(buf.getvalue())
    assert (verify_image(good).width, verify_image(good).height) == (64, 48)
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    with pytest.raises(FetchError) as info:
        verify_image(bad, "downloaded image")
    assert info.value.reason is Reason.CORRUPT and "downloaded image" in info.value.message
