"""Build a config dataclass from plain data (YAML, JSON, CLI overrides), checking every key.

A field declared with `opt(default, choices=..., min=..., max=..., size=True, doc=...)` carries its
allowed values; `build(cls, data, where=...)` refuses an unknown key, a wrong type or a value out of
range with a `ConfigError` that names the file, the dotted key and what is allowed. Nested
dataclass fields are built recursively. `size=True` fields also take byte sizes (`500MB`, `2GiB`).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import field
from typing import Any

from vtdata.config.units import parse_size


class ConfigError(ValueError):
    """A config that cannot be used; the message names the file, the key and what is allowed."""


def opt(
    default: Any = dataclasses.MISSING,
    *,
    choices: tuple | None = None,
    min: float | None = None,
    max: float | None = None,
    size: bool = False,
    doc: str = "",
) -> Any:
    """A dataclass field with its allowed values, checked by `build`."""
    meta = {"choices": choices, "min": min, "max": max, "size": size, "doc": doc}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda d=default: type(d)(d), metadata=meta)
    if dataclasses.is_dataclass(default):
        return field(default_factory=lambda d=default: dataclasses.replace(d), metadata=meta)
    return field(default=default, metadata=meta)


def default_of(cls: type, name: str) -> Any:
    """The default of field `name` of dataclass `cls` (its factory called), for `--help` and the CLI."""
    for f in dataclasses.fields(cls):
        if f.name == name:
            if f.default is not dataclasses.MISSING:
                return f.default
            if f.default_factory is not dataclasses.MISSING:
                return f.default_factory()
            raise KeyError(f"{cls.__name__}.{name} has no default")
    raise KeyError(f"{cls.__name__} has no field {name!r}")


def doc_of(cls: type, name: str) -> str:
    """The `doc=` of field `name` of `cls` ("" when it has none)."""
    return next((f.metadata.get("doc", "") for f in dataclasses.fields(cls) if f.name == name), "")


def build(cls: type, data: Any, prefix: str = "", where: str = "<config>") -> Any:
    """Instantiate dataclass `cls` from the mapping `data`, checking keys, types and ranges field by field.

    Keys absent from `data` keep their defaults; `prefix` is the dotted path of `data` in messages.
    """
    name = prefix or "the config"
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: {name} must be a mapping, got {data!r}")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(data) - set(fields), key=str)
    if unknown:
        key = f"{prefix}.{unknown[0]}" if prefix else str(unknown[0])
        raise ConfigError(f"{where}: unknown key '{key}'; allowed keys here: {', '.join(fields)}")
    hints = typing.get_type_hints(cls)
    values = {}
    for key, value in data.items():
        dotted = f"{prefix}.{key}" if prefix else key
        values[key] = check_value(hints[key], fields[key], value, dotted, where)
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {prefix + ': ' if prefix else ''}{exc}") from exc


def check_value(hint: Any, f: dataclasses.Field, value: Any, key: str, where: str) -> Any:
    """`value` checked against the field's hint and metadata (converted: ints to floats, sizes to bytes)."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args:
        if value is None:
            return None
        hint = next(a for a in args if a is not type(None))
    if typing.get_origin(hint) is typing.Literal:
        choices = typing.get_args(hint)
        if value not in choices:
            raise ConfigError(f"{where}: {key} is {value!r}; allowed values: {', '.join(map(str, choices))}")
        return value
    if dataclasses.is_dataclass(hint):
        return build(hint, value, key, where)
    meta = f.metadata
    if meta.get("size"):
        try:
            value = parse_size(value)
        except ValueError as exc:
            raise ConfigError(f"{where}: {key}: {exc}") from None
    value = _typed(hint, value, key, where)
    if meta.get("choices") is not None and value not in meta["choices"]:
        raise ConfigError(f"{where}: {key} is {value!r}; allowed values: {', '.join(meta['choices'])}")
    if meta.get("min") is not None and value < meta["min"]:
        raise ConfigError(f"{where}: {key} must be >= {meta['min']}, got {value!r}")
    if meta.get("max") is not None and value > meta["max"]:
        raise ConfigError(f"{where}: {key} must be <= {meta['max']}, got {value!r}")
    return value


def _typed(hint: Any, value: Any, key: str, where: str) -> Any:
    origin = typing.get_origin(hint)
    if origin is list or hint is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: {key} must be a list of names, got {value!r}")
    elif origin is dict or hint is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: {key} must be a mapping, got {value!r}")
    elif hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: {key} must be true or false, got {value!r}")
    elif hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: {key} must be an integer, got {value!r}")
    elif hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: {key} must be a number, got {value!r}")
        value = float(value)
    elif hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: {key} must be a string, got {value!r}")
    return value
