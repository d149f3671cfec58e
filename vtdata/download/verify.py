"""Check a downloaded file before it may count as ok: `vtdata.media.verify`, with its failures as
download failures (`FetchError` with a ledger reason)."""

from __future__ import annotations

from pathlib import Path

from vtdata.download.retry import FetchError
from vtdata.media import verify
from vtdata.media.errors import TOO_LARGE, UNSUPPORTED, MediaError
from vtdata.media.verify import Verified
from vtdata.records.ledger import Reason

__all__ = ["Verified", "verify_image", "verify_video"]

_REASONS = {UNSUPPORTED: Reason.UNSUPPORTED, TOO_LARGE: Reason.TOO_LARGE}


def verify_video(path: str | Path, label: str = "video") -> Verified:
    """`media.verify.verify_video`; raises `FetchError` corrupt / unsupported."""
    try:
        return verify.verify_video(path, label)
    except MediaError as exc:
        raise FetchError(_REASONS.get(exc.reason, Reason.CORRUPT), exc.message) from exc


def verify_image(path: str | Path, label: str = "image") -> Verified:
    """`media.verify.verify_image`; raises `FetchError` corrupt / too_large."""
    try:
        return verify.verify_image(path, label)
    except MediaError as exc:
        raise FetchError(_REASONS.get(exc.reason, Reason.CORRUPT), exc.message) from exc
