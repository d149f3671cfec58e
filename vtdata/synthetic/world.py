"""The synthetic world's vocabulary and the plan of every item, drawn from the seed (no I/O).

Each item is planned from its own generator seeded by (seed, corpus, index), so an item does
not change when counts change. Motion wraps around the frame edges and the start position is
uniform over the frame, so a single frame carries no hint of the direction: telling "moves left"
from "moves right" needs at least two frames.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from vtdata.synthetic.captions import STYLES, caption_json_lines
from vtdata.synthetic.spec import SyntheticSpec
from vtdata.synthetic.truth import CaptionLine, ShownSegment, SpokenWord, SyntheticItem

COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (225, 35, 35),
    "green": (40, 200, 60),
    "blue": (45, 85, 235),
    "yellow": (240, 225, 40),
    "white": (245, 245, 245),
    "purple": (160, 60, 210),
    "orange": (250, 140, 20),
    "cyan": (40, 215, 225),
}
SHAPES = ("circle", "square", "triangle", "diamond", "cross")
MOTIONS = ("left", "right", "up", "down")
DIRECTION = {"left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1)}  # image y grows down

_CORPUS_CODE = {"webvid": 1, "howto100m": 2, "cc3m": 3}
_SPLIT_STREAM = 1_000_003
_WEBVID_TEMPLATES = (
    "{a} {colour} {shape} moves {motion}",
    "{a} {colour} {shape} moving {to}{motion}",
    "{colour} {shape} going {motion}",
    "{a} {colour} {shape} slides {to}{motion}",
)
_SPOKEN_TEMPLATES = (
    "now the {colour} {shape} moves {motion}",
    "here we have {a} {colour} {shape} going {motion}",
    "next {a} {colour} {shape} moving {to}{motion}",
    "and then the {colour} {shape} slides {to}{motion}",
    "watch the {colour} {shape} move {motion}",
)
_FILLERS = ("so", "okay", "um", "alright")
_OFFSCREEN_TEMPLATES = (  # sentences about nothing on screen (what realign must learn to drop)
    "i bought {a} {colour} {shape} at the store last week",
    "my kids really love the {colour} {shape}",
    "next time we will try {a} {colour} {shape}",
    "thanks for watching and see you next time",
    "do not forget to like and subscribe",
)
_OFFSCREEN_STREAM = 7  # a separate generator, so the default corpus draws exactly what it did
_IMAGE_TEMPLATES = (
    "{a} {colour} {shape}",
    "{colour} {shape} on a dark background",
    "a picture of {a} {colour} {shape}",
)
_YT_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _fill(template: str, colour: str, shape: str, motion: str = "") -> str:
    to = "to the " if motion in ("left", "right") else ""
    a = "an" if colour[0] in "aeiou" else "a"
    return template.format(a=a, colour=colour, shape=shape, motion=motion, to=to)


def item_rng(seed: int, dataset: str, index: int) -> np.random.Generator:
    return np.random.default_rng([seed, _CORPUS_CODE[dataset], index])


def val_indices(seed: int, dataset: str, n: int, fraction: float) -> set[int]:
    """Exactly round(n * fraction) items (at least one when fraction > 0 and n > 1) go to "val"."""
    if fraction <= 0 or n < 2:
        return set()
    k = min(n - 1, max(1, round(n * fraction)))
    perm = item_rng(seed, dataset, _SPLIT_STREAM).permutation(n)
    return {int(i) for i in perm[:k]}


def _background(rng: np.random.Generator) -> list[int]:
    return [int(v) for v in rng.integers(10, 75, size=3)]


def _frames(rng: np.random.Generator, seconds: tuple[float, float], fps: int) -> int:
    lo, hi = math.ceil(seconds[0] * fps - 1e-9), math.floor(seconds[1] * fps + 1e-9)
    return int(rng.integers(lo, max(lo, hi) + 1))


def _moving_shape(
    rng: np.random.Generator, spec: SyntheticSpec, start: float, n_frames: int, motion: str, avoid: tuple = ()
) -> tuple[str, str, dict]:
    """Colour, shape and the path of one moving shape over `n_frames` frames."""
    while True:
        colour = str(rng.choice(list(COLOURS)))
        shape = str(rng.choice(SHAPES))
        if (colour, shape) not in avoid:
            break
    duration = n_frames / spec.fps
    dx, dy = DIRECTION[motion]
    extent = spec.width if dx else spec.height
    speed = float(rng.uniform(0.35, 0.6)) * extent / duration  # travels 35-60% of the frame
    path = {
        "start": round(start, 3),
        "end": round(start + duration, 3),
        "x0": round(float(rng.uniform(0, spec.width)), 3),
        "y0": round(float(rng.uniform(0, spec.height)), 3),
        "vx": round(dx * speed, 3),
        "vy": round(dy * speed, 3),
        "size": round(float(rng.uniform(0.14, 0.2)) * min(spec.width, spec.height), 3),
    }
    return colour, shape, path


def plan_webvid(spec: SyntheticSpec, index: int, split: str) -> SyntheticItem:
    rng = item_rng(spec.seed, "webvid", index)
    motion = MOTIONS[(index + spec.seed) % len(MOTIONS)]  # balanced directions even in tiny corpora
    n = _frames(rng, spec.clip_duration, spec.fps)
    colour, shape, path = _moving_shape(rng, spec, 0.0, n, motion)
    caption = _fill(_WEBVID_TEMPLATES[int(rng.integers(len(_WEBVID_TEMPLATES)))], colour, shape, motion)
    vid = str(1_000_000_000 + index)
    return SyntheticItem(
        id=vid,
        source_id=vid,
        dataset="webvid",
        media="video",
        file=f"{vid}.mp4",
        caption=caption,
        split=split,
        width=spec.width,
        height=spec.height,
        duration=round(n / spec.fps, 3),
        fps=float(spec.fps),
        num_frames=n,
        colour=colour,
        shape=shape,
        motion=motion,
        segments=[ShownSegment(colour=colour, shape=shape, motion=motion, caption=caption, **path)],
        background=_background(rng),
    )


def _youtube_id(rng: np.random.Generator) -> str:
    # '-' and '_' only inside, so `ids.safe_id` keeps the id unchanged
    ends = [_YT_ALPHABET[int(i)] for i in rng.integers(62, size=2)]
    return ends[0] + "".join(_YT_ALPHABET[int(i)] for i in rng.integers(64, size=9)) + ends[1]


def _speak(
    rng: np.random.Generator, sentence: str, start: float, stop: float, segment: int
) -> list[SpokenWord]:
    """Times for the words of `sentence`, said from about `start`, squeezed to end before `stop`."""
    tokens = sentence.split()
    lengths = [0.2 + 0.035 * len(t) * float(rng.uniform(0.85, 1.15)) for t in tokens]
    gaps = [float(rng.uniform(0.04, 0.12)) for _ in tokens]
    t0 = start + float(rng.uniform(0.0, 0.25))
    total = sum(lengths) + sum(gaps[:-1])
    scale = min(1.0, max(0.05, stop - t0) / total)
    words, t = [], t0
    for token, length, gap in zip(tokens, lengths, gaps, strict=True):
        s, e = round(t, 3), round(t + length * scale, 3)
        words.append(SpokenWord(start=s, end=max(e, s + 0.001), text=token, segment=segment))
        t += (length + gap) * scale
    return words


def _offscreen(spec: SyntheticSpec, index: int, segments: list[ShownSegment]) -> dict[int, str]:
    """Segment -> the sentence said over it instead of its description (`spec.unalignable` of them)."""
    if not spec.unalignable:
        return {}
    rng = np.random.default_rng([spec.seed, _CORPUS_CODE["howto100m"], index, _OFFSCREEN_STREAM])
    shown = {(s.colour, s.shape) for s in segments}
    out = {}
    for j in range(len(segments)):
        if rng.random() >= spec.unalignable:
            continue
        while True:
            colour, shape = str(rng.choice(list(COLOURS))), str(rng.choice(SHAPES))
            if (colour, shape) not in shown:
                break
        out[j] = _fill(_OFFSCREEN_TEMPLATES[int(rng.integers(len(_OFFSCREEN_TEMPLATES)))], colour, shape)
    return out


def _lag(spec: SyntheticSpec, rng: np.random.Generator) -> float:
    u = float(rng.uniform(-1, 1))  # drawn in either mode, so the rest of the item stays the same
    if spec.narration_lags is not None:
        lo, hi = spec.narration_lags
        return round((lo + hi) / 2 + u * (hi - lo) / 2, 3)
    return round(spec.narration_lag + u * spec.narration_lag_jitter, 3)


def plan_howto(spec: SyntheticSpec, index: int, split: str) -> SyntheticItem:
    rng = item_rng(spec.seed, "howto100m", index)
    vid = _youtube_id(rng)
    lag = _lag(spec, rng)
    k = int(rng.integers(spec.segments[0], spec.segments[1] + 1))
    segments: list[ShownSegment] = []
    total = 0
    for _ in range(k):
        n = _frames(rng, spec.segment_duration, spec.fps)
        motion = MOTIONS[int(rng.integers(len(MOTIONS)))]
        avoid = ((segments[-1].colour, segments[-1].shape),) if segments else ()
        colour, shape, path = _moving_shape(rng, spec, total / spec.fps, n, motion, avoid)
        template = _SPOKEN_TEMPLATES[int(rng.integers(len(_SPOKEN_TEMPLATES)))]
        spoken = _fill(template, colour, shape, motion)
        if rng.random() < 0.4:
            spoken = f"{_FILLERS[int(rng.integers(len(_FILLERS)))]} {spoken}"
        caption = _fill(_WEBVID_TEMPLATES[0], colour, shape, motion)
        segments.append(
            ShownSegment(colour=colour, shape=shape, motion=motion, caption=caption, spoken=spoken, **path)
        )
        total += n
    duration = round(total / spec.fps, 3)
    offscreen = _offscreen(spec, index, segments)
    segments = [replace(s, spoken=offscreen[j]) if j in offscreen else s for j, s in enumerate(segments)]
    words: list[SpokenWord] = []
    for j, seg in enumerate(segments):
        start, stop = max(0.0, seg.start + lag), min(seg.end + lag, duration) - 0.15
        if spec.narration_lags is not None and stop - start < 1.0:
            continue  # lagged past either end of the video: this sentence is never said
        words += _speak(rng, seg.spoken, start, stop, j)
    tuples = [(w.start, w.end, w.text) for w in words]
    return SyntheticItem(
        id=vid,
        source_id=vid,
        dataset="howto100m",
        media="video",
        file=f"{vid}.mp4",
        caption=" ".join(w.text for w in words),
        split=split,
        width=spec.width,
        height=spec.height,
        duration=duration,
        fps=float(spec.fps),
        num_frames=total,
        segments=segments,
        words=words,
        lines=[CaptionLine(*line) for line in caption_json_lines(tuples)],
        lag=lag,
        unalignable=sorted(offscreen),
        subtitles=f"{vid}.en.vtt",
        vtt_style=STYLES[(index + spec.seed) % len(STYLES)],
        has_audio=spec.narration_audio,
        background=_background(rng),
    )


def plan_cc3m(spec: SyntheticSpec, index: int, split: str) -> SyntheticItem:
    rng = item_rng(spec.seed, "cc3m", index)
    colour = str(rng.choice(list(COLOURS)))
    shape = str(rng.choice(SHAPES))
    w, h = spec.image_size
    size = float(rng.uniform(0.18, 0.3)) * min(w, h)
    png = spec.png_every > 0 and index % spec.png_every == spec.png_every - 1
    rotated = not png and spec.exif_rotate_every > 0 and index % spec.exif_rotate_every == 1
    name = f"img{index:05d}"
    caption = _fill(_IMAGE_TEMPLATES[int(rng.integers(len(_IMAGE_TEMPLATES)))], colour, shape)
    segment = ShownSegment(
        start=0.0,
        end=0.0,
        colour=colour,
        shape=shape,
        motion="",
        caption=caption,
        x0=round(float(rng.uniform(size, w - size)), 3),
        y0=round(float(rng.uniform(size, h - size)), 3),
        vx=0.0,
        vy=0.0,
        size=round(size, 3),
    )
    return SyntheticItem(
        id=name,
        source_id=f"{name}.{'png' if png else 'jpg'}",
        dataset="cc3m",
        media="image",
        file=f"{name}.{'png' if png else 'jpg'}",
        caption=caption,
        split=split,
        width=w,
        height=h,
        colour=colour,
        shape=shape,
        segments=[segment],
        exif_orientation=6 if rotated else None,
        background=_background(rng),
    )


def plan(spec: SyntheticSpec) -> list[SyntheticItem]:
    """Every item of the corpus: WebVid clips, then narrated videos, then images."""
    items: list[SyntheticItem] = []
    for dataset, count, planner in (
        ("webvid", spec.webvid, plan_webvid),
        ("howto100m", spec.howto, plan_howto),
        ("cc3m", spec.cc3m, plan_cc3m),
    ):
        val = val_indices(spec.seed, dataset, count, spec.val_fraction)
        items += [planner(spec, i, "val" if i in val else "train") for i in range(count)]
    return items
