"""Per-host cool-down after a 429 / 403 / "sign in to confirm you're not a bot".

When a host starts refusing, every further request makes it worse (YouTube escalates to
longer blocks), so the whole host pauses — not just the one item. A server's `Retry-After`
is honoured; without one the pause doubles per strike. After `max_strikes` consecutive rounds
of refusals the host is given up for this run: its remaining items are recorded
`rate_limited`/`blocked` without being fetched, ready for a later `--retry-failed`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from vtdata.download.retry import FetchError
from vtdata.records.ledger import Reason


def host_of(url: str) -> str:
    """The host a URL's requests go to (lower case); "local" for files, "" when unparsable."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme in ("", "file"):
        return "local"
    return (parts.hostname or "").lower()


@dataclass
class _HostState:
    until: float = 0.0  # monotonic time the current cool-down ends
    strikes: int = 0
    reason: Reason | None = None
    message: str = ""


class HostGate:
    """Thread-safe cool-down bookkeeping shared by the workers of one run."""

    def __init__(
        self,
        base: float = 10.0,
        cap: float = 300.0,
        max_strikes: int = 5,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.base, self.cap, self.max_strikes = base, cap, max_strikes
        self._clock = clock
        self._hosts: dict[str, _HostState] = {}
        self._lock = threading.Lock()
        self.cooldowns = 0  # how many cool-downs were started, for the summary

    def remaining(self, host: str) -> float:
        """Seconds until `host` may be asked again (0 when it may be asked now)."""
        with self._lock:
            state = self._hosts.get(host)
            return max(0.0, state.until - self._clock()) if state else 0.0

    def penalize(self, host: str, error: FetchError) -> float:
        """Start (or extend) a cool-down after a refusal; returns its length in seconds.

        Refusals that arrive while a cool-down is already running (other in-flight requests
        hitting the same wall) extend it but do not add strikes.
        """
        now = self._clock()
        with self._lock:
            state = self._hosts.setdefault(host, _HostState())
            if now >= state.until:
                state.strikes += 1
                self.cooldowns += 1
            if error.retry_after is not None:
                pause = min(self.cap, error.retry_after)
            else:
                pause = min(self.cap, self.base * 2 ** (state.strikes - 1))
            state.until = max(state.until, now + pause)
            state.reason, state.message = error.reason, error.message
            return pause

    def succeed(self, host: str) -> None:
        """A good answer ends the run of strikes."""
        with self._lock:
            state = self._hosts.get(host)
            if state is not None:
                state.strikes = 0

    def given_up(self, host: str) -> FetchError | None:
        """The failure to record for a host that refused `max_strikes` times in a row, else None."""
        with self._lock:
            state = self._hosts.get(host)
            if state is None or state.strikes < self.max_strikes or state.reason is None:
                return None
            return FetchError(
                state.reason,
                f"not fetched: {host} refused {state.strikes} times in a row (last: {state.message}); "
                f"retry later with --retry-failed --reason {state.reason.value}",
            )

    def wait(self, host: str, deadline: float, sleep: Callable[[float], None] = time.sleep) -> None:
        """Sleep out `host`'s cool-down; raise a `timeout` FetchError if it outlasts `deadline`."""
        while True:
            pause = self.remaining(host)
            if pause <= 0:
                return
            if self._clock() + pause > deadline:
                with self._lock:
                    state = self._hosts[host]
                    reason, last = state.reason or Reason.TIMEOUT, state.message
                raise FetchError(
                    reason,
                    f"item deadline reached while {host} cools down ({pause:.0f} s left; last: {last})",
                )
            sleep(pause)
