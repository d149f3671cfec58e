"""vtdata/config.py: pipeline YAML -> typed config; every bad key is named in the error."""

from __future__ import annotations

import pytest

from vtdata.shard.config import ConfigError, load_pipeline, shipped_pipelines


@pytest.mark.parametrize("name", ["webvid-frozen", "howto100m-milnce", "cc3m-images"])
def test_ready_pipelines_load(name):
    config = load_pipeline(name)
    assert config.name == name
    assert config.resize.short_side in (224, 256)


def test_webvid_stores_every_frame_and_the_loader_samples_rand_for_train_uniform_for_val():
    config = load_pipeline("webvid-frozen")
    assert (config.store, config.clip.fps) == ("clip", None)
    assert config.loader.sampling == {"mode": "rand", "num_frames": 4, "protocol": "frozen"}
    assert config.loader.sampling_by_split["val"] == {"mode": "uniform"}


def test_milnce_is_32_frames_at_10_fps_in_whole_second_windows():
    config = load_pipeline("howto100m-milnce")
    assert (config.store, config.clip.fps) == ("clip", 10.0)
    loader = config.loader.sampling
    assert (loader["mode"], loader["fps"], loader["max_frames"], loader["window"]) == (
        "dense",
        10.0,
        32,
        "rand-seconds",
    )
    assert config.loader.sampling_by_split["val"] == {"window": "center"}


def test_the_loader_section_is_checked_and_left_out_of_the_record_when_empty(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("loader:\n  sampling:\n    mode: rand\n    protocol: lavis\n")
    with pytest.raises(ConfigError, match="loader.sampling.protocol"):
        load_pipeline(bad)
    assert "loader" not in load_pipeline("cc3m-images").to_dict()
    assert "loader" in load_pipeline("webvid-frozen").to_dict()


def test_sampling_override_applies_to_every_split():
    config = load_pipeline("webvid-frozen", {"sampling.mode": "headtail"})
    assert config.sampling_for("val").mode == "headtail"
    assert config.sampling_for("train").mode == "headtail"


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"sampling.mode": "random"}, "sampling.mode is 'random'; allowed values: uniform, rand"),
        ({"samplng": {"mode": "rand"}}, "unknown key 'samplng'"),
        ({"resize.shortside": 3}, "unknown key 'resize.shortside'"),
        ({"sampling_by_split": {"val": {"frames": 3}}}, "unknown key 'sampling_by_split.val.frames'"),
        ({"sampling.num_frames": 0}, "sampling.num_frames must be >= 1"),
        ({"sampling.num_frames": "4"}, "sampling.num_frames must be an integer"),
        ({"store": "video"}, "store is 'video'; allowed values: frames, clip"),
        ({"sampling.mode": "dense"}, "sampling.fps is required"),
        ({"sampling.protocol": "milnce"}, "sampling.protocol is 'milnce'"),
        ({"frames.jpeg_quality": 101}, "frames.jpeg_quality must be <= 100"),
        ({"resize.crop": "yes"}, "resize.crop must be true or false"),
        ({"shards.max_shard_bytes": "lots"}, "shards.max_shard_bytes: 'lots' is not a byte size"),
        ({"clip.preset": "turbo"}, "clip.preset is 'turbo'; allowed values: ultrafast"),
    ],
)
def test_errors_name_the_key_and_what_is_allowed(overrides, named):
    with pytest.raises(ConfigError) as err:
        load_pipeline(None, overrides)
    assert named in str(err.value)


def test_yaml_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("store: frames\nresize:\n  short_side: 224\n  crop_size: 200\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml: unknown key 'resize\.crop_size'"):
        load_pipeline(bad)
    bad.write_text("- a list\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml: a pipeline config is a mapping"):
        load_pipeline(bad)


def test_byte_sizes():
    assert load_pipeline(None, {"shards.max_shard_bytes": "1.5G"}).shards.max_shard_bytes == 1_500_000_000


def test_pipelines_by_name_or_path_and_a_clear_error(tmp_path):
    shipped = shipped_pipelines()
    assert set(shipped) == {
        "webvid-frozen",
        "howto100m-milnce",
        "cc3m-images",
        "clipbert",
        "lavis-alpro",
        "clip4clip",
    }
    assert load_pipeline("webvid-frozen") == load_pipeline(shipped["webvid-frozen"])
    mine = tmp_path / "webvid-frozen"  # a file of that name wins over the shipped pipeline
    mine.write_text("name: mine\n")
    assert load_pipeline(mine).name == "mine"
    with pytest.raises(ConfigError, match="no shipped pipeline of that name; shipped: cc3m-images, clip4"):
        load_pipeline("webvid-frozn")
