"""The `--engine` options that `vtdata download` and `vtdata shard` share, and the session they open.

Kept out of `vtdata/cli.py` so both commands declare them once; importing this module imports
click only (Ray is imported when `--engine ray` is used).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import click

from vtdata.engine import ENGINES, EngineUnavailable


def engine_options(cpus_per_task: float, task: str, in_flight: str) -> Callable:
    """Add --engine, --ray-address, --cpus-per-task and --max-retries; `task` names one Ray task,
    `in_flight` says what bounds the tasks in flight."""

    def decorate(func: Callable) -> Callable:
        options = [
            click.option(
                "--engine",
                type=click.Choice(ENGINES),
                default="local",
                show_default=True,
                help="Where the work runs: local (this machine) or ray (a Ray cluster, one task per "
                f"{task}; needs `pip install 'vtdata[ray]'`). The output is the same with both.",
            ),
            click.option(
                "--ray-address",
                metavar="ADDRESS",
                help="--engine ray: the cluster to join, e.g. auto (the `ray start` on this machine) "
                "or HEAD_IP:6379. Default: $RAY_ADDRESS, else a local Ray started for this run.",
            ),
            click.option(
                "--cpus-per-task",
                type=click.FloatRange(min=0.01),
                default=cpus_per_task,
                show_default=True,
                help=f"--engine ray: CPUs Ray reserves per {task} (fractions allowed). {in_flight}",
            ),
            click.option(
                "--max-retries",
                type=click.IntRange(min=0),
                default=2,
                show_default=True,
                help=f"--engine ray: run a {task} again this many times when its worker dies or it "
                "raises (every task is safe to repeat).",
            ),
        ]
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


@contextlib.contextmanager
def engine_session(engine: str, address: str | None, cpus_per_task: float, max_retries: int) -> Iterator:
    """Yield a `RayExecutor` inside a joined (or freshly started) Ray for `--engine ray`, else None."""
    if engine != "ray":
        yield None
        return
    with contextlib.ExitStack() as stack:
        try:
            from vtdata.engine.ray import RayExecutor, ray_cluster

            stack.enter_context(ray_cluster(address))
        except EngineUnavailable as e:
            raise click.ClickException(str(e)) from None
        except ConnectionError as e:
            raise click.ClickException(
                f"could not join the Ray cluster at {address or '$RAY_ADDRESS'}: {e}; start one with "
                "`ray start --head`, or leave out --ray-address to run a local Ray"
            ) from None
        yield RayExecutor(cpus_per_task, max_retries)
