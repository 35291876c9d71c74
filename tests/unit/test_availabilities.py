"""Free windows shown on offers."""

import datetime

from esi_leap.api import views
from esi_leap.db import models

UTC = datetime.timezone.utc


def t(day: int) -> datetime.datetime:
    return datetime.datetime(2030, 1, day, tzinfo=UTC)


def offer(status: str = "available") -> models.Offer:
    return models.Offer(uuid="o", start_time=t(1), end_time=t(31),
                        status=status)


def test_free_windows_skip_booked_ones():
    free = views.availabilities(offer(), [(t(2), t(3)), (t(10), t(12))],
                                now=t(1) - datetime.timedelta(days=1))
    assert free == [["2030-01-01T00:00:00", "2030-01-02T00:00:00"],
                    ["2030-01-03T00:00:00", "2030-01-10T00:00:00"],
                    ["2030-01-12T00:00:00", "2030-01-31T00:00:00"]]


def test_free_windows_start_now_when_the_offer_began_earlier():
    free = views.availabilities(offer(), [], now=t(5))
    assert free == [["2030-01-05T00:00:00", "2030-01-31T00:00:00"]]


def test_back_to_back_and_overlapping_bookings_merge():
    free = views.availabilities(offer(), [(t(2), t(5)), (t(4), t(6)),
                                          (t(6), t(31))], now=t(1))
    assert free == [["2030-01-01T00:00:00", "2030-01-02T00:00:00"]]


def test_offers_that_are_not_available_have_no_windows():
    assert views.availabilities(offer("deleted"), [], now=t(1)) == []
