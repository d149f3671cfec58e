"""One item to its clips: pick the text source, parse, normalize, build. Plain records in and out.

Text source per item, first usable wins: subtitles (in `langs` order; `en` also matches
`en-US`, `en-orig`; `*` matches any), then `segments` (HowTo100M narration), then `caption`
(one `whole` clip whatever the builder). A subtitle file that cannot be read at all (empty,
binary, not a subtitle format, over `max_subtitle_bytes`) or leaves no usable cue is reported
and the next source is tried; a file with some bad cues keeps the good ones, each bad one reported
with its line. Images always get one `whole` clip (start = end = 0). An item with no usable text is dropped
(`no_text`); an unexpected exception fails that item only (`error`), never the run.

Times: subtitle and segment times are source time; `offset` (a section download's source time
at the file's t=0) is subtracted before clips are built and clamped to the probed `duration`.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from vtdata.align.builders import ClipDrop, build_clips, shift_cues
from vtdata.align.howto100m import segment_cues
from vtdata.align.normalize import HOWTO100M, SUBTITLES, CueDrop, normalize_cues
from vtdata.align.options import AlignOptions
from vtdata.align.records import Cue, Issue, TimedTextError
from vtdata.align.timedtext import read_timed_text
from vtdata.config.units import exact_size
from vtdata.records.clips import Clip
from vtdata.records.sources import SourceItem

log = logging.getLogger(__name__)

NO_TEXT = "no_text"
ERROR = "error"


@dataclass
class AlignItem:
    """What aligning one item needs: its source row, its subtitle files and the media's length."""

    item: SourceItem
    duration: float | None = None
    subtitles: dict[str, Path] = field(default_factory=dict)  # lang -> file
    offset: float = 0.0


@dataclass
class Drop:
    """Something left out of `clips.parquet`: a whole item, a cue or a clip, with why."""

    id: str
    level: str  # "item" | "cue" | "clip"
    reason: str
    message: str = ""
    start: float | None = None
    end: float | None = None


@dataclass
class ItemResult:
    """What became of one item; `cues` are the normalized cues the clips were built from."""

    id: str
    clips: list[Clip] = field(default_factory=list)
    source: str | None = None  # "subtitles:<lang>" | "segments" | "caption" | None
    cues: list[Cue] = field(default_factory=list)
    drops: list[Drop] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    notes: Counter = field(default_factory=Counter)
    rolling: bool = False


def pick_subtitles(subtitles: dict[str, Path], langs: Iterable[str]) -> list[tuple[str, Path]]:
    """Subtitle files in preference order (see the module docstring)."""
    order: list[str] = []
    for pref in langs:
        if pref == "*":
            order += sorted(subtitles)
        else:
            order += [pref] if pref in subtitles else []
            order += sorted(lang for lang in subtitles if lang.startswith(f"{pref}-"))
    return [(lang, subtitles[lang]) for lang in dict.fromkeys(order)]


def _cue_drops(item_id: str, drops: list[CueDrop], source: str) -> list[Drop]:
    return [
        Drop(
            item_id,
            "cue",
            d.reason,
            f"{source} line {d.line}: {d.text[:60]!r}" if d.line else d.text[:60],
            d.start,
            d.end,
        )
        for d in drops
    ]


def _clip_drops(item_id: str, drops: list[ClipDrop]) -> list[Drop]:
    return [Drop(item_id, "clip", d.reason, d.text[:60], d.start, d.end) for d in drops]


def _too_big(path: Path, cap: int) -> Issue | None:
    """An error when the file is over `cap` bytes (checked before reading a byte of it)."""
    try:
        size = path.stat().st_size
    except OSError:
        return None  # the reader reports a missing file
    if cap and size > cap:
        why = f"is {size} bytes, over --max-subtitle-bytes ({exact_size(cap)}); skipped unread"
        return Issue(str(path), None, why)
    return None


def _from_subtitles(ai: AlignItem, opts: AlignOptions, result: ItemResult) -> list[Cue]:
    for lang, path in pick_subtitles(ai.subtitles, opts.langs):
        too_big = _too_big(path, opts.max_subtitle_bytes)
        if too_big is not None:
            result.issues.append(too_big)
            continue
        try:
            timed = read_timed_text(path, opts.dedup)
        except TimedTextError as e:
            result.issues.append(e.issue)
            continue
        result.issues += timed.issues
        cues, drops, notes = normalize_cues(shift_cues(timed.cues, -ai.offset), SUBTITLES)
        result.drops += _cue_drops(ai.item.id, drops, str(path))
        if cues:
            result.source, result.rolling = f"subtitles:{lang}", timed.rolling
            result.notes.update(notes)
            return cues
        result.issues.append(Issue(str(path), None, "no usable cue; trying the next text source", "warning"))
    return []


def _from_segments(ai: AlignItem, opts: AlignOptions, result: ItemResult) -> list[Cue]:
    if not ai.item.segments:
        return []
    repair = opts.howto100m and ai.item.dataset == "howto100m" and opts.clips.builder != "milnce"
    preset = HOWTO100M if repair else SUBTITLES
    cues, drops, notes = normalize_cues(shift_cues(segment_cues(ai.item.segments), -ai.offset), preset)
    result.drops += _cue_drops(ai.item.id, drops, "segments")
    result.notes.update(notes)
    if cues:
        result.source = "segments"
    return cues


def align_item(ai: AlignItem, opts: AlignOptions | None = None) -> ItemResult:
    """Clips of one item, with everything left out and every input problem (module docstring)."""
    opts = opts or AlignOptions()
    item = ai.item
    result = ItemResult(item.id)
    clip_opts = opts.clips
    cues: list[Cue] = []
    if item.media != "image":
        cues = _from_subtitles(ai, opts, result) or _from_segments(ai, opts, result)
    if not cues:
        if not (item.caption and item.caption.strip()):
            result.drops.append(
                Drop(item.id, "item", NO_TEXT, "no subtitles, segments or caption with usable text")
            )
            return result
        result.source, clip_opts = "caption", replace(clip_opts, builder="whole")
    result.cues = cues
    clips, drops = build_clips(
        item.id,
        cues,
        clip_opts,
        duration=ai.duration,
        caption=item.caption,
        media=item.media,
        split=item.split,
    )
    result.clips = clips
    result.drops += _clip_drops(item.id, drops)
    return result


def align_items(
    items: Iterable[AlignItem | Drop],
    opts: AlignOptions | None = None,
    progress: Callable[[ItemResult], None] | None = None,
) -> Iterator[ItemResult]:
    """`align_item` over many items; a `Drop` in the input (an item that could not even be
    prepared, e.g. not downloaded) passes through as a result with no clips."""
    for ai in items:
        if isinstance(ai, Drop):
            result = ItemResult(ai.id, drops=[ai])
        else:
            try:
                result = align_item(ai, opts)
            except Exception as e:  # one bad item must never end the run
                log.exception("align: item %s failed", ai.item.id)
                result = ItemResult(
                    ai.item.id, drops=[Drop(ai.item.id, "item", ERROR, f"{type(e).__name__}: {e}")]
                )
        if progress is not None:
            progress(result)
        yield result
