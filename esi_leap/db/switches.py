"""Switches registered through the API (``[switch:NAME]`` sections are
read from the configuration, see :mod:`esi_leap.networking.switches`).

Deleting a switch and registering a port on it are serialised on the
switch's row: both first ``UPDATE`` it (a row lock on PostgreSQL and
MySQL, the write lock on SQLite), so a port can never refer to a switch
deleted at the same moment.
"""

from typing import Any

import sqlalchemy as sa
from oslo_db import exception as db_exc
from sqlalchemy import orm

from esi_leap.common import exception
from esi_leap.db import api
from esi_leap.db import models


def switch_create(values: dict[str, Any]) -> models.Switch:
    """Insert a switch.

    :raises Conflict: when its name or uuid is taken.
    """
    switch = models.Switch(**values)
    try:
        with api.writer() as session:
            session.add(switch)
    except db_exc.DBDuplicateEntry:
        raise exception.Conflict(
            reason=f"a switch named {values.get('name')!r} already "
                   "exists.") from None
    return switch


def switch_get(ident: str) -> models.Switch | None:
    """The switch with this uuid or, failing that, this name."""
    switch = models.Switch
    with api.reader() as session:
        found = session.scalars(
            sa.select(switch).where(switch.uuid == ident)).first()
        if found is None:
            found = session.scalars(
                sa.select(switch).where(switch.name == ident)).first()
        return found


def switch_list() -> list[models.Switch]:
    """Every registered switch, by name."""
    switch = models.Switch
    with api.reader() as session:
        return list(session.scalars(sa.select(switch).order_by(switch.name)))


def switch_update(uuid: str, values: dict[str, Any]) -> models.Switch | None:
    """Change a switch; the new row, or None when it is gone."""
    switch = models.Switch
    with api.writer() as session:
        session.execute(sa.update(switch).where(switch.uuid == uuid)
                        .values(**values))
        return session.scalars(
            sa.select(switch).where(switch.uuid == uuid)).first()


def lock(session: orm.Session, name: str) -> bool:
    """Lock the switch row named ``name`` for the rest of the transaction;
    False when there is no such row."""
    switch = models.Switch
    result = session.execute(
        sa.update(switch).where(switch.name == name)
        .values(name=switch.name, updated_at=switch.updated_at)
        .execution_options(synchronize_session=False))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def switch_delete(uuid: str) -> None:
    """Delete a switch no registered port refers to (a no-op when it is
    already gone).

    :raises Conflict: naming a port that refers to it.
    """
    switch, port = models.Switch, models.Port
    with api.writer() as session:
        row = session.scalars(
            sa.select(switch).where(switch.uuid == uuid)).first()
        if row is None or not lock(session, row.name):
            return
        used = session.scalars(
            sa.select(port).where(port.switch == row.name)
            .order_by(port.id)).all()
        if used:
            raise exception.Conflict(
                reason=f"switch {row.name} is used by {len(used)} "
                       f"registered port(s), e.g. port {used[0].name} "
                       f"({used[0].uuid}) of node {used[0].node_uuid}; "
                       "delete them first.")
        session.execute(sa.delete(switch).where(switch.uuid == uuid))
