"""The verified list of a video stream's frames: presentation time of each, and where the keyframes are.

A container's frame count is a hint (decord trusts it and can loop forever when it over-reports), so
we count frames ourselves by demuxing the chosen stream (reading packets, no decoding: cheap). Packet
timestamps sorted in presentation order are the frames' exact times, variable frame rate included.
Streams without timestamps (raw `.h264`/`.hevc` elementary streams) are indexed by decoding instead.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import av
import numpy as np

from vtdata.media.probe import MediaInfo, info_from_container, select_video_stream


@dataclass(frozen=True)
class FrameIndex:
    """`times[i]` = seconds of frame i from the container start; `pts[i]` in the stream's time base.

    `source` says how it was built: "packets" (demuxed pts), "decode" (decoded frames' pts) or
    "count" (no timestamps at all: frame i is at i / fps and frames can only be read in order).
    `open_gop` is True when frames decoded after a keyframe are shown before it (leading pictures, as
    in x265's default CRA GOPs): they need the previous GOP, and decord's seeks return wrong frames there.
    """

    times: np.ndarray  # float64, strictly increasing
    pts: np.ndarray | None  # int64, or None when source == "count"
    keyframes: np.ndarray  # int64 frame indices of keyframes (sorted; may be empty when unknown)
    source: str
    open_gop: bool = False

    def __len__(self) -> int:
        return len(self.times)

    @property
    def seekable(self) -> bool:
        return self.pts is not None

    @property
    def end(self) -> float:
        """Presentation end of the last frame (its time plus the median frame interval)."""
        if not len(self.times):
            return 0.0
        step = float(np.median(np.diff(self.times))) if len(self.times) > 1 else 0.0
        return float(self.times[-1]) + step

    def keyframe_at_or_before(self, i: int) -> int:
        """Index of the last keyframe at or before frame i (0 when none is known)."""
        k = int(np.searchsorted(self.keyframes, i, side="right")) - 1
        return int(self.keyframes[k]) if k >= 0 else 0


def index_packets(container: av.container.InputContainer, stream: av.video.stream.VideoStream, origin: float):
    """Index by demuxing; returns None when the stream's packets carry no timestamps.

    Packets flagged `discard` (mp4 edit lists hide them) and empty packets are not frames.
    Leaves the container at its end.
    """
    pts, keys = [], []
    last_key, open_gop = None, False
    is_idr = _idr_detector(stream)
    for packet in container.demux(stream):
        if not packet.size or packet.is_discard:
            continue
        if packet.pts is None:
            return None
        if packet.is_keyframe:
            last_key = packet.pts
            if keys and is_idr is not None and not is_idr(bytes(packet)):
                open_gop = True
        elif last_key is not None and packet.pts < last_key and len(keys) > 1:
            open_gop = True
        pts.append(packet.pts)
        keys.append(packet.is_keyframe)
    index = _build(np.asarray(pts, dtype=np.int64), np.asarray(keys, dtype=bool), stream, origin, "packets")
    return dataclasses.replace(index, open_gop=open_gop)


def index_decoded(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    origin: float,
    fps: float | None,
) -> FrameIndex:
    """Index by decoding every frame: the fallback for untimed streams and for packet indices that lie."""
    pts, keys, n = [], [], 0
    for packet in container.demux(stream):
        try:
            frames = packet.decode()
        except av.error.FFmpegError:
            continue
        for frame in frames:
            n += 1
            pts.append(frame.pts)
            keys.append(bool(frame.key_frame))
    if n and all(p is not None for p in pts):
        return _build(np.asarray(pts, dtype=np.int64), np.asarray(keys, dtype=bool), stream, origin, "decode")
    step = 1.0 / fps if fps else 1.0 / 25
    return FrameIndex(np.arange(n, dtype=np.float64) * step, None, np.zeros(0, np.int64), "count")


def _build(pts: np.ndarray, keys: np.ndarray, stream, origin: float, source: str) -> FrameIndex:
    order = np.argsort(pts, kind="stable")
    pts, keys = pts[order], keys[order]
    unique = np.concatenate([[True], np.diff(pts) > 0]) if len(pts) else np.zeros(0, bool)
    pts, keys = pts[unique], keys[unique]
    times = pts.astype(np.float64) * float(stream.time_base) - origin
    return FrameIndex(times, pts, np.flatnonzero(keys).astype(np.int64), source)


def _idr_detector(stream: av.video.stream.VideoStream):
    """For H.264/HEVC, a function telling whether a keyframe packet holds an IDR picture; else None.

    Containers flag recovery-point I-frames (x264 `open-gop`) and HEVC CRA pictures as keyframes too;
    only an IDR starts a closed GOP. NAL units are length-prefixed (size from the avcC/hvcC header)
    or, without such a header, separated by Annex B start codes.
    """
    codec = stream.codec_context.codec.canonical_name
    if codec not in ("h264", "hevc"):
        return None
    extra = stream.codec_context.extradata or b""
    annexb = not extra or extra.startswith((b"\x00\x00\x01", b"\x00\x00\x00\x01"))
    if codec == "h264":
        size = (extra[4] & 3) + 1 if len(extra) > 4 and not annexb else 4
        idr_types, nal_type = {5}, lambda b: b & 0x1F
    else:
        size = (extra[21] & 3) + 1 if len(extra) > 21 and not annexb else 4
        idr_types, nal_type = {19, 20}, lambda b: (b >> 1) & 0x3F

    def is_idr(data: bytes) -> bool:
        if annexb:
            return any(
                nal_type(data[i + 3]) in idr_types
                for i in range(len(data) - 3)
                if data[i : i + 3] == b"\x00\x00\x01"
            )
        pos = 0
        while pos + size < len(data):
            length = int.from_bytes(data[pos : pos + size], "big")
            if nal_type(data[pos + size]) in idr_types:
                return True
            pos += size + length
        return False

    return is_idr


def index_file(path: str) -> tuple[MediaInfo, FrameIndex | None]:
    """Probe facts and every frame's presentation time of a file's chosen video stream (demuxed, not
    decoded); the index is None when the stream has no timestamps."""
    with av.open(path, metadata_errors="ignore") as container:
        stream = select_video_stream(container, path)
        info = info_from_container(container, stream, path, scan=False)
        return info, index_packets(container, stream, info.start_time)
