"""The alignment view of one narrated video: its caption cues, the clips align cut from them, and
frames of the video, on one time axis. It is what to look at when clips and speech disagree.

The video is drawn at random (seeded; videos weighted by their clips) among the clips of video; it
is shown when its source has timed segments. Only that video's cues, clips and a few decoded
frames are held.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.compute as pc

from vtdata.download.ledger import Ledger
from vtdata.media.decode import ClipFrames, ClipRequest, extract_clips
from vtdata.media.preview import fit
from vtdata.media.sampling import SamplingSpec
from vtdata.records import clips as clip_records
from vtdata.records import sources as source_records
from vtdata.records.names import SOURCES_NAME
from vtdata.report import charts
from vtdata.report.discover import batches
from vtdata.report.stream import Reservoir

FRAMES = 10  # frames decoded along the video
SOURCE_BATCH = 2048  # source rows read at a time (with their segments)


@dataclass
class Alignment:
    id: str
    duration: float
    cues: list[tuple[float, float, str]]
    clips: list[tuple[float, float, str]]
    frame_times: list[float]
    chart: bytes


def read_alignment(store: Path, clips_path: Path, seed: int) -> Alignment | None:
    """The view of one narrated video of `store`, or None when the store has no narrated video with clips."""
    sources = store / SOURCES_NAME
    if not sources.is_file() or not clips_path.is_file():
        return None
    pick = Reservoir(1, f"{seed}:alignment")  # a clip at random: videos weighted by their clips
    for table in batches(clips_path, clip_records.TABLE, ["id", "start", "end"]):
        for row in table.to_pylist():
            if row["id"] is not None and None not in (row["start"], row["end"]) and row["end"] > row["start"]:
                pick.add(row["id"])
    if not pick.items:
        return None
    item_id = pick.items[0]
    cues = _cues(sources, item_id)
    if not cues:
        return None  # not narrated: no timed text to align against
    clips = [
        (row["start"], row["end"], row["text"] or "")
        for table in batches(clips_path, clip_records.TABLE, ["id", "start", "end", "text"])
        for row in table.to_pylist()
        if row["id"] == item_id
    ]
    frames = _frames(store, item_id)
    ends = [e for _, e, _ in cues + clips] + ([frames.info.duration or 0.0] if frames else [])
    duration = max(ends, default=1.0)
    return Alignment(
        id=item_id,
        duration=duration,
        cues=cues,
        clips=clips,
        frame_times=[float(t) for t in frames.times] if frames else [],
        chart=_chart(item_id, duration, cues, clips, frames),
    )


def _cues(sources: Path, item_id: str) -> list[tuple[float, float, str]]:
    """The timed segments of one source; small batches, since a narrated video has hundreds."""
    for table in batches(sources, source_records.TABLE, ["id", "segments"], size=SOURCE_BATCH):
        for row in table.filter(pc.equal(table.column("id"), item_id)).to_pylist():
            return [(s["start"], s["end"], s["text"] or "") for s in row["segments"] or []]
    return []


def _frames(store: Path, item_id: str) -> ClipFrames | None:
    with Ledger(store, readonly=True) as ledger:
        entry = ledger.get(item_id)
    if entry is None or entry.status != "ok" or not entry.path or entry.media == "image":
        return None
    root = store.resolve()
    path = (root / entry.path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    request = ClipRequest(key=item_id, sampling=SamplingSpec(mode="uniform", num_frames=FRAMES))
    for result in extract_clips(path, [request], decoder="pyav"):
        if isinstance(result, ClipFrames):
            return result
    return None


def _chart(item_id, duration, cues, clips, frames: ClipFrames | None) -> bytes:
    fig = charts.figure((12, 3.4))
    ax = fig.subplots()
    palette = ("#3b6ea5", "#e39b2d")
    for i, (start, end, text) in enumerate(cues):
        row = 2.6 + (i % 2) * 0.5  # overlapping cues (rolling captions) alternate between two rows
        ax.broken_barh([(start, end - start)], (row, 0.4), color="#9bb7d4", edgecolor="white")
        ax.text(start + 0.05, row + 0.2, _short(text), fontsize=6, va="center", clip_on=True)
    for i, (start, end, _) in enumerate(clips):
        ax.broken_barh([(start, end - start)], (1.8, 0.6), color=palette[i % 2], edgecolor="white")
        ax.text((start + end) / 2, 2.1, f"clip {i}", fontsize=7, ha="center", va="center", color="white")
    if frames is not None and len(frames.times):
        width = duration / (FRAMES + 1)
        for frame, t in zip(frames.frames, frames.times, strict=True):
            thumb = fit(np.ascontiguousarray(frame), 64)
            ax.imshow(thumb, extent=(t - width / 2, t + width / 2, 0.1, 1.6), aspect="auto", zorder=2)
    ax.set_xlim(0, duration * 1.01)
    ax.set_ylim(0, 3.7)
    ax.set_yticks([0.85, 2.1, 3.05], ["frames", "clips", "cues"])
    ax.set_xlabel("seconds")
    ax.set_title(f"{item_id}: {len(cues)} caption cues, {len(clips)} clips", fontsize=9)
    fig.tight_layout()
    return charts.png(fig)


def _short(text: str, n: int = 28) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
