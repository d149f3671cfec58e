"""`vtdata report`: one self-contained HTML page of a store, a clips table, shards or a run."""

from __future__ import annotations

from pathlib import Path

import click

from vtdata.cli.common import from_config
from vtdata.report.config import REPORT_NAME, ReportConfig


@click.command("report")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help=f"Folder to write {REPORT_NAME} into [default: PATH/report, or beside a clips file].",
)
@from_config(
    ReportConfig, "samples", "--samples", type=click.IntRange(min=0), help="Gallery samples per shard folder."
)
@from_config(
    ReportConfig,
    "seed",
    "--seed",
    type=click.IntRange(min=0),
    help="Seed of the gallery and alignment picks.",
)
def report_cmd(path: Path, output: Path | None, samples: int, seed: int) -> None:
    """Write one HTML page that shows the data at PATH: a download store, a clips table, a shard
    folder, a training run, or a folder holding several (e.g. a quickstart's output).

    \b
    The page has:
      counts per stage (sources -> downloaded -> clips -> sampled) and the losses by reason,
        with example ids and messages;
      distributions: durations, sizes, resolutions, codecs, clip and caption lengths, frames
        and bytes per sample, shard sizes;
      a gallery of random samples (animated preview, frames, caption, times, source id);
      the alignment of one narrated video (caption cues, clips and frames on one timeline);
      a training run's curves with chance lines.
    It needs no network to open: no script, images embedded. The same input and --seed give
    the same file. Tables are read in batches, so any corpus size fits in memory.
    """
    from vtdata.records.folders import check_writable
    from vtdata.report.build import build_report, default_output
    from vtdata.report.discover import NotVtdata

    out_dir = output if output is not None else default_output(path)
    try:
        check_writable(out_dir)
        page = build_report(ReportConfig(path=path, output=out_dir, samples=samples, seed=seed))
    except NotVtdata as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"report: {page} ({page.stat().st_size / 1e6:.1f} MB, open it in a browser)")
