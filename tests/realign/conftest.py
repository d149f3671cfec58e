"""A small narrated corpus with narration on time, and a tiny model trained on its true clips.

The model is trained on truly aligned clips (a few dozen steps), so the tests exercise the
search: a caption moved away from where its segment is shown must come back, one left in
place must stay. The self-training loop and its figures are the benchmark's job
(benchmarks/realign.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vtdata.records.clips import write_clips
from vtdata.shard.config import load_pipeline
from vtdata.shard.media import TableRefs
from vtdata.shard.run import shard
from vtdata.synthetic import NARRATION_TRUTH, Sentence, SyntheticSpec, generate, read_truth, true_clips


@dataclass(frozen=True)
class Aligner:
    root: Path
    checkpoint: Path
    media_table: Path
    truth: list[Sentence]


@pytest.fixture(scope="session")
def aligner(tmp_path_factory) -> Aligner:
    root = tmp_path_factory.mktemp("realign")
    spec = SyntheticSpec(
        seed=2, webvid=0, howto=16, cc3m=0, narration_lags=(0.0, 0.0), segments=(6, 8),
        segment_duration=(3.0, 4.0), val_fraction=0.25, narration_audio=False,
    )  # fmt: skip
    corpus = generate(root / "corpus", spec)
    truth = read_truth(corpus.root / NARRATION_TRUTH)
    rows = [{"id": i.id, "path": str(corpus.path(i)), "media": "video"} for i in corpus.items]
    pq.write_table(pa.Table.from_pylist(rows), root / "media.parquet")
    write_clips(true_clips(truth), root / "true.parquet")
    pipeline = load_pipeline(
        None, {"sampling.mode": "uniform", "sampling.num_frames": 8, "resize.short_side": 64}
    )
    shard(root / "true.parquet", root / "shards", pipeline, TableRefs(root / "media.parquet"))
    from vtdata.train import TrainConfig, train_reference

    result = train_reference(
        TrainConfig(
            train_shards=str(root / "shards"),
            out_dir=str(root / "run"),
            steps=80,
            batch_size=32,
            warmup_steps=8,
            num_workers=0,
            threads=1,  # OpenMP threads spin-wait on a busy 2-core box (docs/train.md)
            plot=False,
            model={"width": 64, "text_width": 64, "embed_dim": 64, "depth": 1, "text_depth": 1},
        )
    )
    return Aligner(root, result.checkpoint, root / "media.parquet", truth)
