"""Open the engine a run asked for, for the length of the run: `with open_engine("ray", ...) as engine`."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from vtdata.engine import Engine
from vtdata.engine.local import LocalEngine


class EngineError(RuntimeError):
    """The engine cannot be opened (Ray missing, cluster unreachable); the message says what to do."""


@contextlib.contextmanager
def open_engine(
    kind: str,
    *,
    workers: int = 1,
    threads: int | None = None,
    address: str | None = None,
    cpus_per_task: float = 1.0,
    max_retries: int = 2,
) -> Iterator[Engine]:
    """A `LocalEngine(workers, threads)` for "local"; for "ray", a `RayEngine` inside a joined (or freshly
    started, see `vtdata.engine.ray.ray_cluster`) Ray, disconnected at the end of the block."""
    if kind == "local":
        yield LocalEngine(workers, threads)
        return
    if kind != "ray":
        raise EngineError(f"unknown engine {kind!r}; use local or ray")
    from vtdata.engine import EngineUnavailable

    with contextlib.ExitStack() as stack:
        try:
            from vtdata.engine.ray import RayEngine, ray_cluster

            stack.enter_context(ray_cluster(address))
        except EngineUnavailable as e:
            raise EngineError(str(e)) from None
        except ConnectionError as e:
            raise EngineError(
                f"could not join the Ray cluster at {address or '$RAY_ADDRESS'}: {e}; start one with "
                "`ray start --head`, or leave out --ray-address to run a local Ray"
            ) from None
        yield RayEngine(cpus_per_task, max_retries, threads=threads)
