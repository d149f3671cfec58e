"""yt-dlp, wrapped once: pages and YouTube ids -> one capped-resolution file plus subtitles.

yt-dlp works in a private hidden folder beside the final files (`.<sid>.ytdlp.part/`), so its
own temporary files, merges and subtitle conversions never touch the store; the caller
verifies the result and renames it into place. Its errors are mapped onto the failure taxonomy
keeping yt-dlp's own words, which are what a user can search for.
"""

from __future__ import annotations

import logging
import re
import shutil
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import yt_dlp
from yt_dlp.networking.exceptions import HTTPError as YtdlpHTTPError
from yt_dlp.networking.exceptions import TransportError
from yt_dlp.postprocessor.common import PostProcessor
from yt_dlp.postprocessor.ffmpeg import FFmpegPostProcessor, FFmpegSubtitlesConvertorPP
from yt_dlp.utils import download_range_func

from vtdata.download.config import DownloadConfig
from vtdata.download.retry import FetchError, http_status_error, parse_retry_after
from vtdata.media.ffmpeg import ffmpeg_dir
from vtdata.records.ids import name_problem
from vtdata.records.ledger import Reason

log = logging.getLogger(__name__)

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Subtitle formats align reads as they are (`vtdata.align.timedtext`), kept unconverted: yt-dlp's
# ffmpeg cannot read YouTube's srv1-3 or SBV at all, and TTML loses nothing by staying TTML.
READ_AS_IS = ("srv3", "srv2", "srv1", "ttml", "dfxp", "sbv")
SUBTITLE_EXTS = ("vtt", *READ_AS_IS)  # preference order when a language has several

# Ordered: the first pattern that matches yt-dlp's message decides the reason.
_PATTERNS: list[tuple[re.Pattern, Reason, bool]] = [
    (re.compile(r"sign in to confirm|not a bot|confirm you.?re not a robot", re.I), Reason.BLOCKED, False),
    (re.compile(r"HTTP Error 429|Too Many Requests", re.I), Reason.RATE_LIMITED, False),
    (re.compile(r"HTTP Error 40[13]", re.I), Reason.BLOCKED, False),
    (re.compile(r"HTTP Error 4(04|10)", re.I), Reason.NOT_FOUND, False),
    (re.compile(r"larger than max-filesize|File is larger than", re.I), Reason.TOO_LARGE, False),
    (re.compile(r"bytes read, \d+ more expected|ContentTooShort", re.I), Reason.CORRUPT, False),
    (re.compile(r"Requested format is not available|no video formats", re.I), Reason.UNSUPPORTED, False),
    (
        re.compile(
            r"video unavailable|private video|has been removed|no longer available|is not available|"
            r"account .* terminated|copyright|members.only|age.restricted|confirm your age|"
            r"this live event|premieres in|has been blocked",
            re.I,
        ),
        Reason.UNAVAILABLE,
        False,
    ),
    (re.compile(r"Unsupported URL", re.I), Reason.NOT_FOUND, False),
    (re.compile(r"timed out|timeout", re.I), Reason.TIMEOUT, True),
    (
        re.compile(r"connection reset|remote end closed|incompleteread|connection aborted", re.I),
        Reason.NETWORK,
        True,
    ),
    (re.compile(r"HTTP Error 5\d\d", re.I), Reason.HTTP_ERROR, True),
    (
        re.compile(r"name or service not known|getaddrinfo|failed to resolve|connection refused", re.I),
        Reason.NETWORK,
        False,
    ),
    (re.compile(r"HTTP Error \d\d\d", re.I), Reason.HTTP_ERROR, False),
]


@dataclass
class YtdlpResult:
    """The media file and subtitles (lang -> path) yt-dlp left in its work folder."""

    media: Path
    subtitles: dict[str, Path] = field(default_factory=dict)
    title: str | None = None
    notes: list[str] = field(default_factory=list)  # what went wrong without failing the item


class _DeadlineReached(Exception):
    pass


class _Logger:
    """Routes yt-dlp's output to `logging` and keeps its messages to explain a missing file."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def _keep(self, msg: str) -> str:
        msg = _ANSI.sub("", str(msg)).strip()
        self.messages.append(msg)
        return msg

    def debug(self, msg: str) -> None:
        log.debug("yt-dlp: %s", self._keep(msg))

    def info(self, msg: str) -> None:
        log.debug("yt-dlp: %s", self._keep(msg))

    def warning(self, msg: str) -> None:
        log.info("yt-dlp: %s", self._keep(msg))

    def error(self, msg: str) -> None:
        log.info("yt-dlp: %s", self._keep(msg))


def format_selector(max_height: int) -> str:
    """Best streams at most `max_height` tall (or of unknown height); never a larger one."""
    h = f"[height<=?{max_height}]"
    return f"bv*{h}+ba/b{h}/bv*{h}"


def format_sort(max_height: int) -> list[str]:
    """Prefer the largest size up to the cap, then H.264 (YouTube's default VP9/AV1 decode far slower)."""
    return [f"res:{max_height}", "vcodec:h264", "acodec:aac", "ext:mp4:m4a"]


def ytdlp_options(
    config: DownloadConfig,
    workdir: Path,
    *,
    deadline: float,
    section: tuple[float, float] | None = None,
    logger: _Logger | None = None,
) -> dict:
    """The yt-dlp parameter dict for one item; `config.ytdlp_options` is applied last and wins."""

    def hook(_status: dict) -> None:
        if time.monotonic() > deadline:
            raise _DeadlineReached

    opts: dict = {
        "format": format_selector(config.max_height),
        "format_sort": format_sort(config.max_height),
        "merge_output_format": "mp4/mkv",
        "outtmpl": {"default": "media.%(ext)s"},
        "paths": {"home": str(workdir), "temp": str(workdir)},
        "ffmpeg_location": ffmpeg_dir(),
        "socket_timeout": max(1.0, min(config.timeout, deadline - time.monotonic())),
        "retries": 0,
        "fragment_retries": 2,
        "extractor_retries": 0,
        "skip_unavailable_fragments": False,
        "noplaylist": True,
        "overwrites": True,
        "continuedl": False,
        "quiet": True,
        "noprogress": True,
        "color": {"stdout": "no_color", "stderr": "no_color"},
        "logger": logger or _Logger(),
        "progress_hooks": [hook],
        "postprocessor_hooks": [hook],
    }
    if config.max_bytes:
        opts["max_filesize"] = config.max_bytes
    if config.subs:
        opts.update(
            writesubtitles=True,
            writeautomaticsub=config.auto_subs,
            subtitleslangs=list(config.subs),
            subtitlesformat="vtt/best",
        )
    if section is not None:
        opts["download_ranges"] = download_range_func(None, [section])
        opts["force_keyframes_at_cuts"] = False  # stream copy: cuts land on keyframes (± one GOP)
        # ffmpeg cuts the ranges; bound each of its network stalls like ours (it takes microseconds)
        opts["external_downloader_args"] = {"ffmpeg_i": ["-rw_timeout", str(int(config.timeout * 1e6))]}
    if config.cookies:
        opts["cookiefile"] = config.cookies
    if config.proxy:
        opts["proxy"] = config.proxy
    opts.update(config.ytdlp_options)
    return opts


def fetch_ytdlp(
    url: str,
    workdir: Path,
    *,
    config: DownloadConfig,
    deadline: float,
    section: tuple[float, float] | None = None,
) -> YtdlpResult:
    """Download `url` into `workdir` (created); raise `FetchError` with yt-dlp's own message.

    Subtitles that fail to download do not fail the video: yt-dlp aborts before the video
    when a subtitle fails, so the item is fetched again without subtitles, and `notes` says why.
    """
    try:
        return _fetch(url, workdir, config, deadline, section)
    except _SubtitlesFailed as exc:
        log.info("%s: %s; fetching the video without subtitles", url, exc)
        shutil.rmtree(workdir, ignore_errors=True)
        result = _fetch(url, workdir, replace(config, subs=()), deadline, section)
        result.notes.append(f"no subtitles: {exc}")
        return result


class _SubtitlesFailed(Exception):
    pass


class SafeSubtitleLangs(PostProcessor):
    """Drops, before anything is written, every requested subtitle whose language code is no plain
    name: yt-dlp builds the file name `media.<lang>.vtt` from the site's code, so `en/../../x` would
    write outside the work folder."""

    def run(self, info: dict) -> tuple[list, dict]:
        subs = info.get("requested_subtitles") or {}
        for lang in [lang for lang in subs if name_problem(lang, "subtitle language") is not None]:
            log.warning("%s: %s; subtitle dropped", info.get("id"), name_problem(lang, "subtitle language"))
            del subs[lang]
        return [], info


def _fetch(
    url: str, workdir: Path, config: DownloadConfig, deadline: float, section: tuple[float, float] | None
) -> YtdlpResult:
    workdir.mkdir(parents=True, exist_ok=True)
    # yt-dlp decides whether ffmpeg can cut sections (`FFmpegFD.available`) WITHOUT looking at
    # `ffmpeg_location`; its own CLI sets this context variable, and so must we (per thread).
    FFmpegPostProcessor._ffmpeg_location.set(ffmpeg_dir())
    logger = _Logger()
    opts = ytdlp_options(config, workdir, deadline=deadline, section=section, logger=logger)
    if config.cookies:
        # yt-dlp writes its cookie jar back to `cookiefile` when it closes; concurrent downloads
        # would race on the user's file, so each one gets a private copy.
        private = workdir / "cookies" / "cookies.txt"
        private.parent.mkdir(exist_ok=True)
        shutil.copyfile(config.cookies, private)
        opts["cookiefile"] = str(private)
    try:
        with yt_dlp.YoutubeDL(opts) as ydl:
            ydl.add_post_processor(SafeSubtitleLangs(), when="video")  # before subtitles are written
            if config.subs:
                ydl.add_post_processor(_SubtitlesToVtt(ydl, "vtt"), when="before_dl")
            info = ydl.extract_info(url, download=True)
    except _DeadlineReached as exc:
        raise FetchError(
            Reason.TIMEOUT, f"item deadline ({config.deadline:.0f} s) reached during download"
        ) from exc
    except yt_dlp.utils.YoutubeDLError as exc:
        error = classify_ytdlp_error(exc)
        if config.subs and error.message.startswith("Unable to download video subtitles"):
            raise _SubtitlesFailed(error.message) from exc
        raise error from exc
    media = _media_file(info, workdir)
    if media is None:
        raise _missing_file_error(logger.messages)
    return YtdlpResult(media, _subtitle_files(workdir, media), (info or {}).get("title"))


class _SubtitlesToVtt(FFmpegSubtitlesConvertorPP):
    """yt-dlp's converter to WebVTT, minus the `READ_AS_IS` formats: converting a video's only
    subtitles from srv3 failed the whole download ("Preprocessing: Error opening input files")."""

    def run(self, info):
        subs = info.get("requested_subtitles") or {}
        kept = {lang: sub for lang, sub in subs.items() if sub.get("ext") in READ_AS_IS}
        info["requested_subtitles"] = {lang: sub for lang, sub in subs.items() if lang not in kept}
        try:
            files, info = super().run(info)
        finally:
            info["requested_subtitles"] = {**(info.get("requested_subtitles") or {}), **kept}
        return files, info


def classify_ytdlp_error(exc: BaseException) -> FetchError:
    """Map a yt-dlp exception to the taxonomy; the message is yt-dlp's, minus its 'ERROR: ' prefix."""
    message = _ANSI.sub("", str(exc)).strip()
    message = re.sub(r"^ERROR:\s*", "", message)
    http_error = _find_cause(exc, YtdlpHTTPError)
    if http_error is not None:
        headers = getattr(http_error.response, "headers", None) or {}
        retry_after = parse_retry_after(headers.get("Retry-After"))
        return http_status_error(http_error.status, message, retry_after)
    for pattern, reason, transient in _PATTERNS:
        if pattern.search(message):
            return FetchError(reason, message, transient=transient)
    if _find_cause(exc, TransportError) is not None:
        return FetchError(Reason.NETWORK, message, transient=True)
    return FetchError(Reason.ERROR, message)


def _find_cause(exc: BaseException, kind: type) -> BaseException | None:
    seen, todo = set(), [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, kind):
            return e
        todo += [getattr(e, "cause", None), e.__cause__, e.__context__]
        exc_info = getattr(e, "exc_info", None)
        if isinstance(exc_info, tuple) and len(exc_info) > 1:
            todo.append(exc_info[1])
    return None


def _missing_file_error(messages: list[str]) -> FetchError:
    for msg in reversed(messages):
        for pattern, reason, transient in _PATTERNS:
            if pattern.search(msg):
                return FetchError(reason, msg, transient=transient)
    last = messages[-1] if messages else "no output"
    return FetchError(Reason.ERROR, f"yt-dlp finished without a media file (last message: {last})")


def _media_file(info: dict | None, workdir: Path) -> Path | None:
    for download in (info or {}).get("requested_downloads") or []:
        path = download.get("filepath")
        if path and Path(path).is_file():
            return Path(path)
    candidates = [
        p
        for p in workdir.iterdir()
        if p.is_file() and p.suffix.lstrip(".") not in SUBTITLE_EXTS and not _is_temp(p)
    ]
    return max(candidates, key=lambda p: p.stat().st_size) if candidates else None


def _is_temp(path: Path) -> bool:
    return path.name.endswith((".part", ".ytdl", ".temp")) or ".part-Frag" in path.name


def _subtitle_files(workdir: Path, media: Path) -> dict[str, Path]:
    """`media.<lang>.<ext>` subtitle files yt-dlp wrote next to `media.<ext>`, one per language
    (the first of `SUBTITLE_EXTS`)."""
    stem = media.name.split(".", 1)[0]
    subs: dict[str, Path] = {}
    for ext in SUBTITLE_EXTS:
        for path in sorted(workdir.glob(f"{stem}.*.{ext}")):
            lang = path.name[len(stem) + 1 : -len(f".{ext}")]
            if lang and lang not in subs:
                subs[lang] = path
    return subs
