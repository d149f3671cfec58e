"""The decoders vtdata can use, and the one place a fallback from one to another is recorded.

decord is the fast path and PyAV the safe one (see `vtdata.media.decode`). Whenever a clip or a
sample that was given to one decoder ends up decoded by another, `record_fallback` logs it and
counts it per process (`fallback_counts()`), so a fallback is never silent.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter

log = logging.getLogger("vtdata.media")

DECODERS = ("auto", "decord", "pyav")

_lock = threading.Lock()
_fallbacks: Counter[str] = Counter()


def record_fallback(source: str, used: str, failed: str, why: object) -> None:
    """Count that `used` decoded `source` because `failed` could not (`why`), and log it: at WARNING
    the 1st, 10th, 100th, ... time in a process (a loader meets thousands), at DEBUG otherwise."""
    kind = f"{failed}->{used}"
    with _lock:
        _fallbacks[kind] += 1
        n = _fallbacks[kind]
    level = logging.WARNING if str(n).rstrip("0") == "1" else logging.DEBUG
    log.log(level, "%s: %s failed (%s); decoded with %s (fallback %d)", source, failed, why, used, n)


def fallback_counts() -> dict[str, int]:
    """Fallbacks in this process so far, e.g. `{"decord->pyav": 2}`."""
    with _lock:
        return dict(_fallbacks)
