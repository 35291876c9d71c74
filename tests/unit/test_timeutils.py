"""Times on the wire: parsing to aware UTC, writing as ESI-Leap does."""

import datetime

import pytest

from esi_leap.common import exception
from esi_leap.common import timeutils

UTC = datetime.timezone.utc


@pytest.mark.parametrize("text,expected", [
    ("2030-01-01T00:00:00", datetime.datetime(2030, 1, 1, tzinfo=UTC)),
    ("2030-01-01T02:00:00+02:00", datetime.datetime(2030, 1, 1, tzinfo=UTC)),
    ("2030-01-01T00:00:00Z", datetime.datetime(2030, 1, 1, tzinfo=UTC)),
    ("2030-01-01 00:00:00.5", datetime.datetime(2030, 1, 1, 0, 0, 0, 500000,
                                                tzinfo=UTC)),
])
def test_parse_gives_aware_utc(text, expected):
    assert timeutils.parse(text, "start_time") == expected


@pytest.mark.parametrize("text", ["tomorrow", "2030-13-01T00:00:00", "",
                                  "9999-12-31T23:59:59-05:00"])
def test_parse_rejects_bad_times_clearly(text):
    with pytest.raises(exception.InvalidInput) as info:
        timeutils.parse(text, "end_time")
    assert "end_time" in str(info.value)


def test_parse_rejects_non_strings():
    with pytest.raises(exception.InvalidInput):
        timeutils.parse(12, "end_time")  # type: ignore[arg-type]


def test_format_is_naive_utc_with_micros_only_when_set():
    eastern = datetime.timezone(datetime.timedelta(hours=-5))
    value = datetime.datetime(2030, 1, 1, 7, 0, tzinfo=eastern)
    assert timeutils.format_time(value) == "2030-01-01T12:00:00"
    assert timeutils.format_time(
        value.replace(microsecond=42)) == "2030-01-01T12:00:00.000042"
    assert timeutils.format_time(timeutils.END_OF_TIME) == \
        "9999-12-31T23:59:59.999999"
    assert timeutils.format_time(None) is None
