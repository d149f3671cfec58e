"""`KEY=VALUE` overrides, one syntax for every command that takes them (`--set`, `--ytdlp-opt`).

KEY is a dotted path into a nested mapping (`sampling.num_frames`); VALUE is read as YAML, so
`8` is an int, `true` a bool, `[a, b]` a list, `null` None and anything else a string.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from vtdata.config.typed import ConfigError


def parse_pairs(pairs: Iterable[str], what: str = "--set") -> dict[str, Any]:
    """`["a.b=1", "c=x"]` -> `{"a.b": 1, "c": "x"}`; raises ConfigError naming the bad pair."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{what} {pair!r}: expected KEY=VALUE, e.g. sampling.num_frames=8")
        try:
            out[key.strip()] = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError as exc:
            raise ConfigError(f"{what} {pair!r}: VALUE is not valid YAML: {exc}") from None
    return out


def set_dotted(data: dict, key: str, value: Any, where: str = "<overrides>") -> None:
    """`data["a"]["b"] = value` for key "a.b", creating the mappings on the way."""
    parts = key.split(".")
    node = data
    for i, part in enumerate(parts[:-1]):
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"{where}: cannot set {key}: {'.'.join(parts[: i + 1])} is not a mapping")
        node = child
    node[parts[-1]] = value


def load_mapping(path: str | Path, what: str = "config") -> dict:
    """A YAML (or JSON) file that must hold a mapping; ConfigError names the file otherwise."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a {what} is a mapping of keys, got {type(data).__name__}")
    return data
