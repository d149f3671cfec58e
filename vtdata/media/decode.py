"""Cut every clip of one video from a single open of the file, returning frames with their exact times.

`extract_clips` opens the file with PyAV once, indexes the chosen (largest) video stream by demuxing
it (see `frameindex`), samples each clip on that index (`sampling`), then decodes only the frames it
needs, clips sorted by start: it seeks to the keyframe before a clip, or keeps decoding when the next
clip is in the same GOP. Only the video stream is demuxed and decoded, so a broken audio stream does
not matter.

decord (0.6.0, unmaintained) is the fast path when it can be trusted, PyAV the fallback: the guards
that decide when decord may be used are in `decord_reader`. Any decord failure sends that clip, and
the rest of the file, to PyAV, and the fallback is recorded (`decoders.record_fallback`); so does
an error in decord's decoder log (damaged media), so that PyAV counts the damage per clip.
PyAV decoding checks the same per-clip deadline between frames. Every decoded clip carries its
`decode_errors` and `damaged_frames` (`media.damage`); what to do about them is the caller's call.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np

from vtdata.media.damage import DecodeLog, decord_errors
from vtdata.media.decoders import DECODERS, record_fallback
from vtdata.media.decord_reader import DecordFailed, DecordReader
from vtdata.media.errors import CORRUPT, EMPTY, MediaError, classify_av_error
from vtdata.media.frameindex import index_decoded, index_packets
from vtdata.media.probe import MediaInfo, info_from_container, select_video_stream
from vtdata.media.pyav_reader import IndexMismatch, PyAVReader
from vtdata.media.resize import ResizeSpec
from vtdata.media.sampling import SamplingSpec, clip_rng, sample_times

log = logging.getLogger(__name__)

VideoSource = str | Path | bytes
"""A video file's path, or the whole file in memory (an mp4 read from a shard)."""


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
    `decode_errors` and `damaged_frames` (distinct sampled frames) say how damaged it is (`media.damage`).
    """

    key: str
    frames: np.ndarray  # uint8 [T, H, W, 3], RGB
    times: np.ndarray  # float64 [T], seconds from the container start
    indices: np.ndarray  # int64 [T]
    decoder: str  # "decord" | "pyav"
    info: MediaInfo
    decode_errors: int = 0
    damaged_frames: int = 0


@dataclass(frozen=True)
class ClipFailure:
    """A clip that produced no frames; `reason` is corrupt | unsupported | empty | error."""

    key: str
    reason: str
    message: str


def extract_clips(
    path: VideoSource,
    requests: Iterable[ClipRequest],
    *,
    decoder: str = "auto",
    timeout: float = 60.0,
    threads: int = 0,
    label: str = "<in-memory video>",
) -> Iterator[ClipFrames | ClipFailure]:
    """Decode the clips of one video (a file, or its bytes: `label` then names it in messages); yields
    one `ClipFrames` or `ClipFailure` per request, never raises for bad media.

    Results come in decoding order: by first sampled frame, ties in request order (keys say which is
    which). `decoder`: "auto" (decord when trusted, else PyAV), "decord" (decord when it can open the
    file, PyAV otherwise) or "pyav". `timeout` bounds each clip's decode in seconds. `threads` is the
    decoder thread count (0: FFmpeg chooses).
    """
    if decoder not in DECODERS:
        raise ValueError(f"decoder {decoder!r} is not one of {DECODERS}")
    requests = list(requests)
    try:
        source = _Source(path, threads, label)
    except Exception as exc:  # noqa: BLE001 - any open/index failure fails every clip of this file
        reason = classify_av_error(exc)
        name = label if isinstance(path, bytes) else path
        message = exc.message if isinstance(exc, MediaError) else f"{name}: cannot open: {exc}"
        for req in requests:
            yield ClipFailure(req.key, reason, message)
        return
    with source:
        yield from source.run(requests, decoder, timeout)


class _Source:
    """One open video: PyAV container, chosen stream, verified frame index, readers."""

    def __init__(self, source: VideoSource, threads: int, label: str = "<in-memory video>"):
        self.data = source if isinstance(source, bytes) else None
        self.path = Path(label) if self.data is not None else Path(source)
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
        self.pyav = PyAVReader(self)
        self.decord: DecordReader | None = None

    def _open(self) -> None:
        if self.container is not None:
            self.container.close()
        self.container = av.open(self.input(), metadata_errors="ignore")
        self.stream = select_video_stream(self.container, self.path)
        self.stream.thread_type = "AUTO"
        self.stream.codec_context.thread_count = self.threads

    def input(self) -> str | io.BytesIO:
        """What a decoder opens: the file's path, or a fresh stream over its bytes."""
        return io.BytesIO(self.data) if self.data is not None else str(self.path)

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
        self.pyav = PyAVReader(self)

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
        if decoder != "pyav" and decord_errors() is not None:  # decord only where its errors are seen
            self.decord = DecordReader.open(self, requests, strict=decoder == "auto")
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
            except IndexMismatch:
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
                before = decord_errors()
                frames = self.decord.read(wanted, resize, timeout)
                if decord_errors() != before:
                    raise DecordFailed(f"its decoder logged {decord_errors() - before} error(s): damaged?")
                return self._result(req, plan, wanted, frames, "decord")
            except DecordFailed as exc:
                record_fallback(str(self.path), "pyav", "decord", f"{exc}; PyAV serves the rest of this file")
                self.decord = None
        reader = self.pyav
        try:
            with DecodeLog() as errors:
                reader.log = errors
                frames = reader.read(wanted, resize, time.monotonic() + timeout)
                damage = (errors.count(), len(reader.damaged))
        except IndexMismatch:
            if self.index.source == "packets":
                raise
            return ClipFailure(req.key, CORRUPT, f"{self.path}: frames of clip {req.key} cannot be decoded")
        except MediaError as exc:
            return ClipFailure(req.key, exc.reason, exc.message)
        except Exception as exc:  # noqa: BLE001 - a failed clip must not stop the others
            return ClipFailure(req.key, classify_av_error(exc), f"{self.path}: clip {req.key}: {exc}")
        finally:
            reader.log = None
        return self._result(req, plan, wanted, frames, "pyav", damage)

    def _result(self, req, plan, wanted, frames, decoder, damage=(0, 0)) -> ClipFrames:
        pos = np.searchsorted(wanted, plan)
        out = frames[pos] if len(wanted) != len(plan) else frames
        return ClipFrames(
            req.key, np.ascontiguousarray(out), self.index.times[plan], plan, decoder, self.info, *damage
        )


def _first(plan) -> float:
    return float(plan[0]) if isinstance(plan, np.ndarray) and len(plan) else float("inf")


def _fps(stream) -> float | None:
    rate = stream.average_rate or stream.guessed_rate
    return float(rate) if rate else None
