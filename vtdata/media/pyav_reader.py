"""Sequential PyAV decoding with seeks between clips: the safe path of `vtdata.media.decode`."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import av
import numpy as np

from vtdata.media.damage import DecodeLog, FrameDamage
from vtdata.media.errors import ERROR, MediaError
from vtdata.media.resize import ResizePlan, crop_frames

if TYPE_CHECKING:
    from vtdata.media.decode import _Source

log = logging.getLogger("vtdata.media.decode")


class IndexMismatch(Exception):
    """The packet index promised frames the decoder never produced; re-index by decoding."""


class PyAVReader:
    """Sequential PyAV decoding with seeks between clips; remembers where the decoder is."""

    def __init__(self, source: _Source):
        self.src = source
        index = source.index
        self.pts_to_idx = {int(p): i for i, p in enumerate(index.pts)} if index.pts is not None else None
        self.pos = -1  # index of the last frame decoded; -1: at the start of the file
        self.frames: Iterator | None = None
        self.recent: dict[int, np.ndarray] = {}  # the last clip's converted frames, by index
        self.recent_plan: ResizePlan | None = None
        self.recent_damaged: set[int] = set()
        self.log: DecodeLog | None = None  # the running clip's decoder log (see `media.damage`)
        self.damage = FrameDamage()
        self.damaged: set[int] = set()  # frames of the last `read` that are damaged

    def _decoded(self) -> Iterator:
        """Decoded frames from the current position; broken packets are skipped, not fatal."""
        for packet in self.src.container.demux(self.src.stream):
            try:
                yield from packet.decode()
            except av.error.InvalidDataError:
                if self.log is not None:
                    self.log.refused()
                log.debug("%s: skipped an undecodable packet at pts %s", self.src.path, packet.pts)

    def _restart(self) -> None:
        """Decode from the first packet again (exact in every format, unlike a seek)."""
        self.src._rewind()
        self.frames = self._decoded()
        self.pos = -1
        self.damage.reset()

    def _position(self, first: int) -> bool:
        """Get ready to decode frame `first`; True when a timestamp seek was made (it may land late)."""
        index = self.src.index
        if not index.seekable:
            if self.frames is None or self.pos >= first:
                self._restart()
            return False
        key = index.keyframe_at_or_before(first)
        if self.frames is not None and self.pos < first and key <= self.pos + 1:
            return False  # the next clip is in the GOP being decoded: keep going
        if key == 0:
            self._restart()
            return False
        self.src.container.seek(int(index.pts[key]), backward=True, any_frame=False, stream=self.src.stream)
        self.frames = self._decoded()
        self.pos = -1
        self.damage.reset()
        return True

    def read(self, wanted: np.ndarray, resize: ResizePlan | None, deadline: float) -> np.ndarray:
        """RGB frames for the sorted unique frame indices `wanted`; `self.damaged` then holds those of
        them that are damaged (`media.damage`).

        Frames the previous clip already converted (overlapping windows) are reused, not decoded again.
        """
        reuse = self.recent if self.recent_plan == resize else {}
        out: list[np.ndarray | None] = [reuse.get(int(w)) for w in wanted]
        self.damaged = {int(w) for w, frame in zip(wanted, out, strict=True) if frame is not None} & (
            self.recent_damaged if reuse else set()
        )
        missing = [int(w) for w, frame in zip(wanted, out, strict=True) if frame is None]
        if missing:
            self._decode_into(out, wanted, missing, resize, deadline)
        self.recent = {int(w): frame for w, frame in zip(wanted, out, strict=True)}
        self.recent_plan = resize
        self.recent_damaged = set(self.damaged)
        return np.stack(out)

    def _decode_into(
        self, out: list, wanted: np.ndarray, missing: list[int], resize: ResizePlan | None, deadline: float
    ) -> None:
        first, last = missing[0], missing[-1]
        sought = self._position(first)
        want = {int(w): k for k, w in enumerate(wanted) if out[k] is None}
        found = 0
        while found < len(want):
            frame = next(self.frames, None)
            if frame is None:
                if sought:  # the seek led nowhere (e.g. MPEG-TS at its first keyframe): decode from the top
                    sought = False
                    self._restart()
                    continue
                break
            if time.monotonic() > deadline:
                self.frames = None
                raise MediaError(ERROR, f"{self.src.path}: decoding exceeded the time limit")
            i = self._frame_index(frame)
            if i is None:
                continue
            if sought:
                sought = False
                if i > first:  # the seek landed after the frame we need: decode from the top
                    self._restart()
                    continue
            self.pos = i
            damaged = self.damage.see(frame)
            k = want.get(i)
            if k is not None and out[k] is None:
                out[k] = _to_rgb(frame, resize)
                found += 1
                if damaged:
                    self.damaged.add(i)
            if i >= last:
                break
        if found < len(want):
            self.frames = None
            raise IndexMismatch(f"{len(want) - found} of {len(wanted)} frames not produced")

    def _frame_index(self, frame) -> int | None:
        if self.pts_to_idx is None:
            return self.pos + 1
        return self.pts_to_idx.get(frame.pts) if frame.pts is not None else None


def _to_rgb(frame: av.VideoFrame, resize: ResizePlan | None) -> np.ndarray:
    """RGB uint8; scaling happens inside swscale's conversion (bicubic, like ffmpeg's scale filter)."""
    if resize is None or (resize.scale_w, resize.scale_h) == (frame.width, frame.height):
        rgb = frame.to_ndarray(format="rgb24")
    else:
        rgb = frame.to_ndarray(
            format="rgb24", width=resize.scale_w, height=resize.scale_h, interpolation="BICUBIC"
        )
    return crop_frames(rgb, resize) if resize is not None else rgb
