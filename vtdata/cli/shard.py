"""`vtdata shard`: clips -> WebDataset shards with an index and stats, from a pipeline config."""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

import click

from vtdata.cli.common import BYTES, pairs, set_option
from vtdata.cli.engine import engine_options, opened_engine
from vtdata.config.workers import default_workers
from vtdata.media.decoders import DECODERS
from vtdata.media.sampling import MODES
from vtdata.shard.config import STORES, PipelineConfig


def _field(key: str) -> dataclasses.Field:
    """The dataclass field behind a dotted pipeline key (for its doc)."""
    cls: Any = PipelineConfig
    *parents, name = key.split(".")
    for part in parents:
        cls = typing.get_type_hints(cls)[part]
    return {f.name: f for f in dataclasses.fields(cls)}[name]


def _default(key: str) -> Any:
    node: Any = PipelineConfig()
    for part in key.split("."):
        node = getattr(node, part)
    return node


def key_option(key: str, *decls: str, dest: str, help: str | None = None, **kwargs: Any):
    """An option that sets pipeline key `key` for this run (over the --pipeline file). Its help shows
    the key and the default that applies when neither the option nor the pipeline sets it."""
    default = _default(key)
    shown = (
        {True: "on", False: "off", None: "none"}.get(default, default)
        if not isinstance(default, str)
        else default
    )
    text = help or _field(key).metadata.get("doc", "")
    text = f"{text[:1].upper()}{text[1:]} (pipeline key {key}) [default: the pipeline's, else {shown}]"
    return click.option(*decls, dest, default=None, help=text, **kwargs)


# option name (as the command receives it) -> pipeline key; the command passes what was given
KEYS = {
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


@click.command("shard")
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
    metavar="NAME|FILE",
    help="Pipeline config: a shipped one by name (webvid-frozen, howto100m-milnce, cc3m-images; see "
    "--list-pipelines) or a YAML file of your own. The options below override its keys.",
)
@click.option(
    "--list-pipelines", is_flag=True, help="List the shipped pipelines with their descriptions and exit."
)
@key_option(
    "store",
    "--store",
    dest="store_kind",
    type=click.Choice(STORES),
    help="sample format: frames (JPEG per frame) or clip (H.264 mp4 per clip)",
)
@key_option("sampling.mode", "--sampling", dest="sampling", type=click.Choice(MODES))
@key_option("sampling.num_frames", "--num-frames", dest="num_frames", type=click.IntRange(min=1))
@key_option("sampling.fps", "--fps", dest="fps", type=click.FloatRange(min=0, min_open=True))
@key_option("sampling.max_frames", "--max-frames", dest="max_frames", type=click.IntRange(min=1))
@key_option("sampling.seed", "--seed", dest="seed", type=click.IntRange(min=0))
@key_option("resize.short_side", "--size", dest="size", type=click.IntRange(min=1))
@key_option("resize.crop", "--crop/--no-crop", dest="crop")
@key_option("resize.upscale", "--upscale/--no-upscale", dest="upscale")
@key_option("frames.jpeg_quality", "--jpeg-quality", dest="jpeg_quality", type=click.IntRange(1, 100))
@key_option("clip.fps", "--clip-fps", dest="clip_fps", type=click.FloatRange(min=0, min_open=True))
@key_option("clip.keep_audio", "--keep-audio/--no-keep-audio", dest="keep_audio")
@key_option(
    "shards.samples_per_shard", "--samples-per-shard", dest="samples_per_shard", type=click.IntRange(min=1)
)
@key_option("shards.max_shard_bytes", "--max-shard-bytes", dest="max_shard_bytes", type=BYTES)
@key_option(
    "shards.splits",
    "--split",
    dest="splits",
    multiple=True,
    help="shard only this split (repeatable)",
)
@key_option("decode.decoder", "--decoder", dest="decoder", type=click.Choice(DECODERS))
@set_option("Set any pipeline key, e.g. --set sampling.window=rand (VALUE read as YAML; repeatable).")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    show_default="auto: one per CPU core",
    help="Shard jobs run at once, each in its own process.",
)
@click.option(
    "--threads",
    type=click.IntRange(min=0),
    default=None,
    help="Decoder threads per worker (0: FFmpeg's choice) [default: CPUs / workers].",
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
    list_pipelines,
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
    from pathlib import Path

    import yaml
    from tqdm import tqdm

    from vtdata.records.names import CLIPS_NAME
    from vtdata.shard.config import load_pipeline, shipped_pipelines
    from vtdata.shard.media import refs_from_store, refs_from_table
    from vtdata.shard.run import shard
    from vtdata.shard.summary import failure_line, format_summary

    if list_pipelines:
        for name, path in shipped_pipelines().items():
            click.echo(f"{name:<20} {load_pipeline(path).description}")
        return
    overrides = {KEYS[name]: value for name, value in options.items() if value is not None and value != ()}
    if "shards.splits" in overrides:
        overrides["shards.splits"] = list(overrides["shards.splits"])
    overrides.update(pairs(settings))
    config = load_pipeline(pipeline, overrides)
    if show_config:
        click.echo(yaml.safe_dump(config.to_dict(), sort_keys=False), nl=False)
        return
    if (store is None) == (media_table is None):
        raise click.UsageError("give a download STORE or --media-table TABLE (one of them)")
    if output is None:
        raise click.UsageError("give the shard folder with -o/--output")
    clips = Path(clips_path) if clips_path else Path(store) / CLIPS_NAME
    if not clips.exists():
        raise click.UsageError(f"{clips}: no clip table; run `vtdata align {store}` or pass --clips")
    refs = refs_from_store(store) if store else refs_from_table(media_table)
    workers = workers or default_workers()
    with opened_engine(
        engine, ray_address, cpus_per_task, max_retries, workers=workers, threads=threads
    ) as runner:
        with tqdm(desc="shard", unit=" clips", disable=None, dynamic_ncols=True) as bar:

            def on_plan(total: int, done: int) -> None:
                bar.reset(total=total)
                bar.update(done)

            try:
                summary = shard(
                    clips,
                    output,
                    config,
                    refs,
                    engine=runner,
                    overwrite=overwrite,
                    progress=bar.update,
                    on_plan=on_plan,
                )
            except KeyboardInterrupt:
                bar.close()
                click.echo(
                    f"interrupted: complete shards are kept; rerun the same command to resume {output}"
                )
                raise SystemExit(130) from None
    click.echo(format_summary(summary))
    failed = failure_line(summary)
    if failed:
        raise click.ClickException(failed)
