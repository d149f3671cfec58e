"""Bookkeeping at corpus size: peak memory and rows/s of each stage on generated metadata.

No media is involved: what is under test is what grows with the corpus (tables, plans, ledgers).
Every measurement runs in a child process, so its peak RSS (`ru_maxrss` from `wait4`) is that
stage's alone, Python and Arrow included. Printed, in the repo's convention:

- `RESULT sources_rows vtdata=<rows/s> limit=<rows/s> ratio=... peak_mb=...`: `vtdata sources
  webvid` on a WebVid-style results CSV of `--csv-rows` rows, against pyarrow's own streaming
  read of the same file (all columns, default options): the bare cost of reading it.
- `RESULT plan_rss clips=<N> peak_mb=<MB> seconds=...`: planning the shards (`plan_shards`, the
  quickstart WebVid pipeline) of N clips of 100 clips per video, media from an id -> path table.
- `RESULT align_parallel vtdata=<cues/s, 2 workers> limit=<2 x one worker> ratio=...`: `align`
  of a HowTo100M-style source table (narration segments); the two outputs are compared byte for
  byte, so a fast wrong answer fails.
- `RESULT ledger_resume items=<N> seconds=<s> peak_mb=...`: `download` of a store whose ledger
  already holds every item as ok: the whole resume plan over N rows, nothing left to fetch.

`--quick` runs small sizes (well under a minute); the defaults are the issue's sizes (10M CSV
rows, 1M and 10M clips, 1M ledger rows: tens of minutes, a few GB of disk under `--work`).
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

CLIPS_PER_VIDEO = 100


CPU: dict[str, float] = {}  # CPU seconds (user + system) of the last child, by its code


def child(code: str, *args: str) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MB, stdout) of `python -c code args...` in a fresh process; its
    CPU seconds go into `CPU[code]` (a figure that a busy machine disturbs less than wall time)."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    CPU[code] = usage.ru_utime + usage.ru_stime
    out = proc.stdout.read() if proc.stdout else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"child failed ({proc.returncode}): {code[:80]}...")
    return wall, usage.ru_maxrss / 1024, out


# --- sources -------------------------------------------------------------------------------


def write_webvid_csv(path: Path, rows: int) -> None:
    """A results_10M_train.csv look-alike, written a million rows at a time."""
    rng = np.random.default_rng(0)
    words = np.array("a man woman cat dog walks runs on the beach slow motion aerial city night".split())
    with pacsv.CSVWriter(path, _csv_schema()) as writer:
        for start in range(0, rows, 1_000_000):
            n = min(1_000_000, rows - start)
            vid = pc.cast(pa.array(np.arange(start, start + n) + 10**9), pa.string())
            caption = [" ".join(words[rng.integers(0, len(words), 8)]) for _ in range(min(n, 1000))]
            name = pa.array((caption * (n // len(caption) + 1))[:n])
            seconds = rng.integers(5, 60, n)
            duration = pa.array([f"PT00H00M{s:02d}S" for s in seconds[:1000]] * (n // 1000 + 1))[:n]
            url = pc.binary_join_element_wise(
                "https://ak.picdn.net/shutterstock/videos/", vid, "/preview.mp4", ""
            )
            page = pc.cast(pa.array(np.arange(start, start + n) // 50), pa.string())
            writer.write_table(
                pa.table(
                    [vid, name, page, pa.array(["dir_" + str(k % 7) for k in range(n)]), duration, url],
                    schema=_csv_schema(),
                )
            )


def _csv_schema() -> pa.Schema:
    names = ["videoid", "name", "page_idx", "page_dir", "duration", "contentUrl"]
    return pa.schema([(n, pa.string()) for n in names])


SOURCES_CHILD = """
import sys
from vtdata.sources.webvid import prepare_webvid
r = prepare_webvid(sys.argv[1], sys.argv[2])
print(r.num_items)
"""

ARROW_CHILD = """
import sys, pyarrow as pa, pyarrow.csv as pacsv
n = 0
for batch in pacsv.open_csv(sys.argv[1]):
    n += batch.num_rows
print(n)
"""


def bench_sources(work: Path, rows: int) -> None:
    csv = work / "results_10M_train.csv"
    marker = csv.with_suffix(".rows")  # a rerun with --work reuses the file of the same size
    if not (csv.exists() and marker.exists() and marker.read_text() == str(rows)):
        write_webvid_csv(csv, rows)
        marker.write_text(str(rows))
    limit_s, _, counted = child(ARROW_CHILD, str(csv))
    ours_s, peak, kept = child(SOURCES_CHILD, str(csv), str(work / "sources.parquet"))
    assert int(counted) == rows and int(kept) == rows, (counted, kept)
    vt, lim = rows / ours_s, rows / limit_s
    cpu_ratio = CPU[ARROW_CHILD] / CPU[SOURCES_CHILD]
    print(
        f"RESULT sources_rows vtdata={vt:.0f} limit={lim:.0f} ratio={vt / lim:.3f}",
        f"cpu_ratio={cpu_ratio:.3f} peak_mb={peak:.0f} rows={rows}",
    )


# --- shard plan ----------------------------------------------------------------------------


def write_clips(work: Path, clips: int) -> tuple[Path, Path]:
    """clips.parquet of `clips` clips (100 per video, 5 s each) and media.parquet (id -> path)."""
    from vtdata.records.clips import TABLE as CLIPS

    path, media = work / f"clips_{clips}.parquet", work / f"media_{clips}.parquet"
    if path.exists() and media.exists():
        return path, media
    videos = clips // CLIPS_PER_VIDEO
    schema = CLIPS.schema.with_metadata(CLIPS.metadata())
    tmp = path.with_suffix(".tmp")
    with pq.ParquetWriter(tmp, schema) as writer:
        for first in range(0, videos, 10_000):
            v = np.arange(first, min(videos, first + 10_000))
            vid = np.repeat(v, CLIPS_PER_VIDEO)
            k = np.tile(np.arange(CLIPS_PER_VIDEO), len(v))
            item = pc.cast(pa.array(vid + 10**9), pa.string())
            clip_id = pc.binary_join_element_wise(item, pc.cast(pa.array(k), pa.string()), "_")
            n = len(vid)
            texts = pa.array([["we slice the onion"]] * n, pa.list_(pa.string()))
            writer.write_table(
                pa.table(
                    {
                        "clip_id": clip_id,
                        "id": item,
                        "start": pa.array(k * 5.0),
                        "end": pa.array(k * 5.0 + 5),
                        "text": pa.array(["we slice the onion"] * n),
                        "texts": texts,
                        "context": pa.array([""] * n),
                        "split": pa.array(["train"] * n),
                    },  # fmt: skip
                    schema=schema,
                )
            )
    os.replace(tmp, path)
    item = pc.cast(pa.array(np.arange(videos) + 10**9), pa.string())
    paths = pc.binary_join_element_wise("media/", item, ".mp4", "")
    pq.write_table(pa.table({"id": item, "path": paths}), media)
    return path, media


PLAN_CHILD = """
import sys, tempfile
from vtdata.shard.config import load_pipeline
from vtdata.shard.media import refs_from_table
from vtdata.shard.plan import plan_shards
config = load_pipeline("webvid-frozen")
jobs = plan_shards(sys.argv[1], refs_from_table(sys.argv[2]), config, sys.argv[3])
print(sum(job.num_clips for job in jobs))
"""


def bench_plan(work: Path, clips: int) -> None:
    path, media = write_clips(work, clips)
    out = work / f"plan_{clips}"
    shutil.rmtree(out, ignore_errors=True)
    seconds, peak, planned = child(PLAN_CHILD, str(path), str(media), str(out))
    assert int(planned) == clips, planned
    shutil.rmtree(out, ignore_errors=True)
    print(f"RESULT plan_rss clips={clips} peak_mb={peak:.0f} seconds={seconds:.1f}")


# --- align ---------------------------------------------------------------------------------


def write_narrated(path: Path, videos: int, cues: int) -> None:
    from vtdata.records.sources import Segment, SourceItem, write_sources

    words = "now we take the onion and cut it in half then slice it thin so it cooks evenly".split()

    def items():
        for v in range(videos):
            t, segments = 0.0, []
            for c in range(cues):
                length = 2.0 + (v * 7 + c * 3) % 5 * 0.5
                text = " ".join(words[(v + c + k) % len(words)] for k in range(6))
                segments.append(Segment(round(t, 2), round(t + length, 2), text))
                t += length - 0.4 if c % 3 == 0 else length + 0.3  # some overlap, as ASR has
            yid = f"v{v:010d}"
            yield SourceItem(
                yid, yid, "howto100m", "video", f"https://www.youtube.com/watch?v={yid}", segments=segments
            )

    write_sources(items(), path)


ALIGN_CHILD = """
import sys
from vtdata.align.run import align
from vtdata.engine.local import LocalEngine
s = align(sys.argv[2], sources=sys.argv[1], engine=LocalEngine(int(sys.argv[3])))
print(s.to_dict().get("clips", 0))
"""


def bench_align(work: Path, videos: int, cues: int) -> None:
    table = work / f"narrated_{videos}.parquet"
    if not table.exists():
        write_narrated(table, videos, cues)
    total = videos * cues
    results = {}
    for workers in (1, 2):
        out = work / f"clips_w{workers}" / "clips.parquet"
        shutil.rmtree(out.parent, ignore_errors=True)
        seconds, _, _ = child(ALIGN_CHILD, str(table), str(out), str(workers))
        results[workers] = (total / seconds, out)
    identical = filecmp.cmp(results[1][1], results[2][1], shallow=False)
    assert identical, "align with 2 workers wrote other bytes than with 1"
    one, two = results[1][0], results[2][0]
    print(
        f"RESULT align_parallel vtdata={two:.0f} limit={2 * one:.0f} ratio={two / (2 * one):.3f}",
        f"identical={identical}",
    )


# --- ledger resume -------------------------------------------------------------------------


def write_store(work: Path, items: int) -> tuple[Path, Path]:
    """sources.parquet of `items` WebVid-like items and a store whose ledger has each one ok."""
    from vtdata.download.ledger import Ledger
    from vtdata.records.ledger import LedgerEntry
    from vtdata.records.sources import SourceItem, write_sources

    sources, store = work / f"resume_{items}.parquet", work / f"store_{items}"
    if sources.exists() and (store / "ledger.sqlite").exists():
        return sources, store
    shutil.rmtree(store, ignore_errors=True)
    store.mkdir(parents=True)
    url = "https://ak.picdn.net/shutterstock/videos/{}/preview.mp4"
    write_sources(
        (
            SourceItem(str(10**9 + k), str(10**9 + k), "webvid", "video", url.format(10**9 + k))
            for k in range(items)
        ),
        sources,
    )
    from vtdata.download.store import copy_sources

    copy_sources(sources, store)  # what the first run left in the store
    with Ledger(store) as ledger:
        ledger.put_many(
            LedgerEntry(
                str(10**9 + k),
                "ok",
                url.format(10**9 + k),
                attempts=1,
                bytes=1,
                path=f"media/{10**9 + k}.mp4",
            )
            for k in range(items)
        )
    return sources, store


RESUME_CHILD = """
import sys
from vtdata.download.runner import download
s = download(sys.argv[1], sys.argv[2])
print(s.skipped_ok)
"""


def bench_resume(work: Path, items: int) -> None:
    sources, store = write_store(work, items)
    seconds, peak, skipped = child(RESUME_CHILD, str(sources), str(store))
    assert int(skipped) == items, skipped
    cpu = CPU[RESUME_CHILD]
    print(
        f"RESULT ledger_resume items={items} seconds={seconds:.1f} cpu_seconds={cpu:.1f}",
        f"peak_mb={peak:.0f}",
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, well under a minute")
    parser.add_argument("--work", type=Path, help="folder for the generated files (kept: reruns reuse them)")
    parser.add_argument("--csv-rows", type=int, default=10_000_000)
    parser.add_argument("--clips", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--videos", type=int, default=4000, help="narrated videos for align")
    parser.add_argument("--cues", type=int, default=150, help="narration segments per video")
    parser.add_argument("--ledger-items", type=int, default=1_000_000)
    parser.add_argument("--only", choices=["sources", "plan", "align", "resume"], action="append")
    args = parser.parse_args()
    if args.quick:
        args.csv_rows, args.clips, args.ledger_items = 300_000, [100_000, 300_000], 50_000
        args.videos, args.cues = 600, 100
    work = args.work or Path(tempfile.mkdtemp(prefix="vtdata-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    only = set(args.only or ["sources", "plan", "align", "resume"])
    print(f"# work folder: {work}; cores: {os.cpu_count()}", flush=True)
    if "sources" in only:
        bench_sources(work, args.csv_rows)
    if "plan" in only:
        for n in args.clips:
            bench_plan(work, n)
    if "align" in only:
        bench_align(work, args.videos, args.cues)
    if "resume" in only:
        bench_resume(work, args.ledger_items)
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
