"""`vtdata download`: sources.parquet -> a resumable, verified media store with its ledger."""

from __future__ import annotations

import click

from vtdata.cli.common import BYTES, from_config
from vtdata.cli.engine import engine_options, opened_engine
from vtdata.download.config import BACKENDS, DownloadConfig


@click.command("download")
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
@from_config(
    DownloadConfig,
    "workers",
    "--workers",
    type=click.IntRange(min=1),
    help="Items fetched at once (threads that wait on the network: 8 per CPU core, at most 32).",
)
@from_config(
    DownloadConfig,
    "per_host",
    "--per-host",
    type=click.IntRange(min=1),
    help="At most this many requests to one host at once (YouTube counts as one host).",
)
@from_config(
    DownloadConfig,
    "timeout",
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    help="Connect/read timeout of one request, s.",
)
@from_config(
    DownloadConfig,
    "deadline",
    "--deadline",
    type=click.FloatRange(min=0, min_open=True),
    help="Hard limit per item (all attempts, waits and checks), s; past it the item is `timeout`.",
)
@from_config(
    DownloadConfig,
    "retries",
    "--retries",
    type=click.IntRange(min=0),
    help="Extra attempts for transient failures only (5xx, timeouts, resets, 429); never for 404s.",
)
@from_config(
    DownloadConfig,
    "backoff",
    "--backoff",
    type=click.FloatRange(min=0),
    help="First retry waits about this long (s), doubling per attempt, with jitter.",
)
@from_config(
    DownloadConfig,
    "max_bytes",
    "--max-bytes",
    type=BYTES,
    help="Size cap per file, e.g. 500MB (SI) or 1GiB (binary); 0: none. Larger files fail as too_large.",
)
@from_config(
    DownloadConfig,
    "max_height",
    "--max-height",
    type=click.IntRange(min=1),
    help="yt-dlp: pick formats at most this tall, preferring H.264.",
)
@from_config(
    DownloadConfig,
    "subs",
    "--subs",
    type=str,
    help="yt-dlp: subtitle languages, comma-separated (regexes allowed, e.g. 'en.*'); 'none' for none.",
)
@from_config(
    DownloadConfig,
    "auto_subs",
    "--auto-subs/--no-auto-subs",
    help="yt-dlp: also take automatic captions (YouTube ASR) when no written subtitles exist.",
)
@from_config(
    DownloadConfig,
    "image_size",
    "--image-size",
    type=click.IntRange(min=1),
    show_default=False,
    help="Resize images on download so the short side is at most this (stored as JPEG).",
)
@from_config(
    DownloadConfig,
    "sections",
    "--sections",
    is_flag=True,
    show_default=False,
    help="Fetch only the time span covering each video's segments (plus --section-pad), via yt-dlp "
    "download ranges; the ledger's `offset` gives the file's start in source time.",
)
@from_config(
    DownloadConfig,
    "section_pad",
    "--section-pad",
    type=click.FloatRange(min=0),
    help="Seconds added on each side of --sections.",
)
@from_config(
    DownloadConfig,
    "backend",
    "--backend",
    type=click.Choice(BACKENDS),
    help="auto: plain HTTP for direct media files and images, yt-dlp for pages and YouTube.",
)
@from_config(
    DownloadConfig,
    "cookies",
    "--cookies",
    type=click.Path(exists=True, dir_okay=False),
    show_default=False,
    help="Netscape cookies.txt for all requests.",
)
@from_config(
    DownloadConfig,
    "proxy",
    "--proxy",
    show_default=False,
    help="Proxy URL for all requests, e.g. http://host:3128 (socks5:// only for yt-dlp).",
)
@click.option(
    "--ytdlp-opt",
    "ytdlp_opts",
    multiple=True,
    metavar="KEY=VALUE",
    help="Extra yt-dlp parameter (Python API name; VALUE read as YAML, e.g. sleep_interval=2); repeatable.",
)
@from_config(
    DownloadConfig,
    "allow_local_files",
    "--allow-local-files",
    is_flag=True,
    show_default=False,
    help="Also accept file:// URLs and plain paths (refused by default).",
)
@from_config(
    DownloadConfig,
    "retry_failed",
    "--retry-failed",
    is_flag=True,
    show_default=False,
    help="Fetch items that failed in earlier runs again (see --reason).",
)
@click.option(
    "--reason",
    "reasons",
    multiple=True,
    help="With --retry-failed: only failures with this reason (repeatable), e.g. rate_limited, timeout.",
)
@from_config(
    DownloadConfig,
    "cooldown",
    "--cooldown",
    type=click.FloatRange(min=0),
    help="First per-host pause after a 429 or a host-wide block (no Retry-After), s; doubles per strike.",
)
@from_config(
    DownloadConfig,
    "host_strikes",
    "--host-strikes",
    type=click.IntRange(min=1),
    help="After this many cool-downs in a row, a host's remaining items are recorded without fetching.",
)
@from_config(
    DownloadConfig,
    "host_block_urls",
    "--host-block-urls",
    type=click.IntRange(min=1),
    help="A 401/403 fails only its item (CDNs refuse hotlinks per file); this many different URLs of "
    "one host refused in a row within 60 s (no success between) cool the whole host down, as a 429 does.",
)
@from_config(
    DownloadConfig,
    "min_rate",
    "--min-rate",
    type=click.FloatRange(min=0),
    help="Minimum transfer rate, bytes/s, over any --rate-window; a slower transfer fails as timeout "
    "('transfer too slow'). 0: off. Plain HTTP only.",
)
@from_config(
    DownloadConfig,
    "rate_window",
    "--rate-window",
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds over which --min-rate is measured.",
)
@from_config(
    DownloadConfig,
    "ignore_opt_out",
    "--ignore-opt-out",
    is_flag=True,
    show_default=False,
    help="Fetch files whose X-Robots-Tag says noai/noimageai/noindex/noimageindex (recorded as "
    "opted_out by default, as img2dataset does). Plain HTTP only: yt-dlp does not show the headers.",
)
@from_config(
    DownloadConfig,
    "dry_run",
    "--dry-run",
    is_flag=True,
    show_default=False,
    help="Show what would be fetched, and how; fetch and write nothing.",
)
@click.option(
    "-v", "--verbose", count=True, help="Log more (-v: info, -vv: debug, including yt-dlp's output)."
)
@engine_options(cpus_per_task=0.25, task="fetch", in_flight="--workers fetches are in flight at once.")
def download_cmd(
    sources,
    store,
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

    from vtdata.cli.common import pairs
    from vtdata.download import download
    from vtdata.download.report import failure_line, summary_lines

    logging.basicConfig(level=[logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)])
    options["max_bytes"] = options["max_bytes"] or None  # 0: no cap
    options["retry_failed"] = options["retry_failed"] or bool(reasons)
    try:
        config = DownloadConfig(
            subs=tuple(s.strip() for s in subs.split(",") if s.strip() and s.strip().lower() != "none"),
            ytdlp_options=pairs(ytdlp_opts, "--ytdlp-opt"),
            retry_reasons=tuple(reasons),
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

    kind = "local" if config.dry_run else engine
    try:
        with opened_engine(kind, ray_address, cpus_per_task, max_retries) as runner, bar:
            summary = download(sources, store, config, progress=progress, engine=runner)
    except KeyboardInterrupt:
        click.echo("\ninterrupted: finished items are recorded; rerun the same command to resume", err=True)
        raise SystemExit(130) from None
    for line in summary_lines(summary):
        click.echo(line)
    failed = failure_line(summary)
    if failed:
        raise click.ClickException(failed)
