import time
import uuid

import pytest
import yt_dlp
from yt_dlp.utils import DownloadError, download_range_func

from vtdata.download.config import DownloadConfig
from vtdata.download.retry import FetchError
from vtdata.download.ytdlp_backend import classify_ytdlp_error, fetch_ytdlp, ytdlp_options
from vtdata.media.ffmpeg import ffmpeg_dir
from vtdata.records.ledger import Reason


def options(tmp_path, **kw):
    return ytdlp_options(DownloadConfig(**kw), tmp_path, deadline=time.monotonic() + 60)


def test_options_cap_height_prefer_h264_and_use_our_ffmpeg(tmp_path):
    opts = options(tmp_path, max_height=240)
    assert "[height<=?240]" in opts["format"] and "/" in opts["format"]
    assert opts["format_sort"][:2] == ["res:240", "vcodec:h264"]
    assert opts["ffmpeg_location"] == ffmpeg_dir()
    assert opts["writesubtitles"] and opts["writeautomaticsub"] and opts["subtitleslangs"] == ["en"]
    assert opts["paths"]["home"] == str(tmp_path)
    assert opts["max_filesize"] == 1 << 30
    assert "download_ranges" not in opts and "cookiefile" not in opts and "proxy" not in opts


def test_options_pass_through(tmp_path):
    opts = ytdlp_options(
        DownloadConfig(
            subs=(),
            cookies="/c.txt",
            proxy="socks5://p:1080",
            ytdlp_options={"sleep_interval": 3, "retries": 7},
        ),
        tmp_path,
        deadline=time.monotonic() + 60,
        section=(2.0, 5.5),
    )
    assert opts["cookiefile"] == "/c.txt" and opts["proxy"] == "socks5://p:1080"
    assert opts["sleep_interval"] == 3 and opts["retries"] == 7  # user options win
    assert "writesubtitles" not in opts
    assert opts["download_ranges"] == download_range_func(None, [(2.0, 5.5)])
    assert opts["force_keyframes_at_cuts"] is False


def test_real_format_selection_caps_height_and_prefers_h264(tmp_path):
    formats = [
        {"format_id": "av1-720", "height": 720, "width": 1280, "vcodec": "av01.0.05M.08", "acodec": "none"},
        {"format_id": "vp9-360", "height": 360, "width": 640, "vcodec": "vp9", "acodec": "none"},
        {"format_id": "h264-360", "height": 360, "width": 640, "vcodec": "avc1.4d401e", "acodec": "none"},
        {"format_id": "h264-240", "height": 240, "width": 426, "vcodec": "avc1.4d4015", "acodec": "none"},
        {"format_id": "aac", "vcodec": "none", "acodec": "mp4a.40.2", "ext": "m4a"},
        {"format_id": "opus", "vcodec": "none", "acodec": "opus", "ext": "webm", "abr": 160},
    ]
    for f in formats:
        f.setdefault("ext", "mp4" if f["vcodec"] != "vp9" else "webm")
        f["url"] = f"http://127.0.0.1:9/{f['format_id']}"
        f["protocol"] = "https"
    opts = options(tmp_path, max_height=360)
    opts.update(quiet=True, simulate=True)
    with yt_dlp.YoutubeDL(opts) as ydl:
        info = ydl.process_ie_result({"id": "x", "title": "x", "formats": formats}, download=False)
    assert info["format_id"] == "h264-360+aac"


@pytest.mark.parametrize(
    "message,reason",
    [
        ("\x1b[0;31mERROR:\x1b[0m [youtube] abc: Sign in to confirm you’re not a bot", Reason.BLOCKED),
        (
            "ERROR: [youtube] abc: Video unavailable. This video has been removed by the uploader",
            Reason.UNAVAILABLE,
        ),
        ("ERROR: [youtube] abc: Private video. Sign in if you've been granted access", Reason.UNAVAILABLE),
        (
            "ERROR: [youtube] abc: Unable to download webpage: HTTP Error 429: Too Many Requests",
            Reason.RATE_LIMITED,
        ),
        ("ERROR: Unsupported URL: http://h/page", Reason.NOT_FOUND),
        ("ERROR: [youtube] abc: Requested format is not available", Reason.UNSUPPORTED),
        ("ERROR: unable to download video data: <urlopen error timed out>", Reason.TIMEOUT),
        ("ERROR: something nobody expected", Reason.ERROR),
    ],
)
def test_classify_messages(message, reason):
    error = classify_ytdlp_error(DownloadError(message))
    assert error.reason is reason
    assert not error.message.startswith("ERROR") and "\x1b" not in error.message
    assert error.transient == (reason is Reason.TIMEOUT)


@pytest.mark.slow
def test_page_with_subtitles(synthetic_server, synthetic_corpus, tmp_path):
    narrated = synthetic_corpus.of("howto100m")[0]
    url = f"{synthetic_server.url}/watch/{narrated.id}.html"
    result = fetch_ytdlp(url, tmp_path / "work", config=DownloadConfig(), deadline=time.monotonic() + 60)
    assert result.media.read_bytes() == synthetic_corpus.path(narrated).read_bytes()
    assert list(result.subtitles) == ["en"]
    assert result.subtitles["en"].read_text() == synthetic_corpus.subtitles_path(narrated).read_text()


@pytest.mark.slow
def test_http_errors_keep_yt_dlp_message_and_status(synthetic_server, synthetic_corpus, tmp_path):
    video = synthetic_corpus.of("webvid")[1]
    config = DownloadConfig()
    with pytest.raises(FetchError) as info:
        fetch_ytdlp(
            f"{synthetic_server.url}/fault/404/media/{video.file}",
            tmp_path / "a",
            config=config,
            deadline=time.monotonic() + 60,
        )
    assert info.value.reason is Reason.NOT_FOUND and info.value.status == 404
    assert "HTTP Error 404: Not Found" in info.value.message
    path = f"/fault/429/media/{video.file}?t={uuid.uuid4().hex[:8]}"
    with pytest.raises(FetchError) as info:
        fetch_ytdlp(
            synthetic_server.url + path, tmp_path / "b", config=config, deadline=time.monotonic() + 60
        )
    assert (info.value.reason, info.value.retry_after) == (Reason.RATE_LIMITED, 1.0)


@pytest.mark.slow
def test_size_cap_is_too_large_with_yt_dlp_words(synthetic_server, synthetic_corpus, tmp_path):
    narrated = synthetic_corpus.of("howto100m")[0]
    with pytest.raises(FetchError) as info:
        fetch_ytdlp(
            f"{synthetic_server.url}/watch/{narrated.id}.html",
            tmp_path / "w",
            config=DownloadConfig(max_bytes=1000),
            deadline=time.monotonic() + 60,
        )
    assert info.value.reason is Reason.TOO_LARGE
    assert "larger than max-filesize" in info.value.message


@pytest.mark.slow
def test_users_cookie_file_is_never_rewritten(synthetic_server, synthetic_corpus, tmp_path):
    cookies = tmp_path / "cookies.txt"
    cookies.write_text("# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tabc123\n")
    before = cookies.read_bytes()
    narrated = synthetic_corpus.of("howto100m")[0]
    result = fetch_ytdlp(
        f"{synthetic_server.url}/watch/{narrated.id}.html",
        tmp_path / "w",
        config=DownloadConfig(cookies=str(cookies)),
        deadline=time.monotonic() + 60,
    )
    assert result.media.name == "media.mp4"
    assert cookies.read_bytes() == before  # yt-dlp saved its jar into a private copy
