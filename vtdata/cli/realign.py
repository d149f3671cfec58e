"""`vtdata realign`: re-time a clips table's captions with a trained dual encoder (docs/realign.md)."""

from __future__ import annotations

from pathlib import Path

import click

from vtdata.cli.common import from_config, plural
from vtdata.realign.params import RealignConfig


@click.command("realign")
@click.argument("checkpoint", type=click.Path(exists=True))
@click.argument("store", metavar="[STORE]", required=False, type=click.Path(exists=True, file_okay=False))
@click.option(
    "--clips",
    "clips_path",
    type=click.Path(exists=True, dir_okay=False),
    help="clips.parquet to realign. Default: STORE/clips.parquet (where `vtdata align` writes it).",
)
@click.option(
    "--media-table",
    type=click.Path(exists=True, dir_okay=False),
    help="Instead of a download STORE: a CSV/Parquet table with columns id, path (as `vtdata shard`).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    required=True,
    help="The realigned clips table (+ <name>.report.json). Rerun with the same path to resume.",
)
@from_config(RealignConfig, "search_range", "--range", type=click.FloatRange(min=0))
@from_config(RealignConfig, "step", "--step", type=click.FloatRange(min=0, min_open=True))
@from_config(RealignConfig, "rate", "--rate", type=click.FloatRange(min=0, min_open=True))
@from_config(RealignConfig, "num_frames", "--frames", type=click.IntRange(min=1))
@from_config(RealignConfig, "prior_weight", "--prior-weight", type=click.FloatRange(min=0))
@from_config(RealignConfig, "prior_span", "--prior-span", type=click.FloatRange(min=0, min_open=True))
@from_config(RealignConfig, "min_score", "--min-score", type=float)
@from_config(RealignConfig, "workers", "--workers", type=click.IntRange(min=1))
@from_config(RealignConfig, "batch_size", "--batch-size", type=click.IntRange(min=1))
@from_config(RealignConfig, "device", "--device")
def realign_cmd(
    checkpoint: str,
    store: str | None,
    clips_path: str | None,
    media_table: str | None,
    output: str,
    **options,
) -> None:
    """Move each caption of a clips table to where its words are shown, with a trained model.

    CHECKPOINT is a `vtdata train-reference` run (or its .pt). For each video (decoded once, at
    --rate fps) every caption is scored against windows of its own length shifted by -RANGE..+RANGE
    seconds every STEP; the best window becomes the clip, `shift` and `score` (the best score's
    margin over the caption's median: low = the caption describes nothing on screen) are added
    as columns. `--min-score` drops captions below it (listed in the report). `vtdata shard
    --clips OUTPUT` shards the result.

    \b
      vtdata realign runs/a STORE -o STORE/realigned.parquet --min-score 0.05
      vtdata realign runs/a --media-table media.csv --clips clips.parquet -o realigned.parquet
    """
    from tqdm import tqdm

    from vtdata.realign.run import realign
    from vtdata.records.names import CLIPS_NAME

    if store is None and media_table is None:
        raise click.UsageError("give a download STORE or --media-table")
    if store is not None and media_table is not None:
        raise click.UsageError("give a download STORE or --media-table, not both")
    if clips_path is None:
        if store is None:
            raise click.UsageError("--clips is required with --media-table")
        clips_path = str(Path(store) / CLIPS_NAME)
    config = RealignConfig(
        checkpoint=checkpoint,
        clips=clips_path,
        output=output,
        store=store,
        media_table=media_table,
        **options,
    )
    with tqdm(desc="realign", unit=" videos", disable=None, dynamic_ncols=True) as bar:
        summary = realign(config, progress=bar.update)
    click.echo(
        f"wrote {summary.output}: {plural(summary.written, 'clip')} of {summary.clips} from "
        f"{plural(summary.videos, 'video')} ({summary.reused} reused) in {summary.seconds:.1f}s; "
        f"mean |shift| {summary.mean_abs_shift:.2f}s; {summary.media_seconds / 3600:.2f} h of media"
    )
    if summary.drops:
        click.echo(f"dropped {plural(len(summary.drops), 'caption')} under --min-score {config.min_score}")
    for failure in summary.failures[:10]:
        click.echo(f"failed video {failure['id']}: {failure['reason']}: {failure['message']}")
    click.echo(f"report: {summary.report}")
    if not summary.written:
        raise click.ClickException(f"no clip left in {summary.output}: see {summary.report}")
