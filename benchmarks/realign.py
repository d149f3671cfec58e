"""`vtdata realign` against known truth: the misaligned synthetic narrated corpus, train -> realign ->
retrain (self-training), every round's figures.

The corpus (`SyntheticSpec(narration_lags=(-4, 4), unalignable=0.2)`): narrated videos whose
narration trails or leads the picture by a per-video lag, a fifth of the sentences about
nothing on screen, the truth in `narration.parquet`. Per round:

1. shard the training videos' sentences at their current times (round 0: the ASR times) and
   train the reference dual encoder on them (`train_reference`, the same budget every round);
2. score it on held-out *truly aligned* clips (the validation videos' alignable sentences at
   the times their segment is shown): t2v R@1;
3. realign every sentence of every video with it (`vtdata.realign.realign`) and compare with the
   truth: `within1s` = share of alignable sentences whose corrected start is within 1 s of the
   true start (the ASR times' own share beside it), `auc` = ROC AUC of the alignability score
   for alignable vs unalignable sentences, and the cost per hour of video;
4. the next round trains on the realigned clips, dropping the lowest-scoring `--drop` share.

RESULT: within1s and auc of the last realignment, r1_before = round 0's R@1 (trained on ASR
times), r1_after = the last round's R@1 (trained on realigned clips), seconds_per_video_hour of
the last realignment.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from vtdata.realign import RealignConfig, realign
from vtdata.records.clips import Clip, write_clips
from vtdata.shard.config import load_pipeline
from vtdata.shard.media import TableRefs
from vtdata.shard.run import shard
from vtdata.synthetic import NARRATION_TRUTH, SyntheticSpec, asr_clips, generate, read_truth, true_clips
from vtdata.train import TrainConfig, train_reference


def roc_auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """P(score of a random positive > a random negative), ties count half (Mann-Whitney U)."""
    if not len(pos) or not len(neg):
        return float("nan")
    diff = pos[:, None] - neg[None, :]
    return float(((diff > 0).sum() + 0.5 * (diff == 0).sum()) / diff.size)


def measure(truth, table: Path) -> dict:
    got = {r["clip_id"]: r for r in pq.read_table(table).to_pylist()}
    ok = [s for s in truth if s.alignable and s.clip_id in got]
    err = np.array([got[s.clip_id]["start"] - s.true_start for s in ok])
    asr = np.array([s.asr_start - s.true_start for s in ok])
    pos = np.array([got[s.clip_id]["score"] for s in ok])
    neg = np.array([got[s.clip_id]["score"] for s in truth if not s.alignable and s.clip_id in got])
    return {
        "within1s": float(np.mean(np.abs(err) <= 1.0)),
        "within1s_asr": float(np.mean(np.abs(asr) <= 1.0)),
        "median_abs_error": float(np.median(np.abs(err))),
        "auc": roc_auc(pos, neg),
    }


def shard_clips(clips: list[Clip], root: Path, name: str, refs: TableRefs) -> Path:
    path = root / f"{name}.parquet"
    write_clips(clips, path)
    pipeline = load_pipeline(
        None,
        {
            "sampling.mode": "uniform",
            "sampling.num_frames": 8,
            "resize.short_side": 64,
            "shards.samples_per_shard": 500,
        },
    )
    shard(path, root / name, pipeline, refs)
    return root / name


def train(args, shards: Path, val: Path, out: Path) -> dict:
    cfg = TrainConfig(
        train_shards=str(shards),
        val_shards=str(val),
        out_dir=str(out),
        steps=args.steps,
        batch_size=args.batch,
        warmup_steps=max(1, args.steps // 10),
        num_workers=1,
        plot=False,
        seed=0,
        model={"width": args.width, "text_width": args.width, "embed_dim": args.width},
    )
    started = time.perf_counter()
    result = train_reference(cfg)
    return {
        "checkpoint": str(result.checkpoint),
        "r1": result.metrics["t2v_R@1"],
        "train_seconds": time.perf_counter() - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--videos", type=int, default=240, help="narrated videos (a quarter held out)")
    parser.add_argument("--steps", type=int, default=600, help="optimiser steps per training round")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--width", type=int, default=128, help="model width (both towers)")
    parser.add_argument("--rounds", type=int, default=2, help="realign -> retrain rounds")
    parser.add_argument(
        "--drop", type=float, default=0.2, help="share of lowest-score captions not trained on"
    )
    parser.add_argument("--range", type=float, default=10.0)
    parser.add_argument("--step", type=float, default=0.5)
    parser.add_argument("--workers", type=int, default=2, help="realign processes")
    parser.add_argument("--root", type=Path, help="keep everything here (default: a temporary folder)")
    parser.add_argument("--quick", action="store_true", help="small corpus and budget (a few minutes)")
    args = parser.parse_args()
    if args.quick:
        args.videos, args.steps, args.width, args.rounds = 80, 150, 64, 1
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.root or Path(tmp)
        run(args, root)


def run(args, root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    spec = SyntheticSpec(
        seed=1,
        webvid=0,
        howto=args.videos,
        cc3m=0,
        narration_lags=(-4.0, 4.0),
        unalignable=0.2,
        segments=(8, 12),
        segment_duration=(3.0, 6.0),
        val_fraction=0.25,
        narration_audio=False,
    )
    started = time.perf_counter()
    corpus = generate(root / "corpus", spec)
    truth = read_truth(corpus.root / NARRATION_TRUTH)
    rows = [
        {"id": i.id, "path": str(corpus.path(i)), "media": "video", "dataset": "howto100m"}
        for i in corpus.items
    ]
    pq.write_table(pa.Table.from_pylist(rows), root / "media.parquet")
    refs = TableRefs(root / "media.parquet")
    hours = sum(i.duration for i in corpus.items) / 3600
    print(
        f"corpus: {len(corpus.items)} videos, {hours:.2f} h, {len(truth)} sentences "
        f"({sum(not s.alignable for s in truth)} unalignable) in {time.perf_counter() - started:.0f}s"
    )
    val = shard_clips(true_clips(truth, "val"), root, "val-true", refs)
    write_clips(asr_clips(truth), root / "asr.parquet")
    train_clips = asr_clips(truth, "train")
    figures, r1_before, last = [], None, None
    for rnd in range(args.rounds + 1):
        shards = shard_clips(train_clips, root, f"train-{rnd}", refs)
        model = train(args, shards, val, root / f"run-{rnd}")
        r1_before = model["r1"] if r1_before is None else r1_before
        line = {
            "round": rnd,
            "clips": len(train_clips),
            "r1": model["r1"],
            "train_seconds": round(model["train_seconds"], 1),
        }
        if rnd == args.rounds:
            figures.append(line)
            print(json.dumps(line))
            break
        out = root / f"realigned-{rnd + 1}.parquet"
        cfg = RealignConfig(
            checkpoint=model["checkpoint"],
            clips=str(root / "asr.parquet"),
            output=str(out),
            media_table=str(root / "media.parquet"),
            search_range=args.range,
            step=args.step,
            workers=args.workers,
        )
        t0 = time.perf_counter()
        summary = realign(cfg)
        cost = (time.perf_counter() - t0) / (summary.media_seconds / 3600)
        last = measure(truth, out) | {"seconds_per_video_hour": cost}
        line |= {k: round(v, 4) for k, v in last.items()}
        figures.append(line)
        print(json.dumps(line))
        table = pq.read_table(out).to_pylist()
        scores = np.array([r["score"] for r in table if r["split"] == "train"])
        cut = float(np.quantile(scores, args.drop)) if args.drop > 0 else -np.inf
        train_clips = [
            Clip(r["clip_id"], r["id"], r["start"], r["end"], r["text"], r["texts"], "", r["split"])
            for r in table
            if r["split"] == "train" and r["score"] >= cut
        ]
    r1_after = figures[-1]["r1"]
    print(
        f"RESULT realign within1s={last['within1s']:.3f} within1s_asr={last['within1s_asr']:.3f} "
        f"auc={last['auc']:.3f} r1_before={r1_before:.2f} r1_after={r1_after:.2f} "
        f"ratio={r1_after / max(r1_before, 1e-9):.2f} "
        f"seconds_per_video_hour={last['seconds_per_video_hour']:.1f}"
    )


if __name__ == "__main__":
    main()
