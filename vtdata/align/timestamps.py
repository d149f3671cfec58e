"""Lenient cue timestamps: what WebVTT and SRT files in the wild actually contain.

Accepted: `[h+:]mm:ss[.,]fff` with one- or two-digit minutes and seconds (`00:00:5,000`
is 5 s), a comma or a dot before the fraction, a fraction of any length read as a decimal
(`.5` = 500 ms, `.3001` = 300.1 ms), and no fraction at all. Rejected: seconds (or minutes,
when hours are given) above 59, and anything else; the caller reports the line.
"""

from __future__ import annotations

import re

_TIMESTAMP = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,](\d+))?")
TIMING_LINE = re.compile(r"\s*(\S+)\s*-->\s*(\S+)(.*)")
# the form nearly every file uses, read without the general parser (a large YouTube file has ~10^5)
_PLAIN = re.compile(r"(\d+):([0-5]\d):([0-5]\d)\.(\d{3})")


class BadTimestamp(ValueError):
    pass


def parse_timestamp(text: str) -> float:
    """Seconds for one timestamp; raises `BadTimestamp` with the reason."""
    m = _PLAIN.fullmatch(text)
    if m:
        h, mi, s, ms = m.groups()
        return ((int(h) * 3600 + int(mi) * 60 + int(s)) * 1000 + int(ms)) / 1000
    m = _TIMESTAMP.fullmatch(text.strip())
    if not m:
        raise BadTimestamp(f"{text!r} is not a timestamp like 00:01:02.345")
    hours, minutes, seconds, frac = m.groups()
    if int(seconds) > 59 or (hours is not None and int(minutes) > 59):
        raise BadTimestamp(f"{text!r} has minutes or seconds above 59")
    value = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    return value + (int(frac) / 10 ** len(frac) if frac else 0.0)


def parse_timing_line(line: str) -> tuple[float, float, str]:
    """`(start, end, rest)` of a `start --> end [settings]` line; raises `BadTimestamp`."""
    m = TIMING_LINE.match(line)
    if not m:
        raise BadTimestamp(f"{line.strip()!r} is not 'start --> end'")
    return parse_timestamp(m.group(1)), parse_timestamp(m.group(2)), m.group(3)


def format_timestamp(seconds: float) -> str:
    """`HH:MM:SS.mmm`, the WebVTT form (hours may exceed 99)."""
    ms = round(seconds * 1000)
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    return f"{hours:02d}:{minutes:02d}:{ms // 1000:02d}.{ms % 1000:03d}"
