"""extract_clips: the frame returned for each recorded time IS that frame, for every codec and decoder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vtdata.media import decode, decoders, pyav_reader
from vtdata.media.decode import ClipFailure, ClipFrames, ClipRequest, extract_clips
from vtdata.media.resize import ResizeSpec
from vtdata.media.sampling import SamplingSpec, clip_rng, sample_times

# which decoder "auto" must pick: decord for 8-bit closed-GOP H.264/HEVC and VP8/VP9, PyAV for the rest
SERVED_BY = {
    "h264": "decord",
    "h264_10bit": "pyav",
    "h264_open_gop": "pyav",  # decord returns a wrong frame after seeking to a recovery-point I-frame
    "hevc": "pyav",  # x265's default CRA (open) GOPs: decord's seeks return frames shifted by 3
    "hevc_closed_gop": "decord",
    "hevc_10bit": "pyav",
    "vp8": "decord",
    "vp9": "decord",
    "vp9_10bit": "pyav",
    "av1": "pyav",
    "av1_10bit": "pyav",
    "mpegts": "pyav",  # decord returns shifted frames from MPEG-TS
    "raw_h264": "pyav",  # no timestamps
    "streamed_mkv": "pyav",
    "two_streams": "pyav",  # decord might pick the other stream
    "bad_audio": "decord",
}

CLIPS = [
    ClipRequest("u", 0.3, 1.7, SamplingSpec("uniform", 8)),
    ClipRequest("r", 0.0, 2.0, SamplingSpec("rand", 4, seed=7)),
    ClipRequest("d", 1.0, 1.6, SamplingSpec("dense", fps=10)),
    ClipRequest("a", 1.8, None, SamplingSpec("all")),
]


def run(path, requests, **kwargs) -> dict[str, ClipFrames | ClipFailure]:
    return {r.key: r for r in extract_clips(path, requests, **kwargs)}


def assert_exact(clip: ClipFrames, codes, times: np.ndarray) -> None:
    """Frames are the frames at the recorded indices, and times are those frames' times."""
    assert isinstance(clip, ClipFrames), clip
    assert codes(clip.frames) == clip.indices.tolist()
    assert clip.times.tolist() == pytest.approx(times[clip.indices].tolist(), abs=1e-6)


@pytest.mark.parametrize("name", sorted(SERVED_BY))
def test_every_codec_and_decoder_returns_the_exact_frames(media, codes, name):
    cfr = np.arange(50) / 25.0
    auto = run(media(name), CLIPS)
    pyav = run(media(name), CLIPS, decoder="pyav")
    for req in CLIPS:
        expected = sample_times(req.sampling, req.start, req.end, cfr, clip_rng(req.sampling.seed, req.key))
        for result in (auto[req.key], pyav[req.key]):
            assert_exact(result, codes, cfr)
            assert result.indices.tolist() == expected.tolist()
        assert auto[req.key].decoder == SERVED_BY[name]
        assert pyav[req.key].decoder == "pyav"
    assert auto["u"].indices.tolist() == [9, 13, 18, 22, 26, 31, 35, 40]  # Frozen midpoints of frames 8..42
    assert auto["a"].indices.tolist() == list(range(45, 50))


def test_results_come_in_decoding_order_and_share_one_info(media):
    results = list(extract_clips(media("h264"), CLIPS))
    firsts = [int(r.indices[0]) for r in results]
    assert firsts == sorted(firsts) and {r.key for r in results} == {c.key for c in CLIPS}
    assert [r.key for r in results] == [r.key for r in extract_clips(media("h264"), CLIPS, decoder="pyav")]
    assert len({id(r.info) for r in results}) == 1
    assert results[0].info.num_frames == 50


def test_rand_is_reproducible_and_differs_across_seeds(media):
    def draw(seed):
        req = ClipRequest("clip", 0.0, 2.0, SamplingSpec("rand", 6, seed=seed))
        return next(extract_clips(media("h264"), [req])).indices.tolist()

    assert draw(1) == draw(1)
    assert len({tuple(draw(s)) for s in range(6)}) > 1


def test_variable_frame_rate(media, codes, vfr_times):
    requests = [
        ClipRequest("u", 0.0, None, SamplingSpec("uniform", 6)),
        ClipRequest("d", 0.5, 2.0, SamplingSpec("dense", fps=10)),
    ]
    for decoder in ("auto", "pyav"):
        out = run(media("vfr"), requests, decoder=decoder)
        for clip in out.values():
            assert_exact(clip, codes, vfr_times)
        # dense at 10 fps: 25 fps frames until 1 s, then every 10 fps frame
        assert out["d"].times.tolist() == pytest.approx(
            [0.52, 0.64, 0.72, 0.84, 0.92, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9]
        )


def test_clip_shorter_than_n_frames(media, codes):
    clip = next(extract_clips(media("short"), [ClipRequest("s", 0.0, None, SamplingSpec("uniform", 8))]))
    assert clip.indices.tolist() == [0, 1, 2, 3, 4]  # min(N, n) frames, as Frozen, no repeats
    assert codes(clip.frames) == [0, 1, 2, 3, 4]


def test_resize_during_decode(media, codes):
    requests = [
        ClipRequest("scaled", 0.0, 1.0, SamplingSpec("uniform", 3), ResizeSpec(36)),
        ClipRequest("square", 0.0, 1.0, SamplingSpec("uniform", 3), ResizeSpec(36, crop=True)),
        ClipRequest("big", 0.0, 1.0, SamplingSpec("uniform", 3), ResizeSpec(144)),  # no upscale
    ]
    for decoder in ("auto", "pyav"):
        out = run(media("h264"), requests, decoder=decoder)
        assert out["scaled"].frames.shape == (3, 36, 64, 3)
        assert codes(out["scaled"].frames) == out["scaled"].indices.tolist()
        assert out["square"].frames.shape == (3, 36, 36, 3)
        assert out["big"].frames.shape == (3, 72, 128, 3)


def test_overlapping_and_repeated_clips_in_one_open(media, codes):
    requests = [ClipRequest(f"w{k}", k * 0.25, k * 0.25 + 1.0, SamplingSpec("all")) for k in range(4)]
    requests.append(ClipRequest("again", 0.0, 1.0, SamplingSpec("all")))
    for decoder in ("auto", "pyav"):
        out = run(media("h264"), requests, decoder=decoder)
        for k in range(4):
            assert out[f"w{k}"].indices.tolist() == list(
                range(int(k * 6.25 + 0.99), int(k * 6.25 + 0.99) + 25)
            )
            assert codes(out[f"w{k}"].frames) == out[f"w{k}"].indices.tolist()
        assert codes(out["again"].frames) == list(range(25))


def test_real_files(real, codes):
    nasa = run(
        real / "nasa_13013.mp4", [ClipRequest("n", 2.0, 6.0, SamplingSpec("uniform", 8), ResizeSpec(90))]
    )
    clip = nasa["n"]
    assert clip.info.stream_index == 3 and clip.decoder == "pyav"  # the 480x270 stream, not the first
    assert clip.frames.shape == (8, 90, 160, 3)
    assert np.all(np.diff(clip.times) > 0) and 2.0 <= clip.times[0] and clip.times[-1] < 6.0
    assert clip.times.tolist() == pytest.approx((clip.indices * 1001 / 30000).tolist())
    bunny = [ClipRequest("b", 0.0, None, SamplingSpec("uniform", 3))]
    webm = run(real / "big_buck_bunny_432_433.webm", bunny)["b"]
    assert webm.decoder == "decord" and webm.frames.shape == (3, 720, 1280, 3)
    assert webm.indices.tolist() == [3, 11, 19] and webm.info.num_frames == 24
    pyav = run(real / "big_buck_bunny_432_433.webm", bunny, decoder="pyav")["b"]
    assert np.abs(pyav.frames.astype(np.int16) - webm.frames).mean() < 2  # the same frames from both


def test_corrupt_and_truncated_files_fail_per_clip(media, codes):
    out = run(media("corrupt"), CLIPS)
    assert {r.reason for r in out.values()} == {"corrupt"} and set(out) == {c.key for c in CLIPS}
    early = ClipRequest("early", 0.0, 0.2, SamplingSpec("all"))
    late = ClipRequest("late", 1.0, 2.0, SamplingSpec("uniform", 4))
    out = run(media("truncated"), [late, early])
    assert isinstance(out["late"], ClipFailure) and out["late"].reason == "corrupt"
    assert "truncated" in out["late"].message
    assert codes(out["early"].frames) == [0, 1, 2, 3, 4]


def test_empty_range_fails_only_that_clip(media):
    out = run(media("h264"), [ClipRequest("past", 5.0, 6.0), ClipRequest("ok", 0.0, 1.0)])
    assert isinstance(out["past"], ClipFailure) and out["past"].reason == "empty"
    assert "5.000" in out["past"].message
    assert isinstance(out["ok"], ClipFrames)


def test_missing_file(tmp_path):
    (failure,) = extract_clips(tmp_path / "nope.mp4", [ClipRequest("x")])
    assert failure.reason == "error" and "nope.mp4" in failure.message


def test_decode_deadline_fails_the_clip(media):
    out = run(media("h264_10bit"), [ClipRequest("x", 0.0, None, SamplingSpec("all"))], timeout=0.0)
    assert out["x"].reason == "error" and "time limit" in out["x"].message


def test_bytes_decode_like_the_file_and_fallbacks_are_counted(media):
    """The same interface serves a file and its bytes; a decord failure is recorded, never silent."""
    path = media("h264")
    request = [ClipRequest("x", 0.2, 1.0, SamplingSpec("uniform", num_frames=4))]
    from_file = run(path, request)["x"]
    from_bytes = run(Path(path).read_bytes(), request)["x"]
    assert np.array_equal(from_file.frames, from_bytes.frames)
    assert from_file.indices.tolist() == from_bytes.indices.tolist()
    before = decoders.fallback_counts().get("decord->pyav", 0)
    garbage = list(extract_clips(b"not a video at all", request, label="member x.mp4"))
    assert garbage[0].reason == "corrupt" and "member x.mp4" in garbage[0].message
    decoders.record_fallback("sample k", "pyav", "decord", "test")
    assert decoders.fallback_counts()["decord->pyav"] == before + 1


def test_decodes_only_what_is_needed(media, codes, monkeypatch):
    """Each clip decodes from the keyframe before it to its last frame, and no frame twice."""
    decoded: list[int] = []
    original = pyav_reader.PyAVReader._decoded

    def counting(self):
        for frame in original(self):
            decoded.append(frame.pts)
            yield frame

    monkeypatch.setattr(pyav_reader.PyAVReader, "_decoded", counting)
    requests = [
        ClipRequest("a", 0.0, 0.3, SamplingSpec("all")),  # frames 0-7 (GOP 0)
        ClipRequest("b", 0.2, 0.5, SamplingSpec("all")),  # 5-12: overlaps a; continues into GOP 1
        ClipRequest("c", 1.5, 1.7, SamplingSpec("all")),  # 38-42: seek to the keyframe before 38
    ]
    with decode._Source(media("h264"), threads=0) as source:
        key = source.index.keyframe_at_or_before(38)
    assert 8 <= key <= 38  # x264 places keyframes at most 12 frames apart here
    out = run(media("h264"), requests, decoder="pyav")
    assert all(codes(out[k].frames) == out[k].indices.tolist() for k in "abc")
    assert len(decoded) == len(set(decoded)) == 13 + (43 - key)  # frames 0-12, then key-42
