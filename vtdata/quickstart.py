"""The quickstart: every stage, end to end, on the synthetic corpus served from 127.0.0.1.

It runs the very commands a user would type (`vtdata sources ...`, `vtdata download ...`, ...),
so what it prints is a runnable transcript of the pipeline. The synthetic corpus, its server
and the native metadata files are the only things it makes that the commands do not.
`vtdata serve` starts the same server (`serving`) and waits, so the transcript can be followed
by hand, offline.
"""

from __future__ import annotations

import contextlib
import json
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from vtdata.config.workers import default_workers
from vtdata.records.names import CHECKPOINTS_DIR, LATEST_CHECKPOINT, SOURCES_NAME

if TYPE_CHECKING:  # the synthetic corpus (and its decoders) load when a demo starts, not for --help
    from vtdata.synthetic import NativeFiles, SyntheticServer


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
    workers: int = field(default_factory=default_workers)  # one per CPU core


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
            "Shard WebVid: every frame, 64 px, JPEG (training draws 4 anew each epoch, as Frozen does)",
            [
                "shard",
                str(r / "webvid/download"),
                "-o",
                str(r / "webvid/shards"),
                "--store",
                "frames",
                "--sampling",
                "all",
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
                    "--output",
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
                    *(["--resume"] if (run_dir / CHECKPOINTS_DIR / LATEST_CHECKPOINT).exists() else []),
                ],
            ),
            Step(
                "Evaluate text<->video retrieval on the held-out clips",
                [
                    "evaluate",
                    str(run_dir / CHECKPOINTS_DIR / LATEST_CHECKPOINT),
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


@dataclass
class Demo:
    """The served synthetic corpus: its URL, its native metadata files, and the tour's commands."""

    url: str
    native: NativeFiles
    steps: list[Step]


@contextlib.contextmanager
def serving(cfg: QuickstartConfig, on_stage: Callable[[str], None] = lambda message: None) -> Iterator[Demo]:
    """Generate (or reuse) the synthetic corpus under `cfg.root`, serve it on 127.0.0.1 (on the port
    of the previous run when it is free) and write its native metadata; the server stops at the end
    of the block."""
    from vtdata.synthetic import SyntheticSpec, generate

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
        yield Demo(server.url, native, steps(cfg, root / "metadata", native.howto_url_template))


def run_quickstart(
    cfg: QuickstartConfig,
    run_step: Callable[[Step], None],
    on_stage: Callable[[str], None] = lambda message: None,
) -> list[Step]:
    """Generate and serve the synthetic corpus, then run every step through `run_step`.

    `run_step` executes one command (the CLI passes its own click group); a step that fails
    raises and ends the quickstart, since each later step needs the one before.
    """
    with serving(cfg, on_stage) as demo:
        for step in demo.steps:
            run_step(step)
    return demo.steps


def next_steps(cfg: QuickstartConfig) -> list[str]:
    """What to try once the quickstart has run: look at the data, then use it."""
    r = Path(cfg.root)
    shards = r / "webvid/shards"
    lines = [
        f"vtdata inspect {shards}                       # list some clip ids",
        f"vtdata inspect {shards} --key <clip_id>        # a sample's frames as a contact sheet",
        f"vtdata stats {shards}                          # samples, shards, failures",
        f"vtdata stats {r / 'cc3m/download'} --failures  # what failed in a download, and why",
        f"vtdata report {r}                              # everything above as one HTML page",
        f"vtdata serve {r}                               # serve the corpus again, to rerun any step by hand",
    ]
    if cfg.train:
        lines.append(f"open {r / 'runs/reference/curves.png'}       # loss and retrieval curves")
    lines += [
        "",
        "In your own training code (docs/loader.md):",
        "    from vtdata.loader import VideoTextDataset, make_loader, to_device",
        f'    ds = VideoTextDataset("{shards}", split="train", num_frames=4, sampling="rand", size=64)',
        "    loader = make_loader(ds, batch_size=32, num_workers=2)",
        '    for batch in loader: video = to_device(batch, "cpu")["video"]   # [B, T, 3, 64, 64]',
    ]
    return lines


def _server(corpus_root: Path, memo: Path, on_stage: Callable[[str], None]) -> SyntheticServer:
    """A server on the port of the previous run when it is free.

    CC3M ids are derived from image URLs, which contain the port: serving a rerun on a new
    port would turn every image into a new item instead of resuming.
    """
    from vtdata.synthetic import SyntheticServer

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
