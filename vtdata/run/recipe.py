"""The recipe: one YAML file for the whole pipeline (`vtdata run RECIPE.yaml`), read into typed
dataclasses by `vtdata.config.typed.build`, so an unknown key fails naming itself and the keys
allowed where it stands.

Every default is the default of the command it stands for (`vtdata download`, `vtdata align`,
`vtdata shard`): a recipe that sets nothing beyond its inputs runs what those commands run.
Relative paths are relative to the recipe file's folder, so a recipe travels with its metadata.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from vtdata.align.options import BUILDERS, DEDUP_MODES, AlignOptions, ClipOptions
from vtdata.config.overrides import load_mapping
from vtdata.config.typed import ConfigError, build, default_of, opt
from vtdata.download.config import BACKENDS, DownloadConfig

CORPORA = ("webvid", "howto100m", "cc3m")
MODES = ("staged", "streaming")
RECIPES_DIR = Path(__file__).parent / "recipes"


@dataclass(frozen=True)
class Metadata:
    """The corpus's native metadata files, as `vtdata sources <corpus>` reads them."""

    paths: list[str] = opt([], doc="metadata files (WebVid/CC3M: CSVs/TSVs; HowTo100M: the video CSV)")
    captions: str | None = opt(None, doc="HowTo100M: caption.json (narration segments)")
    url_template: str | None = opt(None, doc="HowTo100M: video URL template with {id}")
    limit: int | None = opt(None, min=1, doc="read at most this many items")
    split: str | None = opt(None, doc="split for every item (default: the command's)")
    val_fraction: float = opt(0.0, min=0.0, max=1.0)
    sample_fraction: float = opt(1.0, min=0.0, max=1.0)
    seed: int = opt(0)


def _dl(name: str, **kwargs: Any) -> Any:
    """A recipe field with `vtdata download`'s default (one place: `DownloadConfig`)."""
    return opt(default_of(DownloadConfig, name), **kwargs)


def _clip(name: str, **kwargs: Any) -> Any:
    """A recipe field with `vtdata align`'s default (one place: `ClipOptions` / `AlignOptions`)."""
    cls = ClipOptions if name in {f.name for f in fields(ClipOptions)} else AlignOptions
    return opt(default_of(cls, name), **kwargs)


@dataclass(frozen=True)
class Download:
    """`vtdata download` options (docs/download.md); defaults are the command's."""

    workers: int | None = opt(None, min=1, doc="items fetched at once (staged mode)")
    per_host: int = _dl("per_host", min=1)
    timeout: float = _dl("timeout", min=0.001)
    deadline: float = _dl("deadline", min=0.001)
    retries: int = _dl("retries", min=0)
    backoff: float = _dl("backoff", min=0.0)
    max_bytes: int | None = _dl("max_bytes", size=True)
    max_height: int = _dl("max_height", min=1)
    subs: list[str] = opt(list(default_of(DownloadConfig, "subs")))
    auto_subs: bool = _dl("auto_subs")
    image_size: int | None = _dl("image_size", min=1)
    sections: bool = _dl("sections")
    section_pad: float = _dl("section_pad", min=0.0)
    backend: str = _dl("backend", choices=BACKENDS)
    cookies: str | None = _dl("cookies")
    proxy: str | None = _dl("proxy")
    ytdlp_options: dict = opt({})
    allow_local_files: bool = _dl("allow_local_files")
    cooldown: float = _dl("cooldown", min=0.0)
    host_strikes: int = _dl("host_strikes", min=1)
    host_block_urls: int = _dl("host_block_urls", min=1)
    min_rate: float = _dl("min_rate", min=0.0)
    rate_window: float = _dl("rate_window", min=0.001)
    ignore_opt_out: bool = _dl("ignore_opt_out")


@dataclass(frozen=True)
class Align:
    """`vtdata align` options (docs/align.md); defaults are the command's."""

    builder: str = _clip("builder", choices=BUILDERS)
    min_duration: float = _clip("min_duration", min=0.0)
    max_duration: float | None = _clip("max_duration", min=0.0)
    window: float = _clip("window", min=0.0)
    stride: float | None = _clip("stride", min=0.0)
    shift: float = _clip("shift")
    pad: float = _clip("pad", min=0.0)
    pad_to: float = _clip("pad_to", min=0.0)
    context: int = _clip("context", min=0)
    neighbours: int = _clip("neighbours", min=0)
    min_clip: float = _clip("min_clip", min=0.0)
    candidates: int = _clip("candidates", min=1)
    langs: list[str] = opt(list(default_of(AlignOptions, "langs")))
    dedup: str = _clip("dedup", choices=DEDUP_MODES)
    howto100m: bool = _clip("howto100m")
    max_subtitle_bytes: int = _clip("max_subtitle_bytes", min=0, size=True)


@dataclass(frozen=True)
class Shard:
    """The shard pipeline: a shipped name or a YAML path (`pipeline`), or a whole pipeline written
    inline (`inline`), with dotted keys set over it (`set`, as `vtdata shard --set`)."""

    pipeline: str | None = opt(None, doc="a shipped pipeline name (webvid-frozen) or a YAML path")
    inline: dict = opt({}, doc="a pipeline mapping written here instead of `pipeline`")
    set: dict = opt({}, doc="dotted pipeline keys to set, e.g. shards.samples_per_shard: 64")


@dataclass(frozen=True)
class Outputs:
    """Where everything goes; `store` and `shards` default to folders under `root`."""

    root: str = opt("vtdata-run", doc="the run's folder")
    store: str | None = opt(None, doc="download store (default ROOT/download)")
    shards: str | None = opt(None, doc="shard folder (default ROOT/shards)")


@dataclass(frozen=True)
class EngineOptions:
    """Where jobs run (`vtdata download/align/shard --engine ...`)."""

    kind: str = opt("local", choices=("local", "ray"))
    workers: int | None = opt(None, min=1, doc="local processes (default: one per CPU core)")
    threads: int | None = opt(None, min=0, doc="decoder threads per job")
    ray_address: str | None = opt(None)
    cpus_per_task: float = opt(1.0, min=0.01)
    max_retries: int = opt(2, min=0)


@dataclass(frozen=True)
class Streaming:
    """`mode: streaming` only."""

    items_per_job: int | None = opt(
        None, min=1, doc="items one job fetches and shards (default: shards.samples_per_shard)"
    )
    work: str | None = opt(
        None, doc="scratch folder for the media of jobs in flight (default SHARDS/_stream)"
    )


@dataclass(frozen=True)
class Recipe:
    corpus: str = opt("webvid", choices=CORPORA)
    mode: str = opt("staged", choices=MODES)
    metadata: Metadata = opt(Metadata())
    download: Download = opt(Download())
    align: Align = opt(Align())
    shard: Shard = opt(Shard())
    outputs: Outputs = opt(Outputs())
    engine: EngineOptions = opt(EngineOptions())
    streaming: Streaming = opt(Streaming())
    base: str = field(default=".", init=False, repr=False)  # the recipe's folder, set on load

    def path(self, value: str | Path) -> Path:
        """A recipe path: absolute, or relative to the recipe's folder."""
        p = Path(value).expanduser()
        return p if p.is_absolute() else Path(self.base) / p

    @property
    def root(self) -> Path:
        return self.path(self.outputs.root)

    @property
    def store(self) -> Path:
        return self.path(self.outputs.store) if self.outputs.store else self.root / "download"

    @property
    def shards(self) -> Path:
        return self.path(self.outputs.shards) if self.outputs.shards else self.root / "shards"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("base")
        return data

    def digest(self, *sections: str) -> str:
        data = self.to_dict()
        picked = {k: data[k] for k in sections} if sections else data
        return hashlib.sha256(json.dumps(picked, sort_keys=True).encode()).hexdigest()[:16]


def recipe_from_dict(data: dict, where: str = "<recipe>", base: str | Path = ".") -> Recipe:
    """A `Recipe` from a plain mapping; `ConfigError` naming `where` and the key of the first problem."""
    recipe = build(Recipe, data, "", where)
    if recipe.shard.pipeline and recipe.shard.inline:
        raise ConfigError(f"{where}: shard.pipeline and shard.inline: give one of them")
    if not recipe.metadata.paths:
        raise ConfigError(f"{where}: metadata.paths: give the corpus's metadata files")
    return _with_base(recipe, str(Path(base).resolve()))


def load_recipe(path: str | Path, overrides: dict[str, Any] | None = None) -> Recipe:
    """Read a recipe YAML (`overrides`: dotted keys set over it, e.g. `{"mode": "streaming"}`)."""
    from vtdata.config.overrides import set_dotted

    data = load_mapping(path, "recipe")
    for key, value in (overrides or {}).items():
        set_dotted(data, key, value, str(path))
    return recipe_from_dict(data, str(path), Path(path).parent)


def _with_base(recipe: Recipe, base: str) -> Recipe:
    object.__setattr__(recipe, "base", base)  # frozen, and not a key a recipe may set
    return recipe


def shipped_recipes() -> dict[str, Path]:
    """Example recipes shipped with vtdata: name -> YAML (`vtdata run --init NAME`)."""
    return {p.stem: p for p in sorted(RECIPES_DIR.glob("*.yaml"))}


def init_recipe(name: str, out: str | Path) -> Path:
    """Write the shipped recipe `name` to `out` (refusing to overwrite) for the user to edit."""
    shipped = shipped_recipes()
    if name not in shipped:
        raise ConfigError(f"no shipped recipe {name!r}; shipped: {', '.join(shipped)}")
    out = Path(out)
    if out.exists():
        raise ConfigError(f"{out}: exists; remove it or pass another -o")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(shipped[name].read_text(encoding="utf-8"), encoding="utf-8")
    tmp.replace(out)
    return out
