"""ISO-8601 durations as WebVid writes them (`PT00H00M11S`), read strictly but helpfully."""

from __future__ import annotations

import re

from vtdata.records.sources import MAX_SECONDS

_NUM = r"(\d+(?:\.\d+)?)"
_ISO = re.compile(rf"P(?:{_NUM}D)?(?:T(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?", re.IGNORECASE)


def parse_iso_duration(text: str) -> float:
    """Seconds in `text`: `PT00H00M11S`, `PT11S`, `PT1M2.5S`, `P1DT2H` all work.

    Years, months and weeks are refused (their length in seconds is ambiguous), as is anything
    that is not a duration or is longer than `MAX_SECONDS` (a week); the ValueError says why.
    """
    value = text.strip()
    match = _ISO.fullmatch(value)
    if not match or not any(match.groups()) or value.upper().endswith("T"):
        raise ValueError(f"duration {text!r} is not an ISO-8601 duration like PT00H00M11S or PT1M2.5S")
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    if not total <= MAX_SECONDS:
        raise ValueError(f"duration {text!r} is over a week ({MAX_SECONDS:.0f} s): not a real duration")
    return total
