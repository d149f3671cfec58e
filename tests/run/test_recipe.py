"""The recipe: typed keys, errors that name the key and the allowed ones, shipped examples, --init."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from vtdata.cli import main
from vtdata.config.typed import ConfigError
from vtdata.run.recipe import load_recipe, recipe_from_dict, shipped_recipes
from vtdata.run.stages import align_options, download_config, pipeline_config


def test_unknown_keys_name_the_key_and_the_allowed_ones(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown key 'engin'; allowed keys here: corpus, mode, metadata"):
        recipe_from_dict({"engin": {}, "metadata": {"paths": ["a.csv"]}}, "r.yaml")
    with pytest.raises(
        ConfigError, match=r"r.yaml: unknown key 'download.per_hots'; allowed keys here: .*per_host"
    ):
        recipe_from_dict({"download": {"per_hots": 2}, "metadata": {"paths": ["a.csv"]}}, "r.yaml")
    with pytest.raises(ConfigError, match=r"mode is 'stream'; allowed values: staged, streaming"):
        recipe_from_dict({"mode": "stream", "metadata": {"paths": ["a.csv"]}}, "r.yaml")
    with pytest.raises(ConfigError, match="metadata.paths"):
        recipe_from_dict({}, "r.yaml")


def test_shipped_recipes_load_and_build_every_stage_config():
    assert set(shipped_recipes()) == {"howto100m", "webvid", "cc3m"}
    for name, path in shipped_recipes().items():
        recipe = load_recipe(path)
        assert recipe.corpus == name
        assert recipe.mode == "streaming"
        assert recipe.metadata.paths and recipe.path(recipe.metadata.paths[0]).parent == path.parent
        pipeline_config(recipe)
        download_config(recipe)
        align_options(recipe)
    howto = load_recipe(shipped_recipes()["howto100m"])
    assert download_config(howto).sections and align_options(howto).clips.builder == "milnce"
    assert pipeline_config(howto).name == "howto100m-milnce"


def test_pipeline_by_name_with_settings_or_inline(tmp_path):
    base = {"metadata": {"paths": ["a.csv"]}}
    named = recipe_from_dict(
        {**base, "shard": {"pipeline": "webvid-frozen", "set": {"sampling": {"num_frames": 2}}}}
    )
    assert pipeline_config(named).sampling.num_frames == 2 and pipeline_config(named).name == "webvid-frozen"
    inline = recipe_from_dict(
        {**base, "shard": {"inline": {"store": "clip", "shards": {"samples_per_shard": 7}}}}
    )
    assert pipeline_config(inline).store == "clip" and pipeline_config(inline).shards.samples_per_shard == 7
    with pytest.raises(ConfigError, match="shards.sample_per_shard"):
        pipeline_config(recipe_from_dict({**base, "shard": {"inline": {"shards": {"sample_per_shard": 7}}}}))
    with pytest.raises(ConfigError, match="give one of them"):
        recipe_from_dict({**base, "shard": {"pipeline": "webvid-frozen", "inline": {"store": "clip"}}})


def test_paths_are_relative_to_the_recipe(tmp_path):
    (tmp_path / "r.yaml").write_text("metadata:\n  paths: [meta/a.csv]\noutputs:\n  root: out\n")
    recipe = load_recipe(tmp_path / "r.yaml", {"mode": "streaming"})
    assert recipe.root == tmp_path.resolve() / "out" and recipe.mode == "streaming"
    assert recipe.store == recipe.root / "download" and recipe.shards == recipe.root / "shards"
    assert recipe.path("meta/a.csv") == tmp_path.resolve() / "meta/a.csv"


def test_cli_init_writes_a_recipe_and_refuses_to_overwrite(tmp_path):
    out = tmp_path / "mine.yaml"
    result = CliRunner().invoke(main, ["run", "--init", "webvid", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text() == shipped_recipes()["webvid"].read_text()
    again = CliRunner().invoke(main, ["run", "--init", "webvid", "-o", str(out)])
    assert again.exit_code != 0 and "exists" in again.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("corpus: webvid\nmetadata:\n  paths: [a.csv]\nshards: {}\n")
    result = CliRunner().invoke(main, ["run", str(bad)])
    assert result.exit_code != 0 and "unknown key 'shards'" in result.output and "shard," in result.output
