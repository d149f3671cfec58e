import math

import av
import decord
import numpy as np
import pytest

from vtdata.records.ids import id_from_url
from vtdata.synthetic import SyntheticCorpus, SyntheticSpec, generate
from vtdata.synthetic.world import COLOURS

TINY = SyntheticSpec(seed=7, webvid=3, howto=2, cc3m=3)


def _decode(path) -> np.ndarray:
    with av.open(str(path)) as container:
        return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])


def _centre(frame: np.ndarray, colour: str) -> tuple[float, float, int]:
    """Circular mean (wrap-aware) of the pixels of `colour`, and how many there are."""
    mask = np.linalg.norm(frame.astype(np.float32) - np.array(COLOURS[colour], np.float32), axis=-1) < 70
    ys, xs = np.nonzero(mask)
    h, w = mask.shape

    def circ(v: np.ndarray, n: int) -> float:
        a = 2 * np.pi * (v + 0.5) / n
        return (math.atan2(np.sin(a).mean(), np.cos(a).mean()) / (2 * np.pi) * n) % n

    return (circ(xs, w), circ(ys, h), len(xs)) if len(xs) else (math.nan, math.nan, 0)


def _travel(frames: np.ndarray, colour: str) -> tuple[float, float]:
    """Total (dx, dy) the shape moved over `frames`, unwrapping each step across the edges."""
    h, w = frames.shape[1:3]
    total = np.zeros(2)
    prev = _centre(frames[0], colour)
    for frame in frames[1:]:
        cur = _centre(frame, colour)
        step = np.array([cur[0] - prev[0], cur[1] - prev[1]])
        step = (step + [w / 2, h / 2]) % [w, h] - [w / 2, h / 2]
        total += step
        prev = cur
    return float(total[0]), float(total[1])


@pytest.mark.slow  # runs ffmpeg for two corpora
def test_generation_is_deterministic_and_reuses_files(tmp_path):
    a = generate(tmp_path / "a", TINY)
    b = generate(tmp_path / "b", TINY)
    assert a.made == b.made == len(a.items) == 8
    assert (a.root / "corpus.json").read_bytes() == (b.root / "corpus.json").read_bytes()
    for item in a.items:
        pa, pb = a.path(item), b.path(item)
        assert pa.read_bytes() == pb.read_bytes(), item.file  # bit-exact encode with one ffmpeg
        if item.media == "video":
            assert np.array_equal(_decode(pa), _decode(pb))
        if item.subtitles:
            assert a.subtitles_path(item).read_bytes() == b.subtitles_path(item).read_bytes()
    mtimes = {p: p.stat().st_mtime_ns for p in (a.root / "media").iterdir()}
    again = generate(tmp_path / "a", TINY)
    assert (again.made, again.reused) == (0, 8)
    assert {p: p.stat().st_mtime_ns for p in (a.root / "media").iterdir()} == mtimes


@pytest.mark.slow  # runs ffmpeg
def test_changed_spec_remakes_only_what_changed(tmp_path):
    generate(tmp_path, TINY)
    grown = generate(tmp_path, SyntheticSpec(seed=7, webvid=4, howto=2, cc3m=2))
    assert grown.made == 1 and grown.reused == 7  # one new clip; one image dropped
    assert not (tmp_path / "media" / "img00002.jpg").exists()
    recoded = generate(tmp_path, SyntheticSpec(seed=7, webvid=4, howto=2, cc3m=2, crf=30))
    assert recoded.made == 6  # videos re-encoded, images kept


def test_load_reads_back_the_truth(synthetic_corpus):
    loaded = SyntheticCorpus.load(synthetic_corpus.root)
    assert loaded.spec == synthetic_corpus.spec
    assert loaded.items == synthetic_corpus.items


def test_videos_decode_with_pyav_and_decord_as_specified(synthetic_corpus):
    videos = [i for i in synthetic_corpus.items if i.media == "video"]
    assert len(videos) == 30
    for item in videos:
        path = synthetic_corpus.path(item)
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            assert (stream.codec_context.name, stream.width, stream.height) == ("h264", 96, 64)
            assert stream.average_rate == item.fps
            frames = list(container.decode(video=0))
            assert len(frames) == item.num_frames == round(item.duration * item.fps)
            assert float(frames[0].time) == 0.0
            assert float(frames[-1].time) == pytest.approx((item.num_frames - 1) / item.fps, abs=1e-3)
            assert len(container.streams.audio) == (1 if item.dataset == "howto100m" else 0)
        reader = decord.VideoReader(str(path))
        assert len(reader) == item.num_frames
        assert reader.get_avg_fps() == pytest.approx(item.fps)
        assert reader[0].shape == (64, 96, 3)


def test_clips_move_in_the_stated_direction(synthetic_corpus):
    for item in synthetic_corpus.of("webvid"):
        seg = item.segments[0]
        dx, dy = _travel(_decode(synthetic_corpus.path(item)), item.colour)
        expected = np.array([seg.vx, seg.vy]) * (item.num_frames - 1) / item.fps
        along = {"left": -dx, "right": dx, "up": -dy, "down": dy}[item.motion]
        across = dy if item.motion in ("left", "right") else dx
        assert along > 0.2 * min(item.width, item.height), (item.caption, dx, dy)
        assert along == pytest.approx(np.abs(expected).sum(), rel=0.15), (item.caption, dx, dy)
        assert abs(across) < 2, (item.caption, dx, dy)


def test_narrated_videos_show_each_segment_in_turn(synthetic_corpus):
    for item in synthetic_corpus.of("howto100m"):
        frames = _decode(synthetic_corpus.path(item))
        for seg in item.segments:
            first, last = round(seg.start * item.fps), round(seg.end * item.fps)
            shown = frames[first:last]
            for frame in shown:
                assert _centre(frame, seg.colour)[2] > 0.3 * seg.size**2, (item.id, seg.caption)
            dx, dy = _travel(shown, seg.colour)
            assert {"left": -dx, "right": dx, "up": -dy, "down": dy}[seg.motion] > 5, (item.id, seg.caption)


def test_images_show_their_shape(synthetic_corpus):
    from PIL import Image, ImageOps

    images = synthetic_corpus.of("cc3m")
    formats = {synthetic_corpus.path(i).suffix for i in images}
    assert formats == {".jpg", ".png"}
    assert any(i.exif_orientation == 6 for i in images)
    for item in images:
        with Image.open(synthetic_corpus.path(item)) as raw:
            stored = raw.size
            image = np.asarray(ImageOps.exif_transpose(raw).convert("RGB"))
        assert image.shape == (item.height, item.width, 3)
        if item.exif_orientation == 6:
            assert stored == (item.height, item.width)  # pixels stored turned; the tag turns them back
        x, y, n = _centre(image, item.colour)
        seg = item.segments[0]
        assert n > 0.5 * seg.size**2
        assert abs(x - seg.x0) < 3 and abs(y - seg.y0) < 4, (item.caption, x, y, seg)


def test_find_maps_ids_files_urls_and_cc3m_recipe_ids(synthetic_corpus):
    item = synthetic_corpus.of("cc3m")[0]
    url = f"http://127.0.0.1:1/media/{item.file}"
    assert synthetic_corpus.find(id_from_url(url)) is item
    assert synthetic_corpus.find(url) is item
    clip = synthetic_corpus.of("howto100m")[0]
    assert synthetic_corpus.find(clip.id) is clip
    assert synthetic_corpus.find(f"http://h/watch/{clip.id}.html?fault=404") is clip
    assert synthetic_corpus.find(f"{clip.id}.en.vtt") is clip
    assert synthetic_corpus.find("nope") is None
