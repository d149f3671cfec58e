"""Cut every clip of one video from a single open of the file, returning frames with their exact times.

`extract_clips` opens the file with PyAV once, indexes the chosen (largest) video stream by demuxing
it (see `frameindex`), samples each clip on that index (`sampling`), then decodes only the frames it
needs, clips sorted by start: it seeks to the keyframe before a clip, or keeps decoding when the next
clip is in the same GOP. Only the video stream is demuxed and decoded, so a broken audio stream does
not matter.

decord (0.6.0, unmaintained) is the fast path when it can be trusted, PyAV the fallback:
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
PyAV decoding checks the same per-clip deadline between frames.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np

from vtdata.media.errors import CORRUPT, EMPTY, ERROR, MediaError, classify_av_error
from vtdata.media.frameindex import index_decoded, index_packets
from vtdata.media.probe import MediaInfo, info_from_container, select_video_stream
from vtdata.media.resize import ResizePlan, ResizeSpec, crop_frames, scale_frames
from vtdata.media.sampling import SamplingSpec, clip_rng, sample_times

log = logging.getLogger(__name__)

DECODERS = ("auto", "decord", "pyav")
BATCH_BYTES = 256 << 20  # decoded frames one decord call may hold for upcoming clips
DECORD_CODECS = frozenset({"h264", "hevc", "mpeg4", "mpeg2video", "mjpeg", "vp8", "vp9"})
# decord returns WRONG frames from MPEG-TS with B-frames (shifted, then the last frame repeated) while its
# frame count and times look right, so it only serves the containers it was tested on.
DECORD_CONTAINERS = frozenset({"mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm"})
# decord's frame-threaded VPx decoding fails with EAGAIN ("Error sending packet"): one thread for those.
DECORD_SINGLE_THREAD = frozenset({"vp8", "vp9"})
_decord_disabled = threading.Event()  # set once a decord call has hung in this process


@dataclass(frozen=True)
class ClipRequest:
    """One clip to cut: `[start, end)` seconds (`end=None`: to the end), sampled by `sampling`.

    Random modes draw from `clip_rng(sampling.seed, key)`, so a clip's frames depend only on its key
    and seed. `size` resizes during decoding (None keeps the source size).
    """

    key: str
    start: float = 0.0
    end: float | None = None
    sampling: SamplingSpec = field(default_factory=SamplingSpec)
    size: ResizeSpec | None = None


@dataclass
class ClipFrames:
    """Decoded frames of one clip: `frames[i]` is the frame presented at `times[i]` seconds.

    `indices[i]` is its position in the stream's verified frame list (dense sampling may repeat one).
    """

    key: str
    frames: np.ndarray  # uint8 [T, H, W, 3], RGB
    times: np.ndarray  # float64 [T], seconds from the container start
    indices: np.ndarray  # int64 [T]
    decoder: str  # "decord" | "pyav"
    info: MediaInfo


@dataclass(frozen=True)
class ClipFailure:
    """A clip that produced no frames; `reason` is corrupt | unsupported | empty | error."""

    key: str
    reason: str
    message: str


class _DecordFailed(Exception):
    """decord refused or failed; the caller falls back to PyAV."""


class _IndexMismatch(Exception):
    """The packet index promised frames the decoder never produced; re-index by decoding."""


def extract_clips(
    path: str | Path,
    requests: Iterable[ClipRequest],
    *,
    decoder: str = "auto",
    timeout: float = 60.0,
    threads: int = 0,
) -> Iterator[ClipFrames | ClipFailure]:
    """Decode the clips of one video; yields one `ClipFrames` or `ClipFailure` per request, never raises
    for bad media.

    Results come in decoding order: by first sampled frame, ties in request order (keys say which is
    which). `decoder`: "auto" (decord when trusted, else PyAV), "decord" (decord when it can open the
    file, PyAV otherwise) or "pyav". `timeout` bounds each clip's decode in seconds. `threads` is the
    decoder thread count (0: FFmpeg chooses).
    """
    if decoder not in DECODERS:
        raise ValueError(f"decoder {decoder!r} is not one of {DECODERS}")
    requests = list(requests)
    try:
        source = _Source(Path(path), threads)
    except Exception as exc:  # noqa: BLE001 - any open/index failure fails every clip of this file
        reason = classify_av_error(exc)
        message = exc.message if isinstance(exc, MediaError) else f"{path}: cannot open: {exc}"
        for req in requests:
            yield ClipFailure(req.key, reason, message)
        return
    with source:
        yield from source.run(requests, decoder, timeout)


class _Source:
    """One open video: PyAV container, chosen stream, verified frame index, readers."""

    def __init__(self, path: Path, threads: int):
        self.path = path
        self.threads = threads
        self.container = None
        self._open()
        stream = self.stream
        origin = self.container.start_time / av.time_base if self.container.start_time is not None else 0.0
        self.origin = origin
        index = index_packets(self.container, stream, origin)
        self._rewind()
        if index is None:
            index = index_decoded(self.container, self.stream, origin, _fps(self.stream))
            self._rewind()
        self.index = index
        self.info = self._info()
        self.pyav = _PyAVReader(self)
        self.decord: _DecordReader | None = None

    def _open(self) -> None:
        if self.container is not None:
            self.container.close()
        self.container = av.open(str(self.path), metadata_errors="ignore")
        self.stream = select_video_stream(self.container, self.path)
        self.stream.thread_type = "AUTO"
        self.stream.codec_context.thread_count = self.threads

    def _rewind(self) -> None:
        """Back to the first packet: seek when the format allows, else reopen (raw streams)."""
        try:
            self.container.seek(0, backward=True, any_frame=False, stream=self.stream)
        except (av.error.FFmpegError, OSError):
            self._open()

    def _info(self) -> MediaInfo:
        """Probe facts, with the verified frame count (and the indexed duration when none is stated)."""
        info = info_from_container(self.container, self.stream, self.path, scan=False)
        if info.duration is None and len(self.index):
            info = dataclasses.replace(info, duration=self.index.end, duration_source="packets")
        return dataclasses.replace(info, num_frames=len(self.index))

    def reindex_by_decoding(self) -> None:
        self._rewind()
        self.index = index_decoded(self.container, self.stream, self.origin, _fps(self.stream))
        self._rewind()
        self.info = dataclasses.replace(self.info, num_frames=len(self.index))
        self.pyav = _PyAVReader(self)

    def __enter__(self) -> _Source:
        return self

    def __exit__(self, *exc) -> None:
        self.container.close()

    def truncated_at(self) -> float | None:
        """Where the frames stop, when the video stream states a longer duration (a cut-off download)."""
        info = self.info
        if info.duration_source == "stream" and info.duration and info.duration > self.index.end + 0.5:
            return self.index.end
        return None

    def plan(self, req: ClipRequest) -> np.ndarray | ClipFailure:
        """The request's frame indices, or the failure that explains why there are none."""
        if not len(self.index):
            return ClipFailure(req.key, CORRUPT, f"{self.path}: no decodable video frame")
        cut = self.truncated_at()
        if cut is not None and (req.end is None or req.end > cut):
            return ClipFailure(
                req.key,
                CORRUPT,
                f"{self.path}: clip {req.key} ends after {cut:.3f}s where the frames stop, but the stream "
                f"states {self.info.duration:.3f}s: the file is truncated; download it again",
            )
        rng = clip_rng(req.sampling.seed, req.key)
        idx = sample_times(req.sampling, req.start, req.end, self.index.times, rng)
        if len(idx):
            return idx
        end = "the end" if req.end is None else f"{req.end:.3f}s"
        return ClipFailure(
            req.key,
            EMPTY,
            f"{self.path}: no frame in [{req.start:.3f}s, {end}); frames span 0-{self.index.end:.3f}s",
        )

    def run(
        self, requests: list[ClipRequest], decoder: str, timeout: float
    ) -> Iterator[ClipFrames | ClipFailure]:
        plans = [self.plan(r) for r in requests]
        order = sorted(range(len(requests)), key=lambda i: (_first(plans[i]), i))
        if decoder != "pyav":
            self.decord = _DecordReader.open(self, requests, strict=decoder == "auto")
            if self.decord is not None:
                self.decord.schedule([np.unique(plans[i]) for i in order if isinstance(plans[i], np.ndarray)])
        done: set[int] = set()
        while True:
            try:
                for i in order:
                    if i not in done:
                        yield self._one(requests[i], plans[i], timeout)
                        done.add(i)
                return
            except _IndexMismatch:
                # only raised while the index comes from packets; after this it comes from decoding
                log.warning("%s: packet index disagrees with the decoder; re-indexing by decoding", self.path)
                self.reindex_by_decoding()
                self.decord = None
                plans = [self.plan(r) for r in requests]
                order = sorted(range(len(requests)), key=lambda i: (_first(plans[i]), i))

    def _one(
        self, req: ClipRequest, plan: np.ndarray | ClipFailure, timeout: float
    ) -> ClipFrames | ClipFailure:
        if isinstance(plan, ClipFailure):
            return plan
        wanted = np.unique(plan)
        resize = req.size.plan(self.info.width, self.info.height) if req.size else None
        if self.decord is not None:
            try:
                frames = self.decord.read(wanted, resize, timeout)
                return self._result(req, plan, wanted, frames, "decord")
            except _DecordFailed as exc:
                log.warning("%s: decord failed (%s); PyAV serves the rest of this file", self.path, exc)
                self.decord = None
        try:
            frames = self.pyav.read(wanted, resize, time.monotonic() + timeout)
        except _IndexMismatch:
            if self.index.source == "packets":
                raise
            return ClipFailure(req.key, CORRUPT, f"{self.path}: frames of clip {req.key} cannot be decoded")
        except MediaError as exc:
            return ClipFailure(req.key, exc.reason, exc.message)
        except Exception as exc:  # noqa: BLE001 - a failed clip must not stop the others
            return ClipFailure(req.key, classify_av_error(exc), f"{self.path}: clip {req.key}: {exc}")
        return self._result(req, plan, wanted, frames, "pyav")

    def _result(self, req, plan, wanted, frames, decoder) -> ClipFrames:
        pos = np.searchsorted(wanted, plan)
        out = frames[pos] if len(wanted) != len(plan) else frames
        return ClipFrames(
            req.key, np.ascontiguousarray(out), self.index.times[plan], plan, decoder, self.info
        )


class _PyAVReader:
    """Sequential PyAV decoding with seeks between clips; remembers where the decoder is."""

    def __init__(self, source: _Source):
        self.src = source
        index = source.index
        self.pts_to_idx = {int(p): i for i, p in enumerate(index.pts)} if index.pts is not None else None
        self.pos = -1  # index of the last frame decoded; -1: at the start of the file
        self.frames: Iterator | None = None
        self.recent: dict[int, np.ndarray] = {}  # the last clip's converted frames, by index
        self.recent_plan: ResizePlan | None = None

    def _decoded(self) -> Iterator:
        """Decoded frames from the current position; broken packets are skipped, not fatal."""
        for packet in self.src.container.demux(self.src.stream):
            try:
                yield from packet.decode()
            except av.error.InvalidDataError:
                log.debug("%s: skipped an undecodable packet at pts %s", self.src.path, packet.pts)

    def _restart(self) -> None:
        """Decode from the first packet again (exact in every format, unlike a seek)."""
        self.src._rewind()
        self.frames = self._decoded()
        self.pos = -1

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
        return True

    def read(self, wanted: np.ndarray, resize: ResizePlan | None, deadline: float) -> np.ndarray:
        """RGB frames for the sorted unique frame indices `wanted`.

        Frames the previous clip already converted (overlapping windows) are reused, not decoded again.
        """
        reuse = self.recent if self.recent_plan == resize else {}
        out: list[np.ndarray | None] = [reuse.get(int(w)) for w in wanted]
        missing = [int(w) for w, frame in zip(wanted, out, strict=True) if frame is None]
        if missing:
            self._decode_into(out, wanted, missing, resize, deadline)
        self.recent = {int(w): frame for w, frame in zip(wanted, out, strict=True)}
        self.recent_plan = resize
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
            k = want.get(i)
            if k is not None and out[k] is None:
                out[k] = _to_rgb(frame, resize)
                found += 1
            if i >= last:
                break
        if found < len(want):
            self.frames = None
            raise _IndexMismatch(f"{len(want) - found} of {len(wanted)} frames not produced")

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


class _DecordReader:
    """decord behind the guards listed in the module docstring."""

    def __init__(self, vr, source: _Source, size: tuple[int, int] | None):
        self.vr = vr
        self.src = source
        self.size = size  # (w, h) decord scales to, or None for the source size
        self.schedule([])

    @classmethod
    def open(cls, source: _Source, requests: list[ClipRequest], strict: bool) -> _DecordReader | None:
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
                lambda: decord.VideoReader(
                    str(source.path), ctx=decord.cpu(0), num_threads=threads, **kwargs
                ),
                timeout=30.0,
            )
            n = len(vr)
            if n != len(index):
                raise _DecordFailed(f"decord counts {n} frames, the stream has {len(index)}")
            stamps = _bounded(lambda: vr.get_frame_timestamp(np.arange(n))[:, 0], timeout=30.0)
            ours = index.times - index.times[0]
            if not np.allclose(stamps - stamps[0], ours, atol=2e-3):
                raise _DecordFailed("decord's frame times disagree with the stream's")
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
            raise _DecordFailed(f"frame {int(wanted[-1])} is past the verified count {len(self.src.index)}")
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
            raise _DecordFailed(str(exc)) from exc
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


def _first(plan) -> float:
    return float(plan[0]) if isinstance(plan, np.ndarray) and len(plan) else float("inf")


def _fps(stream) -> float | None:
    rate = stream.average_rate or stream.guessed_rate
    return float(rate) if rate else None
