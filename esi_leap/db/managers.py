"""Manager heartbeats: which managers are alive.

Each manager process writes its row in ``managers`` every
``[manager] heartbeat_interval`` seconds. A reservation (a lease's
``reserved_by``, a network action's or an audit's ``claimed_by``) whose
holder has no row seen within ``[manager] dead_after`` seconds belongs to
nobody: another manager may take the work over.
"""

import datetime
from typing import Any

import sqlalchemy as sa

from esi_leap.conf import CONF
from esi_leap.db import api
from esi_leap.db import models


def dead_after() -> datetime.timedelta:
    """How long a manager may stay silent before it counts as dead."""
    return datetime.timedelta(seconds=CONF.manager.dead_after)


@api.retry_on_contention
def beat(ident: str, host: str, now: datetime.datetime) -> None:
    """Record that manager ``ident`` (on ``host``) is alive at ``now``."""
    manager = models.Manager
    with api.writer() as session:
        seen = session.execute(
            sa.update(manager).where(manager.id == ident)
            .values(last_seen=now)).rowcount  # type: ignore[attr-defined]
        if not seen:
            session.add(models.Manager(id=ident, host=host, last_seen=now))


def forget(ident: str) -> None:
    """Remove a manager that stops (its work is released already)."""
    with api.writer() as session:
        session.execute(sa.delete(models.Manager)
                        .where(models.Manager.id == ident))


def purge(before: datetime.datetime) -> int:
    """Forget managers not seen since ``before``; return how many."""
    with api.writer() as session:
        return int(session.execute(
            sa.delete(models.Manager)
            .where(models.Manager.last_seen < before)
        ).rowcount)  # type: ignore[attr-defined]


def alive(now: datetime.datetime) -> list[models.Manager]:
    """Managers seen within ``dead_after`` of ``now``."""
    with api.reader() as session:
        return list(session.scalars(sa.select(models.Manager).where(
            models.Manager.last_seen >= now - dead_after())))


def holder_gone(holder: Any, stamp: Any,
                now: datetime.datetime) -> sa.ColumnElement[bool]:
    """SQL: a reservation (holder column, time column) whose holder is not
    alive at ``now`` (no heartbeat within ``dead_after``) and that was not
    taken or renewed within ``dead_after`` either.

    The second half closes a race: a manager coming back from a cut
    renews its reservation (compare-and-swap on the reserved row) before
    acting; a manager taking over re-checks that row when it writes it,
    so it cannot take a reservation renewed meanwhile, even while the
    returning manager's next heartbeat is still to come.
    """
    recent = sa.select(models.Manager.id).where(
        models.Manager.last_seen >= now - dead_after())
    gone: sa.ColumnElement[bool] = sa.and_(stamp < now - dead_after(),
                                           holder.not_in(recent))
    return gone
