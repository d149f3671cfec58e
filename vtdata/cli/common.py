"""What every command shares: options whose default and help come from a config dataclass, the
KEY=VALUE option, byte sizes, and turning library errors into one-line messages.

The library never prints; commands draw progress bars and summaries. Each command builds its
stage's config dataclass from the options and calls one library function.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from vtdata.config.overrides import parse_pairs
from vtdata.config.typed import ConfigError, default_of, doc_of
from vtdata.config.units import exact_size, parse_size, plural  # noqa: F401 - commands use plural


def from_config(
    cls: type, name: str, *decls: str, dest: str | None = None, help: str | None = None, **kwargs: Any
) -> Callable:
    """`click.option` for field `name` of config dataclass `cls`, passed to the command as `dest` (default
    `name`): its default is the dataclass's (shown in `--help` as `[default: ...]`); `help` defaults
    to the field's `doc=`."""
    default = default_of(cls, name)
    if isinstance(default, tuple) and not kwargs.get("multiple"):
        default = ",".join(map(str, default)) or "none"  # a comma-separated list option
    elif kwargs.get("type") is BYTES and isinstance(default, int):
        default = exact_size(default)  # shown as 1GiB, read back by the option's type
    if kwargs.get("required"):
        return click.option(*decls, dest or name, help=help or doc_of(cls, name), **kwargs)
    kwargs.setdefault("show_default", True)
    return click.option(*decls, dest or name, default=default, help=help or doc_of(cls, name), **kwargs)


def given(ctx: click.Context, values: dict[str, Any]) -> dict[str, Any]:
    """The options of `values` that the user set (on the command line or from the environment), not
    left at their default: what overrides a config file."""
    return {
        name: value
        for name, value in values.items()
        if ctx.get_parameter_source(name) not in (None, click.core.ParameterSource.DEFAULT)
    }


class ByteSize(click.ParamType):
    """A byte size: `500MB` (SI), `2GiB` (binary), `1.5G`, or bytes (see `vtdata.config.units`)."""

    name = "SIZE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, str) and value.strip().lower() == "none":
            return 0
        try:
            return parse_size(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


BYTES = ByteSize()


def set_option(help: str) -> Callable:
    """The repeatable `--set KEY=VALUE` option (VALUE read as YAML), the one override syntax."""
    return click.option("--set", "settings", multiple=True, metavar="KEY=VALUE", help=help)


def pairs(values: tuple[str, ...], what: str = "--set") -> dict[str, Any]:
    """`--set` values as a dict; a malformed pair is a usage error."""
    try:
        return parse_pairs(values, what)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None


def usage_errors(*types: type[BaseException]) -> Callable:
    """Turn the given exception types raised by the command into `click.UsageError` (exit 2)."""

    def decorate(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except types as exc:
                raise click.UsageError(str(exc)) from None

        return wrapper

    return decorate
