"""The `vtdata` command line: one thin command per stage over the library API.

Commands import their stage lazily so `vtdata --help` stays instant (no torch import).
The library never prints; these commands draw progress bars and print summaries.
"""

from __future__ import annotations

from pathlib import Path

import click

from vtdata import __version__
from vtdata.engine.options import engine_options


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="vtdata")
def main() -> None:
    """Video-text pre-training data: corpus metadata -> downloads -> clips -> WebDataset shards
    -> GPU-ready loaders -> a reference model.

    \b
    Stages, in order:
      sources          read HowTo100M / WebVid / CC3M / plain-table metadata into sources.parquet
      download         fetch media (yt-dlp or HTTP) into a resumable, verified store
      align            turn subtitles / narration into clips.parquet
      shard            sample frames and write WebDataset shards + index
      train-reference  train a small dual encoder on the shards
      evaluate         text<->video retrieval metrics of a checkpoint
    Try `vtdata quickstart` to run everything on a built-in synthetic corpus.
    """


# --- stage commands -------------------------------------------------------------------------
# Each stage adds its command below as a thin wrapper over its library function.


# --- sources: corpus recipes -> sources.parquet ---------------------------------------------


@main.group("sources")
def sources_group() -> None:
    """Read a corpus's native metadata into sources.parquet (one row per media item).

    Malformed rows are reported with their file and line and skipped; the summary counts them
    by reason. Every recipe takes the same selection options (--limit, --split, --val-fraction,
    --sample, --seed). The table format is documented in docs/formats.md, section 1.
    """


def _sources_options(func):
    """Output and selection options shared by every `vtdata sources` command."""
    options = [
        click.option(
            "-o",
            "--output",
            type=click.Path(dir_okay=False),
            default="sources.parquet",
            show_default=True,
            help="Where to write the source table (atomically: a temporary file, then a rename).",
        ),
        click.option(
            "--limit",
            type=click.IntRange(min=0),
            default=None,
            help="Stop after this many items (after sampling); the rest of the input is not read.",
        ),
        click.option(
            "--split",
            default="auto",
            show_default=True,
            help="Split name for every item, except those --val-fraction holds out and table rows "
            "that name their own split. 'auto': the split a file's name states (results_2M_val.csv, "
            "Validation_GCC-1.1.0-Validation.tsv -> val), else train.",
        ),
        click.option(
            "--val-fraction",
            type=click.FloatRange(0.0, 1.0, max_open=True),
            default=0.0,
            show_default=True,
            help="Put this fraction of items in split 'val', chosen by a hash of (seed, id): the same "
            "items on every run, whatever the file order.",
        ),
        click.option(
            "--sample",
            "sample_fraction",
            type=click.FloatRange(0.0, 1.0, min_open=True),
            default=1.0,
            show_default=True,
            help="Keep only this fraction of items, chosen by a hash of (seed, id) (deterministic).",
        ),
        click.option(
            "--seed",
            type=int,
            default=0,
            show_default=True,
            help="Seed of the --val-fraction and --sample hashes.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _run_sources(prepare, *args, **kwargs) -> None:
    """Run a `prepare_<corpus>` with a progress bar, turn input errors into CLI errors, summarize."""
    import time

    from tqdm import tqdm

    from vtdata.sources.report import SourceFormatError

    started = time.monotonic()
    with tqdm(desc="reading", unit=" items", disable=None, leave=False) as bar:
        try:
            result = prepare(*args, progress=bar.update, **kwargs)
        except (SourceFormatError, ValueError, FileNotFoundError) as e:
            raise click.ClickException(str(e)) from None
    click.echo(f"wrote {result.output}: {result.num_items} items in {time.monotonic() - started:.1f} s")
    if result.counts:
        click.echo(f"  {'dataset':<10} {'media':<6} {'split':<12} {'items':>10}")
        for (dataset, media, split), n in sorted(result.counts.items()):
            click.echo(f"  {dataset:<10} {media:<6} {split:<12} {n:>10}")
    report = result.report
    if not report.total:
        click.echo("skipped: none")
        return
    click.echo(f"skipped {report.total} (rows, or caption segments for bad_segment), by reason:")
    for reason, n in report.counts.most_common():
        click.echo(f"  {reason:<20} {n:>10}")
        for message in report.messages.get(reason, [])[:3]:
            click.echo(f"      e.g. {message}")


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
@click.option("--url-col", default="url", show_default=True, help="Column with the media URL (required).")
@click.option(
    "--id-col", default="id", show_default=True, help="Column with the item id (else derived from the URL)."
)
@click.option("--caption-col", default="caption", show_default=True, help="Column with the caption text.")
@click.option(
    "--duration-col",
    default="duration",
    show_default=True,
    help="Column with the duration (seconds or ISO-8601).",
)
@click.option("--media-col", default="media", show_default=True, help="Column saying video or image per row.")
@click.option("--split-col", default="split", show_default=True, help="Column naming each row's split.")
@click.option(
    "--start-col", default="start", show_default=True, help="Column with a timed caption's start (seconds)."
)
@click.option(
    "--end-col", default="end", show_default=True, help="Column with a timed caption's end (seconds)."
)
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


# --- download: sources.parquet -> media store + ledger ------------------------------------------


@main.command("download")
@click.argument("sources", metavar="SOURCES.parquet", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o",
    "--output",
    "store",
    required=True,
    type=click.Path(file_okay=False),
    help="Store folder: media/, ledger.sqlite and a copy of the source table. Rerun with the same "
    "folder to resume: ok items are never fetched again.",
)
@click.option(
    "--workers", type=click.IntRange(min=1), default=16, show_default=True, help="Items fetched at once."
)
@click.option(
    "--per-host",
    type=click.IntRange(min=1),
    default=4,
    show_default=True,
    help="At most this many requests to one host at once (YouTube counts as one host).",
)
@click.option(
    "--timeout", type=float, default=30.0, show_default=True, help="Connect/read timeout of one request, s."
)
@click.option(
    "--deadline",
    type=float,
    default=600.0,
    show_default=True,
    help="Hard limit per item (all attempts, waits and checks), s; past it the item is `timeout`.",
)
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Extra attempts for transient failures only (5xx, timeouts, resets, 429); never for 404s.",
)
@click.option(
    "--backoff",
    type=float,
    default=1.0,
    show_default=True,
    help="First retry waits about this long (s), doubling per attempt, with jitter.",
)
@click.option(
    "--max-bytes",
    default="1G",
    show_default=True,
    help="Size cap per file (K/M/G suffixes; 0 = none); larger files fail as too_large.",
)
@click.option(
    "--max-height",
    type=click.IntRange(min=1),
    default=360,
    show_default=True,
    help="yt-dlp: pick formats at most this tall, preferring H.264.",
)
@click.option(
    "--subs",
    default="en",
    show_default=True,
    help="yt-dlp: subtitle languages, comma-separated (regexes allowed, e.g. 'en.*'); 'none' for none.",
)
@click.option(
    "--auto-subs/--no-auto-subs",
    default=True,
    show_default=True,
    help="yt-dlp: also take automatic captions (YouTube ASR) when no written subtitles exist.",
)
@click.option(
    "--image-size",
    type=click.IntRange(min=1),
    default=None,
    help="Resize images on download so the short side is at most this (stored as JPEG).",
)
@click.option(
    "--sections",
    is_flag=True,
    help="Fetch only the time span covering each video's segments (plus --section-pad), via yt-dlp "
    "download ranges; the ledger's `offset` gives the file's start in source time.",
)
@click.option(
    "--section-pad",
    type=float,
    default=1.0,
    show_default=True,
    help="Seconds added on each side of --sections.",
)
@click.option(
    "--backend",
    type=click.Choice(["auto", "ytdlp", "http"]),
    default="auto",
    show_default=True,
    help="auto: plain HTTP for direct media files and images, yt-dlp for pages and YouTube.",
)
@click.option(
    "--cookies", type=click.Path(exists=True, dir_okay=False), help="Netscape cookies.txt for all requests."
)
@click.option(
    "--proxy", help="Proxy URL for all requests, e.g. http://host:3128 (socks5:// only for yt-dlp)."
)
@click.option(
    "--ytdlp-opt",
    "ytdlp_opts",
    multiple=True,
    metavar="KEY=VALUE",
    help="Extra yt-dlp parameter (Python API name; VALUE parsed as JSON if it can be); repeatable.",
)
@click.option(
    "--allow-local-files", is_flag=True, help="Also accept file:// URLs and plain paths (refused by default)."
)
@click.option(
    "--retry-failed", is_flag=True, help="Fetch items that failed in earlier runs again (see --reason)."
)
@click.option(
    "--reason",
    "reasons",
    multiple=True,
    help="With --retry-failed: only failures with this reason (repeatable), e.g. rate_limited, timeout.",
)
@click.option(
    "--cooldown",
    type=float,
    default=10.0,
    show_default=True,
    help="First per-host pause after a 429/403 without Retry-After, s (doubles per strike).",
)
@click.option(
    "--host-strikes",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="After this many cool-downs in a row, a host's remaining items are recorded without fetching.",
)
@click.option("--dry-run", is_flag=True, help="Show what would be fetched, and how; fetch and write nothing.")
@click.option(
    "-v", "--verbose", count=True, help="Log more (-v: info, -vv: debug, including yt-dlp's output)."
)
@engine_options(cpus_per_task=0.25, task="fetch", in_flight="--workers fetches are in flight at once.")
def download_cmd(
    sources,
    store,
    max_bytes,
    subs,
    ytdlp_opts,
    reasons,
    verbose,
    engine,
    ray_address,
    cpus_per_task,
    max_retries,
    **options,
) -> None:
    """Fetch the media of SOURCES.parquet into a resumable, verified store.

    Every item ends as one ledger row: ok (the file decoded, its size and duration recorded) or
    failed with one reason (not_found, unavailable, rate_limited, blocked, timeout, corrupt,
    not_media, too_large, ...) and the real error message. Kill it at any moment and rerun the
    same command: partial files are removed and only items not yet ok are fetched.
    """
    import logging

    from tqdm import tqdm

    from vtdata.download import DownloadConfig, download
    from vtdata.download.config import parse_size, parse_ytdlp_options
    from vtdata.download.report import summary_lines
    from vtdata.download.store import StoreBusy
    from vtdata.engine.download import RayDownloadEngine
    from vtdata.engine.options import engine_session

    logging.basicConfig(level=[logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)])
    try:
        config = DownloadConfig(
            max_bytes=parse_size(max_bytes),
            subs=tuple(s.strip() for s in subs.split(",") if s.strip() and s.strip().lower() != "none"),
            ytdlp_options=parse_ytdlp_options(ytdlp_opts),
            retry_reasons=tuple(reasons),
            retry_failed=options.pop("retry_failed") or bool(reasons),
            **options,
        )
    except ValueError as e:
        raise click.UsageError(str(e)) from None

    bar = tqdm(desc="download", unit=" items", disable=None, dynamic_ncols=True)

    def progress(update) -> None:
        if bar.total != update.total:
            bar.total = update.total
            bar.refresh()
        if update.entry is not None:
            bar.update(1)
            bar.set_postfix(ok=update.ok, failed=update.failed, MB=f"{update.bytes / 1e6:.1f}", refresh=False)

    try:
        kind = "local" if config.dry_run else engine
        session = engine_session(kind, ray_address, cpus_per_task, max_retries)
        with session as executor, bar:
            fetch = RayDownloadEngine(executor) if executor is not None else None
            summary = download(sources, store, config, progress=progress, engine=fetch)
    except StoreBusy as e:
        raise click.ClickException(str(e)) from None
    except KeyboardInterrupt:
        click.echo("\ninterrupted: finished items are recorded; rerun the same command to resume", err=True)
        raise SystemExit(130) from None
    for line in summary_lines(summary):
        click.echo(line)


# --- align: subtitles / narration -> clips.parquet ----------------------------------------------


@main.command("align")
@click.argument("store", metavar="[STORE]", required=False, type=click.Path(exists=True, file_okay=False))
@click.option(
    "--sources",
    "sources_path",
    type=click.Path(exists=True, dir_okay=False),
    help="Align a bare source table instead of a download store (segments and captions only; "
    "durations from the table).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="clips.parquet to write (a .report.json lands beside it). Default: STORE/clips.parquet, or "
    "clips.parquet beside the --sources table.",
)
@click.option(
    "--builder",
    type=click.Choice(["cue", "merge", "window", "whole"]),
    default="cue",
    show_default=True,
    help="cue: a clip per cue; merge: consecutive cues joined up to --min-duration/--max-duration; "
    "window: fixed --window/--stride windows with the text inside; whole: the whole item. Items "
    "with only a caption (and images) always get one whole clip.",
)
@click.option(
    "--min-duration",
    type=float,
    default=0.0,
    show_default=True,
    help="merge: join cues until a clip lasts this (s).",
)
@click.option(
    "--max-duration",
    type=float,
    default=None,
    help="Cap on a clip's length (s): merge never grows past it, longer cues are cut to it.",
)
@click.option("--window", type=float, default=10.0, show_default=True, help="window: window length (s).")
@click.option(
    "--stride", type=float, default=None, help="window: step between window starts (s); default --window."
)
@click.option(
    "--shift",
    type=float,
    default=0.0,
    show_default=True,
    help="Move text times by this many seconds before cutting (positive = later), for ASR that "
    "lags or leads the picture.",
)
@click.option("--pad", type=float, default=0.0, show_default=True, help="Extend both ends of every clip (s).")
@click.option(
    "--pad-to",
    type=float,
    default=0.0,
    show_default=True,
    help="Grow shorter clips symmetrically to this length (s), MIL-NCE style (5 s there).",
)
@click.option(
    "--context",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Put the text of K cues before and K after each clip in `context` (DECEMBERT).",
)
@click.option(
    "--neighbours",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Add N neighbouring cues on each side to `texts` (MIL-NCE candidate positives).",
)
@click.option(
    "--min-clip",
    type=float,
    default=0.1,
    show_default=True,
    help="Drop clips shorter than this after clamping to the media (s), as too_short.",
)
@click.option(
    "--lang",
    "langs",
    multiple=True,
    default=("en",),
    show_default=True,
    help="Subtitle languages in preference order (repeatable); 'en' also matches en-US, en-orig; "
    "'*' matches any.",
)
@click.option(
    "--dedup",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="De-duplicate YouTube rolling captions: auto (when detected), always, never.",
)
@click.option(
    "--howto100m-repair/--no-howto100m-repair",
    default=True,
    show_default=True,
    help="Repair HowTo100M narration segments (overlaps, repeats, sub-0.2 s glitch cues).",
)
@click.option("--show", "show_id", metavar="ID", help="Print the cues and clips of one item; write nothing.")
def align_cmd(store, sources_path, output, langs, dedup, howto100m_repair, show_id, **clip_options) -> None:
    """Turn subtitles and narration into clips.parquet.

    Per item, the text comes from its subtitles (--lang order), else its segments (HowTo100M
    narration), else its caption. YouTube rolling auto-captions are de-duplicated to each word
    once, at the time it was spoken. Clip times are clamped to the probed media duration. Bad
    input (malformed cues, unreadable timestamps, empty files, wrong encodings) is reported per
    item with its file and line, and never stops the run. Formats: docs/formats.md section 3;
    behaviour on messy input: docs/align.md.
    """
    from pathlib import Path

    from tqdm import tqdm

    from vtdata.align.builders import ClipOptions
    from vtdata.align.pipeline import AlignOptions, Drop, align_item
    from vtdata.align.store import (
        SOURCES_NAME,
        count_sources,
        find_item,
        run_align,
        source_items,
        store_items,
    )
    from vtdata.align.summary import format_summary

    if (store is None) == (sources_path is None):
        raise click.UsageError("give a download STORE or --sources SOURCES.parquet (one of them)")
    try:
        opts = AlignOptions(ClipOptions(**clip_options), tuple(langs), dedup, howto100m_repair)
    except ValueError as e:
        raise click.UsageError(str(e)) from None
    table = Path(store) / SOURCES_NAME if store else Path(sources_path)
    if not table.exists():
        raise click.ClickException(f"{table}: no source table here; is {store} a download store?")

    def items():
        try:
            return store_items(store) if store else source_items(sources_path)
        except FileNotFoundError as e:
            raise click.ClickException(str(e)) from None

    if show_id:
        found = find_item(items(), show_id)
        if found is None:
            raise click.ClickException(f"no item {show_id!r} in {table}")
        if isinstance(found, Drop):
            raise click.ClickException(f"{show_id}: {found.reason} ({found.message})")
        _show_item(found, align_item(found, opts))
        return

    out = Path(output) if output else table.with_name("clips.parquet")
    with tqdm(
        total=count_sources(table), desc="align", unit=" items", disable=None, dynamic_ncols=True
    ) as bar:
        summary = run_align(items(), out, opts, progress=lambda r: bar.update(1))
    click.echo(f"wrote {out}: {summary.clips} clips from {summary.items} items")
    click.echo(format_summary(summary))


def _show_item(ai, result) -> None:
    """Print one item's text source, cues, clips and drops for eyeballing."""
    item = ai.item
    duration = f"{ai.duration:.3f} s" if ai.duration is not None else "unknown"
    click.echo(f"{item.id}  dataset={item.dataset} media={item.media} duration={duration} split={item.split}")
    click.echo(
        f"text source: {result.source or 'none'}{' (rolling YouTube captions)' if result.rolling else ''}"
    )
    for issue in result.issues:
        click.echo(f"  {issue.severity}: {issue}")
    click.echo(f"cues ({len(result.cues)}):")
    for c in result.cues:
        click.echo(f"  {c.start:9.3f} {c.end:9.3f}  {c.text}")
    click.echo(f"clips ({len(result.clips)}):")
    for c in result.clips:
        click.echo(f"  {c.clip_id}  {c.start:9.3f} {c.end:9.3f}  {c.text}")
        if len(c.texts) > 1:
            click.echo(f"      texts: {c.texts}")
        if c.context:
            click.echo(f"      context: {c.context}")
    if result.drops:
        click.echo(f"dropped ({len(result.drops)}):")
        for d in result.drops:
            when = f" {d.start:.3f}-{d.end:.3f}" if d.start is not None and d.end is not None else ""
            click.echo(f"  {d.level}:{d.reason}{when}  {d.message}")


# --- train-reference / evaluate: the reference dual encoder (vtdata.train) ------------------------

_MODEL_OPTIONS = ("image_size", "patch_size", "width", "depth", "temporal", "tubelet", "embed_dim")


@main.command("train-reference")
@click.option(
    "--shards",
    "train_shards",
    required=True,
    help="Training shards: a directory with index.parquet, or a brace pattern of tars.",
)
@click.option(
    "--split", "train_split", default=None, help="Split of the shard directory to train on [train]."
)
@click.option("--val-shards", default=None, help="Held-out shards to score during and after training.")
@click.option("--val-split", default=None, help="Split of --val-shards to score [val].")
@click.option(
    "--out",
    "out_dir",
    default=None,
    help="Run directory (checkpoints, log.jsonl, curves.png) [runs/reference].",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="YAML/JSON file of TrainConfig fields (model sizes under `model:`); options override it.",
)
@click.option("--steps", type=int, default=None, help="Optimiser steps in total [300].")
@click.option("--batch-size", type=int, default=None, help="Clips per step per process [64].")
@click.option("--frames", "num_frames", type=int, default=None, help="Frames per clip [4].")
@click.option(
    "--curriculum-steps",
    type=int,
    default=None,
    help="Train the first N steps on --curriculum-frames frames (Frozen's images-first) [0].",
)
@click.option(
    "--curriculum-frames", type=int, default=None, help="Frames per clip during the curriculum [1]."
)
@click.option("--image-size", type=int, default=None, help="Frame side in pixels after crop [64].")
@click.option("--patch-size", type=int, default=None, help="ViT patch side in pixels [16].")
@click.option("--width", type=int, default=None, help="Transformer width of both towers [128].")
@click.option("--depth", type=int, default=None, help="ViT blocks per frame [2].")
@click.option(
    "--temporal",
    type=click.Choice(["mean", "transformer", "divided"]),
    default=None,
    help="How frames meet: divided space-time attention in every block (Frozen), a temporal "
    "transformer over frame features, or their mean (order-blind) [transformer].",
)
@click.option(
    "--tubelet",
    type=int,
    default=None,
    help="Consecutive frames per patch token (ViViT tubelets; 2 makes motion learnable fast) [2].",
)
@click.option("--embed-dim", type=int, default=None, help="Joint embedding size [128].")
@click.option("--lr", type=float, default=None, help="Peak AdamW learning rate [1e-3].")
@click.option(
    "--warmup-steps", type=int, default=None, help="Linear warm-up steps before the cosine decay [30]."
)
@click.option("--weight-decay", type=float, default=None, help="AdamW weight decay on matrices [0.05].")
@click.option(
    "--loss",
    type=click.Choice(["auto", "infonce", "milnce"]),
    default=None,
    help="auto: MIL-NCE when some clip has several texts, else symmetric InfoNCE [auto].",
)
@click.option(
    "--tokenizer",
    type=click.Choice(["word", "bpe"]),
    default=None,
    help="Tokenizer trained on the training captions [word].",
)
@click.option(
    "--precision",
    type=click.Choice(["auto", "fp32", "bf16", "fp16"]),
    default=None,
    help="AMP on CUDA (auto: bf16 where supported, else fp16); CPU always runs fp32 [auto].",
)
@click.option("--device", default=None, help="auto, cpu or cuda (under torchrun: this rank's GPU) [auto].")
@click.option("--workers", "num_workers", type=int, default=None, help="DataLoader workers per process [2].")
@click.option("--seed", type=int, default=None, help="Seed of the model init and the data order [0].")
@click.option(
    "--threads",
    type=int,
    default=None,
    help="torch threads per process (0: on CPU, the cores left after the loader workers) [0].",
)
@click.option("--log-every", type=int, default=None, help="Steps between log.jsonl records [10].")
@click.option("--checkpoint-every", type=int, default=None, help="Steps between checkpoints [100].")
@click.option(
    "--eval-every",
    type=int,
    default=None,
    help="Steps between held-out evaluations (0: only at the end) [0].",
)
@click.option(
    "--contrast-words",
    default=None,
    help="Comma-separated words for the minimal-pair test, e.g. left,right,up,down.",
)
@click.option(
    "--resume", "resume_latest", is_flag=True, help="Continue the run in --out from its latest checkpoint."
)
@click.option(
    "--resume-from", type=click.Path(exists=True), default=None, help="Continue from this checkpoint."
)
@click.option("--no-plot", is_flag=True, help="Do not draw curves.png at the end.")
def train_reference_cmd(config_file, resume_latest, resume_from, no_plot, contrast_words, **options) -> None:
    """Train the reference dual encoder on shards; checkpoint, log, evaluate and plot.

    A ViT over frames with temporal pooling and a small text transformer, trained with
    symmetric InfoNCE (or MIL-NCE) and AdamW + cosine schedule. Run it under `torchrun
    --nproc_per_node N` for DDP (gloo on CPU, NCCL on GPUs). Ctrl-C stops after the current
    step with a checkpoint; --resume continues exactly where it stopped. See docs/train.md.
    """
    import os
    from pathlib import Path

    import yaml
    from tqdm import tqdm

    from vtdata.train import TrainConfig, train
    from vtdata.train.metrics import format_table

    values: dict = {}
    if config_file:
        values = yaml.safe_load(Path(config_file).read_text()) or {}
    model = dict(values.pop("model", None) or {})
    for name in _MODEL_OPTIONS:
        if options.get(name) is not None:
            model[name] = options[name]
    values.update({k: v for k, v in options.items() if v is not None and k not in _MODEL_OPTIONS})
    if contrast_words:
        values["contrast_words"] = [w.strip() for w in contrast_words.split(",") if w.strip()]
    if resume_latest or resume_from:
        values["resume"] = resume_from or "latest"
    if no_plot:
        values["plot"] = False
    try:
        config = TrainConfig(**{**values, "model": model})
    except (TypeError, ValueError) as e:
        raise click.UsageError(str(e)) from None

    is_main = int(os.environ.get("RANK", "0")) == 0  # under torchrun only rank 0 reports
    with tqdm(
        total=config.steps,
        desc="train",
        unit=" steps",
        disable=None if is_main else True,
        dynamic_ncols=True,
    ) as bar:

        def progress(step: int, total: int, info: dict) -> None:
            bar.n = step
            bar.set_postfix(loss=f"{info['loss']:.3f}", frames=info["frames"], refresh=False)
            bar.refresh()

        result = train(config, progress=progress)
    if not is_main:
        return
    state = "stopped early" if result.stopped_early else "done"
    loss = result.final_loss if result.final_loss is not None else float("nan")
    click.echo(
        f"{state} at step {result.steps}/{config.steps} in {result.seconds:.0f} s "
        f"({result.loss_mode} loss {loss:.4f})"
    )
    click.echo(f"checkpoint {result.checkpoint}\nlog        {result.log}")
    if result.plot:
        click.echo(f"curves     {result.plot}")
    if result.metrics:
        click.echo(format_table(result.metrics))
        click.echo(f"metrics    {result.out_dir / 'metrics.json'}")
    if result.stopped_early:
        click.echo(f"resume with: vtdata train-reference ... --out {result.out_dir} --resume")


@main.command("evaluate")
@click.argument("checkpoint", type=click.Path(exists=True))
@click.option(
    "--shards", required=True, help="Held-out shards: a directory with index.parquet, or a brace pattern."
)
@click.option("--split", default="val", show_default=True, help="Split of the shard directory to score.")
@click.option(
    "--frames",
    "num_frames",
    type=int,
    default=None,
    help="Frames per clip (uniform sampling); default: what the model trained with.",
)
@click.option("--batch-size", type=int, default=64, show_default=True, help="Clips per forward pass.")
@click.option("--workers", "num_workers", type=int, default=2, show_default=True, help="DataLoader workers.")
@click.option("--device", default="auto", show_default=True, help="auto, cpu or cuda.")
@click.option(
    "--contrast-words",
    default=None,
    help="Comma-separated words for the minimal-pair test, e.g. left,right,up,down.",
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False), default=None, help="Write the results as JSON here."
)
@click.option("--json", "as_json", is_flag=True, help="Print the full JSON instead of the table.")
def evaluate_cmd(
    checkpoint, shards, split, num_frames, batch_size, num_workers, device, contrast_words, output, as_json
) -> None:
    """Text->video and video->text retrieval (R@1/5/10, median and mean rank) of a checkpoint.

    CHECKPOINT is a .pt file or a train-reference run directory. Every clip of the held-out
    shards is embedded once (uniform frames, centre crop). Paired and caption-level metrics are
    defined in docs/train.md.
    """
    import json

    from tqdm import tqdm

    from vtdata.train import evaluate
    from vtdata.train.metrics import format_table

    words = [w.strip() for w in contrast_words.split(",") if w.strip()] if contrast_words else None
    with tqdm(desc="evaluate", unit=" clips", disable=None, dynamic_ncols=True) as bar:

        def progress(done: int, total: int | None, info: dict) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            result = evaluate(
                checkpoint,
                shards,
                split,
                num_frames,
                batch_size,
                num_workers,
                device,
                words,
                output,
                progress,
            )
        except (FileNotFoundError, ValueError) as e:
            raise click.ClickException(str(e)) from None
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(
        f"{result['checkpoint']} (step {result['step']}, {result['num_frames']} frames) on {shards}"
        f" split {split}: {int(result['metrics']['num_clips'])} clips in {result['seconds']:.1f} s"
    )
    click.echo(format_table(result["metrics"]))
    if output:
        click.echo(f"wrote {output}")


# --- shard: clips -> WebDataset shards -----------------------------------------------------------


@main.command("shard")
@click.argument("store", metavar="[STORE]", required=False, type=click.Path(exists=True, file_okay=False))
@click.option(
    "--clips",
    "clips_path",
    type=click.Path(exists=True, dir_okay=False),
    help="clips.parquet to shard. Default: STORE/clips.parquet (where `vtdata align` writes it).",
)
@click.option(
    "--media-table",
    type=click.Path(exists=True, dir_okay=False),
    help="Instead of a download STORE: a CSV/Parquet table with columns id, path (relative to the "
    "table) and optionally media (video|image) and dataset.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False),
    help="Shard folder (required): <split>-NNNNNN.tar, index.parquet, stats.json, dataset.json. "
    "Rerun with the same folder to resume: complete shards are kept.",
)
@click.option(
    "-p",
    "--pipeline",
    type=click.Path(exists=True, dir_okay=False),
    help="Pipeline config (e.g. pipelines/webvid-frozen.yaml); the options below override its keys.",
)
@click.option(
    "--store", "store_kind", type=click.Choice(["frames", "clip"]), help="Key store: frames | clip."
)
@click.option(
    "--sampling",
    type=click.Choice(["uniform", "rand", "headtail", "dense", "all"]),
    help="Key sampling.mode, for every split (frames store).",
)
@click.option("--num-frames", type=click.IntRange(min=1), help="Key sampling.num_frames, for every split.")
@click.option("--fps", type=float, help="Key sampling.fps: frame rate of dense sampling.")
@click.option("--max-frames", type=click.IntRange(min=1), help="Key sampling.max_frames (dense).")
@click.option("--seed", type=click.IntRange(min=0), help="Key sampling.seed of the random modes.")
@click.option("--size", type=click.IntRange(min=1), help="Key resize.short_side, in pixels.")
@click.option("--crop/--no-crop", default=None, help="Key resize.crop: centre-crop to a square.")
@click.option("--upscale/--no-upscale", default=None, help="Key resize.upscale: enlarge small sources.")
@click.option("--jpeg-quality", type=click.IntRange(1, 100), help="Key frames.jpeg_quality.")
@click.option("--clip-fps", type=float, help="Key clip.fps: frame rate of clip-store mp4s.")
@click.option("--keep-audio/--no-keep-audio", default=None, help="Key clip.keep_audio (clip store).")
@click.option("--samples-per-shard", type=click.IntRange(min=1), help="Key shards.samples_per_shard.")
@click.option("--max-shard-bytes", help="Key shards.max_shard_bytes, e.g. 500MB or 2GiB.")
@click.option(
    "--split", "splits", multiple=True, help="Key shards.splits: shard only this split (repeatable)."
)
@click.option("--decoder", type=click.Choice(["auto", "decord", "pyav"]), help="Key decode.decoder.")
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="KEY=VALUE",
    help="Set any config key, e.g. --set sampling.window=rand (VALUE is read as YAML; repeatable).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Shard jobs run at once, each in its own process [number of CPUs].",
)
@click.option(
    "--threads",
    type=click.IntRange(min=0),
    default=None,
    help="Decoder threads per worker (0: FFmpeg's choice) [CPUs / workers].",
)
@click.option("--overwrite", is_flag=True, help="Delete the shards already in --output and start again.")
@click.option("--show-config", is_flag=True, help="Print the resolved pipeline config and exit.")
@engine_options(cpus_per_task=1.0, task="shard job", in_flight="In flight: twice the jobs the cluster fits.")
def shard_cmd(
    store,
    clips_path,
    media_table,
    output,
    pipeline,
    settings,
    workers,
    threads,
    overwrite,
    show_config,
    engine,
    ray_address,
    cpus_per_task,
    max_retries,
    **options,
) -> None:
    """Sample frames (or re-encode clips) into WebDataset shards, with an index and stats.

    The shards are planned from the clip table and the config alone, so a rerun (after a crash or
    Ctrl-C) keeps every complete shard and writes the same bytes for the rest. Bad media fail
    only their clips; stats.json and index.parquet say which and why. Formats: docs/formats.md
    section 4; guide: docs/shard.md.
    """
    import os
    from pathlib import Path

    import yaml
    from tqdm import tqdm

    from vtdata.config import ConfigError, load_pipeline
    from vtdata.engine.options import engine_session
    from vtdata.engine.shard import RayShardEngine
    from vtdata.shard.local import LocalEngine
    from vtdata.shard.media import refs_from_store, refs_from_table
    from vtdata.shard.run import ShardError, shard
    from vtdata.shard.summary import format_summary

    keys = {
        "store_kind": "store",
        "sampling": "sampling.mode",
        "num_frames": "sampling.num_frames",
        "fps": "sampling.fps",
        "max_frames": "sampling.max_frames",
        "seed": "sampling.seed",
        "size": "resize.short_side",
        "crop": "resize.crop",
        "upscale": "resize.upscale",
        "jpeg_quality": "frames.jpeg_quality",
        "clip_fps": "clip.fps",
        "keep_audio": "clip.keep_audio",
        "samples_per_shard": "shards.samples_per_shard",
        "max_shard_bytes": "shards.max_shard_bytes",
        "splits": "shards.splits",
        "decoder": "decode.decoder",
    }
    overrides = {}
    for name, key in keys.items():
        value = options[name]
        if value is not None and value != ():
            overrides[key] = list(value) if isinstance(value, tuple) else value
    for setting in settings:
        key, sep, value = setting.partition("=")
        if not sep or not key:
            raise click.UsageError(f"--set {setting!r}: expected KEY=VALUE, e.g. sampling.window=rand")
        overrides[key.strip()] = yaml.safe_load(value)
    try:
        config = load_pipeline(pipeline, overrides)
    except ConfigError as e:
        raise click.UsageError(str(e)) from None
    if show_config:
        click.echo(yaml.safe_dump(config.to_dict(), sort_keys=False), nl=False)
        return
    if (store is None) == (media_table is None):
        raise click.UsageError("give a download STORE or --media-table TABLE (one of them)")
    if output is None:
        raise click.UsageError("give the shard folder with -o/--output")
    clips = Path(clips_path) if clips_path else Path(store) / "clips.parquet"
    if not clips.exists():
        raise click.UsageError(f"{clips}: no clip table; run `vtdata align {store}` or pass --clips")
    try:
        refs = refs_from_store(store) if store else refs_from_table(media_table)
    except (FileNotFoundError, ValueError) as e:
        raise click.ClickException(str(e)) from None
    workers = workers or os.cpu_count() or 1
    session = engine_session(engine, ray_address, cpus_per_task, max_retries)
    with session as executor, tqdm(desc="shard", unit=" clips", disable=None, dynamic_ncols=True) as bar:

        def on_plan(total: int, done: int) -> None:
            bar.reset(total=total)
            bar.update(done)

        try:
            summary = shard(
                clips,
                output,
                config,
                refs,
                engine=RayShardEngine(executor, threads) if executor else LocalEngine(workers, threads),
                overwrite=overwrite,
                progress=bar.update,
                on_plan=on_plan,
            )
        except ShardError as e:
            raise click.ClickException(str(e)) from None
        except KeyboardInterrupt:
            bar.close()
            click.echo(f"interrupted: complete shards are kept; rerun the same command to resume {output}")
            raise SystemExit(130) from None
    click.echo(format_summary(summary))


@main.command("quickstart")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default="vtdata-quickstart")
@click.option("--seed", default=0, show_default=True, help="Seed of the synthetic corpus and of training.")
@click.option(
    "--clips",
    "webvid",
    type=click.IntRange(min=8),
    default=1000,
    show_default=True,
    help="WebVid-like clips to generate (30% are held out for evaluation).",
)
@click.option(
    "--train-steps", type=click.IntRange(min=1), default=300, show_default=True, help="Training steps."
)
@click.option("--no-train", is_flag=True, help="Stop after sharding (skip training and evaluation).")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Processes for shard and train.",
)
def quickstart_cmd(
    directory: Path, seed: int, webvid: int, train_steps: int, no_train: bool, workers: int
) -> None:
    """Run the whole pipeline on a built-in synthetic corpus, served from 127.0.0.1.

    Generates moving-shape clips (WebVid-like), narrated videos with YouTube-style
    auto-captions (HowTo100M-like) and captioned images (CC3M-like) in the corpora's native
    metadata formats, serves them over HTTP, then runs sources -> download -> align -> shard
    -> train-reference -> evaluate, printing each command so you can rerun any of them.
    Everything lands in DIRECTORY (default ./vtdata-quickstart); rerunning resumes.
    """
    import time

    from vtdata.quickstart import QuickstartConfig, Step, run_quickstart

    cfg = QuickstartConfig(
        root=directory, seed=seed, webvid=webvid, train_steps=train_steps, train=not no_train, workers=workers
    )
    started = time.monotonic()
    timings: list[tuple[str, float]] = []

    def run_step(step: Step) -> None:
        click.secho(f"\n== {step.title}", bold=True)
        click.echo(f"$ {step.shell}")
        t0 = time.monotonic()
        code = main.main(args=step.argv, prog_name="vtdata", standalone_mode=False)
        if isinstance(code, int) and code != 0:
            raise click.ClickException(f"quickstart step failed (exit {code}): {step.shell}")
        timings.append((step.title, time.monotonic() - t0))

    run_quickstart(cfg, run_step, on_stage=lambda m: click.secho(m, fg="cyan"))
    click.secho(
        f"\nQuickstart finished in {time.monotonic() - started:.0f} s; everything is in {directory}/",
        bold=True,
    )
    for title, seconds in timings:
        click.echo(f"  {seconds:7.1f} s  {title}")


@main.command("inspect")
@click.argument("shards", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--key", help="clip_id of the sample to draw; without it, list the first samples.")
@click.option("-n", "--limit", default=20, show_default=True, help="How many clip ids to list without --key.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Contact sheet PNG to write [<clip_id>.png in the current folder].",
)
@click.option("--columns", default=8, show_default=True, help="Frames per row of the contact sheet.")
def inspect_cmd(shards: Path, key: str | None, limit: int, output: Path | None, columns: int) -> None:
    """Show one sample of a shard folder: its metadata, caption and frames as a contact sheet.

    Reads the tar that index.parquet names, so it needs nothing but the shard folder. Each frame
    is labelled with the source time it was sampled at.
    """
    from vtdata.shard.inspect import contact_sheet, read_sample, sample_keys

    if key is None:
        for clip_id in sample_keys(shards, limit):
            click.echo(clip_id)
        click.echo("(pass --key CLIP_ID to draw one)", err=True)
        return
    try:
        sample = read_sample(shards, key)
    except KeyError as e:
        raise click.ClickException(str(e.args[0])) from None
    meta = sample.meta
    click.echo(
        f"{key} in {sample.shard}: {meta.get('media')} {meta.get('start')}-{meta.get('end')} s, "
        f"{len(sample.frames)} frames, store {meta.get('store')}, sampling {meta.get('sampling')}"
    )
    click.echo(f"text: {sample.text}")
    output = output or Path(f"{key}.png")
    contact_sheet(sample, columns=columns).save(output)
    click.echo(f"contact sheet: {output}")


@main.command("stats")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def stats_cmd(folder: Path) -> None:
    """Summarize a shard folder (stats.json) or a download store (its ledger), on one screen."""
    import json

    if (folder / "stats.json").exists():
        stats = json.loads((folder / "stats.json").read_text())
        total = stats["total"]
        click.echo(
            f"{folder}: {total['samples']} samples in {total.get('shards', '?')} shards, "
            f"{total.get('bytes', 0) / 1e6:.1f} MB, {total.get('frames', '?')} frames"
        )
        for split, s in sorted(stats.get("splits", {}).items()):
            click.echo(f"  {split:<12} {s['samples']:>8} samples {s['failed']:>6} failed")
        for reason, n in sorted(total.get("failures_by_reason", {}).items()):
            click.echo(f"  failed: {reason:<16} {n:>8}")
        return
    if (folder / "ledger.sqlite").exists():
        from vtdata.download.ledger import Ledger

        with Ledger(folder, readonly=True) as ledger:
            counts = ledger.counts()
        total = sum(counts.values())
        click.echo(f"{folder}: {total} items in the ledger")
        for name, n in sorted(counts.items(), key=lambda kv: (kv[0] != "ok", kv[0])):
            click.echo(f"  {name:<16} {n:>8}  {100 * n / max(total, 1):5.1f}%")
        return
    raise click.ClickException(
        f"{folder} is neither a shard folder (stats.json) nor a download store (ledger.sqlite)"
    )
