"""vtdata/config/overrides.py: the one KEY=VALUE syntax (YAML values) and dotted keys."""

import pytest

from vtdata.config.overrides import load_mapping, parse_pairs, set_dotted
from vtdata.config.typed import ConfigError


def test_values_are_read_as_yaml():
    assert parse_pairs(
        [
            "sleep_interval=2",
            'extractor_args={"youtube": {"player_client": ["web"]}}',
            "source_address=0.0.0.0",
            "geo_bypass=true",
            "sampling.window=rand",
            "shards.splits=[train, val]",
            "resize.short_side=null",
            "text=a=b",
            "empty=",
        ]
    ) == {
        "sleep_interval": 2,
        "extractor_args": {"youtube": {"player_client": ["web"]}},
        "source_address": "0.0.0.0",
        "geo_bypass": True,
        "sampling.window": "rand",
        "shards.splits": ["train", "val"],
        "resize.short_side": None,
        "text": "a=b",
        "empty": "",
    }


@pytest.mark.parametrize("bad", ["novalue", "=3", "a=[unclosed"])
def test_bad_pairs_name_the_pair(bad):
    with pytest.raises(ConfigError, match="--set"):
        parse_pairs([bad])


def test_set_dotted_creates_and_refuses():
    data = {"a": 1}
    set_dotted(data, "b.c.d", 2)
    assert data == {"a": 1, "b": {"c": {"d": 2}}}
    with pytest.raises(ConfigError, match="a is not a mapping"):
        set_dotted(data, "a.x", 3)


def test_load_mapping(tmp_path):
    good = tmp_path / "c.yaml"
    good.write_text("a: 1\n")
    assert load_mapping(good) == {"a": 1}
    empty = tmp_path / "e.yaml"
    empty.write_text("")
    assert load_mapping(empty) == {}
    listed = tmp_path / "l.yaml"
    listed.write_text("- 1\n")
    with pytest.raises(ConfigError, match="l.yaml: a config is a mapping"):
        load_mapping(listed)
    broken = tmp_path / "b.yaml"
    broken.write_text("a: [\n")
    with pytest.raises(ConfigError, match="b.yaml: not valid YAML"):
        load_mapping(broken)
    with pytest.raises(ConfigError, match="cannot read"):
        load_mapping(tmp_path / "missing.yaml")
