"""What synthetic world to generate: counts, sizes, durations and the seed that fixes the rest."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields


@dataclass(frozen=True)
class SyntheticSpec:
    """Parameters of `generate`; the defaults make a small corpus for tests (a few seconds to build).

    Scale `webvid`, `howto` and `cc3m` up for training runs (thousands of clips are fine: a
    96x64 clip costs ~20-40 ms). Durations are drawn per item from the (min, max) ranges and
    rounded to whole frames; every item's content is fixed by (seed, corpus, index) alone, so
    raising a count adds items without changing the earlier ones.
    """

    seed: int = 0
    webvid: int = 24  # WebVid-like clips: one shape moving in one direction
    howto: int = 6  # HowTo100M-like narrated videos with rolling auto-captions
    cc3m: int = 12  # CC3M-like still images
    width: int = 96  # video frame size (even numbers: H.264 4:2:0)
    height: int = 64
    fps: int = 10
    clip_duration: tuple[float, float] = (2.0, 3.0)  # WebVid clip length, seconds
    segments: tuple[int, int] = (3, 5)  # narrated video: number of shown segments
    segment_duration: tuple[float, float] = (2.0, 3.0)  # narrated video: seconds per segment
    narration_lag: float = 0.5  # seconds the narration lags the visuals (ASR/speech lag)
    narration_lag_jitter: float = 0.0  # per-video lag = narration_lag + U(-jitter, +jitter)
    narration_audio: bool = True  # narrated videos carry a (silent) AAC track, like real ones
    # Misaligned narration (`vtdata realign`'s ground truth): each video's lag is drawn from this
    # (min, max) range, negative = the narrator speaks ahead of the picture; replaces narration_lag
    narration_lags: tuple[float, float] | None = None
    unalignable: float = 0.0  # share of sentences that describe nothing on screen
    image_size: tuple[int, int] = (128, 96)  # CC3M image width, height
    png_every: int = 4  # every n-th image is a PNG (0: none)
    exif_rotate_every: int = 5  # every n-th JPEG is stored rotated with an EXIF Orientation tag (0: none)
    val_fraction: float = 0.25  # per corpus, exactly round(n * fraction) items (at least 1) are "val"
    gop: int = 0  # keyframe interval in frames; 0 = 2 * fps
    crf: int = 23
    workers: int = 2  # ffmpeg processes run at once

    def __post_init__(self) -> None:
        counts = ("webvid", "howto", "cc3m", "png_every", "exif_rotate_every", "gop", "narration_lag_jitter")
        for name in counts:
            if getattr(self, name) < 0:
                raise ValueError(f"SyntheticSpec.{name} must be >= 0, got {getattr(self, name)}")
        if self.width % 2 or self.height % 2 or self.width < 16 or self.height < 16:
            raise ValueError(f"video size must be even and >= 16, got {self.width}x{self.height}")
        if self.fps < 1 or self.workers < 1:
            raise ValueError("fps and workers must be >= 1")
        for name in ("clip_duration", "segment_duration", "segments"):
            lo, hi = getattr(self, name)
            if not 0 < lo <= hi:
                raise ValueError(f"SyntheticSpec.{name} must be (min, max), 0 < min <= max; got {(lo, hi)}")
        if min(self.segment_duration) * self.fps < 4 or min(self.clip_duration) * self.fps < 4:
            raise ValueError("durations must span at least 4 frames each")
        if not 0 <= self.val_fraction < 1:
            raise ValueError(f"val_fraction must be in [0, 1), got {self.val_fraction}")
        if self.narration_lag < 0 or self.narration_lag_jitter > self.narration_lag:
            raise ValueError("narration_lag must be >= 0 and >= narration_lag_jitter")
        if self.narration_lags is not None and not self.narration_lags[0] <= self.narration_lags[1]:
            raise ValueError(f"narration_lags must be (min, max), min <= max; got {self.narration_lags}")
        if not 0 <= self.unalignable < 1:
            raise ValueError(f"unalignable must be in [0, 1), got {self.unalignable}")

    def to_dict(self) -> dict:
        """The spec as stored in corpus.json: everything but `workers`, which changes no output, and the
        misalignment fields while unused (so corpora made before them keep their bytes)."""
        data = asdict(self)
        del data["workers"]
        for name in ("narration_lags", "unalignable"):
            if not data[name]:
                del data[name]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> SyntheticSpec:
        names = {f.name for f in fields(cls)}
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in names})

    @property
    def keyframe_interval(self) -> int:
        return self.gop or 2 * self.fps
