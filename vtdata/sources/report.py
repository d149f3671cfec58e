"""What a recipe run produced: the items (or the file they went to) and what it skipped and why.

Corpus metadata is dirty at scale, so a bad row never stops a run: it is counted under a reason
and the first few messages per reason are kept verbatim (file and line, or video id) for the
summary. Only a file that cannot be read as its format at all raises `SourceFormatError`.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from vtdata.records.sources import SourceItem

logger = logging.getLogger(__name__)

# Skip reasons (the keys of `SkipReport.counts`).
MISSING_ID = "missing_id"  # empty id / video_id / videoid
MISSING_URL = "missing_url"  # empty url / contentUrl
BAD_URL = "bad_url"  # not an http(s) URL where the corpus only has web links
MISSING_CAPTION = "missing_caption"  # empty caption where the corpus always has one
BAD_DURATION = "bad_duration"  # unparseable or negative duration
BAD_ROW = "bad_row"  # wrong number of fields, unreadable CSV record, JSONL line not an object
BAD_MEDIA = "bad_media"  # media value not in schema.MEDIA
BAD_TIMES = "bad_times"  # table row: start/end not numeric, only one of them, or end < start
BAD_CAPTIONS = "bad_captions"  # caption.json entry not {start, end, text} lists of equal length
BAD_SEGMENT = "bad_segment"  # one caption.json segment dropped (bad time, end < start, no text)
NO_CAPTIONS = "no_captions"  # require_captions and the video has none
NOT_IN_CSV = "caption_not_in_csv"  # caption.json video absent from HowTo100M_v1.csv
CONFLICT = "conflicting_url"  # table rows of one id with different URLs
DUPLICATE_ID = "duplicate_id"  # id already emitted earlier in this run
BAD_SPLIT = "bad_split"  # the row's split cannot be a file name (`../x`, `a/b`, NUL, a dot)


class SourceFormatError(ValueError):
    """A whole input file cannot be read as its corpus format (missing column, broken JSON)."""


@dataclass
class SkipReport:
    """Rows (or caption segments) skipped, counted by reason, with the first messages of each."""

    max_messages: int = 5
    counts: Counter = field(default_factory=Counter)
    messages: dict[str, list[str]] = field(default_factory=dict)

    def skip(self, reason: str, message: str) -> None:
        """Count one skip; keep its message while the reason has fewer than max_messages.

        Kept messages are logged at INFO, the rest at DEBUG: a million bad rows must not flood
        the log, and the caller decides how loudly to show the report.
        """
        self.counts[reason] += 1
        kept = self.messages.setdefault(reason, [])
        if len(kept) < self.max_messages:
            kept.append(message)
            logger.info(message)
        else:
            logger.debug(message)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class SourceResult:
    """Outcome of one recipe run.

    `items` holds the items for `read(...)`; it is None when `prepare_<corpus>(...)` streamed
    them to `output` instead. `counts` maps (dataset, media, split) to the number of items.
    """

    items: list[SourceItem] | None
    report: SkipReport
    counts: Counter = field(default_factory=Counter)
    output: Path | None = None

    @property
    def num_items(self) -> int:
        return sum(self.counts.values())
