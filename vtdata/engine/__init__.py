"""Where the download and shard jobs run: this machine (the stages' own local engines) or Ray.

The stages define the unit of work (`vtdata.download.job.download_one`,
`vtdata.shard.job.run_shard_job`) and their local executors; this package adds the Ray engine
that runs those same functions as Ray tasks (`vtdata.engine.ray`), and the output locations all
workers can share, a local path or an fsspec URL (`vtdata.engine.storage`). Ray is an optional
extra: nothing here imports it until a Ray engine is asked for.
"""

from __future__ import annotations

ENGINES = ("local", "ray")
INSTALL_HINT = "pip install 'vtdata[ray]'"


class EngineUnavailable(RuntimeError):
    """The engine asked for cannot run here (its extra is not installed); the message says how to fix it."""


def require_ray():
    """The `ray` module, or `EngineUnavailable` telling how to install it."""
    try:
        import ray
    except ImportError as exc:
        raise EngineUnavailable(f"--engine ray needs Ray, which is not installed: {INSTALL_HINT}") from exc
    return ray
