"""Commands around the stages: `vtdata quickstart`, `vtdata serve`, `vtdata inspect`, `vtdata stats`."""

from __future__ import annotations

from pathlib import Path

import click

from vtdata.cli.common import from_config
from vtdata.config.units import format_size, plural
from vtdata.quickstart import QuickstartConfig


def _demo_options(func):
    """The options `quickstart` and `serve` share: the folder and the synthetic corpus's size."""
    options = [
        click.argument(
            "directory", type=click.Path(file_okay=False, path_type=Path), default="vtdata-quickstart"
        ),
        from_config(
            QuickstartConfig,
            "seed",
            "--seed",
            type=click.IntRange(min=0),
            help="Seed of the synthetic corpus and of training.",
        ),
        from_config(
            QuickstartConfig,
            "webvid",
            "--clips",
            type=click.IntRange(min=8),
            help="WebVid-like clips to generate (30% are held out for evaluation).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.command("quickstart")
@_demo_options
@from_config(
    QuickstartConfig, "train_steps", "--train-steps", type=click.IntRange(min=1), help="Training steps."
)
@click.option("--no-train", is_flag=True, help="Stop after sharding (skip training and evaluation).")
@from_config(
    QuickstartConfig,
    "workers",
    "--workers",
    type=click.IntRange(min=1),
    help="Processes for shard and train (one per CPU core by default).",
)
def quickstart_cmd(
    directory: Path, seed: int, webvid: int, train_steps: int, no_train: bool, workers: int
) -> None:
    """Run the whole pipeline on a built-in synthetic corpus, served from 127.0.0.1.

    Generates moving-shape clips (WebVid-like), narrated videos with YouTube-style
    auto-captions (HowTo100M-like) and captioned images (CC3M-like) in the corpora's native
    metadata formats, serves them over HTTP, then runs sources -> download -> align -> shard
    -> train-reference -> evaluate, printing each command so you can rerun any of them (with
    `vtdata serve DIRECTORY` running). Everything lands in DIRECTORY (default
    ./vtdata-quickstart); rerunning resumes every step, training included.
    """
    import time

    from vtdata.quickstart import Step, next_steps, run_quickstart

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
    click.secho("\nNext steps:", bold=True)
    for line in next_steps(cfg):
        click.echo(f"  {line}" if line else "")


@click.command("serve")
@_demo_options
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Port on 127.0.0.1 [default: the port of the previous run in DIRECTORY, else a free one].",
)
def serve_cmd(directory: Path, seed: int, webvid: int, port: int | None) -> None:
    """Serve the synthetic corpus on 127.0.0.1 until Ctrl-C, to follow the tour by hand, offline.

    Generates the corpus in DIRECTORY (or reuses what `vtdata quickstart DIRECTORY` made), writes
    the three corpora's native metadata files pointing at this server, and prints them with the
    exact commands of the tour: sources -> download -> align -> shard -> train -> evaluate. The
    quickstart's printed commands work while it runs.
    """
    import json
    import threading

    from vtdata.quickstart import serving

    cfg = QuickstartConfig(root=directory, seed=seed, webvid=webvid)
    if port is not None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "server.json").write_text(json.dumps({"port": port}))
    with serving(cfg, on_stage=lambda m: click.secho(m, fg="cyan")) as demo:
        native = demo.native
        click.secho(f"\nServing the synthetic corpus at {demo.url}", bold=True)
        click.echo("Native metadata files (their URLs point at this server):")
        for label, path in (
            ("WebVid", native.webvid_csv),
            ("WebVid (val)", native.webvid_val_csv),
            ("HowTo100M videos", native.howto_csv),
            ("HowTo100M captions", native.howto_captions),
            ("CC3M", native.cc3m_tsv),
            ("CC3M (val)", native.cc3m_val_tsv),
            ("a plain table", native.table_csv),
        ):
            click.echo(f"  {label:<20} {path}")
        click.secho("\nThe tour, command by command (run them in another shell):", bold=True)
        for step in demo.steps:
            click.echo(f"# {step.title}\n{step.shell}")
        click.secho("\nPress Ctrl-C to stop the server.", bold=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            click.echo("stopped")


@click.command("inspect")
@click.argument("shards", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--key", help="clip_id of the sample to draw; without it, list the first samples.")
@click.option(
    "-n",
    "--limit",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="How many clip ids to list without --key.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Contact sheet PNG to write [default: <clip_id>.png in the current folder].",
)
@click.option(
    "--columns",
    type=click.IntRange(min=1),
    default=8,
    show_default=True,
    help="Frames per row of the contact sheet.",
)
def inspect_cmd(shards: Path, key: str | None, limit: int, output: Path | None, columns: int) -> None:
    """Show one sample of a shard folder: its metadata, caption and frames as a contact sheet.

    Reads the tar that index.parquet names, so it needs nothing but the shard folder. Each frame
    is labelled with the source time it was sampled at, shown whole in a cell of at least 128 px,
    with the caption wrapped underneath; it says when the shards were centre-cropped.
    """
    from vtdata.records.folders import SHARD_FOLDER, check_writable, expect
    from vtdata.shard.inspect import contact_sheet, crop_note, read_sample, sample_keys

    expect(shards, SHARD_FOLDER, "vtdata inspect")
    if key is None:
        for clip_id in sample_keys(shards, limit):
            click.echo(clip_id)
        click.echo("(pass --key CLIP_ID to draw one)", err=True)
        return
    output = output or Path(f"{key}.png")
    check_writable(output.resolve().parent)
    try:
        sample = read_sample(shards, key)
    except KeyError as e:
        raise click.ClickException(str(e.args[0])) from None
    meta = sample.meta
    click.echo(
        f"{key} in {sample.shard}: {meta.get('media')} {meta.get('start')}-{meta.get('end')} s, "
        f"{plural(len(sample.frames), 'frame')}, store {meta.get('store')}, sampling {meta.get('sampling')}"
    )
    click.echo(f"text: {sample.text}")
    note = crop_note(shards)
    if note:
        click.echo(f"note: {note}")
    contact_sheet(sample, columns=columns).save(output)
    click.echo(f"contact sheet: {output}")


@click.command("stats")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--failures", is_flag=True, help="Show failure messages, grouped by reason, with examples.")
@click.option("--reason", "reasons", multiple=True, help="With --failures: only this reason (repeatable).")
@click.option(
    "--examples",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="With --failures: examples shown per reason.",
)
@click.option("--json", "as_json", is_flag=True, help="Print everything as JSON (for scripts).")
@click.option(
    "--plot",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also write the distribution charts (the ones `vtdata report` shows) as PNG files into this folder.",
)
def stats_cmd(
    folder: Path, failures: bool, reasons: tuple[str, ...], examples: int, as_json: bool, plot: Path | None
) -> None:
    """Summarize a shard folder (stats.json) or a download store (its ledger), on one screen.

    With --failures, every failure reason with its count and example messages: which item or
    clip, and what went wrong. --json prints the same as one JSON object. --plot DIR writes the
    distribution charts as PNG (frames and bytes per sample, shard sizes; or durations, sizes,
    resolutions, codecs, clip and caption lengths); `vtdata report` puts them on one page.
    """
    import json

    from vtdata.records.folders import DOWNLOAD_STORE, SHARD_FOLDER, identify

    kind = identify(folder)
    if kind == SHARD_FOLDER:
        report = _shard_stats(folder, examples, reasons)
    elif kind == DOWNLOAD_STORE:
        report = _store_stats(folder, examples, reasons)
    else:
        raise click.ClickException(
            f"{folder}: neither a shard folder (stats.json, from `vtdata shard`) nor a download store "
            "(ledger.sqlite, from `vtdata download`)"
        )
    if plot is not None:
        report["plots"] = _plot(folder, plot)
    if as_json:
        if not failures:
            report.pop("failures")
        click.echo(json.dumps(report, indent=1))
        return
    for path in report.get("plots", []):
        click.echo(f"chart: {path}", err=True)
    click.echo(f"{folder}: {report['headline']}")
    for line in report["lines"]:
        click.echo(f"  {line}")
    if failures:
        if not report["failures"]:
            click.echo("failures: none" + (f" with reason {', '.join(reasons)}" if reasons else ""))
        for reason, group in report["failures"].items():
            noun = "clip" if kind == SHARD_FOLDER else "item"
            click.echo(f"{reason}: {plural(group['count'], noun)}")
            for example in group["examples"]:
                click.echo(f"    {example['id']}: {example['message']}")


def _plot(folder: Path, out: Path) -> list[str]:
    """Write the folder's distribution charts into `out` (each file atomically); their paths."""
    import os

    from vtdata.records.folders import check_writable
    from vtdata.report.build import distribution_charts

    check_writable(out)
    charts = distribution_charts(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for chart in charts:
        target = out / f"{chart.key}.png"
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_bytes(chart.png)
        os.replace(tmp, target)
        written.append(str(target))
    return written


def _store_stats(folder: Path, examples: int, reasons: tuple[str, ...]) -> dict:
    from vtdata.download.ledger import Ledger

    with Ledger(folder, readonly=True) as ledger:
        counts = ledger.counts()
        found = ledger.failure_examples(examples, reasons)
    total = sum(counts.values())
    lines = [
        f"{name:<16} {n:>8}  {100 * n / max(total, 1):5.1f}%"
        for name, n in sorted(counts.items(), key=lambda kv: (kv[0] != "ok", kv[0]))
    ]
    failures = {
        reason: {
            "count": counts.get(reason, 0),
            "examples": [{"id": e.id, "url": e.url, "message": e.message or ""} for e in entries],
        }
        for reason, entries in sorted(found.items(), key=lambda kv: -counts.get(kv[0], 0))
    }
    return {
        "folder": str(folder),
        "kind": "download store",
        "headline": f"{plural(total, 'item')} in the ledger",
        "counts": counts,
        "lines": lines,
        "failures": failures,
    }


def _shard_stats(folder: Path, examples: int, reasons: tuple[str, ...]) -> dict:
    from vtdata.shard.outputs import read_stats

    stats = read_stats(folder)
    total = stats["total"]
    lines = [
        f"{split:<12} {s['samples']:>8} samples {s['failed']:>6} failed"
        for split, s in sorted(stats.get("splits", {}).items())
    ]
    by_reason = total.get("failures_by_reason", {})
    lines += [f"failed: {reason:<16} {n:>8}" for reason, n in sorted(by_reason.items())]
    failures = {}
    for reason, count in sorted(by_reason.items(), key=lambda kv: -kv[1]):
        if reasons and reason not in reasons:
            continue
        shown = [f for f in stats.get("failures", []) if f["reason"] == reason][:examples]
        failures[reason] = {
            "count": count,
            "examples": [{"id": f["clip_id"], "message": f["message"]} for f in shown],
        }
    return {
        "folder": str(folder),
        "kind": "shard folder",
        "headline": (
            f"{plural(total['samples'], 'sample')} in {plural(total.get('shards', 0), 'shard')}, "
            f"{format_size(total.get('bytes', 0))}, {plural(total.get('frames', 0), 'frame')}"
        ),
        "counts": {"samples": total["samples"], **by_reason},
        "lines": lines,
        "failures": failures,
    }
