import time
import uuid
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from vtdata.download.config import DownloadConfig
from vtdata.download.job import download_one
from vtdata.media.probe import probe
from vtdata.records.sources import Segment, SourceItem

pytestmark = pytest.mark.slow  # uses the synthetic HTTP server

FAST = DownloadConfig(backoff=0.05, timeout=5.0, deadline=30.0)


def item(item_id, url, media="video", **kw) -> SourceItem:
    return SourceItem(id=item_id, source_id=item_id, dataset="custom", media=media, url=url, **kw)


def fresh(path: str) -> str:
    return f"{path}?t={uuid.uuid4().hex[:10]}"


def files(store: Path) -> list[str]:
    return sorted(p.relative_to(store).as_posix() for p in (store / "media").rglob("*") if p.is_file())


@pytest.fixture()
def video(synthetic_corpus):
    return synthetic_corpus.of("webvid")[2]


def test_direct_mp4(synthetic_server, synthetic_corpus, video, tmp_path):
    entry = download_one(item(video.id, f"{synthetic_server.url}/media/{video.file}"), tmp_path, FAST)
    assert (entry.status, entry.backend, entry.attempts, entry.message) == ("ok", "http", 1, None)
    assert (entry.width, entry.height, entry.fps) == (video.width, video.height, video.fps)
    assert entry.duration == pytest.approx(video.duration, abs=0.11)
    assert (tmp_path / entry.path).read_bytes() == synthetic_corpus.path(video).read_bytes()
    assert entry.bytes == (tmp_path / entry.path).stat().st_size
    assert files(tmp_path) == [entry.path]  # no partial files left


def test_page_with_subtitles_via_ytdlp(synthetic_server, synthetic_corpus, tmp_path):
    narrated = synthetic_corpus.of("howto100m")[1]
    entry = download_one(
        item(narrated.id, f"{synthetic_server.url}/watch/{narrated.id}.html"), tmp_path, FAST
    )
    assert (entry.status, entry.backend) == ("ok", "ytdlp")
    assert entry.duration == pytest.approx(narrated.duration, abs=0.11)
    assert entry.subtitles == {"en": entry.path.replace(".mp4", ".en.vtt")}
    vtt = (tmp_path / entry.subtitles["en"]).read_text()
    assert vtt == synthetic_corpus.subtitles_path(narrated).read_text()
    assert files(tmp_path) == sorted([entry.path, entry.subtitles["en"]])


def test_broken_subtitles_do_not_fail_the_video(synthetic_server, synthetic_corpus, tmp_path):
    narrated = synthetic_corpus.of("howto100m")[2]
    url = f"{synthetic_server.url}/watch/{narrated.id}.html?subs_fault=404&t={uuid.uuid4().hex[:8]}"
    entry = download_one(item(narrated.id, url), tmp_path, FAST)
    assert (entry.status, entry.subtitles) == ("ok", {})
    assert (
        entry.message
        == "no subtitles: Unable to download video subtitles for 'en': HTTP Error 404: Not Found"
    )
    assert files(tmp_path) == [entry.path]


def test_cc3m_images_and_resize(synthetic_server, synthetic_corpus, tmp_path):
    images = synthetic_corpus.of("cc3m")
    png = next(i for i in images if i.file.endswith(".png"))
    jpg = next(i for i in images if i.file.endswith(".jpg") and not i.exif_orientation)
    for img in (png, jpg):
        entry = download_one(
            item(img.id, f"{synthetic_server.url}/media/{img.file}", "image"), tmp_path, FAST
        )
        assert entry.status == "ok" and entry.media == "image"
        assert entry.path.endswith(Path(img.file).suffix)
        assert (entry.width, entry.height) == (img.width, img.height)
    small = download_one(
        item("small", f"{synthetic_server.url}/media/{png.file}", "image"),
        tmp_path,
        DownloadConfig(image_size=48),
    )
    assert small.path.endswith(".jpg") and min(small.width, small.height) == 48
    with Image.open(tmp_path / small.path) as im:
        assert im.format == "JPEG" and min(im.size) == 48


def test_404_is_not_found_and_never_retried(synthetic_server, video, tmp_path):
    path = fresh(f"/fault/404/media/{video.file}")
    entry = download_one(item("gone", synthetic_server.url + path), tmp_path, DownloadConfig(retries=5))
    assert (entry.status, entry.reason, entry.attempts) == ("failed", "not_found", 1)
    assert entry.message == "HTTP 404 Not Found"
    assert synthetic_server.count(path) == 1


def test_500_then_ok_succeeds_after_a_retry(synthetic_server, video, tmp_path):
    path = fresh(f"/fault/500-then-ok/media/{video.file}")
    entry = download_one(item("flaky", synthetic_server.url + path), tmp_path, FAST)
    assert (entry.status, entry.attempts) == ("ok", 2)
    assert "attempt 1: http_error: HTTP 500" in entry.message
    assert synthetic_server.count(path) == 2


def test_429_retry_after_is_honoured_and_recorded(synthetic_server, video, tmp_path):
    path = fresh(f"/fault/429/media/{video.file}")
    started = time.monotonic()
    entry = download_one(item("limited", synthetic_server.url + path), tmp_path, FAST)
    elapsed = time.monotonic() - started
    assert (entry.status, entry.attempts) == ("ok", 2)
    assert "rate_limited: HTTP 429 Too Many Requests (Retry-After: 1)" in entry.message
    assert elapsed >= 1.0  # waited as told, not the 0.05 s backoff
    assert [s for m, p, s in synthetic_server.requests if p == path] == [429, 200]


def test_slow_server_times_out(synthetic_server, video, tmp_path):
    started = time.monotonic()
    entry = download_one(
        item("slow", f"{synthetic_server.url}/fault/slow/media/{video.file}"),
        tmp_path,
        DownloadConfig(deadline=1.0),
    )
    assert (entry.status, entry.reason) == ("failed", "timeout")
    assert "deadline" in entry.message
    assert time.monotonic() - started < 4.0
    assert files(tmp_path) == []


@pytest.mark.parametrize(
    "kind,reason,words",
    [
        ("truncated", "corrupt", "truncated body"),
        ("corrupt", "corrupt", "cannot decode"),
        ("html", "not_media", "expected video, got a html page"),
    ],
)
@pytest.mark.parametrize("backend", ["http", "ytdlp"])
def test_bad_bodies_are_never_ok(synthetic_server, video, tmp_path, kind, reason, words, backend):
    url = f"{synthetic_server.url}/fault/{kind}/media/{video.file}"
    entry = download_one(item("bad", url), tmp_path, DownloadConfig(backend=backend, retries=0))
    assert (entry.status, entry.reason) == ("failed", reason), entry.message
    if backend == "http" or kind != "truncated":
        assert words in entry.message
    assert files(tmp_path) == []
    assert entry.path is None


def test_path_traversal_id_stays_inside_the_store(synthetic_server, video, tmp_path):
    store = tmp_path / "store"
    entry = download_one(item("../../x", f"{synthetic_server.url}/media/{video.file}"), store, FAST)
    assert entry.status == "ok" and entry.id == "../../x"
    assert ".." not in entry.path
    assert (store / entry.path).resolve().is_relative_to(store.resolve())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]


def test_refused_scheme_makes_no_request(tmp_path):
    entry = download_one(item("ftp", "ftp://127.0.0.1/x.mp4"), tmp_path, FAST)
    assert (entry.status, entry.reason, entry.attempts) == ("failed", "unsupported", 0)


def test_section_download_covers_the_range_and_no_more(synthetic_server, synthetic_corpus, tmp_path):
    narrated = max(synthetic_corpus.of("howto100m"), key=lambda i: i.duration)
    gop = synthetic_corpus.spec.keyframe_interval / narrated.fps
    start, end = 3.0, 5.0
    source = item(
        narrated.id,
        f"{synthetic_server.url}/media/{narrated.file}",
        segments=[Segment(start, end, "the middle")],
        duration=narrated.duration,
    )
    entry = download_one(source, tmp_path, DownloadConfig(sections=True, section_pad=0.0))
    assert (entry.status, entry.backend, entry.offset) == ("ok", "ytdlp", start)
    info = probe(tmp_path / entry.path)
    assert narrated.duration > end - start + gop + 1  # a whole download would fail the bound below
    assert end - start - 0.15 <= info.duration <= end - start + gop + 0.15
    assert entry.duration == pytest.approx(info.duration)
    # the content is the requested range: first and last frames are the source's frames there
    source_frames, cut_frames = _frames(synthetic_corpus.path(narrated)), _frames(tmp_path / entry.path)
    first, last = (_best_match(source_frames, cut_frames[k][1]) for k in (0, -1))
    assert start - gop - 0.05 <= first <= start + 0.15
    assert end - 0.15 <= last <= end + gop + 0.05


def _frames(path):
    with av.open(str(path)) as container:
        return [(f.time, f.to_ndarray(format="rgb24").astype(np.int16)) for f in container.decode(video=0)]


def _best_match(frames, image) -> float:
    return min(frames, key=lambda f: np.abs(f[1] - image).mean())[0]


@pytest.mark.parametrize("ext", ["srv3", "ttml", "sbv"])
def test_a_video_with_only_non_vtt_subtitles_keeps_them(synthetic_server, synthetic_corpus, tmp_path, ext):
    """yt-dlp's converter used to fail the whole item on srv3 ("Preprocessing: Error opening input
    files"); the file is now kept as it is, and align reads it to the cues of the WebVTT."""
    from vtdata.align.timedtext import read_timed_text

    narrated = synthetic_corpus.of("howto100m")[3]
    url = fresh(f"{synthetic_server.url}/watch/{narrated.id}.html") + f"&subs_ext={ext}"
    entry = download_one(item(narrated.id, url), tmp_path, FAST)
    assert (entry.status, entry.backend, entry.message) == ("ok", "ytdlp", None)
    assert entry.subtitles == {"en": entry.path.replace(".mp4", f".en.{ext}")}
    assert files(tmp_path) == sorted([entry.path, entry.subtitles["en"]])
    kept = read_timed_text(tmp_path / entry.subtitles["en"])
    vtt = read_timed_text(synthetic_corpus.subtitles_path(narrated))
    assert kept.format == ext and kept.issues == []
    got = [(c.start, c.end, c.text) for c in kept.cues]
    if ext == "srv3":  # word times survive: the same de-duplicated cues as the WebVTT
        assert got == [(c.start, c.end, c.text) for c in vtt.cues] and kept.rolling
    else:  # the other formats carry the rolling lines without word times
        assert (
            " ".join(c.text for c in kept.cues).split()[:5] == " ".join(c.text for c in vtt.cues).split()[:5]
        )
