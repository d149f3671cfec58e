import time
import uuid

import pytest

from vtdata.download.config import DownloadConfig
from vtdata.download.http_backend import build_opener, fetch_http
from vtdata.download.retry import FetchError
from vtdata.records.ledger import Reason

pytestmark = pytest.mark.slow  # uses the synthetic HTTP server

CONFIG = DownloadConfig(timeout=5.0)


def fresh(path: str) -> str:
    """A path the session's server has never seen, so per-path fault counters start at zero."""
    return f"{path}?t={uuid.uuid4().hex[:10]}"


def fetch(server, path, tmp_path, media="video", config=CONFIG, deadline=30.0):
    return fetch_http(
        server.url + path,
        tmp_path / ".x.part",
        media=media,
        config=config,
        deadline=time.monotonic() + deadline,
    )


def error_of(server, path, tmp_path, **kw) -> FetchError:
    with pytest.raises(FetchError) as info:
        fetch(server, path, tmp_path, **kw)
    return info.value


@pytest.fixture()
def video(synthetic_corpus):
    return synthetic_corpus.of("webvid")[0]


def test_direct_file_streams_to_the_part_file(synthetic_server, synthetic_corpus, video, tmp_path):
    got = fetch(synthetic_server, f"/media/{video.file}", tmp_path)
    data = synthetic_corpus.path(video).read_bytes()
    assert got.bytes == len(data) and (tmp_path / ".x.part").read_bytes() == data
    assert (got.sniffed.kind, got.sniffed.ext) == ("video", "mp4")
    assert got.content_type == "video/mp4"


def test_status_codes_map_to_reasons(synthetic_server, video, tmp_path):
    assert error_of(synthetic_server, f"/fault/404/media/{video.file}", tmp_path).reason is Reason.NOT_FOUND
    server_error = error_of(synthetic_server, fresh(f"/fault/500-then-ok/media/{video.file}"), tmp_path)
    assert (server_error.reason, server_error.transient, server_error.status) == (
        Reason.HTTP_ERROR,
        True,
        500,
    )
    limited = error_of(synthetic_server, fresh(f"/fault/429/media/{video.file}"), tmp_path)
    assert (limited.reason, limited.retry_after) == (Reason.RATE_LIMITED, 1.0)
    assert limited.message == "HTTP 429 Too Many Requests (Retry-After: 1)"


def test_truncated_body_is_corrupt(synthetic_server, synthetic_corpus, video, tmp_path):
    error = error_of(synthetic_server, f"/fault/truncated/media/{video.file}", tmp_path)
    size = synthetic_corpus.path(video).stat().st_size
    assert error.reason is Reason.CORRUPT
    assert error.message == f"truncated body: received {size // 2} of {size} bytes"


@pytest.mark.parametrize("kind", ["html", "html-text"])
def test_html_error_page_is_not_media(synthetic_server, video, tmp_path, kind):
    error = error_of(synthetic_server, f"/fault/{kind}/media/{video.file}", tmp_path)
    assert error.reason is Reason.NOT_MEDIA
    assert "expected video, got a html page" in error.message and "<!DOCTYPE html>" in error.message
    if kind == "html":
        assert "video/mp4" in error.message  # the lying Content-Type is named


def test_video_where_an_image_was_expected_is_not_media(synthetic_server, video, tmp_path):
    error = error_of(synthetic_server, f"/media/{video.file}", tmp_path, media="image")
    assert error.reason is Reason.NOT_MEDIA and "expected image, got video" in error.message


def test_size_cap_by_content_length_reads_nothing(synthetic_server, video, tmp_path):
    error = error_of(
        synthetic_server, f"/media/{video.file}", tmp_path, config=DownloadConfig(max_bytes=1000)
    )
    assert error.reason is Reason.TOO_LARGE and "--max-bytes 1000" in error.message
    assert not (tmp_path / ".x.part").exists()


def test_slow_server_hits_the_item_deadline(synthetic_server, video, tmp_path):
    started = time.monotonic()
    error = error_of(synthetic_server, f"/fault/slow/media/{video.file}", tmp_path, deadline=1.0)
    assert error.reason is Reason.TIMEOUT
    assert time.monotonic() - started < 3.0


def test_local_files_need_the_flag(synthetic_corpus, video, tmp_path):
    url = synthetic_corpus.path(video).as_uri()
    part = tmp_path / ".x.part"
    with pytest.raises(FetchError, match="--allow-local-files"):
        fetch_http(url, part, media="video", config=CONFIG, deadline=time.monotonic() + 5)
    allowed = DownloadConfig(allow_local_files=True)
    got = fetch_http(url, part, media="video", config=allowed, deadline=time.monotonic() + 5)
    assert got.bytes == synthetic_corpus.path(video).stat().st_size
    with pytest.raises(FetchError) as info:
        fetch_http(url + "-gone", part, media="video", config=allowed, deadline=time.monotonic() + 5)
    assert info.value.reason is Reason.NOT_FOUND


def test_proxy_is_used(synthetic_server, video, tmp_path):
    # the synthetic server answers absolute-URL (proxy-style) requests by their path
    url = f"http://media.example.invalid/media/{video.file}"
    config = DownloadConfig(proxy=synthetic_server.url)
    got = fetch_http(url, tmp_path / ".x.part", media="video", config=config, deadline=time.monotonic() + 5)
    assert got.sniffed.ext == "mp4"
    assert synthetic_server.count(url) == 1


def test_cookies_file_is_loaded(tmp_path):
    cookies = tmp_path / "cookies.txt"
    cookies.write_text("# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tabc123\n")
    opener = build_opener(DownloadConfig(cookies=str(cookies)))
    jars = [h.cookiejar for h in opener.handlers if hasattr(h, "cookiejar")]
    assert [c.value for c in jars[0]] == ["abc123"]
