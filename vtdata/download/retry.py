"""Which failures deserve another try, and how long to wait before it.

Only transient failures are retried (5xx, timeouts, connection resets): a 404 or a removed
video will not come back, and retrying it only burns the host's patience. Rate limiting is
retried after the wait the server asked for (`Retry-After`).
"""

from __future__ import annotations

import email.utils
import http.client
import random
import socket
import ssl
import time
from dataclasses import dataclass

from vtdata.records.ledger import Reason


class FetchError(Exception):
    """One failed attempt: the reason from the taxonomy and the real message that caused it."""

    def __init__(
        self,
        reason: Reason,
        message: str,
        *,
        transient: bool = False,
        retry_after: float | None = None,
        status: int | None = None,
    ):
        super().__init__(message)
        self.reason = Reason(reason)
        self.message = message
        self.transient = transient
        self.retry_after = retry_after
        self.status = status


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter: attempt k waits `base * 2**(k-1)` times U(0.5, 1), capped."""

    retries: int = 3
    base: float = 1.0
    cap: float = 60.0

    def should_retry(self, error: FetchError, attempts: int) -> bool:
        """`attempts` counts the tries made so far (the failed one included)."""
        if attempts > self.retries:
            return False
        return error.transient or error.reason is Reason.RATE_LIMITED

    def delay(self, error: FetchError, attempts: int, rng: random.Random | None = None) -> float:
        """Seconds to wait before the next try; a server's Retry-After wins over the backoff."""
        if error.retry_after is not None:
            return error.retry_after
        rng = rng or random
        return min(self.cap, self.base * 2 ** (attempts - 1)) * rng.uniform(0.5, 1.0)


def http_status_error(status: int, message: str, retry_after: float | None = None) -> FetchError:
    """Map an HTTP status to the taxonomy; only 5xx and 408 are transient."""
    if status in (404, 410):
        return FetchError(Reason.NOT_FOUND, message, status=status)
    if status == 429:
        return FetchError(Reason.RATE_LIMITED, message, retry_after=retry_after, status=status)
    if status in (401, 403):
        return FetchError(Reason.BLOCKED, message, retry_after=retry_after, status=status)
    if status == 451:
        return FetchError(Reason.UNAVAILABLE, message, status=status)
    if status == 408:
        return FetchError(Reason.TIMEOUT, message, transient=True, status=status)
    if status == 413:
        return FetchError(Reason.TOO_LARGE, message, status=status)
    transient = 500 <= status < 600
    return FetchError(Reason.HTTP_ERROR, message, transient=transient, retry_after=retry_after, status=status)


def network_error(exc: BaseException) -> FetchError:
    """Map a socket-level exception: timeouts and resets are transient, refusals and DNS are not."""
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if isinstance(exc, http.client.IncompleteRead):
        got, left = len(exc.partial), exc.expected
        total = f"{got + left}" if left is not None else "more"
        return FetchError(Reason.CORRUPT, f"truncated body: received {got} of {total} bytes")
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return FetchError(Reason.TIMEOUT, text, transient=True)
    if isinstance(exc, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)):
        return FetchError(Reason.NETWORK, text, transient=True)
    if isinstance(exc, http.client.RemoteDisconnected):
        return FetchError(Reason.NETWORK, text, transient=True)
    if isinstance(exc, (ConnectionRefusedError, socket.gaierror, ssl.SSLError)):
        return FetchError(Reason.NETWORK, text)
    if isinstance(exc, (http.client.HTTPException, OSError)):
        return FetchError(Reason.NETWORK, text)
    return FetchError(Reason.ERROR, text)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """`Retry-After` as seconds from now: delta-seconds or an HTTP date; None when absent/garbled."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
