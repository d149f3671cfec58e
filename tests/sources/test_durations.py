import pytest
from hypothesis import given
from hypothesis import strategies as st

from vtdata.sources.durations import parse_iso_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("PT00H00M11S", 11.0),
        ("PT11S", 11.0),
        ("PT1M2.5S", 62.5),
        ("pt1h", 3600.0),
        ("P1DT2H", 26 * 3600.0),
        (" PT0S ", 0.0),
    ],
)
def test_accepts_iso_durations(text, seconds):
    assert parse_iso_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "text", ["", "PT", "P", "P1DT", "11", "11 seconds", "PT-5S", "P1Y", "P2W", "PT1S2M", "1:02"]
)
def test_rejects_garbage_naming_the_value(text):
    with pytest.raises(ValueError, match="ISO-8601") as err:
        parse_iso_duration(text)
    assert repr(text) in str(err.value)


@given(st.integers(0, 99), st.integers(0, 59), st.integers(0, 59))
def test_webvid_style_round_trip(h, m, s):
    assert parse_iso_duration(f"PT{h:02d}H{m:02d}M{s:02d}S") == h * 3600 + m * 60 + s
