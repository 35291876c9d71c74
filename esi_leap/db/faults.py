"""Recognise a database that is unavailable, and log it once per burst.

The database is *unavailable* when it refuses connections, drops them, does
not answer within ``[database] connect_timeout``/``statement_timeout``, or
the pool has no free connection within ``[database] pool_timeout``. The API
answers such failures with 503 and ``Retry-After`` (see
:mod:`esi_leap.api.errors`); the manager retries on its next pass. Both log
through :data:`DATABASE`: one line when a burst starts, a summary at most
every 30 s, one line when the database works again.
"""

import sqlite3

import sqlalchemy as sa
from oslo_db import exception as db_exc
from oslo_log import log as logging

from esi_leap.common import burstlog

LOG = logging.getLogger(__name__)

#: The one burst log of database failures in this process.
DATABASE = burstlog.BurstLog(LOG, "The database")

#: SQLite errors that say the database cannot be used right now, as
#: opposed to a wrong schema or statement.
_SQLITE_UNAVAILABLE = ("locked", "busy", "unable to open", "disk i/o")


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc``, what oslo.db wrapped in it and its chained causes."""
    seen: list[BaseException] = []
    todo: list[object] = [exc]
    while todo:
        item = todo.pop()
        # oslo.db keeps whatever it was given as inner_exception (a str too).
        if not isinstance(item, BaseException) \
                or any(item is s for s in seen) or len(seen) > 10:
            continue
        seen.append(item)
        todo += [getattr(item, "inner_exception", None), item.__cause__,
                 getattr(item, "orig", None)]
    return seen


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    return text[:200]


def unavailable_reason(exc: BaseException) -> str | None:
    """A short reason when ``exc`` means the database is unavailable,
    else None (a bug, a constraint, a wrong schema...)."""
    for item in _causes(exc):
        if isinstance(item, sa.exc.TimeoutError):
            return "no free connection in the pool within pool_timeout"
        if isinstance(item, db_exc.DBConnectionError):
            return _first_line(item.inner_exception or item)
        if isinstance(item, sqlite3.OperationalError):
            text = str(item).lower()
            if any(word in text for word in _SQLITE_UNAVAILABLE):
                return _first_line(item)
            return None
        if isinstance(item, sa.exc.DBAPIError) and (
                item.connection_invalidated
                or isinstance(item, sa.exc.OperationalError)):
            if not isinstance(item.orig, sqlite3.OperationalError):
                return _first_line(item.orig or item)
    return None


def is_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database is unavailable."""
    return unavailable_reason(exc) is not None


def note_failure(exc: BaseException) -> bool:
    """Log ``exc`` in :data:`DATABASE`'s burst if it means the database is
    unavailable; return whether it did."""
    reason = unavailable_reason(exc)
    if reason is None:
        return False
    DATABASE.failed(reason)
    return True
