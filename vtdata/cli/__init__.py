"""The `vtdata` command line: one thin command per stage over the library API.

One module per command group (`sources`, `download`, `align`, `shard`, `train`, `tools`); each
command builds its stage's config dataclass from the options and calls one library function.
Commands import their stage lazily so `vtdata --help` stays instant (no torch import).
"""

from __future__ import annotations

import click

from vtdata import __version__
from vtdata.cli.align import align_cmd
from vtdata.cli.download import download_cmd
from vtdata.cli.errors import DEBUG_ENV, to_click
from vtdata.cli.realign import realign_cmd
from vtdata.cli.report import report_cmd
from vtdata.cli.run import run_cmd
from vtdata.cli.shard import shard_cmd
from vtdata.cli.sources import sources_group
from vtdata.cli.tools import inspect_cmd, quickstart_cmd, serve_cmd, stats_cmd
from vtdata.cli.train import evaluate_cmd, train_reference_cmd


class VtdataGroup(click.Group):
    """The root group: an exception a command lets escape becomes one line (see `vtdata.cli.errors`);
    `--debug` (or VTDATA_DEBUG=1) shows the traceback instead."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:
            if ctx.params.get("debug"):
                raise
            raise to_click(exc, ctx) from None


@click.group(
    cls=VtdataGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.version_option(__version__, prog_name="vtdata")
@click.option(
    "--debug",
    is_flag=True,
    envvar=DEBUG_ENV,
    help="Show the full traceback when a command fails (also: VTDATA_DEBUG=1).",
)
def main(debug: bool) -> None:
    """Video-text pre-training data: corpus metadata -> downloads -> clips -> WebDataset shards
    -> GPU-ready loaders -> a reference model.

    \b
    Stages, in order:
      sources          read HowTo100M / WebVid / CC3M / plain-table metadata into sources.parquet
      download         fetch media (yt-dlp or HTTP) into a resumable, verified store
      align            turn subtitles / narration into clips.parquet
      shard            sample frames and write WebDataset shards + index
      run              every stage from one recipe YAML (staged, or streaming: no media store)
      train-reference  train a small dual encoder on the shards
      evaluate         text<->video retrieval metrics of a checkpoint
      realign          re-time captions with a trained model (ASR misalignment)
    Try `vtdata quickstart` to run everything on a built-in synthetic corpus, and
    `vtdata serve` to serve that corpus and follow the tour by hand, and `vtdata report`
    to see any of the outputs as one HTML page.
    """


for command in (
    sources_group,
    download_cmd,
    align_cmd,
    train_reference_cmd,
    evaluate_cmd,
    realign_cmd,
    shard_cmd,
    run_cmd,
    quickstart_cmd,
    serve_cmd,
    inspect_cmd,
    stats_cmd,
    report_cmd,
):
    main.add_command(command)
