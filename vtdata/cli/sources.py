"""`vtdata sources <corpus>`: a corpus's native metadata -> sources.parquet (one recipe per corpus)."""

from __future__ import annotations

from pathlib import Path

import click

from vtdata.cli.common import from_config, plural
from vtdata.records.names import SOURCES_NAME
from vtdata.sources.recipe import Selection
from vtdata.sources.table import Columns


@click.group("sources")
def sources_group() -> None:
    """Read a corpus's native metadata into sources.parquet (one row per media item).

    Malformed rows are reported with their file and line and skipped; the summary counts them
    by reason. Every recipe takes the same selection options (--limit, --split, --val-fraction,
    --sample, --seed). The table format is documented in docs/formats.md, section 1.
    """


def _sources_options(func):
    """Output and selection options shared by every `vtdata sources` command (defaults: `Selection`)."""
    options = [
        click.option(
            "-o",
            "--output",
            type=click.Path(dir_okay=False),
            default=SOURCES_NAME,
            show_default=True,
            help="Where to write the source table (atomically: a temporary file, then a rename).",
        ),
        from_config(
            Selection,
            "limit",
            "--limit",
            type=click.IntRange(min=0),
            show_default=False,
            help="Keep at most this many items of each input file (after sampling), so a train and a val "
            "file both contribute; a file is read no further once it has them.",
        ),
        from_config(
            Selection,
            "split",
            "--split",
            help="Split name for every item, except those --val-fraction holds out and table rows "
            "that name their own split. 'auto': the split a file's name states (results_2M_val.csv, "
            "Validation_GCC-1.1.0-Validation.tsv -> val), else train.",
        ),
        from_config(
            Selection,
            "val_fraction",
            "--val-fraction",
            type=click.FloatRange(0.0, 1.0, max_open=True),
            help="Put this fraction of items in split 'val', chosen by a hash of (seed, id): the same "
            "items on every run, whatever the file order.",
        ),
        from_config(
            Selection,
            "sample_fraction",
            "--sample",
            type=click.FloatRange(0.0, 1.0, min_open=True),
            help="Keep only this fraction of items, chosen by a hash of (seed, id) (deterministic).",
        ),
        from_config(
            Selection,
            "seed",
            "--seed",
            type=click.IntRange(min=0),
            help="Seed of the --val-fraction and --sample hashes.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _run_sources(prepare, *args, **kwargs) -> None:
    """Run a `prepare_<corpus>` with a progress bar and summarize; no item at all is a failed run,
    which writes nothing and leaves no folder behind."""
    import time

    from tqdm import tqdm

    from vtdata.records.folders import check_writable, owned_folder

    output = Path(args[-1])
    check_writable(output.parent)
    started = time.monotonic()
    with owned_folder(output.parent):
        with tqdm(desc="reading", unit=" items", disable=None, leave=False) as bar:
            result = prepare(*args, progress=bar.update, **kwargs)
        _summarize(result, time.monotonic() - started)
        if not result.num_items:
            report = result.report
            why = (
                f"every one of {plural(report.total, 'row')} was skipped (reasons above): is the "
                "input this corpus's format?"
                if report.total
                else "the input holds no rows"
            )
            raise click.ClickException(f"no items, nothing written to {output}: {why}")


def _summarize(result, seconds: float) -> None:
    report = result.report
    if result.num_items:
        click.echo(f"wrote {result.output}: {plural(result.num_items, 'item')} in {seconds:.1f} s")
        click.echo(f"  {'dataset':<10} {'media':<6} {'split':<12} {'items':>10}")
        for (dataset, media, split), n in sorted(result.counts.items()):
            click.echo(f"  {dataset:<10} {media:<6} {split:<12} {n:>10}")
    if report.total:
        click.echo(f"skipped {report.total} (rows, or caption segments for bad_segment), by reason:")
        for reason, n in report.counts.most_common():
            click.echo(f"  {reason:<20} {n:>10}")
            for message in report.messages.get(reason, [])[:3]:
                click.echo(f"      e.g. {message}")
    elif result.num_items:
        click.echo("skipped: none")


@sources_group.command("howto100m")
@click.argument(
    "csv_path", metavar="[HOWTO100M_V1_CSV]", required=False, type=click.Path(exists=True, dir_okay=False)
)
@click.option(
    "--captions",
    type=click.Path(exists=True, dir_okay=False),
    help="caption.json with the narration segments (streamed, never loaded whole; .gz is fine).",
)
@click.option(
    "--url-template",
    default=None,
    help="URL of each video; {id} is the YouTube id, {safe_id} the vtdata id. "
    "Default: https://www.youtube.com/watch?v={id}",
)
@click.option(
    "--require-captions",
    is_flag=True,
    help="Skip CSV videos without captions (by default they are kept with no segments).",
)
@_sources_options
def sources_howto100m(csv_path, captions, url_template, require_captions, output, **selection) -> None:
    """HowTo100M: HowTo100M_v1.csv (video_id, category_1, category_2, rank, task_id) joined with
    caption.json ({video_id: {start: [..], end: [..], text: [..]}}) into video items whose
    `segments` hold the narration. Either file alone also works.
    """
    from vtdata.sources.howto100m import YOUTUBE_URL, prepare_howto100m

    if csv_path is None and captions is None:
        raise click.UsageError("give HOWTO100M_V1_CSV, --captions caption.json, or both")
    _run_sources(
        prepare_howto100m,
        csv_path,
        captions,
        output,
        url_template=url_template or YOUTUBE_URL,
        require_captions=require_captions,
        **selection,
    )


@sources_group.command("webvid")
@click.argument(
    "paths", metavar="RESULTS_CSV_OR_DIR...", nargs=-1, required=True, type=click.Path(exists=True)
)
@_sources_options
def sources_webvid(paths, output, **selection) -> None:
    """WebVid: results_*.csv files (videoid, name, page_idx, page_dir, duration, contentUrl), or
    folders holding them. The owner withdrew WebVid in 2024; this serves those who hold a copy.
    """
    from vtdata.sources.webvid import prepare_webvid

    _run_sources(prepare_webvid, list(paths), output, **selection)


@sources_group.command("cc3m")
@click.argument("paths", metavar="TSV_OR_DIR...", nargs=-1, required=True, type=click.Path(exists=True))
@_sources_options
def sources_cc3m(paths, output, **selection) -> None:
    """CC3M: Train_GCC-training.tsv / Validation_GCC-1.1.0-Validation.tsv (caption TAB url, no
    header) into image items. Many links have rotted; ~70% download success is normal.
    """
    from vtdata.sources.cc3m import prepare_cc3m

    _run_sources(prepare_cc3m, list(paths), output, **selection)


@sources_group.command("table")
@click.argument("paths", metavar="TABLE...", nargs=-1, required=True, type=click.Path(exists=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "tsv", "parquet", "jsonl"]),
    default=None,
    help="Table format; by default from the file suffix (.csv .tsv .parquet .jsonl, optionally .gz).",
)
@from_config(Columns, "url", "--url-col", dest="url_col", help="Column with the media URL (required).")
@from_config(
    Columns, "id", "--id-col", dest="id_col", help="Column with the item id (else derived from the URL)."
)
@from_config(Columns, "caption", "--caption-col", dest="caption_col", help="Column with the caption text.")
@from_config(
    Columns,
    "duration",
    "--duration-col",
    dest="duration_col",
    help="Column with the duration (seconds or ISO-8601).",
)
@from_config(Columns, "media", "--media-col", dest="media_col", help="Column saying video or image per row.")
@from_config(Columns, "split", "--split-col", dest="split_col", help="Column naming each row's split.")
@from_config(
    Columns, "start", "--start-col", dest="start_col", help="Column with a timed caption's start (seconds)."
)
@from_config(Columns, "end", "--end-col", dest="end_col", help="Column with a timed caption's end (seconds).")
@click.option(
    "--media",
    type=click.Choice(["video", "image"]),
    default="video",
    show_default=True,
    help="Media kind of rows whose media column is absent or empty.",
)
@_sources_options
def sources_table(
    paths,
    fmt,
    url_col,
    id_col,
    caption_col,
    duration_col,
    media_col,
    split_col,
    start_col,
    end_col,
    media,
    output,
    **selection,
) -> None:
    """Any CSV / TSV / Parquet / JSONL table of media URLs (dataset "custom"). Columns left at
    their default name may be missing; a column you rename must exist. Rows with start and end
    are timed captions, gathered per id into segments; other columns go into meta.
    """
    from vtdata.sources.table import Columns, prepare_table

    columns = Columns(
        url=url_col,
        id=id_col,
        caption=caption_col,
        duration=duration_col,
        media=media_col,
        split=split_col,
        start=start_col,
        end=end_col,
    )
    _run_sources(prepare_table, list(paths), output, columns=columns, media=media, fmt=fmt, **selection)
