"""Per-host cool-down after a 429, a "sign in to confirm you're not a bot", or a run of refusals.

When a host starts refusing, every further request makes it worse (YouTube escalates to
longer blocks), so the whole host pauses — not just the one item. A single 401/403 is not such a
sign: image CDNs refuse hotlinking per file, so it fails only its item. Only when `block_urls`
distinct URLs of one host are refused in a row (no success between) within `block_window`
seconds is the host taken to block us, and cooled down like after a 429. A server's `Retry-After`
is honoured; without one the pause doubles per strike. After `max_strikes` consecutive rounds
of refusals the host is given up for this run: its remaining items are recorded
`rate_limited`/`blocked` without being fetched, ready for a later `--retry-failed`.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
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


_PER_FILE = re.compile(r"\bHTTP (Error )?40[13]\b")


def host_wide(error: FetchError) -> bool:
    """Whether a refusal speaks for the whole host (a 429, a bot check) rather than for one file
    (a plain 401/403, e.g. hotlink protection)."""
    if error.reason is Reason.RATE_LIMITED:
        return True
    if error.reason is not Reason.BLOCKED:
        return False
    return error.status not in (401, 403) and not _PER_FILE.search(error.message)


@dataclass
class _HostState:
    until: float = 0.0  # monotonic time the current cool-down ends
    strikes: int = 0
    reason: Reason | None = None
    message: str = ""
    refused: dict[str, float] = field(default_factory=dict)  # URL -> when, since the last success


def new_gate(config) -> HostGate:
    """The gate of one run, from its `DownloadConfig`."""
    return HostGate(
        config.cooldown, config.max_cooldown, config.host_strikes, block_urls=config.host_block_urls
    )


class HostGate:
    """Thread-safe cool-down bookkeeping shared by the workers of one run."""

    def __init__(
        self,
        base: float = 10.0,
        cap: float = 300.0,
        max_strikes: int = 5,
        clock: Callable[[], float] = time.monotonic,
        *,
        block_urls: int = 8,
        block_window: float = 60.0,
    ):
        self.base, self.cap, self.max_strikes = base, cap, max_strikes
        self.block_urls, self.block_window = block_urls, block_window
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

    def refused(self, host: str, url: str, error: FetchError) -> float:
        """Note a refusal (429, 401/403, bot check) of `url`; returns the cool-down it started (0: none).

        A host-wide refusal cools the host at once; a per-file one only when it completes a run of
        `block_urls` distinct URLs refused within `block_window` seconds with no success between.
        """
        if host_wide(error):
            return self.penalize(host, error)
        now = self._clock()
        with self._lock:
            state = self._hosts.setdefault(host, _HostState())
            state.refused = {u: t for u, t in state.refused.items() if now - t <= self.block_window}
            state.refused[url] = now
            if len(state.refused) < self.block_urls:
                return 0.0
            count = len(state.refused)
            state.refused = {}
        blocked = FetchError(
            error.reason,
            f"{host} refused {count} different URLs in a row within {self.block_window:.0f} s "
            f"(last: {error.message})",
            retry_after=error.retry_after,
            status=error.status,
        )
        return self.penalize(host, blocked)

    def succeed(self, host: str) -> None:
        """A good answer ends the run of strikes and of refused URLs."""
        with self._lock:
            state = self._hosts.get(host)
            if state is not None:
                state.strikes = 0
                state.refused = {}

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
