"""decord behind guards: the fast path of `vtdata.media.decode`, used only where it can be trusted.

decord (0.6.0, unmaintained) is used only when:
- decord is used only for codecs its bundled FFmpeg decodes (not AV1), 8-bit pixel formats, MP4/MOV
  and Matroska/WebM containers (from MPEG-TS it returns shifted frames while its count and times
  look right), files with a single video stream (decord picks a stream by its own rule) and a
  timestamped index, and closed GOPs only (after a seek into an open GOP, e.g. x265's default, it
  returns frames shifted by a few); VP8/VP9 get one decoder thread (its frame threading fails on them);
- after opening, decord's frame count and frame times must equal our verified index: decord
  trusts the container's count and loops forever, or silently repeats the last frame, when asked
  for frames that do not exist; requested indices are checked against the verified count;
- every decord call runs in a daemon thread joined with a timeout. decord's PyPI wheel calls its
  library through ctypes, which releases the GIL, so a hung call cannot block the caller: after
  the timeout the clip is retried with PyAV and decord is disabled for the rest of the process (the
  stuck thread cannot be killed; it is abandoned and an error is logged). A decord built with its
  Cython FFI would hold the GIL, so then "auto" does not use decord at all;
- any decord error sends that clip, and the rest of the file, to PyAV.
"""

from __future__ import annotations

import functools
import logging
import threading
from typing import TYPE_CHECKING

import numpy as np

from vtdata.media.resize import ResizePlan, crop_frames, scale_frames

if TYPE_CHECKING:
    from vtdata.media.decode import ClipRequest, _Source

log = logging.getLogger("vtdata.media.decode")

BATCH_BYTES = 256 << 20  # decoded frames one decord call may hold for upcoming clips
DECORD_CODECS = frozenset({"h264", "hevc", "mpeg4", "mpeg2video", "mjpeg", "vp8", "vp9"})
# decord returns WRONG frames from MPEG-TS with B-frames (shifted, then the last frame repeated) while its
# frame count and times look right, so it only serves the containers it was tested on.
DECORD_CONTAINERS = frozenset({"mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm"})
# decord's frame-threaded VPx decoding fails with EAGAIN ("Error sending packet"): one thread for those.
DECORD_SINGLE_THREAD = frozenset({"vp8", "vp9"})
_decord_disabled = threading.Event()  # set once a decord call has hung in this process


class DecordFailed(Exception):
    """decord refused or failed; the caller falls back to PyAV."""


class DecordReader:
    """decord behind the guards listed in the module docstring."""

    def __init__(self, vr, source: _Source, size: tuple[int, int] | None):
        self.vr = vr
        self.src = source
        self.size = size  # (w, h) decord scales to, or None for the source size
        self.schedule([])

    @classmethod
    def open(cls, source: _Source, requests: list[ClipRequest], strict: bool) -> DecordReader | None:
        info, index = source.info, source.index
        if _decord_disabled.is_set() or (strict and not _decord_releases_gil()):
            return None
        refusal = None
        if info.codec not in DECORD_CODECS:
            refusal = f"codec {info.codec}"
        elif info.container not in DECORD_CONTAINERS:
            refusal = f"container {info.container}"
        elif info.bit_depth != 8:
            refusal = f"{info.bit_depth}-bit {info.pix_fmt}"
        elif info.n_video_streams > 1:
            refusal = f"{info.n_video_streams} video streams"
        elif not index.seekable or len(index) == 0:
            refusal = "no frame timestamps"
        elif index.open_gop:
            refusal = "open GOPs"
        if refusal and strict:
            log.debug("%s: PyAV, not decord: %s", source.path, refusal)
            return None
        try:
            import decord
        except ImportError:
            return None
        sizes = {
            (p.scale_w, p.scale_h) for p in (r.size.plan(info.width, info.height) for r in requests if r.size)
        }
        size = sizes.pop() if len(sizes) == 1 and all(r.size for r in requests) else None
        if size == (info.width, info.height):
            size = None
        kwargs = {"width": size[0], "height": size[1]} if size else {}
        threads = 1 if info.codec in DECORD_SINGLE_THREAD else source.threads
        try:
            vr = _bounded(
                lambda: decord.VideoReader(source.input(), ctx=decord.cpu(0), num_threads=threads, **kwargs),
                timeout=30.0,
            )
            n = len(vr)
            if n != len(index):
                raise DecordFailed(f"decord counts {n} frames, the stream has {len(index)}")
            stamps = _bounded(lambda: vr.get_frame_timestamp(np.arange(n))[:, 0], timeout=30.0)
            ours = index.times - index.times[0]
            if not np.allclose(stamps - stamps[0], ours, atol=2e-3):
                raise DecordFailed("decord's frame times disagree with the stream's")
        except Exception as exc:  # noqa: BLE001 - decord raises its own error types
            log.debug("%s: decord cannot serve it: %s", source.path, exc)
            return None
        return cls(vr, source, size)

    def schedule(self, upcoming: list[np.ndarray]) -> None:
        """Announce every clip's frames, in decoding order, so that `read` can fetch several clips in one
        `get_batch` (each call seeks afresh: one call for three dense clips costs 20% less than three)."""
        self.queue = list(upcoming)
        self.cache: dict[int, np.ndarray] = {}

    def read(self, wanted: np.ndarray, resize: ResizePlan | None, timeout: float) -> np.ndarray:
        """Frames for the sorted unique indices `wanted`, scaled and cropped by `resize`."""
        if int(wanted[-1]) >= len(self.src.index):
            raise DecordFailed(f"frame {int(wanted[-1])} is past the verified count {len(self.src.index)}")
        if self.queue and np.array_equal(self.queue[0], wanted):
            self.queue.pop(0)
        missing = [int(i) for i in wanted if int(i) not in self.cache]
        if missing:
            self._fetch(missing, timeout)
        frames = np.stack([self.cache[int(i)] for i in wanted])
        still_needed = {int(i) for upcoming in self.queue for i in upcoming}
        self.cache = {i: f for i, f in self.cache.items() if i in still_needed}
        if resize is None:
            return frames
        if self.size != (resize.scale_w, resize.scale_h):
            frames = scale_frames(frames, resize.scale_w, resize.scale_h)
        return crop_frames(frames, resize)

    def _fetch(self, missing: list[int], timeout: float) -> None:
        """Decode `missing` plus the next clips' frames, up to BATCH_BYTES of decoded frames."""
        w, h = self.size or (self.src.info.width, self.src.info.height)
        budget = max(len(missing), BATCH_BYTES // (w * h * 3))
        batch, clips = set(missing), 1
        for upcoming in self.queue:
            extra = {int(i) for i in upcoming} - batch - self.cache.keys()
            if len(batch) + len(extra) > budget:
                break
            batch |= extra
            clips += 1
        indices = sorted(batch)
        try:
            frames = _bounded(lambda: self.vr.get_batch(indices).asnumpy(), timeout=timeout * clips)
        except Exception as exc:  # noqa: BLE001 - decord raises its own error types
            raise DecordFailed(str(exc)) from exc
        self.cache.update(zip(indices, frames, strict=True))


@functools.cache
def _decord_releases_gil() -> bool:
    """True when decord calls through ctypes (its PyPI wheel), so `_bounded` can time it out."""
    try:
        from decord._ffi import function
    except ImportError:
        return False
    return function._FunctionBase.__module__.startswith("decord._ffi._ctypes")


def _bounded(fn, timeout: float):
    """Run `fn` in a daemon thread; raise TimeoutError (and disable decord) if it does not return in time."""
    result: dict = {}

    def target() -> None:
        try:
            result["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            result["error"] = exc

    thread = threading.Thread(target=target, name="vtdata-decord", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        _decord_disabled.set()
        log.error(
            "decord did not return within %.0fs; it is disabled in this process (its thread is abandoned)",
            timeout,
        )
        raise TimeoutError(f"decord call exceeded {timeout:.0f}s")
    if "error" in result:
        raise result["error"]
    return result["value"]
