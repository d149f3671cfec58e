"""Clips/s of the vtdata loader against a bare decode loop over the same shards.

For each store it writes shards (to the shard contract, with the shard stage's defaults: short
side 224, JPEG quality 90; clip store 8 fps, GOP 1 s, no B-frames, crf 23, veryfast) of
textured 16:9 clips of 4 s: 16 stored 398x224 JPEGs per clip, or a 32-frame 398x224 H.264 mp4.
Then it measures, with the same number of processes:

- vtdata: `make_loader(VideoTextDataset(..., num_frames=8, size=224, train=True))`, batches of
  uint8 [B, 8, 3, 224, 224] (tar reading, shuffle, rand sampling, decode, random resized crop,
  collate, transfer to the main process);
- limit: a bare loop per process over its share of the tars (Python `tarfile`) that decodes
  exactly the same number of frames per clip and does nothing else: with PIL for JPEG (the
  limit the loader issue names) and decord from the in-memory mp4 with one thread.
- strict limit (frames store): the same bare loop decoding with simplejpeg, the loader's own
  JPEG decoder (1.9x PIL per frame), so the ratio shows the loader's own overhead alone.

Both are timed after a warm-up pass (page cache warm, workers started), in interleaved rounds,
best of each. Every rate is printed twice: by the wall clock, and per CPU-second of all the
processes involved (main and workers) times the number of processes, which is what the work
costs however busy a shared machine is; RESULT uses the latter (`--timing wall` for the
former). RESULT loader_frames uses the PIL limit, RESULT loader_frames_strict the simplejpeg
one. Without `--quick` it also times the loader without the crop (`size=None`), to show
what the crop costs. Ends with one RESULT line per store. With a CUDA GPU it also prints
end-to-end clips/s into the GPU through `CUDAPrefetcher` (pinned uint8 copy + normalisation on
the device, fp16).
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import shutil
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from vtdata.loader import CUDAPrefetcher, VideoTextDataset, make_loader
from vtdata.media.ffmpeg import run_ffmpeg
from vtdata.media.jpeg import decode_jpeg
from vtdata.media.samples import decode_image_pil, frame_members
from vtdata.media.sampling import SamplingSpec, sample_times
from vtdata.shard.config import ClipConfig, FramesConfig, ResizeConfig
from vtdata.shard.tarwriter import ShardWriter

SHORT = ResizeConfig().short_side
HEIGHT, WIDTH = SHORT, round(SHORT * 16 / 9 / 2) * 2
FPS, SECONDS = int(ClipConfig().fps), 4
STORED, NUM_FRAMES = 16, 8


def textured(t: float, k: int, rng: np.random.Generator) -> np.ndarray:
    """A frame with camera-like texture (smooth structure plus sensor noise), so JPEG and H.264 work."""
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    base = np.stack(
        [
            128 + 60 * np.sin(x / 17 + t * 0.3 + k) + 30 * np.cos(y / 11 - t * 0.2),
            128 + 50 * np.sin((x + y) / 23 + k * 2) + 40 * np.cos(x / 7 - t * 0.1 + k),
            128 + 70 * np.cos(y / 29 + t * 0.25 + k),
        ],
        -1,
    )
    base += rng.normal(0, 5, base.shape)
    return np.clip(base, 0, 255).astype(np.uint8)


def _jpeg(pixels: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=FramesConfig().jpeg_quality)
    return out.getvalue()


def _mp4(k: int, rng: np.random.Generator, workdir: Path) -> bytes:
    raw = np.stack([textured(i / FPS * 6, k, rng) for i in range(FPS * SECONDS)])
    path = workdir / f"bench{k}.mp4"
    run_ffmpeg(
        ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{WIDTH}x{HEIGHT}", "-r", str(FPS), "-i", "pipe:0"]
        + [
            "-c:v",
            "libx264",
            "-preset",
            ClipConfig().preset,
            "-crf",
            str(ClipConfig().crf),
            "-pix_fmt",
            "yuv420p",
        ]
        + ["-bf", "0", "-g", str(FPS), "-movflags", "+faststart", "-y", str(path)],
        input=raw.tobytes(),
    )
    data = path.read_bytes()
    path.unlink()
    return data


def write_shards(out: Path, store: str, clips: int, per_shard: int) -> dict:
    """Shards following the shard contract; a pool of distinct frames/clips is reused to save time."""
    rng = np.random.default_rng(0)
    out.mkdir(parents=True)
    if store == "frames":
        pool = [_jpeg(textured(i * 0.7, i % 7, rng)) for i in range(64)]
    else:
        pool = [_mp4(k, rng, out) for k in range(6)]
    n_frames = STORED if store == "frames" else FPS * SECONDS
    for s in range(0, clips, per_shard):
        sink = ShardWriter(out, f"train-{s // per_shard:06d}")  # the shard stage's own tar writer
        for c in range(s, min(clips, s + per_shard)):
            meta = {
                "schema_version": 1,
                "clip_id": f"bench{c:05d}_0",
                "id": f"bench{c:05d}",
                "media": "video",
                "store": store,
                "start": 0.0,
                "end": float(SECONDS),
                "num_frames": n_frames,
                "frame_times": [i * SECONDS / n_frames for i in range(n_frames)],
                "fps": float(FPS) if store == "clip" else None,
                "height": HEIGHT,
                "width": WIDTH,
                "texts": [f"clip {c}"],
            }
            sample = {
                "json": json.dumps(meta).encode(),
                "txt": f"clip {c}".encode(),
            }
            if store == "frames":
                for i in range(STORED):
                    sample[f"{i:03d}.jpg"] = pool[(c * 5 + i) % len(pool)]
            else:
                sample["mp4"] = pool[c % len(pool)]
            sink.write(meta["clip_id"], sample)
        sink.commit()
    mean_bytes = float(np.mean([len(p) for p in pool]))
    return {"member_kb": mean_bytes / 1024}


def _bare_samples(path: str):
    """Samples of one tar as {member suffix: bytes}, with nothing but the standard library."""
    sample, key = {}, None
    with tarfile.open(path) as tar:
        for member in tar:
            name = member.name
            k, suffix = name.split(".", 1)
            if k != key and sample:
                yield sample
                sample = {}
            key = k
            sample[suffix] = tar.extractfile(member).read()
    if sample:
        yield sample


def _bare_worker(job: tuple[list[str], str]) -> int:
    import decord

    paths, jpeg = job
    decode = decode_image_pil if jpeg == "pil" else decode_jpeg

    rng = np.random.default_rng(0)
    spec = SamplingSpec(mode="rand", num_frames=NUM_FRAMES)  # the loader's rule, so the same frames
    count = 0
    for path in paths:
        for sample in _bare_samples(path):
            if "mp4" in sample:
                reader = decord.VideoReader(io.BytesIO(sample["mp4"]), num_threads=1)
                idx = sample_times(spec, 0.0, None, np.arange(len(reader), dtype=np.float64), rng)
                reader.get_batch([int(i) for i in idx]).asnumpy()
            else:
                names = frame_members(sample)
                for i in sample_times(spec, 0.0, None, np.arange(len(names), dtype=np.float64), rng):
                    decode(sample[names[i]])
            count += 1
    return count


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) used so far by this process and the processes `pids`."""
    tick = os.sysconf("SC_CLK_TCK")
    total = time.process_time()
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


class Rate:
    """Clips/s of one pass: by the wall clock, and per CPU-second scaled to `processes` cores.

    The second is what the work costs, whatever else runs on the machine; the first is what a
    user would see on an idle machine only when the box is not shared.
    """

    def __init__(self, processes: int, pids: list[int]) -> None:
        self.processes, self.pids = processes, pids

    def __enter__(self) -> Rate:
        self.wall, self.cpu = time.perf_counter(), cpu_seconds(self.pids)
        return self

    def stop(self, clips: int) -> tuple[float, float]:
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        wall = time.perf_counter() - self.wall
        cpu = cpu_seconds(self.pids) - self.cpu
        return clips / wall, clips * self.processes / cpu

    def __exit__(self, *exc) -> None:
        return None


class Limit:
    """The bare loop in `processes` forked workers, each over its share of the tars."""

    def __init__(self, shards: list[str], processes: int, jpeg: str = "pil") -> None:
        self.processes = processes
        self.parts = [(shards[i::processes], jpeg) for i in range(processes)]
        self.pool = multiprocessing.get_context("fork").Pool(processes)
        # start the workers and load the decoders
        self.pool.map(_bare_worker, [(p[:1], jpeg) for p, _ in self.parts if p])

    def run(self) -> tuple[float, float]:
        with Rate(self.processes, [p.pid for p in self.pool._pool]) as rate:
            return rate.stop(sum(self.pool.map(_bare_worker, self.parts)))

    def close(self) -> None:
        self.pool.close()
        self.pool.join()


def loader_for(shards: list[str], processes: int, batch_size: int, size: int | None = 224, pin: bool = False):
    dataset = VideoTextDataset(shards, num_frames=NUM_FRAMES, size=size, train=True, sampling="rand")
    loader = make_loader(dataset, batch_size=batch_size, num_workers=processes, pin_memory=pin)
    for _ in loader:  # warm-up epoch: starts the persistent workers
        pass
    return loader


def epoch_rate(loader, batches=None) -> tuple[float, float, tuple]:
    """(wall clips/s, CPU-normalised clips/s, (shape, dtype) of a video batch) over one epoch."""
    pids = [w.pid for w in loader._iterator._workers] if loader._iterator is not None else []
    count, shape = 0, None
    with Rate(loader.num_workers, pids) as rate:
        for batch in batches if batches is not None else loader:
            count += batch["video"].shape[0]
            shape = (tuple(batch["video"].shape), batch["video"].dtype)
        return (*rate.stop(count), shape)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer clips: finishes in under a minute")
    parser.add_argument("--store", choices=["frames", "clip", "both"], default="both", help="which store(s)")
    parser.add_argument(
        "--workers", type=int, default=min(4, os.cpu_count() or 1), help="processes for both sides"
    )
    parser.add_argument("--batch-size", type=int, default=16, help="clips per batch")
    parser.add_argument(
        "--rounds", type=int, default=None, help="interleaved timing rounds (default 3, quick 2)"
    )
    parser.add_argument(
        "--timing",
        choices=["cpu", "wall"],
        default="cpu",
        help="RESULT from CPU-normalised rates (default; robust on a shared box) or from wall-clock rates",
    )
    parser.add_argument(
        "--clips", type=int, default=None, help="clips per store (default 640 frames / 192 clip)"
    )
    args = parser.parse_args()
    args.rounds = args.rounds or (2 if args.quick else 3)
    stores = ["frames", "clip"] if args.store == "both" else [args.store]
    gpu = torch.cuda.is_available()
    print(
        f"processes={args.workers} batch={args.batch_size} cpus={os.cpu_count()} "
        f"gpu={'yes: ' + torch.cuda.get_device_name() if gpu else 'none'}"
    )
    results = []
    root = Path(tempfile.mkdtemp(prefix="vtdata-bench-loader-"))
    try:
        for store in stores:
            clips = args.clips or {"frames": 640, "clip": 192}[store] // (4 if args.quick else 1)
            per_shard = 16
            info = write_shards(root / store, store, clips, per_shard)
            shards = sorted(str(p) for p in (root / store).glob("*.tar"))
            limit_loops = {"limit": Limit(shards, args.workers, "pil")}
            if store == "frames":
                limit_loops["strict limit"] = Limit(shards, args.workers, "simplejpeg")
            loader = loader_for(shards, args.workers, args.batch_size)
            unresized = None if args.quick else loader_for(shards, args.workers, args.batch_size, size=None)
            timings: dict[str, list] = {name: [] for name in limit_loops}
            timings["vtdata"] = []
            if unresized is not None:
                timings["vtdata size=None"] = []
            for _ in range(args.rounds):  # interleaved, best of each: the box may be shared
                for name, loop in limit_loops.items():
                    timings[name].append(loop.run())
                wall, cpu, shape = epoch_rate(loader)
                timings["vtdata"].append((wall, cpu))
                if unresized is not None:
                    timings["vtdata size=None"].append(epoch_rate(unresized)[:2])
            for loop in limit_loops.values():
                loop.close()
            column = 0 if args.timing == "wall" else 1
            best = {name: max(x[column] for x in values) for name, values in timings.items()}
            print(
                f"{store}: {clips} clips in {len(shards)} shards, mean member {info['member_kb']:.1f} KiB, "
                f"batches {shape[0]} {shape[1]}"
            )
            for name, values in timings.items():
                walls = ", ".join(f"{w:.1f}" for w, _ in values)
                cpus = ", ".join(f"{c:.1f}" for _, c in values)
                print(f"  {name:17s} clips/s wall [{walls}]  per-CPU-second x{args.workers} [{cpus}]")
            if gpu:
                pinned = loader_for(shards, args.workers, args.batch_size, pin=True)
                cuda = CUDAPrefetcher(pinned, "cuda", dtype=torch.float16)
                epoch_rate(pinned, cuda)
                rate = epoch_rate(pinned, cuda)[0]
                print(f"  end-to-end into CUDA (CUDAPrefetcher, fp16): {rate:.1f} clips/s wall")
            for suffix, limit_name in (("", "limit"), ("_strict", "strict limit")):
                if limit_name in best:
                    vtdata, limit = best["vtdata"], best[limit_name]
                    results.append(
                        f"RESULT loader_{store}{suffix} vtdata={vtdata:.1f}clips/s limit={limit:.1f}clips/s "
                        f"ratio={vtdata / limit:.3f}"
                    )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    for line in results:
        print(line)


if __name__ == "__main__":
    main()
