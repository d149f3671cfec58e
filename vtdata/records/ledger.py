"""What the ledger records per item (DESIGN.md §2), shared by download, align and shard."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

SCHEMA_VERSION = 1


class Reason(str, Enum):
    """Fixed failure taxonomy: every failed item carries exactly one of these."""

    NOT_FOUND = "not_found"  # 404/410, or the page holds no media
    HTTP_ERROR = "http_error"  # other 4xx/5xx after retries
    TIMEOUT = "timeout"  # connect/read timeout or per-item deadline
    UNAVAILABLE = "unavailable"  # video removed, private, geo-blocked
    RATE_LIMITED = "rate_limited"  # 429 / "too many requests"
    BLOCKED = "blocked"  # 403 or "sign in to confirm you're not a bot"
    TOO_LARGE = "too_large"  # over --max-bytes
    CORRUPT = "corrupt"  # truncated or undecodable media
    NOT_MEDIA = "not_media"  # an HTML error page or other non-media body
    UNSUPPORTED = "unsupported"  # scheme or format we refuse
    NETWORK = "network"  # DNS failure, connection refused/reset after retries
    OPTED_OUT = "opted_out"  # X-Robots-Tag noai / noimageai / noindex / noimageindex (see --ignore-opt-out)
    ERROR = "error"  # anything else; the message says what


@dataclass
class LedgerEntry:
    """One item's download outcome; `path` is relative to the store root."""

    id: str
    status: str  # "ok" | "failed"
    url: str = ""
    reason: str | None = None
    message: str | None = None
    attempts: int = 0
    bytes: int = 0
    path: str | None = None
    subtitles: dict[str, str] = field(default_factory=dict)  # lang -> relative path
    media: str = "video"
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    backend: str | None = None  # "ytdlp" | "http"
    updated: float = 0.0
    offset: float = 0.0  # source time (s) of the file's t=0; non-zero only for `--sections` downloads
