import http.client
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import av
import pytest
import webvtt
import yt_dlp

from vtdata.media.ffmpeg import ffmpeg_dir
from vtdata.synthetic import SyntheticServer

pytestmark = pytest.mark.slow


def _get(server, path, method="GET", headers=None, timeout=10.0):
    """(status, headers, body) of one request on a fresh connection."""
    host, port = urlsplit(server.url).hostname, urlsplit(server.url).port
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


@pytest.fixture()
def server(synthetic_corpus):
    """A private server, so request counts and fault counters start from zero."""
    with SyntheticServer(synthetic_corpus.root, slow_interval=0.5, slow_chunk=64) as s:
        yield s


@pytest.fixture()
def clip(synthetic_corpus):
    item = synthetic_corpus.of("webvid")[0]
    return item, synthetic_corpus.path(item).read_bytes()


def test_media_get_head_and_content_types(server, synthetic_corpus, clip):
    item, data = clip
    status, headers, body = _get(server, f"/media/{item.file}")
    assert (status, body) == (200, data)
    assert headers["Content-Type"] == "video/mp4"
    assert headers["Content-Length"] == str(len(data)) and headers["Accept-Ranges"] == "bytes"
    status, head, body = _get(server, f"/media/{item.file}", method="HEAD")
    assert (status, body, head["Content-Length"]) == (200, b"", str(len(data)))
    narrated, image = synthetic_corpus.of("howto100m")[0], synthetic_corpus.of("cc3m")[0]
    assert _get(server, f"/media/{narrated.subtitles}")[1]["Content-Type"].startswith("text/vtt")
    assert _get(server, f"/media/{image.file}")[1]["Content-Type"] == "image/jpeg"
    assert server.requests[:2] == [("GET", f"/media/{item.file}", 200), ("HEAD", f"/media/{item.file}", 200)]


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [("bytes=10-19", 10, 19), ("bytes=100-", 100, None), ("bytes=-7", -7, None), ("bytes=0-999999", 0, None)],
)
def test_range_requests(server, clip, header, first, last):
    item, data = clip
    status, headers, body = _get(server, f"/media/{item.file}", headers={"Range": header})
    expected = data[first:] if last is None else data[first : last + 1]
    assert (status, body) == (206, expected)
    start = first % len(data)
    assert headers["Content-Range"] == f"bytes {start}-{start + len(expected) - 1}/{len(data)}"
    assert headers["Content-Length"] == str(len(expected))


def test_unsatisfiable_range_and_missing_paths(server, clip):
    item, data = clip
    status, headers, _ = _get(server, f"/media/{item.file}", headers={"Range": f"bytes={len(data)}-"})
    assert (status, headers["Content-Range"]) == (416, f"bytes */{len(data)}")
    for path in ("/media/nope.mp4", "/media/../corpus.json", "/media/.render-keys.json", "/corpus.json",
                 "/watch/nope.html", "/watch/..%2Fx.html", "/elsewhere"):  # fmt: skip
        assert _get(server, path)[0] == 404, path
    assert _get(server, f"/fault/teapot/media/{item.file}")[0] == 400


def test_watch_page_links_video_and_captions(server, synthetic_corpus):
    item = synthetic_corpus.of("howto100m")[0]
    status, headers, body = _get(server, f"/watch/{item.id}.html")
    page = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert f'<source src="/media/{item.id}.mp4" type="video/mp4">' in page
    assert f'<track kind="captions" srclang="en" label="English" src="/media/{item.id}.en.vtt"' in page
    faulty = _get(server, f"/watch/{item.id}.html?fault=404&subs_fault=500-then-ok")[2].decode()
    assert f'src="/fault/404/media/{item.id}.mp4"' in faulty
    assert f'src="/fault/500-then-ok/media/{item.id}.en.vtt"' in faulty
    webvid = synthetic_corpus.of("webvid")[0]
    assert "<track" not in _get(server, f"/watch/{webvid.id}.html")[2].decode()  # no subtitles, no track


def test_fault_404_500_then_ok_and_429(server, clip):
    item, data = clip
    assert _get(server, f"/fault/404/media/{item.file}")[0] == 404
    assert _get(server, f"/fault/404/media/{item.file}")[0] == 404
    path = f"/fault/500-then-ok/media/{item.file}"
    assert [_get(server, path)[0] for _ in range(3)] == [500, 200, 200]
    assert _get(server, path)[2] == data
    path = f"/fault/429/media/{item.file}"
    status, headers, _ = _get(server, path)
    assert (status, headers["Retry-After"]) == (429, "1")
    assert _get(server, path)[:3:2] == (200, data)
    assert server.count(path) == 2
    server.reset()
    assert server.requests == [] and _get(server, path)[0] == 429


def test_fault_truncated_body_is_short_of_content_length(server, clip):
    item, data = clip
    host, port = urlsplit(server.url).hostname, urlsplit(server.url).port
    conn = http.client.HTTPConnection(host, port, timeout=5)
    conn.request("GET", f"/fault/truncated/media/{item.file}")
    resp = conn.getresponse()
    assert resp.status == 200 and resp.headers["Content-Length"] == str(len(data))
    with pytest.raises(http.client.IncompleteRead) as info:
        resp.read()
    assert 0 < len(info.value.partial) < len(data)
    conn.close()


def test_fault_corrupt_looks_like_mp4_but_does_not_decode(server, clip, tmp_path):
    item, data = clip
    status, headers, body = _get(server, f"/fault/corrupt/media/{item.file}")
    assert status == 200 and headers["Content-Type"] == "video/mp4"
    assert body[4:8] == b"ftyp" and body != data and len(body) >= len(data)
    assert _get(server, f"/fault/corrupt/media/{item.file}")[2] == body  # deterministic garbage
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(body)
    with pytest.raises(av.FFmpegError):
        with av.open(str(bad)) as container:
            list(container.decode(video=0))


def test_fault_html_error_pages(server, clip):
    item, _ = clip
    status, headers, body = _get(server, f"/fault/html/media/{item.file}")
    assert (status, headers["Content-Type"]) == (200, "video/mp4")
    assert body.startswith(b"<!DOCTYPE html>")
    status, headers, body = _get(server, f"/fault/html-text/media/{item.file}")
    assert (status, headers["Content-Type"]) == (200, "text/html; charset=utf-8")
    assert b"no longer available" in body


def test_fault_slow_trips_a_short_client_timeout(server, clip):
    item, _ = clip
    started = time.monotonic()
    with pytest.raises((TimeoutError, socket.timeout)):
        _get(server, f"/fault/slow/media/{item.file}", timeout=0.25)
    assert time.monotonic() - started < 2


def test_stop_ends_slow_transfers_and_frees_the_port(synthetic_corpus, clip):
    item, _ = clip
    before = set(threading.enumerate())
    server = SyntheticServer(synthetic_corpus.root, slow_interval=0.3, slow_chunk=16).start()
    errors = []

    def fetch():
        try:
            _get(server, f"/fault/slow/media/{item.file}", timeout=30)
        except Exception as e:  # the transfer is cut short by stop()
            errors.append(e)

    clients = [threading.Thread(target=fetch) for _ in range(3)]
    for c in clients:
        c.start()
    time.sleep(0.5)
    port = urlsplit(server.url).port
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 3
    for c in clients:
        c.join(5)
    assert len(errors) == 3 and not any(c.is_alive() for c in clients)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    assert not [t for t in set(threading.enumerate()) - before if t.name.startswith("synthetic-")]
    server.stop()  # a second stop is harmless
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.url


def _assert_downloaded(folder: Path, item) -> None:
    videos, subs = sorted(folder.glob("*.mp4")), sorted(folder.glob("*.vtt"))
    assert len(videos) == 1 and len(subs) == 1, sorted(folder.iterdir())
    with av.open(str(videos[0])) as container:
        assert sum(1 for _ in container.decode(video=0)) == item.num_frames
    text = " ".join(c.text for c in webvtt.read(str(subs[0])))
    for word in item.words:
        assert word.text in text


def test_yt_dlp_api_downloads_video_and_subtitles(synthetic_server, synthetic_corpus, tmp_path):
    item = synthetic_corpus.of("howto100m")[0]
    options = {
        "outtmpl": str(tmp_path / "%(id)s.%(ext)s"),
        "writesubtitles": True,
        "subtitleslangs": ["en"],
        "quiet": True,
        "no_warnings": True,
        "ffmpeg_location": ffmpeg_dir(),
    }
    with yt_dlp.YoutubeDL(options) as ydl:
        assert ydl.download([f"{synthetic_server.url}/watch/{item.id}.html"]) == 0
    _assert_downloaded(tmp_path, item)


def test_yt_dlp_command_line_downloads_and_reports_a_broken_video(
    synthetic_server, synthetic_corpus, tmp_path
):
    item = synthetic_corpus.of("howto100m")[1]
    exe = shutil.which("yt-dlp", path=str(Path(sys.executable).parent)) or shutil.which("yt-dlp")
    assert exe, "yt-dlp's console script is not installed beside this Python"
    args = [exe, "--no-progress", "--write-subs", "--sub-langs", "en", "--ffmpeg-location", ffmpeg_dir()]
    ok = tmp_path / "ok"
    page = f"{synthetic_server.url}/watch/{item.id}.html"
    proc = subprocess.run(
        [*args, "-o", str(ok / "%(id)s.%(ext)s"), page], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    _assert_downloaded(ok, item)
    proc = subprocess.run(
        [*args, "-o", str(tmp_path / "bad" / "%(id)s.%(ext)s"), f"{page}?fault=404"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0 and "404" in proc.stderr
    assert not list((tmp_path / "bad").glob("*.mp4"))
