import pytest

from vtdata.align.timestamps import BadTimestamp, format_timestamp, parse_timestamp, parse_timing_line


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("00:00:01.234", 1.234),
        ("01:02:03.004", 3723.004),
        ("02:03.5", 123.5),
        ("00:00:5,000", 5.0),
        ("0:0:7", 7.0),
        ("00:00:04.3001", 4.3001),
        ("100:00:00.000", 360000.0),
        ("75:10.000", 4510.0),  # minutes may exceed 59 when there are no hours
    ],
)
def test_lenient_timestamps(text, seconds):
    assert parse_timestamp(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["00:00:60.000", "00:61:00.000", "1.5", "aa:bb:cc", "00:00:01.2x", ""])
def test_bad_timestamps(text):
    with pytest.raises(BadTimestamp):
        parse_timestamp(text)


def test_timing_line_and_format():
    assert parse_timing_line("00:00:01.000 --> 00:00:02.500 align:start position:0%") == (
        1.0,
        2.5,
        " align:start position:0%",
    )
    with pytest.raises(BadTimestamp):
        parse_timing_line("00:00:01.000 -> 00:00:02.000")
    assert format_timestamp(3723.004) == "01:02:03.004"
    assert format_timestamp(0.0) == "00:00:00.000"
    assert format_timestamp(360001.5) == "100:00:01.500"
