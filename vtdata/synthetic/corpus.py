"""Generate the synthetic corpus on disk and read it back.

Layout of a corpus root:
    corpus.json          spec + ground truth of every item (`truth.SyntheticItem`), byte-stable
    narration.parquet    with `narration_lags`: every spoken sentence's ASR and true times (`narrated`)
    media/<file>         <id>.mp4 videos, <id>.en.vtt auto-captions, img<n>.jpg/.png images
    .render-keys.json    which render parameters made each media file (for reuse)
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from vtdata.media.encode import encode_frames
from vtdata.media.ffmpeg import FFmpegError, ffmpeg_exe
from vtdata.media.image import save_image
from vtdata.synthetic.captions import youtube_autocaption_vtt
from vtdata.synthetic.narrated import NARRATION_TRUTH, write_truth
from vtdata.synthetic.native import NativeFiles, write_native
from vtdata.synthetic.render import image_pixels, video_frames
from vtdata.synthetic.spec import SyntheticSpec
from vtdata.synthetic.truth import SyntheticItem, dumps_truth, loads_truth
from vtdata.synthetic.world import plan

log = logging.getLogger(__name__)

TRUTH_FILE = "corpus.json"
MEDIA_DIR = "media"
_KEYS_FILE = ".render-keys.json"
_RENDER_VERSION = 1  # bump when render/encode output changes, so old files are not reused


def _atomic_write(path: Path, data: bytes) -> None:
    if path.exists() and path.read_bytes() == data:
        return
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


@dataclass
class SyntheticCorpus:
    """A generated corpus: where it is, how it was made and the truth of every item.

    `items` come in a fixed order (WebVid clips, narrated videos, images). `made` and `reused`
    count media files encoded by this `generate` call and found already there; `seconds` is
    the time that call took.
    """

    root: Path
    spec: SyntheticSpec
    items: list[SyntheticItem]
    made: int = 0
    reused: int = 0
    seconds: float = 0.0
    _index: dict[str, SyntheticItem] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        for item in self.items:
            for key in (item.id, item.source_id, item.file):
                self._index.setdefault(key, item)

    @property
    def media_dir(self) -> Path:
        return self.root / MEDIA_DIR

    def path(self, item: SyntheticItem) -> Path:
        """The item's media file."""
        return self.media_dir / item.file

    def subtitles_path(self, item: SyntheticItem) -> Path | None:
        return self.media_dir / item.subtitles if item.subtitles else None

    def of(self, dataset: str, split: str | None = None) -> list[SyntheticItem]:
        """Items of one corpus ("webvid", "howto100m", "cc3m"), optionally of one split."""
        return [i for i in self.items if i.dataset == dataset and (split is None or i.split == split)]

    def find(self, key: str) -> SyntheticItem | None:
        """The item for an id, source id, file name, URL, download-store file name, or a CC3M
        recipe id (`<name>_<hash>` from `ids.id_from_url`); None if there is none."""
        key = key.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        for candidate in (key, key.split(".", 1)[0], key.split(".", 1)[0].rsplit("_", 1)[0]):
            if candidate in self._index:
                return self._index[candidate]
        return None

    def write_native(self, base_url: str, out_dir: str | Path, *, broken: float = 0.0) -> NativeFiles:
        """The corpora's native metadata files with URLs under `base_url` (see `native.write_native`)."""
        return write_native(self.items, base_url, out_dir, seed=self.spec.seed, broken=broken)

    @classmethod
    def load(cls, root: str | Path) -> SyntheticCorpus:
        """Read a corpus made earlier by `generate` (no media checks)."""
        root = Path(root)
        spec, items = loads_truth((root / TRUTH_FILE).read_text(encoding="utf-8"))
        return cls(root=root, spec=SyntheticSpec.from_dict(spec), items=items)


def _render_key(item: SyntheticItem, spec: SyntheticSpec) -> str:
    unused = ("split", "caption", "lines", "vtt_style", "unalignable")
    pixels = {k: v for k, v in asdict(item).items() if k not in unused}
    params: dict = {"item": pixels, "version": _RENDER_VERSION}
    if item.media == "video":
        params.update(gop=spec.keyframe_interval, crf=spec.crf, ffmpeg=ffmpeg_exe())
    return hashlib.sha1(json.dumps(params, sort_keys=True).encode()).hexdigest()


def _make(item: SyntheticItem, spec: SyntheticSpec, path: Path) -> None:
    if item.media == "image":
        save_image(path, image_pixels(item), exif_orientation=item.exif_orientation)
        return
    frames = video_frames(item)
    try:
        encode_frames(path, frames, spec.fps, gop=spec.keyframe_interval, crf=spec.crf, audio=item.has_audio)
    except FFmpegError as e:
        raise RuntimeError(
            f"synthetic item {item.id}: encoding {path} failed; check that {ffmpeg_exe()} has libx264 "
            f"(set VTDATA_FFMPEG to another ffmpeg): {e}"
        ) from e


def generate(
    root: str | Path,
    spec: SyntheticSpec | None = None,
    *,
    progress: Callable[[int], None] | None = None,
) -> SyntheticCorpus:
    """Generate (or complete) the corpus of `spec` under `root`; deterministic from `spec.seed`.

    The same spec gives byte-identical `corpus.json` and subtitles, and media with identical
    decoded content (identical bytes with the same ffmpeg). Media files already made with the
    same parameters are reused, so a second call costs little more than reading them back.
    Media of items no longer in the spec are removed. `progress(n)` is called per item done.
    """
    spec = spec or SyntheticSpec()
    started = time.perf_counter()
    root = Path(root)
    media = root / MEDIA_DIR
    media.mkdir(parents=True, exist_ok=True)
    for leftover in media.glob(".*.tmp"):  # from an interrupted run
        leftover.unlink(missing_ok=True)
    items = plan(spec)
    keys_path = root / _KEYS_FILE
    old_keys: dict[str, str] = json.loads(keys_path.read_text()) if keys_path.exists() else {}
    keys = {item.file: _render_key(item, spec) for item in items}
    todo = [i for i in items if old_keys.get(i.file) != keys[i.file] or not (media / i.file).exists()]
    for stale in set(old_keys) - set(keys):
        (media / stale).unlink(missing_ok=True)
        (media / f"{Path(stale).stem}.en.vtt").unlink(missing_ok=True)

    for item in items:
        if item.subtitles:
            text = youtube_autocaption_vtt(item.word_tuples(), style=item.vtt_style or "new")
            _atomic_write(media / item.subtitles, text.encode("utf-8"))
    if progress is not None and len(items) > len(todo):
        progress(len(items) - len(todo))

    # Keys are saved only for files that exist, so an interrupted run redoes just what is missing.
    done_keys = {f: k for f, k in keys.items() if old_keys.get(f) == k and (media / f).exists()}
    try:
        with ThreadPoolExecutor(max_workers=spec.workers) as pool:
            futures = {pool.submit(_make, item, spec, media / item.file): item for item in todo}
            for future, item in futures.items():
                future.result()
                done_keys[item.file] = keys[item.file]
                if progress is not None:
                    progress(1)
    finally:
        _atomic_write(keys_path, json.dumps(done_keys, indent=1, sort_keys=True).encode())
    _atomic_write(root / TRUTH_FILE, dumps_truth(spec.to_dict(), items).encode("utf-8"))
    if spec.narration_lags is not None:
        write_truth(items, root / NARRATION_TRUTH)
    seconds = time.perf_counter() - started
    reused = len(items) - len(todo)
    log.info("synthetic corpus %s: %d media made, %d reused in %.1fs", root, len(todo), reused, seconds)
    return SyntheticCorpus(root=root, spec=spec, items=items, made=len(todo), reused=reused, seconds=seconds)
