"""Lease windows: defaults and limits from ``[api]``."""

import datetime

from esi_leap.common import exception
from esi_leap.common import timeutils
from esi_leap.conf import CONF

Window = tuple[datetime.datetime, datetime.datetime]


def checked(start: datetime.datetime, end: datetime.datetime) -> Window:
    """:raises InvalidTimeRange: unless start < end."""
    if start >= end:
        raise exception.InvalidTimeRange(
            start_time=timeutils.format_time(start),
            end_time=timeutils.format_time(end))
    return start, end


def default_lease_end(start: datetime.datetime) -> datetime.datetime:
    """A lease's end when the request gives none.

    :raises InvalidInput: when that end is past the year 9999.
    """
    try:
        return start + datetime.timedelta(days=CONF.api.default_lease_time)
    except OverflowError:
        raise exception.InvalidInput(
            reason=f"start_time {timeutils.format_time(start)} is too late: "
                   f"the default end ({CONF.api.default_lease_time} days "
                   f"later) is past the year 9999; give an end_time."
        ) from None


def check_max_length(window: Window, unlimited: bool) -> None:
    """:raises Forbidden: when a lease is longer than ``max_lease_time``
    and the caller is not allowed to exceed it."""
    limit = datetime.timedelta(days=CONF.api.max_lease_time)
    if not unlimited and window[1] - window[0] > limit:
        raise exception.Forbidden(
            message=f"A lease may last at most {CONF.api.max_lease_time} "
                    f"days ([api] max_lease_time); this one would last "
                    f"{window[1] - window[0]}.")
