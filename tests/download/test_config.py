import pytest

from vtdata.download.config import DownloadConfig


def test_config_validation():
    with pytest.raises(ValueError, match="backend"):
        DownloadConfig(backend="curl")
    with pytest.raises(ValueError, match="unknown failure reason"):
        DownloadConfig(retry_reasons=("gone",))
    with pytest.raises(ValueError, match="workers"):
        DownloadConfig(workers=0)
    assert DownloadConfig(retry_reasons=("rate_limited",)).max_height == 360
