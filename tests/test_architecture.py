"""The package map of docs/architecture.md, enforced: who may import whom, and who may touch decoders.

Imports are read from the source with `ast` (function-level imports included), so a lazy import
cannot sneak past the rule. A component is a subpackage of `vtdata` (`vtdata/shard/`) or a
top-level module (`vtdata/quickstart.py`).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "vtdata"

# component -> the components it may import (besides itself); lower layers never import higher ones
ALLOWED: dict[str, set[str]] = {
    "config": set(),
    "records": {"config"},
    "media": set(),
    "engine": set(),
    "sources": {"config", "records"},
    "download": {"config", "records", "media", "engine", "sources"},
    "align": {"config", "records", "engine", "sources", "download"},
    "shard": {"config", "records", "media", "engine", "download"},
    "loader": {"config", "records", "media"},
    "train": {"config", "records", "media", "loader"},
    "realign": {"config", "records", "media", "loader", "train", "shard"},
    "synthetic": {"config", "records", "media", "sources"},
    "run": {"config", "records", "engine", "sources", "download", "align", "shard"},
    "quickstart": {"config", "records", "synthetic"},
    "report": {"config", "records", "media", "download", "align", "shard", "train"},
    "cli": {
        "config", "records", "media", "engine", "sources", "download", "align", "shard", "loader",
        "train", "realign", "synthetic", "quickstart", "run", "report",
    },  # fmt: skip
    "__main__": {"cli"},
    "__init__": set(),
}
DECODER_LIBRARIES = {"av", "decord", "simplejpeg", "PIL"}
MAX_LINES = 400


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _component(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imports(path: Path) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
            if node.module == "vtdata":
                out += [(node.lineno, f"vtdata.{a.name}") for a in node.names if not a.name.startswith("__")]
    return out


def test_every_component_is_in_the_map():
    found = {_component(p) for p in _modules()}
    assert found <= set(ALLOWED), f"add {sorted(found - set(ALLOWED))} to ALLOWED and docs/architecture.md"


def test_packages_import_only_what_the_map_allows():
    bad = []
    for path in _modules():
        src = _component(path)
        for line, name in _imports(path):
            parts = name.split(".")
            if parts[0] != "vtdata" or len(parts) < 2:
                continue
            dst = parts[1]
            if dst != src and dst not in ALLOWED[src]:
                bad.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {src} imports {name}")
    assert not bad, "imports against docs/architecture.md:\n" + "\n".join(bad)


def test_the_map_has_no_cycle():
    seen: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        if seen.get(node) == 1:
            raise AssertionError(f"cycle: {' -> '.join([*stack, node])}")
        if seen.get(node) == 2:
            return
        seen[node] = 1
        for dst in sorted(ALLOWED[node]):
            visit(dst, [*stack, node])
        seen[node] = 2

    for node in ALLOWED:
        visit(node, [])


def test_only_media_touches_the_decoders():
    bad = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: imports {name}"
        for path in _modules()
        if _component(path) != "media"
        for line, name in _imports(path)
        if name.split(".")[0] in DECODER_LIBRARIES
    ]
    assert not bad, "only vtdata/media/ may import av, decord, simplejpeg or PIL:\n" + "\n".join(bad)


def test_only_media_runs_ffmpeg():
    bad = []
    for path in _modules():
        if _component(path) == "media":
            continue
        text = path.read_text(encoding="utf-8")
        for needle in ("run_ffmpeg(", "subprocess.", "import subprocess"):
            if needle in text:
                bad.append(f"{path.relative_to(PACKAGE.parent)}: {needle}")
    assert not bad, "only vtdata/media/ may start ffmpeg (or any subprocess):\n" + "\n".join(bad)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_stay_small(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(PACKAGE.parent)} has {lines} lines; split it by job"
