"""Cues/s of vtdata's WebVTT parse + YouTube de-duplication against a bare read of the same file.

It writes one large YouTube-style rolling auto-caption file (`vtdata.synthetic.captions`,
"new" style: speaking cues with `<00:00:01.234><c>` word tags and 10 ms transition cues) and
times, over the same file, best of `--repeat` runs:

- vtdata: `read_timed_text` (decode with encoding checks, timing-line checks, webvtt-py parse,
  rolling-caption detection and de-duplication to words with times);
- limit: a bare read: `read_text()` and `splitlines()`, counting the timing lines.

Throughput is raw cues of the file per second for both. The stage breakdown (parse vs dedup)
is printed before the RESULT line. The check that the words come back exactly once is part of
the run, so a fast wrong answer cannot pass.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from vtdata.align.timedtext import read_timed_text
from vtdata.align.vtt import read_vtt
from vtdata.align.youtube import dedup_rolling
from vtdata.synthetic.captions import youtube_autocaption_vtt

VOCAB = "we now take the onion and cut it in half then slice it thin so it cooks evenly okay".split()


def spoken_words(n: int, seed: int = 0) -> list[tuple[float, float, str]]:
    rng = random.Random(seed)
    t, words = 0.5, []
    for _ in range(n):
        length = rng.uniform(0.1, 0.5)
        words.append((round(t, 3), round(t + length, 3), rng.choice(VOCAB)))
        t += length + (rng.uniform(1.0, 2.0) if rng.random() < 0.05 else rng.uniform(0.0, 0.2))
    return words


def best_of(repeat: int, fn):
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--words", type=int, default=400_000, help="spoken words in the generated file")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best is kept)")
    parser.add_argument("--quick", action="store_true", help="a smaller file and one run (< 1 min)")
    args = parser.parse_args()
    if args.quick:
        args.words, args.repeat = 40_000, 2

    words = spoken_words(args.words)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.en.vtt"
        path.write_text(youtube_autocaption_vtt(words), encoding="utf-8")
        size = path.stat().st_size

        def bare() -> int:
            return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if "-->" in line)

        def vtdata() -> int:
            return sum(len(c.words) for c in read_timed_text(path).cues)

        limit_s, n_cues = best_of(args.repeat, bare)
        vtdata_s, n_words = best_of(args.repeat, vtdata)
        parse_s, parsed = best_of(1, lambda: read_vtt(path))
        dedup_s, _ = best_of(1, lambda: dedup_rolling(parsed.cues))

    if n_words != len(words):
        raise SystemExit(f"de-duplication returned {n_words} words for {len(words)} spoken: wrong result")
    vtdata_rate, limit_rate = n_cues / vtdata_s, n_cues / limit_s
    print(f"file: {size / 1e6:.1f} MB, {n_cues} cues, {len(words)} spoken words (each recovered once)")
    print(f"limit  (read + splitlines): {limit_s:8.3f} s  {limit_rate:12,.0f} cues/s")
    print(f"vtdata (parse + dedup):     {vtdata_s:8.3f} s  {vtdata_rate:12,.0f} cues/s")
    print(f"  of which read_vtt (decode, checks, webvtt-py): {parse_s:.3f} s, dedup_rolling: {dedup_s:.3f} s")
    print(
        f"RESULT align vtdata={vtdata_rate:.0f}cues/s limit={limit_rate:.0f}cues/s "
        f"ratio={vtdata_rate / limit_rate:.4f}"
    )


if __name__ == "__main__":
    main()
