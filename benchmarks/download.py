"""Items/s of `vtdata download` from a local server against the server's own raw serving rate.

It generates a small synthetic corpus (WebVid-like mp4 clips and CC3M-like images), serves it
with `vtdata.synthetic.SyntheticServer` on 127.0.0.1 (in a separate process, like a real host)
and builds N items whose URLs cycle over
its files (a `?n=<k>` query makes each URL distinct). Over the same N URLs, with the same
number of concurrent workers, best of `--repeat` runs each:

- vtdata: `vtdata.download.download` into a fresh store: planning, per-host scheduling,
  streaming to `.part` files, content sniffing, verification (PyAV: first frame decoded, every
  packet demuxed; PIL: full image decode), the atomic rename and one ledger commit per item;
- limit: a bare curl-like loop: `urllib.request.urlopen(url).read()` written to a file, in a
  thread pool of the same size, nothing else.

On localhost both are bound by the CPU (Python HTTP on both ends, 2 cores here), so the ratio
is what vtdata's bookkeeping and checks cost relative to fetching alone; against real hosts the
network dominates both. Every vtdata item must end ok, so a fast wrong run cannot pass.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import shutil
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from vtdata.download import DownloadConfig, download
from vtdata.records.sources import SourceItem
from vtdata.synthetic import SyntheticServer, SyntheticSpec, generate


def serve(root: str, urls: mp.Queue, stop: mp.Event) -> None:
    """The server runs in its own process, like a real host: it does not share our GIL."""
    with SyntheticServer(root) as server:
        urls.put(server.url)
        stop.wait()


def build_items(corpus, base_url: str, n: int) -> list[SourceItem]:
    files = [(i.file, i.media) for i in corpus.of("webvid") + corpus.of("cc3m")]
    items = []
    for k in range(n):
        name, media = files[k % len(files)]
        url = f"{base_url}/media/{name}?n={k}"
        items.append(SourceItem(id=f"item{k:06d}", source_id=str(k), dataset="custom", media=media, url=url))
    return items


def raw_loop(urls: list[str], workers: int, out: Path) -> float:
    """The limit: fetch every URL to a file with a bare urllib loop; returns seconds."""
    out.mkdir(parents=True, exist_ok=True)

    def fetch(k_url: tuple[int, str]) -> int:
        k, url = k_url
        with urllib.request.urlopen(url, timeout=30) as response:
            data = response.read()
        (out / f"{k}.bin").write_bytes(data)
        return len(data)

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        total = sum(pool.map(fetch, enumerate(urls)))
    seconds = time.perf_counter() - started
    assert total > 0
    return seconds


def vtdata_run(items: list[SourceItem], workers: int, store: Path) -> tuple[float, int]:
    config = DownloadConfig(workers=workers, per_host=workers, timeout=30.0)
    started = time.perf_counter()
    summary = download(items, store, config)
    seconds = time.perf_counter() - started
    if summary.ok != len(items):
        raise SystemExit(f"vtdata run incomplete: {summary.ok} of {len(items)} ok, failed {summary.failed}")
    return seconds, summary.bytes


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=2000, help="number of items (URLs) per run")
    parser.add_argument(
        "--workers",
        type=int,
        default=4,
        help="concurrent downloads, for both loops (4 = vtdata's default per-host limit)",
    )
    parser.add_argument("--repeat", type=int, default=2, help="runs per measurement (best is kept)")
    parser.add_argument("--quick", action="store_true", help="300 items, one run each (< 1 min)")
    args = parser.parse_args()
    if args.quick:
        args.items, args.repeat = 300, 1

    with tempfile.TemporaryDirectory(prefix="vtdata-bench-download-") as tmp:
        root = Path(tmp)
        corpus = generate(root / "corpus", SyntheticSpec(seed=0, webvid=24, howto=0, cc3m=12))
        ctx = mp.get_context("spawn")
        url_queue, stop = ctx.Queue(), ctx.Event()
        server = ctx.Process(target=serve, args=(str(corpus.root), url_queue, stop), daemon=True)
        server.start()
        try:
            items = build_items(corpus, url_queue.get(timeout=60), args.items)
            urls = [i.url for i in items]
            raw_times, vt_times, nbytes = [], [], 0
            for r in range(args.repeat):
                raw_times.append(raw_loop(urls, args.workers, root / f"raw{r}"))
                shutil.rmtree(root / f"raw{r}")
                seconds, nbytes = vtdata_run(items, args.workers, root / f"store{r}")
                vt_times.append(seconds)
                shutil.rmtree(root / f"store{r}")
        finally:
            stop.set()
            server.join(10)
    n = len(items)
    vt, raw = n / min(vt_times), n / min(raw_times)
    print(f"items: {n} ({nbytes / n / 1024:.1f} KiB each on average), workers: {args.workers}")
    print(f"raw urllib loop: {' '.join(f'{t:.2f}s' for t in raw_times)} -> {raw:.1f} items/s")
    print(f"vtdata download: {' '.join(f'{t:.2f}s' for t in vt_times)} -> {vt:.1f} items/s")
    print(f"RESULT download vtdata={vt:.1f}items/s limit={raw:.1f}items/s ratio={vt / raw:.2f}")


if __name__ == "__main__":
    main()
