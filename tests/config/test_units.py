"""vtdata/config/units.py: one byte-size syntax, SI for MB and binary for MiB, read and written alike."""

import pytest

from vtdata.config.units import exact_size, format_size, parse_size


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1048576", 1048576),
        (1234, 1234),
        ("500MB", 500_000_000),
        ("500mb", 500_000_000),
        ("500M", 500_000_000),
        ("1.5G", 1_500_000_000),
        ("64k", 64_000),
        ("64kB", 64_000),
        ("2GiB", 2 * 1024**3),
        ("500MiB", 500 * 2**20),
        ("1KiB", 1024),
        (" 3 TB ", 3 * 10**12),
        ("0", 0),
    ],
)
def test_parse_size(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("bad", ["lots", "", "MB", "1.2.3G", "-5MB", -5, True, "2i", "5 XB"])
def test_parse_size_refuses(bad):
    with pytest.raises(ValueError, match="byte size"):
        parse_size(bad)


def test_format_size_si_and_binary():
    assert format_size(512) == "512 B"
    assert format_size(17_100_000) == "17.1 MB"
    assert format_size(1500) == "1.5 kB"
    assert format_size(2**30, binary=True) == "1.0 GiB"
    assert format_size(1536, binary=True) == "1.5 KiB"


@pytest.mark.parametrize("n", [1 << 30, 500_000_000, 1000, 1024, 3 * 2**40, 12345, 0])
def test_exact_size_reads_back(n):
    assert parse_size(exact_size(n)) == n


def test_exact_size_prefers_the_readable_unit():
    assert exact_size(1 << 30) == "1GiB"
    assert exact_size(500_000_000) == "500MB"
