"""Fetch ONE item, completely: attempts with backoff, verification, the atomic move into place.

`download_one` needs nothing but the item, the store path and the config (and optionally a
shared `HostGate`), touches only that item's files, and returns the ledger row to record —
so any executor can run it: the local thread pool, or a Ray task. Writing the ledger is the
caller's job, and happens after this returns, i.e. after the files are in their final place.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from vtdata.download.config import DownloadConfig
from vtdata.download.hosts import HostGate, host_of, new_gate
from vtdata.download.http_backend import fetch_http
from vtdata.download.plan import check_url, choose_backend, section_of, url_ext
from vtdata.download.retry import FetchError, RetryPolicy
from vtdata.download.sniff import SNIFF_BYTES, sniff
from vtdata.download.store import ItemPaths
from vtdata.download.verify import Verified, verify_image, verify_video
from vtdata.media.image import shrink_image
from vtdata.records.ledger import LedgerEntry, Reason
from vtdata.records.sources import SourceItem

log = logging.getLogger(__name__)
_EXT = re.compile(r"[a-z0-9]{1,5}")


@dataclass
class _Outcome:
    """Files already moved into place and what verification found."""

    path: Path
    bytes: int
    verified: Verified
    subtitles: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def download_one(
    item: SourceItem,
    store: str | Path,
    config: DownloadConfig,
    *,
    gate: HostGate | None = None,
) -> LedgerEntry:
    """Fetch, verify and place `item`'s files; return its ledger row (never raises for a bad item).

    Transient failures are retried with exponential backoff, rate limits after the server's
    Retry-After, all within `config.deadline`. A failed row keeps the real error message of the
    last attempt; an ok row that needed retries says what the earlier attempts hit.
    """
    started = time.monotonic()
    deadline = started + config.deadline
    gate = gate or new_gate(config)
    policy = RetryPolicy(config.retries, config.backoff, config.backoff_max)
    backend = choose_backend(item, config)
    entry = LedgerEntry(id=item.id, status="failed", url=item.url, media=item.media, backend=backend)
    refusal = check_url(item.url, config)
    if refusal is not None:
        return _failed(entry, refusal, attempts=0)
    paths = ItemPaths(store, item.id)
    host = host_of(item.url)
    section = section_of(item, config) if backend == "ytdlp" else None
    history: list[str] = []
    attempts = 0
    while True:
        given_up = gate.given_up(host)
        if given_up is not None:
            return _failed(entry, given_up, attempts, history)
        try:
            gate.wait(host, deadline)
        except FetchError as error:
            return _failed(entry, error, attempts, history)
        attempts += 1
        try:
            outcome = _attempt(item, paths, backend, section, config, deadline)
        except FetchError as error:
            _clean(paths)
            if error.reason in (Reason.RATE_LIMITED, Reason.BLOCKED):
                pause = gate.refused(host, item.url, error)
                if pause:
                    log.info(
                        "%s: %s answered %s; cooling down %.1f s", item.id, host, error.reason.value, pause
                    )
            if not policy.should_retry(error, attempts):
                return _failed(entry, error, attempts, history)
            limited = error.reason is Reason.RATE_LIMITED
            wait = gate.remaining(host) if limited else policy.delay(error, attempts)
            if time.monotonic() + wait > deadline:
                error.message += f" (no retry: waiting {wait:.1f} s would pass the item deadline)"
                return _failed(entry, error, attempts, history)
            history.append(f"attempt {attempts}: {error.reason.value}: {error.message}")
            if not limited:  # a rate-limited retry waits in gate.wait, together with the whole host
                time.sleep(wait)
            continue
        except Exception as exc:  # noqa: BLE001 - a bug or a full disk must fail this item, not the run
            _clean(paths)
            log.exception("%s: unexpected error", item.id)
            return _failed(entry, FetchError(Reason.ERROR, f"{type(exc).__name__}: {exc}"), attempts, history)
        gate.succeed(host)
        v = outcome.verified
        entry.status = "ok"
        entry.attempts = attempts
        entry.bytes = outcome.bytes
        entry.path = paths.relative(outcome.path)
        entry.subtitles = {lang: paths.relative(p) for lang, p in outcome.subtitles.items()}
        entry.duration, entry.width, entry.height, entry.fps = v.duration, v.width, v.height, v.fps
        entry.offset = section[0] if section else 0.0
        notes = ([f"ok after {attempts} attempts"] + history if history else []) + outcome.notes
        entry.message = "; ".join(notes) or None
        entry.updated = time.time()
        return entry


def _failed(
    entry: LedgerEntry, error: FetchError, attempts: int, history: list[str] | None = None
) -> LedgerEntry:
    entry.status = "failed"
    entry.reason = error.reason.value
    entry.message = error.message
    if history:
        entry.message += f" (earlier: {'; '.join(history)})"
    entry.attempts = attempts
    entry.updated = time.time()
    return entry


def _clean(paths: ItemPaths) -> None:
    """Remove this item's files after a failed attempt; a failure here is logged, never recorded."""
    try:
        paths.clear()
    except OSError as exc:
        log.warning("%s: could not remove partial files: %s", paths.sid, exc)


def _attempt(
    item: SourceItem,
    paths: ItemPaths,
    backend: str,
    section: tuple[float, float] | None,
    config: DownloadConfig,
    deadline: float,
) -> _Outcome:
    paths.clear()
    paths.dir.mkdir(parents=True, exist_ok=True)
    if backend == "ytdlp":
        return _attempt_ytdlp(item, paths, section, config, deadline)
    return _attempt_http(item, paths, config, deadline)


def _attempt_http(item: SourceItem, paths: ItemPaths, config: DownloadConfig, deadline: float) -> _Outcome:
    part = paths.part()
    fetched = fetch_http(item.url, part, media=item.media, config=config, deadline=deadline)
    if item.media == "image":
        verified = verify_image(part, "downloaded image")
        ext = fetched.sniffed.ext or "jpg"
        if config.image_size:
            small = paths.part("jpg")
            width, height = shrink_image(part, small, config.image_size)
            part.unlink()
            part, ext = small, "jpg"
            verified = Verified(width, height)
    else:
        verified = verify_video(part, "downloaded video")
        ext = fetched.sniffed.ext or _safe_ext(url_ext(item.url), "mp4")
    final = paths.final(ext)
    size = part.stat().st_size
    os.replace(part, final)
    return _Outcome(final, size, verified)


def _attempt_ytdlp(
    item: SourceItem,
    paths: ItemPaths,
    section: tuple[float, float] | None,
    config: DownloadConfig,
    deadline: float,
) -> _Outcome:
    from vtdata.download.ytdlp_backend import fetch_ytdlp  # yt-dlp imports slowly; HTTP-only runs skip it

    workdir = paths.part("ytdlp")
    result = fetch_ytdlp(item.url, workdir, config=config, deadline=deadline, section=section)
    with open(result.media, "rb") as fh:
        sniffed = sniff(fh.read(SNIFF_BYTES))
    if sniffed.kind in ("html", "text"):
        raise FetchError(Reason.NOT_MEDIA, f"expected video, got a {sniffed.kind} page: {sniffed.detail!r}")
    verified = verify_video(result.media, "downloaded video")
    subtitles = {}
    for lang, path in result.subtitles.items():
        ext = path.suffix.lstrip(".")
        if _looks_like(path, ext):
            dest = paths.subtitle(lang, ext)
            os.replace(path, dest)
            subtitles[lang] = dest
        else:
            log.warning("%s: subtitle %s is not %s; skipped", item.id, path.name, ext)
    final = paths.final(sniffed.ext or _safe_ext(result.media.suffix.lstrip("."), "mp4"))
    size = result.media.stat().st_size
    os.replace(result.media, final)
    shutil.rmtree(workdir, ignore_errors=True)
    return _Outcome(final, size, verified, subtitles, result.notes)


def _looks_like(path: Path, ext: str) -> bool:
    """Whether a subtitle file starts as its format does (not an HTML error page saved as one)."""
    with open(path, "rb") as fh:
        head = fh.read(256).lstrip(b"\xef\xbb\xbf").lstrip()
    if ext == "vtt":
        return head.startswith(b"WEBVTT")
    if ext == "sbv":
        return re.match(rb"\d+:\d{1,2}:\d{1,2}", head) is not None
    return head.startswith(b"<") and not head[:64].lower().startswith((b"<!doctype html", b"<html"))


def _safe_ext(ext: str, default: str) -> str:
    """`ext` when it is a plain short extension (it becomes part of a file name), else `default`."""
    return ext if _EXT.fullmatch(ext) else default
