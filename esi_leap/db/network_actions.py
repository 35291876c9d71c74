"""Network actions: the journal of switch-port changes.

The API inserts an action ``pending``; a manager claims it (``running``,
compare-and-swap), applies it on the switch and finishes it ``done`` (in the
same transaction as the port's attachments change) or ``error`` with the
switch's message. Attachments therefore always say what the switch was told
and succeeded with; actions say what is asked for.
"""

import dataclasses
import datetime
from typing import Any

import sqlalchemy as sa
from oslo_db import exception as db_exc
from oslo_utils import uuidutils

from esi_leap.common import exception
from esi_leap.db import api
from esi_leap.db import attachments
from esi_leap.db import managers
from esi_leap.db import models
from esi_leap.db import pagination

PENDING, RUNNING, DONE, ERROR = "pending", "running", "done", "error"
STATUSES = (PENDING, RUNNING, DONE, ERROR)
ATTACH, DETACH, QUARANTINE = "attach", "detach", "quarantine"
#: Put a port back in its intended state (an audit's remediation); its
#: attachments do not change.
RESTORE = "restore"
SORTABLE = frozenset({"id", "created_at", "updated_at", "status"})


def active_key(switch: str, switch_port: str) -> str:
    """The value of ``active_port`` for an unfinished action."""
    return f"{switch}/{switch_port}"


@dataclasses.dataclass(frozen=True)
class ActionFilters:
    """Filters of ``GET /v1/network_actions``; ``visible_to`` limits the
    list to the actions made for that project."""

    node_uuid: str | None = None
    port_uuid: str | None = None
    network_uuid: str | None = None
    status: str | None = None
    visible_to: str | None = None


def action_create(values: dict[str, Any]) -> models.NetworkAction:
    """Insert a pending action for a port.

    :raises PortBusy: when the switch port has an unfinished action.
    """
    action = models.NetworkAction(
        uuid=uuidutils.generate_uuid(), status=PENDING, attempts=0,
        active_port=active_key(values["switch"], values["switch_port"]),
        **values)
    try:
        with api.writer() as session:
            session.add(action)
    except db_exc.DBDuplicateEntry:
        busy = _unfinished_on(values["switch"], values["switch_port"])
        raise exception.PortBusy(
            port=values["port_uuid"],
            action=busy.uuid if busy else "(just finished)") from None
    return action


def _unfinished_on(switch: str, port: str) -> models.NetworkAction | None:
    action = models.NetworkAction
    with api.reader() as session:
        return session.scalars(sa.select(action).where(
            action.active_port == active_key(switch, port))).first()


def action_get(uuid: str) -> models.NetworkAction | None:
    action = models.NetworkAction
    with api.reader() as session:
        return session.scalars(
            sa.select(action).where(action.uuid == uuid)).first()


def action_list(filters: ActionFilters,
                page: pagination.Page = pagination.Page()
                ) -> list[models.NetworkAction]:
    """Actions matching every filter, sliced by ``page``."""
    action = models.NetworkAction
    stmt = pagination.where_equal(sa.select(action), (
        (action.node_uuid, filters.node_uuid),
        (action.port_uuid, filters.port_uuid),
        (action.network_uuid, filters.network_uuid),
        (action.status, filters.status)))
    if filters.visible_to is not None:
        stmt = stmt.where(action.project_id == filters.visible_to)
    with api.reader() as session:
        pagination.check_marker(session, action, page)
        return list(session.scalars(
            pagination.apply(stmt, action, page, SORTABLE)).all())


def _due(now: datetime.datetime,
         timeout: datetime.timedelta) -> sa.ColumnElement[bool]:
    """Pending actions whose retry time has come, and running ones whose
    manager stopped sending heartbeats (or held them past ``timeout``)."""
    action = models.NetworkAction
    return sa.or_(
        sa.and_(action.status == PENDING,
                sa.or_(action.next_attempt_at.is_(None),
                       action.next_attempt_at <= now)),
        sa.and_(action.status == RUNNING,
                sa.or_(action.claimed_at < now - timeout,
                       managers.holder_gone(action.claimed_by,
                                            action.claimed_at, now))))


def due_switches(now: datetime.datetime,
                 timeout: datetime.timedelta) -> list[str]:
    """Switches that have due actions."""
    action = models.NetworkAction
    with api.reader() as session:
        return sorted(session.scalars(
            sa.select(action.switch).where(_due(now, timeout)).distinct()))


def next_due(now: datetime.datetime) -> datetime.datetime | None:
    """When the earliest waiting retry falls due, if any."""
    action = models.NetworkAction
    with api.reader() as session:
        return session.scalar(sa.select(sa.func.min(action.next_attempt_at))
                              .where(action.status == PENDING,
                                     action.next_attempt_at > now))


@api.retry_on_contention
def claim(switch: str, host: str, now: datetime.datetime,
          timeout: datetime.timedelta,
          limit: int) -> list[models.NetworkAction]:
    """Claim up to ``limit`` due actions of ``switch`` for this manager,
    oldest first (compare-and-swap: another manager's claim wins)."""
    action = models.NetworkAction
    with api.writer() as session:
        ids = list(session.scalars(
            sa.select(action.id).where(action.switch == switch,
                                       _due(now, timeout))
            .order_by(action.id).limit(limit)).all())
        if not ids:
            return []
        session.execute(
            sa.update(action)
            .where(action.id.in_(ids), _due(now, timeout))
            .values(status=RUNNING, claimed_by=host, claimed_at=now))
        return list(session.scalars(
            sa.select(action).where(action.id.in_(ids),
                                    action.status == RUNNING,
                                    action.claimed_by == host,
                                    action.claimed_at == now)
            .order_by(action.id)).all())


def _finish(session: sa.orm.Session, claimed: models.NetworkAction,
            **values: Any) -> bool:
    """Move a claimed action on, if this manager still holds it."""
    action = models.NetworkAction
    moved = session.execute(
        sa.update(action)
        .where(action.id == claimed.id, action.status == RUNNING,
               action.claimed_by == claimed.claimed_by,
               action.claimed_at == claimed.claimed_at)
        .values(claimed_by=None, claimed_at=None, **values)
    ).rowcount  # type: ignore[attr-defined]
    return bool(moved)


def confirm(claimed: list[models.NetworkAction], host: str,
            now: datetime.datetime) -> list[models.NetworkAction]:
    """Compare-and-swap: the claimed actions this manager still holds,
    with their claim renewed to ``now`` (others were taken over while it
    was cut off). Called right before a switch session."""
    action = models.NetworkAction
    mine = []
    with api.writer() as session:
        for one in claimed:
            if session.execute(
                    sa.update(action)
                    .where(action.id == one.id, action.status == RUNNING,
                           action.claimed_by == host,
                           action.claimed_at == one.claimed_at)
                    .values(claimed_at=now)
            ).rowcount:  # type: ignore[attr-defined]
                one.claimed_at = now
                mine.append(one)
    return mine


def unclaim_all(host: str) -> int:
    """Give back every action this manager left running (its outcome was
    not recorded, e.g. the database was cut): they are applied again."""
    action = models.NetworkAction
    with api.writer() as session:
        return int(session.execute(
            sa.update(action)
            .where(action.status == RUNNING, action.claimed_by == host)
            .values(status=PENDING, claimed_by=None, claimed_at=None)
        ).rowcount)  # type: ignore[attr-defined]


def unclaim(claimed: models.NetworkAction) -> None:
    """Give a claimed action back untouched (its port is busy elsewhere)."""
    with api.writer() as session:
        _finish(session, claimed, status=PENDING)


def retry_later(claimed: models.NetworkAction, message: str,
                when: datetime.datetime) -> bool:
    """Count a failed attempt and wait until ``when``."""
    with api.writer() as session:
        return _finish(session, claimed, status=PENDING, message=message,
                       attempts=claimed.attempts + 1, next_attempt_at=when)


def fail(claimed: models.NetworkAction, message: str) -> bool:
    """End an action in error; attachments stay as they were."""
    with api.writer() as session:
        return _finish(session, claimed, status=ERROR, message=message,
                       attempts=claimed.attempts + 1, active_port=None)


def cancel_pending(port_uuid: str, message: str) -> int:
    """End a port's pending (not yet running) actions in error."""
    action = models.NetworkAction
    with api.writer() as session:
        return int(session.execute(
            sa.update(action)
            .where(action.port_uuid == port_uuid, action.status == PENDING)
            .values(status=ERROR, message=message,
                    active_port=None)
        ).rowcount)  # type: ignore[attr-defined]


def succeed(claimed: models.NetworkAction, message: str | None = None
            ) -> bool:
    """End an action done and change the port's attachments to match."""
    with api.writer() as session:
        if not _finish(session, claimed, status=DONE, message=message,
                       attempts=claimed.attempts + 1, active_port=None):
            return False
        _change_attachments(session, claimed)
        return True


def _change_attachments(session: sa.orm.Session,
                        done: models.NetworkAction) -> None:
    att, net = models.PortAttachment, models.Network
    if done.kind == RESTORE:
        return
    if done.kind == QUARANTINE:
        session.execute(sa.delete(att).where(att.port_uuid == done.port_uuid))
        return
    network_id = session.scalar(sa.select(net.id).where(
        net.uuid == done.network_uuid))
    if done.kind == DETACH:
        session.execute(sa.delete(att).where(att.port_uuid == done.port_uuid,
                                             att.network_id == network_id))
        return
    session.add(models.PortAttachment(
        uuid=uuidutils.generate_uuid(), network_id=network_id,
        node_uuid=done.node_uuid, port_uuid=done.port_uuid,
        switch=done.switch, switch_port=done.switch_port,
        mode=done.mode or "native", project_id=done.project_id or ""))


def of_lease(lease_uuid: str) -> list[models.NetworkAction]:
    """The quarantine actions a lease's end asked for."""
    action = models.NetworkAction
    with api.reader() as session:
        return list(session.scalars(
            sa.select(action).where(action.lease_uuid == lease_uuid,
                                    action.kind == QUARANTINE)
            .order_by(action.id)).all())


def node_busy(node_uuid: str) -> bool:
    """Whether a node has unfinished actions."""
    action = models.NetworkAction
    with api.reader() as session:
        return bool(session.scalar(sa.select(sa.exists().where(
            action.node_uuid == node_uuid,
            action.status.in_(attachments.UNFINISHED)))))
