"""`vtdata align`: subtitles / narration / captions -> clips.parquet."""

from __future__ import annotations

import click

from vtdata.align.options import BUILDERS, DEDUP_MODES, AlignOptions, ClipOptions
from vtdata.cli.common import BYTES, from_config, plural
from vtdata.cli.engine import engine_options, opened_engine
from vtdata.config.workers import default_workers


@click.command("align")
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
@from_config(
    ClipOptions,
    "builder",
    "--builder",
    type=click.Choice(BUILDERS),
    help="cue: a clip per cue; merge: consecutive cues joined up to --min-duration/--max-duration; "
    "window: fixed --window/--stride windows with the text inside; whole: the whole item; milnce: a "
    "clip per cue cut as MIL-NCE does (--pad-to, whole seconds, --candidates, no repair). Items "
    "with only a caption (and images) always get one whole clip.",
)
@from_config(
    ClipOptions,
    "min_duration",
    "--min-duration",
    type=click.FloatRange(min=0),
    help="merge: join cues until a clip lasts this (s).",
)
@from_config(
    ClipOptions,
    "max_duration",
    "--max-duration",
    type=click.FloatRange(min=0, min_open=True),
    show_default=False,
    help="Cap on a clip's length (s): merge never grows past it, longer cues are cut to it.",
)
@from_config(
    ClipOptions,
    "window",
    "--window",
    type=click.FloatRange(min=0, min_open=True),
    help="window: window length (s).",
)
@from_config(
    ClipOptions,
    "stride",
    "--stride",
    type=click.FloatRange(min=0, min_open=True),
    show_default=False,
    help="window: step between window starts (s); default --window.",
)
@from_config(
    ClipOptions,
    "shift",
    "--shift",
    type=float,
    help="Move text times by this many seconds before cutting (positive = later), for ASR that "
    "lags or leads the picture.",
)
@from_config(
    ClipOptions, "pad", "--pad", type=click.FloatRange(min=0), help="Extend both ends of every clip (s)."
)
@from_config(
    ClipOptions,
    "pad_to",
    "--pad-to",
    type=click.FloatRange(min=0),
    help="Grow shorter clips symmetrically to this length (s), MIL-NCE style (5 s there).",
)
@from_config(
    ClipOptions,
    "context",
    "--context",
    type=click.IntRange(min=0),
    help="Put the text of K cues before and K after each clip in `context` (DECEMBERT).",
)
@from_config(
    ClipOptions,
    "neighbours",
    "--neighbours",
    type=click.IntRange(min=0),
    help="Add N neighbouring cues on each side to `texts` (MIL-NCE candidate positives).",
)
@from_config(
    ClipOptions,
    "candidates",
    "--candidates",
    type=click.IntRange(min=1),
    help="milnce: texts per clip, the K captions nearest in time (MIL-NCE's num_candidates).",
)
@from_config(
    ClipOptions,
    "min_clip",
    "--min-clip",
    type=click.FloatRange(min=0),
    help="Drop clips shorter than this after clamping to the media (s), as too_short.",
)
@from_config(
    AlignOptions,
    "langs",
    "--lang",
    multiple=True,
    help="Subtitle languages in preference order (repeatable); 'en' also matches en-US, en-orig; "
    "'*' matches any.",
)
@from_config(
    AlignOptions,
    "dedup",
    "--dedup",
    type=click.Choice(DEDUP_MODES),
    help="De-duplicate YouTube rolling captions: auto (when detected), always, never.",
)
@from_config(
    AlignOptions,
    "howto100m",
    "--howto100m-repair/--no-howto100m-repair",
    help="Repair HowTo100M narration segments (overlaps, repeats, sub-0.2 s glitch cues).",
)
@from_config(
    AlignOptions,
    "max_subtitle_bytes",
    "--max-subtitle-bytes",
    type=BYTES,
    help="Skip (and report) a subtitle file larger than this without reading it; 0: no cap.",
)
@click.option("--show", "show_id", metavar="ID", help="Print the cues and clips of one item; write nothing.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    show_default="auto: one per CPU core",
    help="Processes aligning chunks of items at once; the output is the same for any number.",
)
@engine_options(
    cpus_per_task=1.0, task="chunk of items", in_flight="In flight: twice the tasks the cluster fits."
)
def align_cmd(
    store,
    sources_path,
    output,
    langs,
    dedup,
    howto100m,
    max_subtitle_bytes,
    show_id,
    workers,
    engine,
    ray_address,
    cpus_per_task,
    max_retries,
    **clip_options,
) -> None:
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

    from vtdata.align.pipeline import Drop, align_item
    from vtdata.align.run import align
    from vtdata.align.store import find_item, source_items, store_items
    from vtdata.align.summary import format_summary
    from vtdata.records.names import CLIPS_NAME, SOURCES_NAME
    from vtdata.records.sources import count_sources

    if (store is None) == (sources_path is None):
        raise click.UsageError("give a download STORE or --sources SOURCES.parquet (one of them)")
    try:
        opts = AlignOptions(
            ClipOptions(**clip_options), tuple(langs), dedup, howto100m, max_subtitle_bytes
        )
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

    out = Path(output) if output else table.with_name(CLIPS_NAME)
    workers = workers or default_workers()
    with (
        opened_engine(engine, ray_address, cpus_per_task, max_retries, workers=workers) as runner,
        tqdm(
            total=count_sources(table), desc="align", unit=" items", disable=None, dynamic_ncols=True
        ) as bar,
    ):
        summary = align(
            out,
            opts,
            store=store,
            sources=sources_path if store is None else None,
            engine=runner,
            progress=bar.update,
        )
    if summary.clips:
        click.echo(f"wrote {out}: {plural(summary.clips, 'clip')} from {plural(summary.items, 'item')}")
    click.echo(format_summary(summary))
    if not summary.clips:
        why = "the table holds no items" if not summary.items else "every item was dropped (reasons above)"
        raise click.ClickException(f"no clips, nothing written to {out}: {why}")


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
