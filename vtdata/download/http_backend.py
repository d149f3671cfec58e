"""Plain HTTP(S) fetching of direct media files (WebVid mp4s, CC3M images), streamed to disk.

The body goes to a hidden `.part` file in chunks, so memory stays flat for any size; the size
cap is checked against Content-Length before reading and against the bytes received while
reading; the first bytes are sniffed so an HTML error page never becomes a `.mp4`.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import os
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from vtdata.download.config import DownloadConfig
from vtdata.download.guards import RateFloor, SafeRedirects, opt_out
from vtdata.download.retry import FetchError, http_status_error, network_error, parse_retry_after
from vtdata.download.sniff import SNIFF_BYTES, Sniffed, sniff
from vtdata.records.ledger import Reason

CHUNK = 256 * 1024


@dataclass(frozen=True)
class Fetched:
    """A body now on disk at the `.part` path, with what its first bytes say it is."""

    bytes: int
    sniffed: Sniffed
    content_type: str


_local = threading.local()


def build_opener(config: DownloadConfig) -> urllib.request.OpenerDirector:
    """An opener with the run's proxy and cookies (see `_opener` for the per-thread cache)."""
    handlers: list[urllib.request.BaseHandler] = [SafeRedirects()]
    if config.proxy:
        handlers.append(urllib.request.ProxyHandler({"http": config.proxy, "https": config.proxy}))
    if config.cookies:
        jar = http.cookiejar.MozillaCookieJar(config.cookies)
        jar.load(ignore_discard=True, ignore_expires=True)
        handlers.append(urllib.request.HTTPCookieProcessor(jar))
    return urllib.request.build_opener(*handlers)


def _opener(config: DownloadConfig) -> urllib.request.OpenerDirector:
    """One opener per thread and (proxy, cookies): building one costs more than a local fetch."""
    key = (config.proxy, config.cookies)
    cached = getattr(_local, "opener", None)
    if cached is None or cached[0] != key:
        cached = _local.opener = (key, build_opener(config))
    return cached[1]


def fetch_http(
    url: str,
    part: Path,
    *,
    media: str,
    config: DownloadConfig,
    deadline: float,
    opener: urllib.request.OpenerDirector | None = None,
) -> Fetched:
    """Stream `url` into `part`; raise `FetchError` with the real HTTP/socket message on failure."""
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("", "file"):
        return _copy_local(url, part, media=media, config=config, deadline=deadline)
    opener = opener or _opener(config)
    request = urllib.request.Request(url, headers={"User-Agent": config.user_agent, "Accept": "*/*"})
    request.vtdata_deadline = deadline  # checked on every redirect hop (`SafeRedirects`)
    timeout = max(0.1, min(config.timeout, deadline - time.monotonic()))
    try:
        response = opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        retry_after = parse_retry_after(exc.headers.get("Retry-After")) if exc.headers else None
        after = f" (Retry-After: {exc.headers.get('Retry-After')})" if retry_after is not None else ""
        exc.close()
        raise http_status_error(exc.code, f"HTTP {exc.code} {exc.reason}{after}", retry_after) from exc
    except urllib.error.URLError as exc:
        inner = exc.reason if isinstance(exc.reason, BaseException) else exc
        raise network_error(inner) from exc
    except (OSError, http.client.HTTPException) as exc:
        raise network_error(exc) from exc
    with response:
        robots = None if config.ignore_opt_out else opt_out(response.headers)
        if robots is not None:
            raise FetchError(
                Reason.OPTED_OUT, f"X-Robots-Tag {robots!r}: the owner opts out (--ignore-opt-out fetches it)"
            )
        length = response.headers.get("Content-Length")
        if config.max_bytes and length and length.isdigit() and int(length) > config.max_bytes:
            raise FetchError(
                Reason.TOO_LARGE, f"Content-Length {length} exceeds --max-bytes {config.max_bytes}"
            )
        content_type = response.headers.get("Content-Type", "")
        expected = int(length) if length and length.isdigit() else None
        fetched = _stream(
            response.read1,
            part,
            media=media,
            config=config,
            deadline=deadline,
            label=content_type,
            floor=RateFloor(config.min_rate, config.rate_window),
        )
        if expected is not None and fetched.bytes < expected:
            raise FetchError(Reason.CORRUPT, f"truncated body: received {fetched.bytes} of {expected} bytes")
        return fetched


def _copy_local(url: str, part: Path, *, media: str, config: DownloadConfig, deadline: float) -> Fetched:
    if not config.allow_local_files:
        raise FetchError(Reason.UNSUPPORTED, f"local file {url!r} refused: pass --allow-local-files to allow")
    path = Path(unquote(urlsplit(url).path)) if url.startswith("file:") else Path(url)
    try:
        size = os.path.getsize(path)
        if config.max_bytes and size > config.max_bytes:
            raise FetchError(Reason.TOO_LARGE, f"{path}: {size} bytes exceeds --max-bytes {config.max_bytes}")
        with open(path, "rb") as fh:
            return _stream(fh.read1, part, media=media, config=config, deadline=deadline, label="file")
    except FileNotFoundError as exc:
        raise FetchError(Reason.NOT_FOUND, f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise FetchError(Reason.UNSUPPORTED, f"{path}: is a directory") from exc


def _stream(
    read,
    part: Path,
    *,
    media: str,
    config: DownloadConfig,
    deadline: float,
    label: str,
    floor: RateFloor | None = None,
) -> Fetched:
    """Copy chunks from `read` to `part`, sniffing the head and enforcing cap, deadline and `floor`.

    `read` must return after at most one system call (`read1`), so a server trickling bytes
    cannot hold a worker past the item's deadline, nor below the minimum rate for long.
    """
    floor = floor or RateFloor(0, 1)
    try:
        head = _read_head(read, deadline, floor)
        sniffed = sniff(head)
        _check_kind(sniffed, media, label)
        total = len(head)
        part.parent.mkdir(parents=True, exist_ok=True)
        with open(part, "wb") as out:
            out.write(head)
            while True:
                if time.monotonic() > deadline:
                    raise FetchError(
                        Reason.TIMEOUT, f"item deadline ({config.deadline:.0f} s) reached after {total} bytes"
                    )
                chunk = read(CHUNK)
                if not chunk:
                    break
                total += len(chunk)
                floor.check(total)
                if config.max_bytes and total > config.max_bytes:
                    raise FetchError(Reason.TOO_LARGE, f"body exceeds --max-bytes {config.max_bytes}")
                out.write(chunk)
    except (OSError, http.client.HTTPException) as exc:
        raise network_error(exc) from exc
    if total == 0:
        raise FetchError(Reason.NOT_MEDIA, "empty body")
    return Fetched(total, sniffed, label)


def _read_head(read, deadline: float, floor: RateFloor) -> bytes:
    head = b""
    while len(head) < SNIFF_BYTES:
        if time.monotonic() > deadline:
            raise FetchError(Reason.TIMEOUT, f"item deadline reached after {len(head)} bytes")
        chunk = read(SNIFF_BYTES - len(head))
        if not chunk:
            break
        head += chunk
        floor.check(len(head))
    return head


def _check_kind(sniffed: Sniffed, media: str, label: str) -> None:
    """Reject bodies that are clearly not the expected media; unknown binaries go on to the decoder."""
    got = f" (Content-Type {label!r})" if label and label != "file" else ""
    if sniffed.kind in ("html", "text"):
        raise FetchError(
            Reason.NOT_MEDIA, f"expected {media}, got a {sniffed.kind} page{got}: {sniffed.detail!r}"
        )
    if sniffed.is_media and sniffed.kind != media:
        raise FetchError(Reason.NOT_MEDIA, f"expected {media}, got {sniffed.kind} ({sniffed.detail}){got}")
