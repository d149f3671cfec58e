"""Commands around the stages: `vtdata quickstart`, `vtdata inspect`, `vtdata stats`."""

from __future__ import annotations

from pathlib import Path

import click

from vtdata.config.units import format_size


@click.command("quickstart")
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
        code = (
            click.get_current_context()
            .find_root()
            .command.main(args=step.argv, prog_name="vtdata", standalone_mode=False)
        )
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


@click.command("inspect")
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


@click.command("stats")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def stats_cmd(folder: Path) -> None:
    """Summarize a shard folder (stats.json) or a download store (its ledger), on one screen."""
    from vtdata.records.folders import DOWNLOAD_STORE, SHARD_FOLDER, identify

    kind = identify(folder)
    if kind == SHARD_FOLDER:
        from vtdata.shard.outputs import read_stats

        try:
            stats = read_stats(folder)
        except ValueError as e:
            raise click.ClickException(str(e)) from None
        total = stats["total"]
        click.echo(
            f"{folder}: {total['samples']} samples in {total.get('shards', '?')} shards, "
            f"{format_size(total.get('bytes', 0))}, {total.get('frames', '?')} frames"
        )
        for split, s in sorted(stats.get("splits", {}).items()):
            click.echo(f"  {split:<12} {s['samples']:>8} samples {s['failed']:>6} failed")
        for reason, n in sorted(total.get("failures_by_reason", {}).items()):
            click.echo(f"  failed: {reason:<16} {n:>8}")
        return
    if kind == DOWNLOAD_STORE:
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
