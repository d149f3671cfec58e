"""Cues per CPU-second of vtdata's WebVTT parse against a minimal tokenizer of the same file.

It writes one large YouTube-style rolling auto-caption file (`vtdata.synthetic.captions`,
"new" style: speaking cues with `<00:00:01.234><c>` word tags and 10 ms transition cues) and
times, over the same file, best of `--repeat` runs:

- limit: the simplest reader doing the same work: read and decode the file, split its lines,
  and in one pass find every timestamp line (both times to milliseconds, by slicing) and every
  text line (kept with its cue), with no checks at all;
- vtdata: `read_vtt` (decode with encoding checks, then the one-pass fast path, which vouches
  for every line, or the general path: timing checks, repairs, webvtt-py).

Both count the same cues. Times are CPU seconds of this process (`time.process_time`): the
machines this runs on are shared and loaded, so wall time measures the neighbours; wall time is
printed beside it. The rest of `read_timed_text` (rolling-caption detection and de-duplication
to words with times) is printed as well, with a check that every spoken word comes back exactly
once, so a fast wrong answer cannot pass.
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
    """`(best CPU s, wall s of that run, result)` over `repeat` runs."""
    runs, result = [], None
    for _ in range(repeat):
        cpu, wall = time.process_time(), time.perf_counter()
        result = fn()
        runs.append((time.process_time() - cpu, time.perf_counter() - wall))
    cpu_s, wall_s = min(runs)
    return cpu_s, wall_s, result


def tokenize(path: Path) -> list[tuple[int, int, list[str]]]:
    """The limit: every timing line and text line of the file in one pass, nothing checked."""
    cues: list[tuple[int, int, list[str]]] = []
    body: list[str] | None = None
    for line in path.read_bytes().decode("utf-8").split("\n"):
        if "-->" in line:
            a, b = line[:12], line[17:29]  # HH:MM:SS.mmm --> HH:MM:SS.mmm
            start = (int(a[:2]) * 3600 + int(a[3:5]) * 60 + int(a[6:8])) * 1000 + int(a[9:])
            end = (int(b[:2]) * 3600 + int(b[3:5]) * 60 + int(b[6:8])) * 1000 + int(b[9:])
            body = []
            cues.append((start, end, body))
        elif line and body is not None:
            body.append(line)
    return cues


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

        limit_s, limit_wall, tokens = best_of(args.repeat, lambda: tokenize(path))
        vtdata_s, vtdata_wall, parsed = best_of(args.repeat, lambda: read_vtt(path))
        full_s, full_wall, timed = best_of(args.repeat, lambda: read_timed_text(path))
        dedup_s, _, _ = best_of(args.repeat, lambda: dedup_rolling(parsed.cues))

    n_cues = len(tokens)
    if len(parsed.cues) != n_cues or parsed.issues:
        raise SystemExit(f"vtdata read {len(parsed.cues)} cues, {len(parsed.issues)} issues; limit {n_cues}")
    if [(round(c.start * 1000), round(c.end * 1000), c.text) for c in parsed.cues] != [
        (s, e, "\n".join(body)) for s, e, body in tokens
    ]:
        raise SystemExit("vtdata's cues differ from the tokenizer's: wrong result")
    n_words = sum(len(c.words) for c in timed.cues)
    if n_words != len(words):
        raise SystemExit(f"de-duplication returned {n_words} words for {len(words)} spoken: wrong result")
    vtdata_rate, limit_rate, full_rate = n_cues / vtdata_s, n_cues / limit_s, n_cues / full_s
    print(f"file: {size / 1e6:.1f} MB, {n_cues} cues, {len(words)} spoken words (each recovered once)")
    print("times are CPU seconds of this process (best run); wall seconds of the same run in brackets")
    for name, cpu, wall, rate in (
        ("limit  (read + one-pass tokenizer)", limit_s, limit_wall, limit_rate),
        ("vtdata (read_vtt)", vtdata_s, vtdata_wall, vtdata_rate),
        ("read_timed_text (read_vtt + dedup)", full_s, full_wall, full_rate),
    ):
        print(f"{name:36s} {cpu:6.3f} s [{wall:6.3f}] {rate:9,.0f} cues/s")
    print(f"  of which dedup_rolling: {dedup_s:.3f} s")
    print(
        f"RESULT align vtdata={vtdata_rate:.0f}cues/s limit={limit_rate:.0f}cues/s "
        f"ratio={vtdata_rate / limit_rate:.4f}"
    )


if __name__ == "__main__":
    main()
