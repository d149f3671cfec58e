"""The `--engine` options that `vtdata download` and `vtdata shard` share, and the engine they open."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import click

from vtdata.engine import ENGINES, Engine


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
def opened_engine(
    kind: str,
    address: str | None,
    cpus_per_task: float,
    max_retries: int,
    *,
    workers: int = 1,
    threads: int | None = None,
) -> Iterator[Engine]:
    """`vtdata.engine.session.open_engine`, with its errors as one-line CLI errors."""
    from vtdata.engine.session import EngineError, open_engine

    try:
        with open_engine(
            kind,
            workers=workers,
            threads=threads,
            address=address,
            cpus_per_task=cpus_per_task,
            max_retries=max_retries,
        ) as engine:
            yield engine
    except EngineError as e:
        raise click.ClickException(str(e)) from None
