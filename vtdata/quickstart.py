"""The quickstart: every stage, end to end, on the synthetic corpus served from 127.0.0.1.

It runs the very commands a user would type (`vtdata sources ...`, `vtdata download ...`, ...),
so what it prints is a runnable transcript of the pipeline. The synthetic corpus, its server
and the native metadata files are the only things it makes that the commands do not.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vtdata.records.names import SOURCES_NAME
from vtdata.synthetic import SyntheticServer, SyntheticSpec, generate


@dataclass(frozen=True)
class QuickstartConfig:
    """Sizes chosen so the whole run takes a few minutes on a 2-core laptop."""

    root: Path
    seed: int = 0
    webvid: int = 1000  # moving-shape clips; val_fraction of them are held out
    val_fraction: float = 0.3  # 300 held-out clips (the reference trainer's acceptance asks >= 200)
    howto100m: int = 6  # narrated videos with YouTube-style auto-captions
    cc3m: int = 40  # captioned still images
    train_steps: int = 300
    train: bool = True
    workers: int = 2


@dataclass(frozen=True)
class Step:
    """One command of the transcript: what it does in words, and its argv after `vtdata`."""

    title: str
    argv: list[str]

    @property
    def shell(self) -> str:
        return "vtdata " + " ".join(shlex.quote(a) for a in self.argv)


def steps(cfg: QuickstartConfig, meta: Path, howto_url_template: str) -> list[Step]:
    """The pipeline as commands, given native metadata files written into `meta`."""
    r = cfg.root
    w = str(cfg.workers)
    plan = [
        Step(
            "Read WebVid's results CSVs (split from the file names)",
            [
                "sources",
                "webvid",
                str(meta / "results_2M_train.csv"),
                str(meta / "results_2M_val.csv"),
                "-o",
                str(r / "webvid" / SOURCES_NAME),
            ],
        ),
        Step(
            "Read HowTo100M's video CSV and narration caption.json",
            [
                "sources",
                "howto100m",
                str(meta / "HowTo100M_v1.csv"),
                "--captions",
                str(meta / "caption.json"),
                "--url-template",
                howto_url_template,
                "-o",
                str(r / "howto100m" / SOURCES_NAME),
            ],
        ),
        Step(
            "Read CC3M's caption TAB url TSVs",
            [
                "sources",
                "cc3m",
                str(meta / "Train_GCC-training.tsv"),
                str(meta / "Validation_GCC-1.1.0-Validation.tsv"),
                "-o",
                str(r / "cc3m" / SOURCES_NAME),
            ],
        ),
        Step(
            "Download WebVid clips over HTTP (verified, resumable)",
            [
                "download",
                str(r / "webvid" / SOURCES_NAME),
                "-o",
                str(r / "webvid/download"),
                "--workers",
                "8",
            ],
        ),
        Step(
            "Download HowTo100M pages with yt-dlp, with their auto-captions",
            [
                "download",
                str(r / "howto100m" / SOURCES_NAME),
                "-o",
                str(r / "howto100m/download"),
                "--workers",
                "4",
            ],
        ),
        Step(
            "Download CC3M images, resized to a short side of 128 px",
            [
                "download",
                str(r / "cc3m" / SOURCES_NAME),
                "-o",
                str(r / "cc3m/download"),
                "--workers",
                "8",
                "--image-size",
                "128",
            ],
        ),
        Step(
            "Align: one clip per WebVid video, with its caption",
            ["align", str(r / "webvid/download"), "--builder", "whole"],
        ),
        Step(
            "Align: de-duplicate YouTube rolling captions, merge cues into clips of >= 2 s",
            [
                "align",
                str(r / "howto100m/download"),
                "--builder",
                "merge",
                "--min-duration",
                "2",
                "--max-duration",
                "6",
            ],
        ),
        Step(
            "Align: one 1-frame clip per CC3M image",
            ["align", str(r / "cc3m/download"), "--builder", "whole"],
        ),
        Step(
            "Shard WebVid: 8 frames per clip (Frozen-style uniform), 64 px, JPEG",
            [
                "shard",
                str(r / "webvid/download"),
                "-o",
                str(r / "webvid/shards"),
                "--store",
                "frames",
                "--sampling",
                "uniform",
                "--num-frames",
                "8",
                "--size",
                "64",
                "--crop",
                "--samples-per-shard",
                "64",
                "--workers",
                w,
            ],
        ),
        Step(
            "Shard HowTo100M: re-encoded 8 fps mp4 clips for per-epoch random sampling",
            [
                "shard",
                str(r / "howto100m/download"),
                "-o",
                str(r / "howto100m/shards"),
                "--store",
                "clip",
                "--clip-fps",
                "8",
                "--size",
                "64",
                "--workers",
                w,
            ],
        ),
        Step(
            "Shard CC3M images as 1-frame samples",
            [
                "shard",
                str(r / "cc3m/download"),
                "-o",
                str(r / "cc3m/shards"),
                "--store",
                "frames",
                "--size",
                "64",
                "--crop",
                "--workers",
                w,
            ],
        ),
    ]
    if cfg.train:
        run_dir = r / "runs/reference"
        plan += [
            Step(
                "Train the reference dual encoder (video ViT over 4 frames, text transformer, InfoNCE)",
                [
                    "train-reference",
                    "--shards",
                    str(r / "webvid/shards"),
                    "--val-shards",
                    str(r / "webvid/shards"),
                    "--out",
                    str(run_dir),
                    "--steps",
                    str(cfg.train_steps),
                    "--frames",
                    "4",
                    "--workers",
                    w,
                    "--seed",
                    str(cfg.seed),
                    "--contrast-words",
                    "left,right,up,down",
                ],
            ),
            Step(
                "Evaluate text<->video retrieval on the held-out clips",
                [
                    "evaluate",
                    str(run_dir / "checkpoints" / "latest.pt"),
                    "--shards",
                    str(r / "webvid/shards"),
                    "--split",
                    "val",
                    "--contrast-words",
                    "left,right,up,down",
                    "-o",
                    str(r / "eval.json"),
                ],
            ),
        ]
    return plan


def run_quickstart(
    cfg: QuickstartConfig,
    run_step: Callable[[Step], None],
    on_stage: Callable[[str], None] = lambda message: None,
) -> list[Step]:
    """Generate and serve the synthetic corpus, then run every step through `run_step`.

    `run_step` executes one command (the CLI passes its own click group); a step that fails
    raises and ends the quickstart, since each later step needs the one before.
    """
    root = Path(cfg.root)
    spec = SyntheticSpec(
        seed=cfg.seed,
        webvid=cfg.webvid,
        howto=cfg.howto100m,
        cc3m=cfg.cc3m,
        val_fraction=cfg.val_fraction,
    )
    on_stage(f"Generating the synthetic corpus in {root / 'corpus'} (seed {cfg.seed}) ...")
    corpus = generate(root / "corpus", spec)
    with _server(corpus.root, root / "server.json", on_stage) as server:  # started; stops on exit
        on_stage(f"Serving it at {server.url} (direct files, watch pages for yt-dlp)")
        native = corpus.write_native(server.url, root / "metadata")
        plan = steps(cfg, root / "metadata", native.howto_url_template)
        for step in plan:
            run_step(step)
    return plan


def _server(corpus_root: Path, memo: Path, on_stage: Callable[[str], None]) -> SyntheticServer:
    """A server on the port of the previous run when it is free.

    CC3M ids are derived from image URLs, which contain the port: serving a rerun on a new
    port would turn every image into a new item instead of resuming.
    """
    previous = json.loads(memo.read_text())["port"] if memo.exists() else 0
    server = SyntheticServer(corpus_root, port=previous)
    try:
        server.start()
    except OSError:
        on_stage(f"Port {previous} of the previous run is taken; CC3M images get new URLs and ids")
        server = SyntheticServer(corpus_root).start()
    memo.parent.mkdir(parents=True, exist_ok=True)
    memo.write_text(json.dumps({"port": int(server.url.rsplit(":", 1)[1])}))
    return server
