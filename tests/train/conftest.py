"""Tiny shard sets of moving shapes for the trainer tests, written to the shard contract (BRIEF "Shards").

Each clip is a coloured square or disc gliding across a dark frame; its caption says colour,
shape and direction ("a red disc moves left"), like the synthetic corpus at a fraction of
the cost. Frames are stored as JPEGs (frames store), with index.parquet beside the tars.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import webdataset as wds
from PIL import Image, ImageDraw

SIZE, FRAMES, FPS = 32, 8, 8
COLOURS = {"red": (230, 40, 40), "green": (40, 200, 60), "blue": (50, 80, 240), "yellow": (240, 220, 40)}
SHAPES = ("square", "disc")
DIRECTIONS = {"left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1)}


def _frames(colour: str, shape: str, direction: str, rng: np.random.Generator) -> list[bytes]:
    dx, dy = DIRECTIONS[direction]
    radius = 5
    travel = SIZE - 2 * radius - 4
    start = rng.uniform(radius + 2, SIZE - radius - 2, size=2)
    if dx:
        start[0] = radius + 2 if dx > 0 else SIZE - radius - 2
    if dy:
        start[1] = radius + 2 if dy > 0 else SIZE - radius - 2
    background = tuple(int(v) for v in rng.integers(0, 40, size=3))
    out = []
    for k in range(FRAMES):
        x = start[0] + dx * travel * k / (FRAMES - 1)
        y = start[1] + dy * travel * k / (FRAMES - 1)
        image = Image.new("RGB", (SIZE, SIZE), background)
        draw = ImageDraw.Draw(image)
        box = (x - radius, y - radius, x + radius, y + radius)
        (draw.rectangle if shape == "square" else draw.ellipse)(box, fill=COLOURS[colour])
        buf = io.BytesIO()
        image.save(buf, "JPEG", quality=90)
        out.append(buf.getvalue())
    return out


def write_toy_shards(out: Path, split: str, shards: int, per_shard: int, seed: int) -> Path:
    """`<split>-NNNNNN.tar` shards plus an index.parquet covering every split written to `out`."""
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    rows = []
    kinds = [(c, s, d) for c in COLOURS for s in SHAPES for d in DIRECTIONS]
    for s in range(shards):
        name = f"{split}-{s:06d}.tar"
        with wds.TarWriter(str(out / name)) as sink:
            for j in range(per_shard):
                n = s * per_shard + j
                colour, shape, direction = kinds[int(rng.integers(len(kinds)))]
                caption = f"a {colour} {shape} moves {direction}"
                clip_id = f"{split}{n:04d}_0"
                meta = {
                    "schema_version": 1,
                    "clip_id": clip_id,
                    "id": clip_id[:-2],
                    "dataset": "webvid",
                    "media": "video",
                    "split": split,
                    "start": 0.0,
                    "end": FRAMES / FPS,
                    "store": "frames",
                    "sampling": {
                        "mode": "all",
                        "num_frames": FRAMES,
                        "fps": None,
                        "seed": 0,
                        "protocol": "all",
                    },
                    "frame_times": [k / FPS for k in range(FRAMES)],
                    "num_frames": FRAMES,
                    "height": SIZE,
                    "width": SIZE,
                    "fps": None,
                    "texts": [caption],
                    "context": "",
                    "source": {"width": SIZE, "height": SIZE, "fps": FPS, "duration": FRAMES / FPS},
                }
                sample = {"__key__": clip_id, "json": json.dumps(meta).encode(), "txt": caption.encode()}
                for k, jpeg in enumerate(_frames(colour, shape, direction, rng)):
                    sample[f"{k:03d}.jpg"] = jpeg
                sink.write(sample)
                rows.append(
                    {
                        "clip_id": clip_id,
                        "id": clip_id[:-2],
                        "shard": name,
                        "split": split,
                        "store": "frames",
                        "media": "video",
                        "num_frames": FRAMES,
                        "bytes": 0,
                    }
                )
    index = out / "index.parquet"
    if index.exists():
        rows = pq.read_table(index).to_pylist() + rows
    pq.write_table(pa.Table.from_pylist(rows), index)
    return out


@pytest.fixture(scope="session")
def toy_shards(tmp_path_factory) -> Path:
    """A shard directory: split "train" (4 shards x 48 clips), split "val" (2 x 24 clips)."""
    out = tmp_path_factory.mktemp("toy_shards")
    write_toy_shards(out, "train", 4, 48, seed=1)
    write_toy_shards(out, "val", 2, 24, seed=2)
    return out
