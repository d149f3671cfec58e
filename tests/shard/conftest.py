"""A tiny download store (videos, images, a corrupt file, a failed download) and its clip table.

Built once per session with the bundled ffmpeg: H.264 and VP9 videos of 96x64 px at 10 fps, a
JPEG and a PNG. The store has the layout and ledger of `vtdata download`, so the shard stage
reads it exactly as it reads a real one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from vtdata.download.ledger import Ledger
from vtdata.download.store import ItemPaths
from vtdata.media.ffmpeg import run_ffmpeg
from vtdata.records.clips import Clip, write_clips
from vtdata.records.ledger import LedgerEntry
from vtdata.records.sources import SourceItem, write_sources

FPS = 10


@dataclass(frozen=True)
class Video:
    id: str
    ext: str
    seconds: float
    pattern: str  # an ffmpeg lavfi source
    codec: list[str]


VIDEOS = [
    Video("vid_a", "mp4", 3.0, "testsrc2=size=96x64:rate=10", ["-c:v", "libx264", "-pix_fmt", "yuv420p"]),
    Video("vid_b", "mp4", 2.0, "mandelbrot=size=96x64:rate=10", ["-c:v", "libx264", "-pix_fmt", "yuv420p"]),
    Video("vid_c", "webm", 2.0, "testsrc=size=96x64:rate=10", ["-c:v", "libvpx-vp9", "-b:v", "200k"]),
    Video("vid_d", "mp4", 2.0, "smptebars=size=96x64:rate=10", ["-c:v", "libx264", "-pix_fmt", "yuv420p"]),
]
CORRUPT_ID = "vid_bad"
FAILED_ID = "vid_gone"  # the download failed: no file
IMAGES = {"img_a": "jpg", "img_b": "png"}


@dataclass(frozen=True)
class ShardInput:
    store: Path
    clips: Path  # clips.parquet
    clip_list: list[Clip]


def _clips() -> list[Clip]:
    clips = [
        Clip("vid_a_0", "vid_a", 0.0, 1.0, "a zero", ["a zero", "a zero bis"], "ctx a"),
        Clip("vid_a_1", "vid_a", 1.0, 2.2, "a one"),
        Clip("vid_a_2", "vid_a", 2.0, 3.0, "a two"),
        Clip("vid_b_0", "vid_b", 0.0, 2.0, "b whole"),
        Clip("vid_c_0", "vid_c", 0.5, 1.5, "c vp9"),
        Clip("vid_d_0", "vid_d", 0.0, 1.0, "d zero", split="val"),
        Clip("vid_d_1", "vid_d", 1.0, 2.0, "d one", split="val"),
        Clip(f"{CORRUPT_ID}_0", CORRUPT_ID, 0.0, 1.0, "corrupt"),
        Clip(f"{FAILED_ID}_0", FAILED_ID, 0.0, 1.0, "never downloaded"),
    ]
    clips += [Clip(f"{i}_0", i, 0.0, 0.0, f"image {i}") for i in IMAGES]
    return clips


def build_store(root: Path) -> ShardInput:
    store = root / "store"
    store.mkdir(parents=True)
    items, entries = [], []
    for v in VIDEOS:
        paths = ItemPaths(store, v.id)
        paths.dir.mkdir(parents=True, exist_ok=True)
        out = paths.final(v.ext)
        run_ffmpeg(
            ["-f", "lavfi", "-i", v.pattern, "-t", str(v.seconds), *v.codec, "-g", "5", "-y", str(out)]
        )
        items.append(SourceItem(v.id, v.id, "webvid", "video", f"http://x/{v.id}", caption=v.id))
        entries.append(LedgerEntry(v.id, "ok", path=paths.relative(out), media="video"))
    bad = ItemPaths(store, CORRUPT_ID)
    bad.dir.mkdir(parents=True, exist_ok=True)
    good = ItemPaths(store, "vid_a").final("mp4").read_bytes()
    bad.final("mp4").write_bytes(good[:48] + bytes(np.random.default_rng(0).integers(0, 256, 4000, np.uint8)))
    items.append(SourceItem(CORRUPT_ID, CORRUPT_ID, "webvid", "video", "http://x/bad"))
    entries.append(LedgerEntry(CORRUPT_ID, "ok", path=bad.relative(bad.final("mp4")), media="video"))
    items.append(SourceItem(FAILED_ID, FAILED_ID, "webvid", "video", "http://x/gone"))
    entries.append(LedgerEntry(FAILED_ID, "failed", reason="not_found", message="HTTP 404", media="video"))
    rng = np.random.default_rng(1)
    for item_id, ext in IMAGES.items():
        paths = ItemPaths(store, item_id)
        paths.dir.mkdir(parents=True, exist_ok=True)
        pixels = np.kron(rng.integers(0, 256, (6, 8, 3), np.uint8), np.ones((16, 16, 1), np.uint8))
        Image.fromarray(pixels).save(paths.final(ext))
        items.append(SourceItem(item_id, item_id, "cc3m", "image", f"http://x/{item_id}", caption=item_id))
        entries.append(LedgerEntry(item_id, "ok", path=paths.relative(paths.final(ext)), media="image"))
    write_sources(items, store / "sources.parquet")
    with Ledger(store) as ledger:
        ledger.put_many(entries)
    clips = _clips()
    return ShardInput(store, write_clips(clips, root / "clips.parquet"), clips)


@pytest.fixture(scope="session")
def shard_input(tmp_path_factory) -> ShardInput:
    return build_store(tmp_path_factory.mktemp("shard-input"))
