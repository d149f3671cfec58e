"""Every default has one home, the config dataclass: the commands read it from there."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from vtdata.align.options import AlignOptions, ClipOptions
from vtdata.cli import main
from vtdata.cli.common import ByteSize
from vtdata.config.typed import default_of
from vtdata.config.units import parse_size
from vtdata.download.config import DownloadConfig
from vtdata.sources.recipe import Selection
from vtdata.train.params import EvalConfig, ModelConfig, TrainConfig

# command path -> the config classes whose fields its options set
HOMES = {
    ("download",): [DownloadConfig],
    ("align",): [ClipOptions, AlignOptions],
    ("train-reference",): [TrainConfig, ModelConfig],
    ("evaluate",): [EvalConfig],
    ("sources", "webvid"): [Selection],
}


def _command(path: tuple[str, ...]) -> click.Command:
    command: click.Command = main
    for name in path:
        command = command.commands[name]
    return command


@pytest.mark.parametrize("path", list(HOMES), ids=" ".join)
def test_option_defaults_are_the_dataclass_defaults(path):
    checked = 0
    for param in _command(path).params:
        for cls in HOMES[path]:
            try:
                expected = default_of(cls, param.name)
            except KeyError:
                continue
            if param.required:
                continue
            if isinstance(expected, tuple) and not param.multiple:
                expected = ",".join(expected)
            default = param.default
            if isinstance(param.type, ByteSize):
                default = parse_size(default)
            assert default == expected, f"{' '.join(path)} {param.opts}: {default!r} != {expected!r}"
            checked += 1
    assert checked >= 3


def _help(*args: str) -> str:
    return " ".join(CliRunner().invoke(main, [*args, "--help"]).output.split())


def test_help_shows_defaults_from_the_dataclass():
    out = _help("download")
    assert re.search(rf"--workers [^[]*\[default: {default_of(DownloadConfig, 'workers')}[;\]]", out)
    assert (
        "[default: 1GiB]" in out
    )  # DownloadConfig.max_bytes = 1 << 30, in a spelling --max-bytes reads back
    train = _help("train-reference")
    assert re.search(rf"--steps [^[]*\[default: {default_of(TrainConfig, 'steps')}[;\]]", train)
    assert re.search(rf"--width [^[]*\[default: {default_of(ModelConfig, 'width')}[;\]]", train)
    shard = _help("shard")
    assert "(pipeline key sampling.num_frames) [default: the pipeline's, else 8]" in shard


def test_set_is_one_syntax_for_shard_and_train(tmp_path):
    shown = CliRunner().invoke(main, ["shard", "--set", "sampling.num_frames=12", "--show-config"])
    assert shown.exit_code == 0 and "num_frames: 12" in shown.output
    bad = CliRunner().invoke(main, ["shard", "--set", "sampling.num_frames", "--show-config"])
    assert bad.exit_code == 2 and "expected KEY=VALUE" in bad.output
    wrong = CliRunner().invoke(main, ["train-reference", "--shards", "x", "--set", "model.widht=3"])
    assert wrong.exit_code == 2 and "unknown key 'model.widht'" in wrong.output
