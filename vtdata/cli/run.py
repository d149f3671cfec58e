"""`vtdata run RECIPE.yaml`: every stage from one recipe, staged or streaming (docs/run.md)."""

from __future__ import annotations

from pathlib import Path

import click

from vtdata.cli.common import pairs, plural


@click.command("run")
@click.argument("recipe", metavar="RECIPE.yaml", required=False, type=click.Path(dir_okay=False))
@click.option(
    "--init",
    "init_name",
    metavar="NAME",
    help="Write the shipped example recipe NAME (howto100m, webvid, cc3m) to -o (default NAME.yaml) "
    "to edit, and stop.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="With --init: the file to write.")
@click.option(
    "--mode",
    type=click.Choice(["staged", "streaming"]),
    default=None,
    help="Override the recipe's mode: staged keeps the media store and runs each stage over the whole "
    "corpus; streaming fetches, shards and deletes the media job by job. [default: the recipe's]",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default=None,
    help="Override the recipe's engine.kind. [default: the recipe's]",
)
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Override engine.workers.")
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="KEY=VALUE",
    help="Set a recipe key for this run (dotted, VALUE read as YAML), e.g. --set shard.set.sampling.seed=1.",
)
@click.option(
    "--retry-failed",
    is_flag=True,
    help="Fetch items that failed in earlier runs again (streaming: rerun only the shards holding them).",
)
def run_cmd(recipe, init_name, output, mode, engine, workers, settings, retry_failed) -> None:
    """Run the whole pipeline a recipe declares: sources -> download -> align -> shard.

    Kill it at any moment and rerun the same command: every stage resumes. `mode: staged` gives
    the very files (byte for byte) the individual commands give; `mode: streaming` keeps only the
    shards, its disk use bounded by the jobs in flight. `vtdata run --init webvid` writes an
    example recipe to start from.
    """
    from vtdata.run.recipe import init_recipe, load_recipe

    if init_name:
        written = init_recipe(init_name, output or f"{init_name}.yaml")
        click.echo(f"wrote {written}: edit its paths, then `vtdata run {written}`")
        return
    if recipe is None:
        raise click.UsageError("give RECIPE.yaml (or --init NAME to write one)")
    if not Path(recipe).is_file():
        raise click.UsageError(f"{recipe}: no such recipe file (`vtdata run --init webvid` writes one)")
    overrides = pairs(settings, "--set")
    for key, value in (("mode", mode), ("engine.kind", engine), ("engine.workers", workers)):
        if value is not None:
            overrides[key] = value
    r = load_recipe(recipe, overrides)
    if r.mode == "staged":
        _staged(r, retry_failed)
    else:
        _streaming(r, retry_failed)


def _staged(recipe, retry_failed: bool) -> None:
    from vtdata.run.stages import RunError, run_staged

    try:
        run_staged(recipe, retry_failed=retry_failed, on_stage=_print_stage)
    except RunError as e:
        raise click.ClickException(str(e)) from None
    except KeyboardInterrupt:
        click.echo("\ninterrupted: rerun the same command to resume", err=True)
        raise SystemExit(130) from None


def _streaming(recipe, retry_failed: bool) -> None:
    from tqdm import tqdm

    from vtdata.run.stages import RunError, StageResult
    from vtdata.run.streaming import run_streaming

    try:
        with tqdm(desc="stream", unit=" items", disable=None, dynamic_ncols=True) as bar:
            summary = run_streaming(
                recipe,
                retry_failed=retry_failed,
                on_stage=lambda stage, s: _print_stage(StageResult(stage, s)),
                progress=bar.update,
            )
    except RunError as e:
        raise click.ClickException(str(e)) from None
    except KeyboardInterrupt:
        click.echo("\ninterrupted: finished shards are kept; rerun the same command to resume", err=True)
        raise SystemExit(130) from None
    total = summary.stats["total"]
    failed = ", ".join(f"{n} {r}" for r, n in sorted(summary.failed_downloads.items()))
    click.echo(
        f"stream: {plural(summary.jobs, 'job')} ({summary.resumed} resumed), "
        f"{plural(summary.items, 'item')}: {summary.ok} fetched ok"
        + (f", failed: {failed}" if failed else "")
    )
    click.echo(
        f"  {plural(total['samples'], 'sample')} in {plural(total['shards'], 'shard')} "
        f"({total['bytes'] / 1e6:.1f} MB), {total['failed']} failed clips, in {summary.seconds:.1f} s "
        f"-> {summary.out_dir}"
    )
    if not total["samples"]:
        raise click.ClickException("no sample was written: every item failed (see `vtdata stats`)")


def _print_stage(result) -> None:
    """A stage's summary, as its own command prints it."""
    s = result.summary
    if result.stage == "sources":
        click.echo(f"sources: {plural(s.num_items, 'item')} -> {s.output}")
    elif result.stage == "download":
        from vtdata.download.report import summary_lines

        for line in summary_lines(s):
            click.echo(line)
    elif result.stage == "align":
        from vtdata.align.summary import format_summary

        click.echo(format_summary(s))
    elif result.stage == "shard":
        from vtdata.shard.summary import format_summary

        click.echo(format_summary(s))
