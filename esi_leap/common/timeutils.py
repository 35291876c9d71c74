"""UTC time helpers and ESI-Leap's wire format for times.

Inside esi-leap every datetime is timezone-aware UTC. On the wire times are
written as ESI-Leap writes them (``YYYY-MM-DDTHH:MM:SS`` with ``.ffffff`` when
non-zero, no offset); input without an offset is UTC, input with one is
converted to UTC.
"""

import datetime

from esi_leap.common import exception

UTC = datetime.timezone.utc

#: The end of an offer that has no end, as ESI-Leap writes it.
END_OF_TIME = datetime.datetime.max.replace(tzinfo=UTC)


def utcnow() -> datetime.datetime:
    """Now, timezone-aware UTC."""
    return datetime.datetime.now(UTC)


def as_utc(value: datetime.datetime) -> datetime.datetime:
    """Return ``value`` as aware UTC; a naive value is taken to be UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse(value: str, field: str) -> datetime.datetime:
    """Parse an ISO 8601 time from a request into aware UTC.

    :raises InvalidInput: when ``value`` is not a time.
    """
    if not isinstance(value, str):
        raise exception.InvalidInput(
            reason=f"{field} must be a string holding an ISO 8601 time.")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise exception.InvalidInput(
            reason=f"{field} {value!r} is not an ISO 8601 time such as "
                   "2030-01-31T12:00:00.") from None
    try:
        return as_utc(parsed)
    except OverflowError:
        raise exception.InvalidInput(
            reason=f"{field} {value!r} is out of range.") from None


def format_time(value: datetime.datetime | None) -> str | None:
    """Write a time as ESI-Leap does: naive UTC ``isoformat()``."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = as_utc(value)
    return value.replace(tzinfo=None).isoformat()
