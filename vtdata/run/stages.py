"""`mode: staged`: the stages a user would run by hand (sources -> download -> align -> shard), each
called through the same library function as its command with the options the recipe gives, so the
outputs are those of the commands (same files, same bytes). Every stage resumes as its command does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vtdata.align.options import AlignOptions, ClipOptions
from vtdata.download.config import DownloadConfig
from vtdata.records.names import CLIPS_NAME, SOURCES_NAME
from vtdata.run.recipe import Recipe
from vtdata.shard.config import PipelineConfig, config_from_dict, load_pipeline


@dataclass
class StageResult:
    """One finished stage: its name and the summary its library function returned."""

    stage: str
    summary: Any


class RunError(RuntimeError):
    """A stage cannot go on (no items, every item failed, no clips); the message says which and why."""


def download_config(
    recipe: Recipe, *, retry_failed: bool = False, workers: int | None = None
) -> DownloadConfig:
    d = recipe.download
    kwargs = {} if (workers or d.workers) is None else {"workers": workers or d.workers}
    return DownloadConfig(
        per_host=d.per_host,
        timeout=d.timeout,
        deadline=d.deadline,
        retries=d.retries,
        backoff=d.backoff,
        max_bytes=d.max_bytes or None,
        max_height=d.max_height,
        subs=tuple(d.subs),
        auto_subs=d.auto_subs,
        image_size=d.image_size,
        sections=d.sections,
        section_pad=d.section_pad,
        backend=d.backend,
        cookies=str(recipe.path(d.cookies)) if d.cookies else None,
        proxy=d.proxy,
        ytdlp_options=dict(d.ytdlp_options),
        allow_local_files=d.allow_local_files,
        retry_failed=retry_failed,
        cooldown=d.cooldown,
        host_strikes=d.host_strikes,
        host_block_urls=d.host_block_urls,
        min_rate=d.min_rate,
        rate_window=d.rate_window,
        ignore_opt_out=d.ignore_opt_out,
        **kwargs,
    )


def align_options(recipe: Recipe) -> AlignOptions:
    a = recipe.align
    clips = ClipOptions(
        builder=a.builder,
        min_duration=a.min_duration,
        max_duration=a.max_duration,
        window=a.window,
        stride=a.stride,
        shift=a.shift,
        pad=a.pad,
        pad_to=a.pad_to,
        context=a.context,
        neighbours=a.neighbours,
        min_clip=a.min_clip,
        candidates=a.candidates,
    )
    return AlignOptions(clips, tuple(a.langs), a.dedup, a.howto100m, a.max_subtitle_bytes)


def pipeline_config(recipe: Recipe) -> PipelineConfig:
    """The shard pipeline: a shipped name / YAML path (relative to the recipe), or inline, with `set`."""
    s = recipe.shard
    overrides = _dotted(s.set)
    if s.inline:
        from vtdata.config.overrides import set_dotted

        data = dict(s.inline)
        for key, value in overrides.items():
            set_dotted(data, key, value, "shard.set")
        return config_from_dict(data, "recipe shard.inline")
    pipeline = s.pipeline
    if pipeline is not None and recipe.path(pipeline).is_file():
        pipeline = str(recipe.path(pipeline))
    return load_pipeline(pipeline, overrides)


def _dotted(data: dict, prefix: str = "") -> dict[str, Any]:
    """`{"sampling": {"seed": 1}}` and `{"sampling.seed": 1}` alike as dotted keys (`set` takes both)."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and value and dotted != "sampling_by_split":
            flat.update(_dotted(value, f"{dotted}."))
        else:
            flat[dotted] = value
    return flat


def sources_path(recipe: Recipe) -> Path:
    return recipe.root / SOURCES_NAME


def run_sources(recipe: Recipe) -> Any:
    """`vtdata sources <corpus> ...` into ROOT/sources.parquet (rewritten each run: same bytes)."""
    from vtdata.records.folders import check_writable, owned_folder

    m = recipe.metadata
    paths = [str(recipe.path(p)) for p in m.paths]
    out = sources_path(recipe)
    selection: dict[str, Any] = {
        "limit": m.limit,
        "val_fraction": m.val_fraction,
        "sample_fraction": m.sample_fraction,
        "seed": m.seed,
    }
    if m.split is not None:
        selection["split"] = m.split
    check_writable(out.parent)
    with owned_folder(out.parent):
        if recipe.corpus == "howto100m":
            from vtdata.sources.howto100m import YOUTUBE_URL, prepare_howto100m

            captions = str(recipe.path(m.captions)) if m.captions else None
            csv = paths[0] if paths else None
            result = prepare_howto100m(
                csv, captions, out, url_template=m.url_template or YOUTUBE_URL, **selection
            )
        elif recipe.corpus == "webvid":
            from vtdata.sources.webvid import prepare_webvid

            result = prepare_webvid(paths, out, **selection)
        else:
            from vtdata.sources.cc3m import prepare_cc3m

            result = prepare_cc3m(paths, out, **selection)
        if not result.num_items:
            raise RunError(f"sources: no items read from {', '.join(paths)}; nothing written to {out}")
    return result


@dataclass(frozen=True)
class EngineRequest:
    kind: str
    workers: int
    threads: int | None
    address: str | None
    cpus_per_task: float
    max_retries: int


def engine_request(
    recipe: Recipe, *, workers: int | None = None, cpus_per_task: float | None = None
) -> EngineRequest:
    from vtdata.config.workers import default_workers

    e = recipe.engine
    return EngineRequest(
        e.kind,
        workers or e.workers or default_workers(),
        e.threads,
        e.ray_address,
        cpus_per_task if cpus_per_task is not None else e.cpus_per_task,
        e.max_retries,
    )


def opened(request: EngineRequest):
    from vtdata.engine.session import open_engine

    return open_engine(
        request.kind,
        workers=request.workers,
        threads=request.threads,
        address=request.address,
        cpus_per_task=request.cpus_per_task,
        max_retries=request.max_retries,
    )


def run_staged(
    recipe: Recipe,
    *,
    retry_failed: bool = False,
    on_stage: Callable[[StageResult], None] = lambda result: None,
    progress: Callable[[str, int], None] | None = None,
) -> list[StageResult]:
    """Run every stage in order; `on_stage` gets each stage's summary as it finishes."""
    return list(_staged(recipe, retry_failed, on_stage, progress))


def _staged(recipe, retry_failed, on_stage, progress) -> Iterator[StageResult]:
    from vtdata.align.run import align
    from vtdata.download import download
    from vtdata.shard.media import refs_from_store
    from vtdata.shard.run import shard

    def step(name: str, summary: Any) -> StageResult:
        result = StageResult(name, summary)
        on_stage(result)
        return result

    def tick(name: str) -> Callable[[int], None] | None:
        return None if progress is None else (lambda n: progress(name, n))

    pipeline = pipeline_config(recipe)  # a bad pipeline fails before anything is fetched
    yield step("sources", run_sources(recipe))
    store = recipe.store
    config = download_config(recipe, retry_failed=retry_failed)
    with opened(engine_request(recipe, workers=1, cpus_per_task=0.25)) as engine:
        summary = download(sources_path(recipe), store, config, engine=engine)
    if not summary.ok and not summary.skipped_ok:
        step("download", summary)
        raise RunError(
            f"download: no item of {sources_path(recipe)} could be fetched; see `vtdata stats {store}`"
        )
    yield step("download", summary)
    with opened(engine_request(recipe)) as engine:
        summary = align(
            store / CLIPS_NAME, align_options(recipe), store=store, engine=engine, progress=tick("align")
        )
    if not summary.clips:
        step("align", summary)
        raise RunError(f"align: no clips from {store}: every item was dropped")
    yield step("align", summary)
    with opened(engine_request(recipe)) as engine:
        summary = shard(
            store / CLIPS_NAME,
            recipe.shards,
            pipeline,
            refs_from_store(store),
            engine=engine,
            progress=tick("shard"),
        )
    yield step("shard", summary)
