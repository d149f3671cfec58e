import pytest

from vtdata.download.config import DownloadConfig, parse_size, parse_ytdlp_options


def test_parse_size():
    assert parse_size("1048576") == 1 << 20
    assert parse_size("500M") == 500 << 20
    assert parse_size("1.5G") == int(1.5 * (1 << 30))
    assert parse_size("2GiB") == 2 << 30
    assert parse_size("0") is None and parse_size("none") is None
    with pytest.raises(ValueError, match="K/M/G"):
        parse_size("lots")


def test_parse_ytdlp_options_takes_json_values():
    opts = parse_ytdlp_options(
        [
            "sleep_interval=2",
            'extractor_args={"youtube": {"player_client": ["web"]}}',
            "source_address=0.0.0.0",
            "geo_bypass=true",
        ]
    )
    assert opts == {
        "sleep_interval": 2,
        "extractor_args": {"youtube": {"player_client": ["web"]}},
        "source_address": "0.0.0.0",
        "geo_bypass": True,
    }
    with pytest.raises(ValueError, match="KEY=VALUE"):
        parse_ytdlp_options(["novalue"])


def test_config_validation():
    with pytest.raises(ValueError, match="backend"):
        DownloadConfig(backend="curl")
    with pytest.raises(ValueError, match="unknown failure reason"):
        DownloadConfig(retry_reasons=("gone",))
    with pytest.raises(ValueError, match="workers"):
        DownloadConfig(workers=0)
    assert DownloadConfig(retry_reasons=("rate_limited",)).max_height == 360
