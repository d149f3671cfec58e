"""Turn the clips of one media item into shard samples: the `frames` store, the `clip` store, images.

(A "store" here is the sample format a pipeline config picks with `store: frames | clip`; the
download store is the folder `vtdata download` fills. Every decode and encode goes through
`vtdata.media`.)

Each function takes one `VideoTask` (all clips of one item inside a job) and yields, in the task's
clip order, `(clip, Sample)` or `(clip, Failure)`. The file is opened once per task: `frames` cuts
every clip from one `extract_clips` pass; `clip` indexes the file once and runs one ffmpeg process
per clip. Clip times (clips.parquet) are seconds in the media file, as are the stored frame times.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vtdata.media.damage import DAMAGED
from vtdata.media.decode import ClipFailure, ClipFrames, ClipRequest, extract_clips
from vtdata.media.encode import count_video_frames, encode_clip
from vtdata.media.errors import MediaError, classify_av_error
from vtdata.media.frameindex import FrameIndex, index_file
from vtdata.media.image import image_header, load_image
from vtdata.media.jpeg import encode_jpeg
from vtdata.media.probe import MediaInfo
from vtdata.media.sampling import SamplingSpec, sample_times
from vtdata.records.shards import MISSING_MEDIA, SCHEMA_VERSION, Failure
from vtdata.shard.config import PipelineConfig
from vtdata.shard.records import ClipRow, VideoTask

log = logging.getLogger(__name__)


@dataclass
class Sample:
    """The tar members of one sample and the facts the index needs."""

    members: dict[str, bytes]  # extension -> bytes, e.g. {"json": ..., "txt": ..., "000.jpg": ...}
    num_frames: int
    decode_errors: int | None = None  # None: not decoded (an image)
    damaged_frames: int | None = None

    @property
    def bytes(self) -> int:
        return sum(len(v) for v in self.members.values())


Outcome = tuple[ClipRow, "Sample | Failure"]


def task_samples(task: VideoTask, split: str, config: PipelineConfig, threads: int = 0) -> Iterator[Outcome]:
    """Samples (or failures) of every clip of `task`, in the task's order; `threads`: decoder threads."""
    if task.path is None or not Path(task.path).is_file():
        why = task.missing or f"{task.path}: media file not found (deleted after the download?)"
        for clip in task.clips:
            yield clip, Failure(clip.clip_id, task.id, MISSING_MEDIA, why)
        return
    if task.media == "image":
        yield from _image_samples(task, split, config)
    elif config.store == "frames":
        yield from _frames_samples(task, split, config, threads)
    else:
        yield from _clip_samples(task, split, config)


# --- frames store ------------------------------------------------------------------------------


def _frames_samples(task: VideoTask, split: str, config: PipelineConfig, threads: int) -> Iterator[Outcome]:
    sampling = config.sampling_for(split).spec()
    size = config.resize.spec()
    requests = [ClipRequest(clip.clip_id, clip.start, _file_end(clip), sampling, size) for clip in task.clips]
    by_key = {clip.clip_id: clip for clip in task.clips}
    done: dict[str, Sample | Failure] = {}
    results = extract_clips(
        task.path, requests, decoder=config.decode.decoder, timeout=config.decode.timeout, threads=threads
    )
    for result in results:
        clip = by_key[result.key]
        if isinstance(result, ClipFailure):
            done[result.key] = Failure(clip.clip_id, task.id, result.reason, result.message)
            continue
        damaged = _damaged(task, clip, config, result.decode_errors, result.damaged_frames)
        if damaged is not None:
            done[result.key] = damaged
            continue
        # encode now: a video's JPEGs are small, its decoded frames may not be
        frames = [encode_jpeg(f, config.frames.jpeg_quality) for f in result.frames]
        meta = _metadata(
            task,
            clip,
            split,
            store=config.store,
            sampling=sampling.to_dict(),
            frame_times=result.times.tolist(),
            height=int(result.frames.shape[1]),
            width=int(result.frames.shape[2]),
            fps=None,
            source=_source(result.info, result.decoder),
        )
        sample = _sample(clip, meta, {f"{k:03d}.jpg": b for k, b in enumerate(frames)})
        sample.decode_errors, sample.damaged_frames = result.decode_errors, result.damaged_frames
        done[result.key] = sample
    for clip in task.clips:
        yield clip, done[clip.clip_id]


# --- clip store --------------------------------------------------------------------------------


def _clip_samples(task: VideoTask, split: str, config: PipelineConfig) -> Iterator[Outcome]:
    """x264 threads come from the config (`clip.threads`): unlike decoder threads, they change the bytes."""
    try:
        info, index = index_file(task.path)
    except Exception as exc:  # noqa: BLE001 - an unreadable file fails its clips, not the job
        reason = classify_av_error(exc)
        message = exc.message if isinstance(exc, MediaError) else f"{task.path}: cannot open: {exc}"
        for clip in task.clips:
            yield clip, Failure(clip.clip_id, task.id, reason, message)
        return
    cfg = config.clip
    size = config.resize.spec()
    out_w, out_h = size.plan(info.width, info.height, even=True).out_size
    # at the source rate (`clip.fps: null`) every frame of the clip is kept, as `all` picks them
    sampling = SamplingSpec(mode="dense", fps=cfg.fps) if cfg.fps else SamplingSpec(mode="all")
    times = index.times if index is not None else None
    cut = _truncated_at(info, index)
    for clip in task.clips:
        start, end = clip.start, _file_end(clip)
        if cut is not None and (end is None or end > cut):
            message = (
                f"{task.path}: clip {clip.clip_id} ends after {cut:.3f}s where the frames stop, but the "
                f"stream states {info.duration:.3f}s: the file is truncated; download it again"
            )
            yield clip, Failure(clip.clip_id, task.id, "corrupt", message)
            continue
        errors: list[str] = []
        try:
            data = encode_clip(
                task.path,
                start,
                end,
                size=size,
                fps=cfg.fps,
                gop=cfg.gop,
                crf=cfg.crf,
                preset=cfg.preset,
                keep_audio=cfg.keep_audio,
                info=info,
                threads=cfg.threads,
                timeout=config.decode.timeout,
                errors=errors,
            )
        except MediaError as exc:
            yield clip, Failure(clip.clip_id, task.id, exc.reason, exc.message)
            continue
        count = count_video_frames(data)
        frames = _recount(task.path, start, end, sampling, config.decode.timeout, count) if errors else 0
        damaged = _damaged(task, clip, config, len(errors), frames)
        if damaged is not None:
            yield clip, damaged
            continue
        source_times = _clip_frame_times(times, start, end, sampling, count, cfg.fps or info.fps or 25.0)
        meta = _metadata(
            task,
            clip,
            split,
            store="clip",
            sampling={**sampling.to_dict(), "num_frames": count},
            frame_times=source_times.tolist(),
            height=out_h,
            width=out_w,
            fps=cfg.fps,
            source=_source(info, "ffmpeg"),
        )
        sample = _sample(clip, meta, {"mp4": data})
        sample.decode_errors, sample.damaged_frames = len(errors), frames
        yield clip, sample


def _truncated_at(info: MediaInfo, index: FrameIndex | None) -> float | None:
    """Where the frames of a cut-off download stop (as `extract_clips` judges it for the frames store)."""
    if index is None or info.duration_source != "stream" or not info.duration:
        return None
    return index.end if info.duration > index.end + 0.5 else None


def _clip_frame_times(
    times: np.ndarray | None, start: float, end: float | None, sampling: SamplingSpec, count: int, fps: float
) -> np.ndarray:
    """Source time of each encoded frame: the frame ffmpeg's fps filter picked for slot k.

    `sampling`'s dense mode reproduces the filter's choice; when the encoder disagrees on the count
    (or the file has no timestamps) the nominal slot times `start + k / fps` are reported instead.
    """
    if times is not None and len(times):
        picked = times[sample_times(sampling, start, end, times)]
        if len(picked) == count:
            return picked
        log.debug("fps filter gave %d frames, sampling predicts %d; reporting slot times", count, len(picked))
    return start + np.arange(count) / float(fps)


# --- damage (vtdata.media.damage) ---------------------------------------------------------------


def _recount(
    path: str, start: float, end: float | None, sampling: SamplingSpec, timeout: float, count: int
) -> int:
    """Damaged frames among those the clip store's fps filter keeps, counted by PyAV: ffmpeg's
    stderr says that something broke, not which frames it spoiled. All `count` of them when PyAV
    cannot decode the clip at all."""
    (result,) = extract_clips(
        path, [ClipRequest("recount", start, end, sampling)], decoder="pyav", timeout=timeout
    )
    return result.damaged_frames if isinstance(result, ClipFrames) else count


def _damaged(
    task: VideoTask, clip: ClipRow, config: PipelineConfig, errors: int, frames: int
) -> Failure | None:
    """The `damaged` failure of a clip over `decode.max_damaged_frames`, else None."""
    limit = config.decode.max_damaged_frames
    if limit is None or frames <= limit:
        return None
    message = (
        f"{task.path}: clip {clip.clip_id}: {frames} damaged frame(s), over decode.max_damaged_frames "
        f"({limit}); the decoder logged {errors} error(s)"
    )
    return Failure(clip.clip_id, task.id, DAMAGED, message, decode_errors=errors, damaged_frames=frames)


# --- images ------------------------------------------------------------------------------------


def _image_samples(task: VideoTask, split: str, config: PipelineConfig) -> Iterator[Outcome]:
    """An image is a 1-frame sample (`.000.jpg`) in either store."""
    try:
        width, height, fmt = image_header(task.path)
        pixels = load_image(task.path, config.resize.spec())
    except MediaError as exc:
        for clip in task.clips:
            yield clip, Failure(clip.clip_id, task.id, exc.reason, exc.message)
        return
    except OSError as exc:
        for clip in task.clips:
            yield clip, Failure(clip.clip_id, task.id, "corrupt", f"{task.path}: cannot read image: {exc}")
        return
    jpeg = encode_jpeg(pixels, config.frames.jpeg_quality)
    source = {"width": width, "height": height, "fps": None, "duration": None, "codec": fmt,
              "stream_index": None, "decoder": "pil"}  # fmt: skip
    for clip in task.clips:
        meta = _metadata(
            task,
            clip,
            split,
            store=config.store,
            sampling={"mode": "image", "num_frames": 1, "fps": None, "seed": 0, "protocol": None},
            frame_times=[0.0],
            height=int(pixels.shape[0]),
            width=int(pixels.shape[1]),
            fps=None,
            source=source,
        )
        yield clip, _sample(clip, meta, {"000.jpg": jpeg})


# --- shared ------------------------------------------------------------------------------------


def _file_end(clip: ClipRow) -> float | None:
    """A clip whose end is not after its start means "to the end of the file"."""
    return clip.end if clip.end > clip.start else None


def _source(info: MediaInfo, decoder: str) -> dict:
    return {
        "width": info.width,
        "height": info.height,
        "fps": info.fps,
        "duration": info.duration,
        "codec": info.codec,
        "stream_index": info.stream_index,
        "decoder": decoder,
    }


def _metadata(task: VideoTask, clip: ClipRow, split: str, *, frame_times, **fields) -> dict:
    """The `<clip_id>.json` record (docs/formats.md, section 4)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "clip_id": clip.clip_id,
        "id": task.id,
        "dataset": task.dataset,
        "media": task.media,
        "split": split,
        "start": clip.start,
        "end": clip.end,
        "store": fields["store"],
        "sampling": fields["sampling"],
        "frame_times": [round(float(t), 6) for t in frame_times],
        "num_frames": len(frame_times),
        "height": fields["height"],
        "width": fields["width"],
        "fps": fields["fps"],
        "texts": list(clip.texts) or [clip.text],
        "context": clip.context,
        "source": fields["source"],
    }


def _sample(clip: ClipRow, meta: dict, media: dict[str, bytes]) -> Sample:
    members = {
        "json": json.dumps(meta, ensure_ascii=False, sort_keys=True).encode("utf-8"),
        "txt": clip.text.encode("utf-8"),
        **media,
    }
    return Sample(members, meta["num_frames"])
