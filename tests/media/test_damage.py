"""vtdata.media.damage: decoder errors and damaged frames counted per clip, from every decoder."""

from __future__ import annotations

from pathlib import Path

import av.logging
import pytest

from vtdata.media.damage import DecodeLog, FrameDamage, decord_errors, stderr_errors
from vtdata.media.decode import ClipFrames, ClipRequest, extract_clips
from vtdata.media.encode import encode_clip
from vtdata.media.ffmpeg import run_ffmpeg
from vtdata.media.resize import ResizeSpec
from vtdata.media.sampling import SamplingSpec
from vtdata.synthetic.faults import flip_second_half


@pytest.fixture(scope="module")
def videos(tmp_path_factory) -> tuple[Path, Path]:
    """An intact 8 s H.264 file (keyframe every 2 s) and a copy whose decord decoding logs errors
    without raising (seed 0: found by trying; decord raises outright on many others)."""
    root = tmp_path_factory.mktemp("damage")
    good = root / "good.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "8", "-c:v", "libx264",
                "-pix_fmt", "yuv420p", "-g", "50", "-y", str(good)])  # fmt: skip
    bad = root / "bad.mp4"
    bad.write_bytes(flip_second_half(good.read_bytes(), seed=0))
    return good, bad


def _clips(path: Path, decoder: str) -> list[ClipFrames]:
    requests = [
        ClipRequest(f"c{k}", 2.0 * k, 2.0 * k + 2, SamplingSpec(mode="dense", fps=5)) for k in range(4)
    ]
    results = sorted(extract_clips(path, requests, decoder=decoder), key=lambda r: r.key)
    assert all(isinstance(r, ClipFrames) for r in results)
    return results


def test_decord_log_is_hooked_and_an_error_hands_the_file_to_pyav(videos):
    good, bad = videos
    assert decord_errors() is not None
    before = decord_errors()
    intact = _clips(good, "decord")
    assert decord_errors() == before
    assert [(c.decoder, c.decode_errors, c.damaged_frames) for c in intact] == [("decord", 0, 0)] * 4
    damaged = _clips(bad, "decord")
    assert decord_errors() > before
    assert {c.decoder for c in damaged} == {"pyav"}  # decord's frames are never trusted with errors
    # the damage is in the second half: the first two clips are clean, the last two are not
    assert [c.damaged_frames for c in damaged[:2]] == [0, 0]
    assert all(c.damaged_frames > 0 and c.decode_errors > 0 for c in damaged[2:])


def test_pyav_counts_the_same_damage(videos):
    _, bad = videos
    by_decord = [c.damaged_frames for c in _clips(bad, "decord")]
    by_pyav = [c.damaged_frames for c in _clips(bad, "pyav")]
    assert by_pyav == by_decord and sum(by_pyav) > 0


def test_logging_is_switched_on_only_while_a_clip_decodes():
    av.logging.set_level(None)
    with DecodeLog() as errors:
        assert av.logging.get_level() == av.logging.ERROR and errors.count() == 0
    assert av.logging.get_level() is None
    av.logging.set_level(av.logging.WARNING)
    try:
        with DecodeLog():
            pass
        assert av.logging.get_level() == av.logging.WARNING
    finally:
        av.logging.set_level(None)


class _Frame:
    def __init__(self, key: bool, corrupt: bool):
        self.key_frame, self.is_corrupt = key, corrupt


def test_damage_lasts_from_a_concealed_frame_to_the_next_intact_keyframe():
    damage = FrameDamage()
    seen = [(True, False), (False, False), (False, True), (False, False), (True, True), (False, False),
            (True, False), (False, False)]  # fmt: skip
    assert [damage.see(_Frame(k, c)) for k, c in seen] == [False, False, True, True, True, True, False, False]
    damage.see(_Frame(False, True))
    damage.reset()
    assert damage.see(_Frame(False, False)) is False


def test_clip_store_sees_ffmpeg_stderr(videos):
    good, bad = videos
    for path, damaged in ((good, False), (bad, True)):
        errors: list[str] = []
        encode_clip(path, 4.0, 8.0, size=ResizeSpec(short_side=64), fps=5, errors=errors)
        assert bool(errors) is damaged
        assert stderr_errors("\n".join(errors)) == errors
