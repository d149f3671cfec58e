"""What a plain HTTP fetch checks besides the status: every redirect hop, the owner's opt-out, the pace.

- A redirect is followed only to http/https, within the item's deadline, and its own body is never
  read (a 302 to `ftp://` fails at once as `unsupported`; a redirect with an endless body costs
  nothing).
- `X-Robots-Tag: noai / noimageai / noindex / noimageindex`, for every robot or aimed at `vtdata:`,
  means the owner opts out: the item is recorded `opted_out` before its body is read (img2dataset
  honours the same header by default). `--ignore-opt-out` turns this off.
- A transfer slower than `--min-rate` bytes/s over any `--rate-window` seconds fails as `timeout`,
  so a trickling server cannot hold a worker for the whole deadline.
"""

from __future__ import annotations

import time
import urllib.request
from collections import deque
from collections.abc import Callable
from email.message import Message
from urllib.parse import urlsplit

from vtdata.download.retry import FetchError
from vtdata.records.ledger import Reason

ROBOTS_TOKEN = "vtdata"
OPT_OUT_DIRECTIVES = frozenset({"noai", "noimageai", "noindex", "noimageindex"})


class SafeRedirects(urllib.request.HTTPRedirectHandler):
    """urllib's redirect handling, with the scheme and the deadline checked on every hop.

    The deadline travels on the request (`request.vtdata_deadline`, monotonic seconds).
    """

    max_redirections = 10

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        scheme = urlsplit(newurl).scheme.lower()
        if scheme not in ("http", "https"):
            fp.close()
            raise FetchError(
                Reason.UNSUPPORTED, f"HTTP {code} redirect to {newurl[:200]!r} refused (only http/https)"
            )
        deadline = getattr(req, "vtdata_deadline", None)
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                fp.close()
                raise FetchError(
                    Reason.TIMEOUT, f"item deadline reached while following a redirect to {newurl!r}"
                )
            req.timeout = max(0.1, min(req.timeout, left)) if req.timeout else left
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None:
            new.vtdata_deadline = deadline
        fp.close()  # urllib would read the redirect's body to its end first: never needed
        return new


def opt_out(headers: Message) -> str | None:
    """The `X-Robots-Tag` value by which the owner opts out of vtdata, or None.

    A value is `directive, directive` for every robot, or `token: directive, ...` for one robot;
    only the bare form and the `vtdata:` token count (as img2dataset reads it).
    """
    for value in headers.get_all("X-Robots-Tag") or []:
        token, sep, directives = value.partition(":")
        if not sep:
            token, directives = "", value
        elif token.strip().lower() != ROBOTS_TOKEN:
            continue
        if any(d.strip().lower() in OPT_OUT_DIRECTIVES for d in directives.split(",")):
            return value.strip()
    return None


class RateFloor:
    """Fails a transfer that receives fewer than `min_rate * window` bytes in any `window` seconds.

    `check(total)` is called with the bytes received so far after every read; 0 disables it.
    """

    def __init__(self, min_rate: float, window: float, clock: Callable[[], float] = time.monotonic):
        self.min_rate, self.window, self.clock = min_rate, window, clock
        self.samples: deque[tuple[float, int]] = deque([(clock(), 0)])

    def check(self, total: int) -> None:
        if self.min_rate <= 0:
            return
        now = self.clock()
        if now - self.samples[-1][0] >= self.window / 100:  # a few hundred samples per window at most
            self.samples.append((now, total))
        while len(self.samples) > 1 and now - self.samples[1][0] >= self.window:
            self.samples.popleft()
        since, then = self.samples[0]
        span = now - since
        if span >= self.window and total - then < self.min_rate * span:
            raise FetchError(
                Reason.TIMEOUT,
                f"transfer too slow: {total - then} bytes in the last {span:.1f} s, under --min-rate "
                f"{self.min_rate:g} B/s (over --rate-window {self.window:g} s); {total} bytes received",
            )
