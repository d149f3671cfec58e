"""`vtdata run` streaming against staged on the same synthetic corpus served on 127.0.0.1.

It generates a WebVid-like synthetic corpus (`--items` clips of 256x144 px, 3-6 s, x264 CRF 12 so
a clip weighs what a real low-resolution one does, ~100 KB), serves it on
127.0.0.1, and runs one recipe (whole clips, Frozen's 4 frames, 8 per shard... see RECIPE) both
ways, each in a fresh folder, with the same engine workers (`--workers`, default: every CPU):

- staged: sources -> download (all media kept) -> align -> shard, as `vtdata run` with `mode: staged`
  runs them (the commands' library calls);
- streaming: `mode: streaming`, jobs that fetch, align and shard their items and delete the media.

Both produce the same shards (asserted here, byte for byte). A thread samples the bytes on disk
under each run's folder every 5 ms (SQLite's ledger journal left out). Each side runs `--repeat`
times, alternating, and the best time counts. Prints

  RESULT run_streaming vtdata=<streaming s> limit=<staged s> ratio=<staged/streaming>
         peak_disk_mb=<streaming peak> staged_disk_mb=<staged peak>

(one line); the target is ratio >= 0.91 (streaming within 1.1x of staged's wall time).
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path


def du(folder: Path) -> int:
    total = 0
    for dirpath, _, files in os.walk(folder):
        for name in files:
            if name.endswith(("-wal", "-shm")):
                continue
            try:
                total += os.stat(os.path.join(dirpath, name)).st_size
            except FileNotFoundError:
                pass
    return total


class Sampler:
    def __init__(self, folder: Path) -> None:
        self.folder, self.peak = folder, 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, du(self.folder))
            time.sleep(0.005)

    def __enter__(self) -> Sampler:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()


def recipe(native, root: Path, mode: str, workers: int):
    from vtdata.run.recipe import recipe_from_dict

    return recipe_from_dict(
        {
            "corpus": "webvid",
            "mode": mode,
            "metadata": {"paths": [str(native.webvid_csv), str(native.webvid_val_csv)]},
            "align": {"builder": "whole"},
            "shard": {
                "pipeline": "webvid-frozen",
                "set": {"shards.samples_per_shard": 8, "resize.short_side": 64},
            },
            "outputs": {"root": str(root)},
            "engine": {"workers": workers},
        }
    )


def once(native, root: Path, mode: str, workers: int) -> tuple[float, int, int]:
    from vtdata.run.stages import run_staged
    from vtdata.run.streaming import run_streaming

    shutil.rmtree(root, ignore_errors=True)
    r = recipe(native, root, mode, workers)
    started = time.perf_counter()
    with Sampler(root) as disk, Sampler(r.shards / "_stream" / "work") as work:
        run_staged(r) if mode == "staged" else run_streaming(r)
    return time.perf_counter() - started, disk.peak, work.peak


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=200, help="WebVid-like clips in the corpus")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="engine workers (both modes)"
    )
    parser.add_argument("--repeat", type=int, default=2, help="runs per mode (best is kept)")
    parser.add_argument("--quick", action="store_true", help="60 items, one run each")
    args = parser.parse_args()
    if args.quick:
        args.items, args.repeat = 60, 1

    from vtdata.synthetic import SyntheticServer, SyntheticSpec, generate

    tmp = Path(tempfile.mkdtemp(prefix="vtdata-bench-run-"))
    try:
        spec = SyntheticSpec(
            seed=0, webvid=args.items, howto=1, cc3m=1, width=256, height=144, clip_duration=(3.0, 6.0)
        )
        corpus = generate(tmp / "corpus", spec)
        best = {"staged": (float("inf"), 0, 0), "streaming": (float("inf"), 0, 0)}
        with SyntheticServer(corpus.root) as server:
            native = corpus.write_native(server.url, tmp / "native")
            for _ in range(args.repeat):
                for mode in ("staged", "streaming"):
                    seconds, peak, media = once(native, tmp / mode, mode, args.workers)
                    print(f"{mode:9s} {seconds:6.2f} s  peak {peak / 1e6:7.2f} MB", flush=True)
                    best[mode] = min(best[mode], (seconds, peak, media))
        a, b = tmp / "staged/shards", tmp / "streaming/shards"
        names = sorted(p.name for p in a.glob("*.tar"))
        same = names == sorted(p.name for p in b.glob("*.tar")) and all(
            filecmp.cmp(a / n, b / n, shallow=False) for n in [*names, "index.parquet", "stats.json"]
        )
        from vtdata.download.ledger import Ledger

        with Ledger(tmp / "staged/download", readonly=True) as ledger:
            largest = max(e.bytes for e in ledger.entries())
        outputs, store = du(tmp / "streaming"), du(tmp / "staged/download/media")
        staged_s, staged_peak, _ = best["staged"]
        stream_s, stream_peak, in_flight = best["streaming"]
        print(f"shards identical: {same} ({len(names)} tars); streaming outputs {outputs / 1e6:.2f} MB")
        print(
            f"streaming media in flight: peak {in_flight / 1e6:.3f} MB <= {args.workers} jobs x largest item "
            f"{largest / 1e6:.3f} MB; staged media store {store / 1e6:.2f} MB"
        )
        ratio = staged_s / stream_s
        print(
            f"RESULT run_streaming vtdata={stream_s:.2f} limit={staged_s:.2f} ratio={ratio:.2f} "
            f"peak_disk_mb={stream_peak / 1e6:.2f} staged_disk_mb={staged_peak / 1e6:.2f}"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
