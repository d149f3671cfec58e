"""Where the stages' jobs run: this machine (`local`) or a Ray cluster (`ray`), and the output
locations every worker reaches (a local or shared path, or an fsspec URL: `storage`).

The stages define their unit of work as a plain function (`vtdata.download.job.download_one`,
`vtdata.shard.job.run_shard_job`); an engine only decides where it runs. Both engines have the
same shape (`Engine`): `map_unordered(fn, items, *shared, progress=...)` yields
`(item, result)` as items finish, with a `TaskError` as the result of an item that raised.
This package imports no stage. Ray is an optional extra: nothing here imports it until a Ray
engine is asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

ENGINES = ("local", "ray")
INSTALL_HINT = "pip install 'vtdata[ray]'"


class EngineUnavailable(RuntimeError):
    """The engine asked for cannot run here (its extra is not installed); the message says how to fix it."""


@dataclass
class TaskError:
    """The function raised on every try (or its worker died every time): the item is left undone."""

    error: str  # the formatted traceback (Ray's message, with the remote traceback)


class Engine(Protocol):
    """What a stage needs of an engine."""

    remote: bool  # True when tasks run in other processes that may be on other machines
    threads: int  # threads one task should use (decoders); 0: the library's own choice

    def map_unordered(
        self,
        fn: Callable[..., Any],
        items: Iterable[Any],
        *shared: Any,
        progress: Callable[[int], None] | None = None,
    ) -> Iterator[tuple[Any, Any]]: ...


def require_ray():
    """The `ray` module, or `EngineUnavailable` telling how to install it."""
    try:
        import ray
    except ImportError as exc:
        raise EngineUnavailable(f"--engine ray needs Ray, which is not installed: {INSTALL_HINT}") from exc
    return ray
