"""Wall time of `vtdata shard` against the raw tools doing the same work, on the same videos.

It generates H.264 videos (640x360, 25 fps, 10 s, x264 defaults with B-frames, a keyframe every
2 s, film-like noise so the decoder has real work), cuts each into 3 clips of 3 s, and measures
with the same number of processes (`--workers`, default: every CPU):

- `clip` store at 224 px / 8 fps. vtdata: `shard(...)` with `store: clip` (probe and index of each
  video, one ffmpeg per clip, tar writing, index and stats, worker start-up included). Limit: the
  same ffmpeg command lines (same filter graph: fps, scale, format; same x264 settings) run as bare
  ffmpeg CLI processes, `--workers` at a time, output to files nobody reads.
- `frames` store with 8 sparse frames per clip (uniform) at 224 px. vtdata: `shard(...)` with
  `store: frames` (decode, JPEG, tar, index, worker start-up included). Limit: a bare loop per
  video that decodes just those frames at 224 px and nothing else, with decord (one `get_batch`)
  and with PyAV (seek to the keyframe, decode to the last wanted frame, scale in the RGB
  conversion), in a pool of `--workers` processes started the way vtdata starts its own (spawn,
  inside the timed region: a bare script pays its start-up too); the faster of the two is the
  limit. The bare decord loop in an already-started pool is printed beside it for reference.

Each side runs `--repeat` times (alternating) and the best time counts. Ends with one RESULT line
per store: ratio = vtdata throughput / limit throughput (targets: clip >= 0.8, i.e. at most 1.25x
the limit's time; frames >= 0.77, i.e. at most 1.3x).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from vtdata.media.ffmpeg import run_ffmpeg
from vtdata.media.resize import ResizeSpec
from vtdata.media.sampling import SamplingSpec, sample_times

# vtdata's workers are spawned, and a spawned process re-imports the main module: this one
# imports only what the `vtdata` CLI's workers would import anyway (the rest inside functions),
# so vtdata's worker start-up is measured as a user pays it.

WIDTH, HEIGHT, FPS, SECONDS = 640, 360, 25, 10
CLIPS = [(0.5, 3.5), (3.5, 6.5), (6.5, 9.5)]
SIZE, CLIP_FPS, NUM_FRAMES = 224, 8.0, 8


def make_videos(root: Path, n: int, workers: int) -> list[Path]:
    def one(k: int) -> Path:
        path = root / f"video{k:03d}.mp4"
        pattern = f"testsrc2=size={WIDTH}x{HEIGHT}:rate={FPS},hue=H={k}*0.7,noise=alls=10:allf=t+u"
        run_ffmpeg(
            ["-f", "lavfi", "-i", pattern, "-t", str(SECONDS), "-c:v", "libx264", "-preset", "veryfast"]
            + ["-g", str(2 * FPS), "-pix_fmt", "yuv420p", "-y", str(path)]
        )
        return path

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, range(n)))


def cpu_seconds() -> float:
    """CPU time of this process and every child it has waited for (workers, ffmpeg processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def write_inputs(root: Path, videos: list[Path]) -> tuple[Path, Path]:
    from vtdata.records.clips import Clip, write_clips

    table = root / "media.csv"
    table.write_text("id,path\n" + "".join(f"{v.stem},{v}\n" for v in videos))
    clips = [
        Clip(f"{v.stem}_{k}", v.stem, start, end, f"clip {k} of {v.stem}")
        for v in videos
        for k, (start, end) in enumerate(CLIPS)
    ]
    return table, write_clips(clips, root / "clips.parquet")


# --- vtdata ------------------------------------------------------------------------------------


def run_vtdata(store: str, clips: Path, table: Path, out: Path, workers: int) -> tuple[float, float]:
    """(wall, CPU) seconds of one `shard` call (its workers are reaped inside it: their CPU counts)."""
    from vtdata.engine.local import LocalEngine
    from vtdata.shard.config import load_pipeline
    from vtdata.shard.media import refs_from_table
    from vtdata.shard.run import shard

    overrides = {
        "store": store,
        "resize.short_side": SIZE,
        "clip.fps": CLIP_FPS,
        "sampling.mode": "uniform",
        "sampling.num_frames": NUM_FRAMES,
        "shards.samples_per_shard": len(CLIPS) * 2,
    }
    config = load_pipeline(None, overrides)
    shutil.rmtree(out, ignore_errors=True)
    cpu, started = cpu_seconds(), time.perf_counter()
    summary = shard(clips, out, config, refs_from_table(table), engine=LocalEngine(workers, threads=1))
    seconds = time.perf_counter() - started
    if summary.total["failed"] or summary.total["samples"] != summary.total["clips"]:
        raise RuntimeError(f"vtdata failed clips: {summary.stats['failures'][:3]}")
    return seconds, cpu_seconds() - cpu


# --- limit: clip store -------------------------------------------------------------------------


def run_ffmpeg_limit(videos: list[Path], out: Path, workers: int) -> tuple[float, float]:
    """The same ffmpeg command lines vtdata runs, as bare processes, `workers` at a time."""
    from vtdata.media.encode import encode_args
    from vtdata.media.probe import probe

    infos = {v: probe(v) for v in videos}  # the limit gets the probe for free
    out.mkdir(parents=True, exist_ok=True)
    jobs = [
        encode_args(
            v,
            out / f"{v.stem}_{k}.mp4",
            start,
            end,
            info=infos[v],
            size=ResizeSpec(SIZE),
            fps=CLIP_FPS,
            threads=1,
        )
        for v in videos
        for k, (start, end) in enumerate(CLIPS)
    ]
    cpu, started = cpu_seconds(), time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(run_ffmpeg, jobs))
    return time.perf_counter() - started, cpu_seconds() - cpu


# --- limit: frames store -----------------------------------------------------------------------


def wanted_frames(path: Path) -> list[int]:
    """The frames vtdata's uniform sampling picks for every clip of the video (frame indices)."""
    times = np.arange(round(SECONDS * FPS)) / FPS
    spec = SamplingSpec("uniform", NUM_FRAMES)
    return [int(i) for start, end in CLIPS for i in sample_times(spec, start, end, times)]


def decode_decord(path: str) -> float:
    """Decode the wanted frames; returns the CPU seconds it took (the pool's workers stay alive)."""
    import decord

    cpu = time.process_time()
    width, height = ResizeSpec(SIZE).plan(WIDTH, HEIGHT).out_size
    reader = decord.VideoReader(path, ctx=decord.cpu(0), width=width, height=height, num_threads=1)
    reader.get_batch(wanted_frames(Path(path))).asnumpy()
    return time.process_time() - cpu


def decode_pyav(path: str) -> float:
    import av

    cpu = time.process_time()
    plan = ResizeSpec(SIZE).plan(WIDTH, HEIGHT)
    with av.open(path) as container:
        stream = container.streams.video[0]
        stream.codec_context.thread_count = 1
        wanted = wanted_frames(Path(path))
        for clip in range(len(CLIPS)):
            mine = wanted[clip * NUM_FRAMES : (clip + 1) * NUM_FRAMES]
            first = mine[0] / FPS
            container.seek(int(first / stream.time_base), stream=stream, backward=True)
            targets = set(mine)
            for frame in container.decode(stream):
                index = round(float(frame.pts * stream.time_base) * FPS)
                if index in targets:
                    frame.to_ndarray(
                        format="rgb24", width=plan.scale_w, height=plan.scale_h, interpolation="BICUBIC"
                    )
                    targets.discard(index)
                if index >= mine[-1]:
                    break
    return time.process_time() - cpu


def run_decode_limit(decode, videos: list[Path], workers: int) -> tuple[float, float]:
    """(wall, CPU) seconds of a fresh spawned pool running `decode` on every video, start-up included."""
    cpu, started = cpu_seconds(), time.perf_counter()
    pool = multiprocessing.get_context("spawn").Pool(workers)
    pool.map(decode, [str(v) for v in videos], chunksize=1)
    pool.close()
    pool.join()  # reaped: the workers' CPU time counts
    return time.perf_counter() - started, cpu_seconds() - cpu


def run_warm_limit(pool, decode, videos: list[Path]) -> tuple[float, float]:
    """(wall, CPU) seconds of `decode` on every video in an already-started pool (for reference)."""
    started = time.perf_counter()
    cpu = sum(pool.map(decode, [str(v) for v in videos], chunksize=1))
    return time.perf_counter() - started, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="8 videos, one run per side (< 1 min)")
    parser.add_argument("--videos", type=int, default=None, help="number of videos [8 quick, 32 full]")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes [all CPUs]")
    parser.add_argument("--repeat", type=int, default=None, help="runs per side, best counts [1 quick, 3]")
    parser.add_argument("--keep", type=Path, default=None, help="keep the generated videos and shards here")
    args = parser.parse_args()
    n = args.videos or (8 if args.quick else 32)
    repeat = args.repeat or (1 if args.quick else 3)
    workers = args.workers
    root = Path(tempfile.mkdtemp(prefix="vtdata-bench-shard-")) if args.keep is None else args.keep
    root.mkdir(parents=True, exist_ok=True)
    try:
        started = time.perf_counter()
        videos = make_videos(root, n, workers)
        table, clips = write_inputs(root, videos)
        count = n * len(CLIPS)
        print(
            f"{n} videos {WIDTH}x{HEIGHT} {FPS} fps {SECONDS} s, {count} clips of 3 s, {workers} workers "
            f"(made in {time.perf_counter() - started:.1f} s)"
        )

        def best(runs: list[tuple[float, float]]) -> tuple[float, float]:
            return min(r[0] for r in runs), min(r[1] for r in runs)

        vt, limit = [], []
        for _ in range(repeat):
            limit.append(run_ffmpeg_limit(videos, root / "limit-clip", workers))
            vt.append(run_vtdata("clip", clips, table, root / "shards-clip", workers))
        (vt_wall, vt_cpu), (lim_wall, lim_cpu) = best(vt), best(limit)
        clip_result = (count / vt_wall, count / lim_wall)
        print(
            f"clip store 224 px / 8 fps: vtdata {vt_wall:.2f} s ({vt_cpu:.2f} s CPU), ffmpeg CLI "
            f"{lim_wall:.2f} s ({lim_cpu:.2f} s CPU) -> {vt_wall / lim_wall:.2f}x the limit's wall time, "
            f"{vt_cpu / lim_cpu:.2f}x its CPU time"
        )

        vt, warm, by_decoder = [], [], {"decord": [], "PyAV": []}
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            pool.map(decode_decord, [str(videos[0])] * workers)  # imports done, caches hot
            for _ in range(repeat):
                by_decoder["decord"].append(run_decode_limit(decode_decord, videos, workers))
                by_decoder["PyAV"].append(run_decode_limit(decode_pyav, videos, workers))
                warm.append(run_warm_limit(pool, decode_decord, videos))
                vt.append(run_vtdata("frames", clips, table, root / "shards-frames", workers))
        limits = {name: best(runs) for name, runs in by_decoder.items()}
        fastest = min(limits, key=lambda name: limits[name][0])
        (vt_wall, vt_cpu), (lim_wall, lim_cpu), (warm_wall, warm_cpu) = best(vt), limits[fastest], best(warm)
        frames_result = (count / vt_wall, count / lim_wall)
        bare = ", ".join(f"bare {name} {w:.2f} s ({c:.2f} s CPU)" for name, (w, c) in limits.items())
        print(
            f"frames store, {NUM_FRAMES} frames/clip at 224 px: vtdata {vt_wall:.2f} s ({vt_cpu:.2f} s CPU), "
            f"{bare} -> {vt_wall / lim_wall:.2f}x the faster ({fastest}) wall time, "
            f"{vt_cpu / lim_cpu:.2f}x its CPU time; bare decord in an already-started pool "
            f"{warm_wall:.2f} s ({warm_cpu:.2f} s CPU) -> {vt_wall / warm_wall:.2f}x"
        )
        for name, (ours, theirs) in (("shard_clip", clip_result), ("shard_frames", frames_result)):
            print(
                f"RESULT {name} vtdata={ours:.2f}clips/s limit={theirs:.2f}clips/s ratio={ours / theirs:.2f}"
            )
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
