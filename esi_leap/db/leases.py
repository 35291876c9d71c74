"""Lease queries and the manager's guarded status moves."""

import dataclasses
import datetime
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from esi_leap.common import exception
from esi_leap.db import api
from esi_leap.db import managers
from esi_leap.db import models
from esi_leap.db import pagination
from esi_leap.objects import status

SORTABLE = frozenset({"id", "uuid", "name", "start_time", "end_time",
                      "status", "created_at", "project_id", "owner_id",
                      "resource_uuid", "purpose"})


@dataclasses.dataclass
class LeaseFilters:
    """What ``GET /v1/leases`` asks for. ``None`` means no filter."""

    project_id: str | None = None
    owner_id: str | None = None
    #: Leases where this project is the lessee or the owner.
    lessee_or_owner: str | None = None
    statuses: Sequence[str] | None = status.LEASE_DEFAULT_LIST
    offer_uuid: str | None = None
    resource_type: str | None = None
    resource_uuids: Sequence[str] | None = None
    purpose: str | None = None
    #: Leases that touch this window (ends included, as ESI-Leap).
    overlaps: tuple[datetime.datetime, datetime.datetime] | None = None
    parent_lease_uuid: str | None = None
    uuid: str | None = None


def _where(stmt: Any, f: LeaseFilters) -> Any:
    lease = models.Lease
    simple = {"project_id": f.project_id, "owner_id": f.owner_id,
              "offer_uuid": f.offer_uuid, "resource_type": f.resource_type,
              "purpose": f.purpose, "parent_lease_uuid": f.parent_lease_uuid,
              "uuid": f.uuid}
    for column, value in simple.items():
        if value is not None:
            stmt = stmt.where(getattr(lease, column) == value)
    if f.lessee_or_owner is not None:
        stmt = stmt.where(sa.or_(lease.project_id == f.lessee_or_owner,
                                 lease.owner_id == f.lessee_or_owner))
    if f.statuses is not None:
        stmt = stmt.where(lease.status.in_(list(f.statuses)))
    if f.resource_uuids is not None:
        stmt = stmt.where(lease.resource_uuid.in_(list(f.resource_uuids)))
    if f.overlaps is not None:
        start, end = f.overlaps
        stmt = stmt.where(sa.or_(
            lease.start_time.between(start, end),
            lease.end_time.between(start, end),
            sa.and_(lease.start_time <= start, lease.end_time >= end)))
    return stmt


def lease_list(filters: LeaseFilters,
               page: pagination.Page = pagination.Page()
               ) -> list[models.Lease]:
    """Leases matching ``filters``, sorted and sliced by ``page``."""
    with api.reader() as session:
        pagination.check_marker(session, models.Lease, page)
        stmt = _where(sa.select(models.Lease), filters)
        stmt = pagination.apply(stmt, models.Lease, page, SORTABLE)
        return list(session.scalars(stmt))


def lease_get(uuid: str) -> models.Lease | None:
    """The lease with this uuid, or None."""
    with api.reader() as session:
        return session.scalars(
            sa.select(models.Lease).where(models.Lease.uuid == uuid)).first()


def leases_named(name: str) -> list[models.Lease]:
    """Every lease with this name (names are not unique)."""
    with api.reader() as session:
        return list(session.scalars(
            sa.select(models.Lease).where(models.Lease.name == name)))


def count_open_leases(project_id: str) -> int:
    """Booked leases a project holds as lessee, for quotas."""
    with api.reader() as session:
        return int(session.scalar(
            sa.select(sa.func.count()).select_from(models.Lease)
            .where(models.Lease.project_id == project_id,
                   models.Lease.status.in_(status.LEASE_BOOKED))) or 0)


def _reservable(now: datetime.datetime, timeout: datetime.timedelta) -> Any:
    """Free, held by a manager that stopped sending heartbeats, or held
    longer than ``timeout``."""
    lease = models.Lease
    return sa.or_(lease.reserved_by.is_(None),
                  lease.reserved_at < now - timeout,
                  managers.holder_gone(lease.reserved_by, lease.reserved_at,
                                       now))


def due_leases(kind: str, now: datetime.datetime,
               timeout: datetime.timedelta, limit: int,
               notice: datetime.timedelta | None = None) -> list[str]:
    """UUIDs of leases with work due, oldest first.

    ``kind`` is ``fulfill`` (start reached, end not), ``expire`` (end
    reached), ``cancel`` (a DELETE is pending) or ``notice`` (the end is
    within ``notice`` and no warning was sent for it).
    """
    lease = models.Lease
    stmt = sa.select(lease.uuid).where(_reservable(now, timeout))
    if kind == "fulfill":
        stmt = stmt.where(
            lease.status.in_((status.CREATED, status.WAIT_FULFILL)),
            lease.start_time <= now, lease.end_time > now,
        ).order_by(lease.start_time)
    elif kind == "expire":
        stmt = stmt.where(
            lease.status.in_((status.CREATED, status.ACTIVE,
                              status.WAIT_FULFILL, status.WAIT_EXPIRE)),
            lease.end_time <= now,
        ).order_by(lease.end_time)
    elif kind == "cancel":
        stmt = stmt.where(lease.status == status.WAIT_CANCEL)\
            .order_by(lease.id)
    elif kind == "notice" and notice is not None:
        stmt = stmt.where(
            lease.status == status.ACTIVE, lease.end_time > now,
            lease.end_time <= now + notice,
            sa.or_(lease.expiry_notice_time.is_(None),
                   lease.expiry_notice_time != lease.end_time),
        ).order_by(lease.end_time)
    else:
        raise ValueError(f"unknown kind of due work: {kind}")
    with api.reader() as session:
        return list(session.scalars(stmt.limit(limit)))


def next_change(now: datetime.datetime) -> datetime.datetime | None:
    """The soonest future start of a lease to fulfil or end of a lease to
    expire, so the manager can wake up right then."""
    lease = models.Lease
    with api.reader() as session:
        start = session.scalar(sa.select(sa.func.min(lease.start_time)).where(
            lease.status.in_((status.CREATED, status.WAIT_FULFILL)),
            lease.start_time > now))
        end = session.scalar(sa.select(sa.func.min(lease.end_time)).where(
            lease.status == status.ACTIVE, lease.end_time > now))
    times = [t for t in (start, end) if t is not None]
    return min(times) if times else None


def reserve(uuid: str, host: str, now: datetime.datetime,
            timeout: datetime.timedelta,
            statuses: Sequence[str]) -> models.Lease | None:
    """Reserve a lease for this manager (compare-and-swap).

    Returns the reserved lease, or None when another manager holds it or
    its status is no longer one of ``statuses``.
    """
    lease = models.Lease
    with api.writer() as session:
        result = session.execute(
            sa.update(lease)
            .where(lease.uuid == uuid, lease.status.in_(list(statuses)),
                   _reservable(now, timeout))
            .values(reserved_by=host, reserved_at=now))
        if not result.rowcount:  # type: ignore[attr-defined]
            return None
        return session.scalars(
            sa.select(lease).where(lease.uuid == uuid)).one()


def release(uuid: str, host: str) -> None:
    """Drop this manager's reservation of a lease."""
    lease = models.Lease
    with api.writer() as session:
        session.execute(
            sa.update(lease)
            .where(lease.uuid == uuid, lease.reserved_by == host)
            .values(reserved_by=None, reserved_at=None))


def renew(uuid: str, host: str, now: datetime.datetime) -> bool:
    """Compare-and-swap: whether this manager still holds the lease (and
    if so, restart its reservation's clock). Called before every change
    to Ironic, a BMC or a switch, so a manager that was cut off and
    replaced does not act on work another manager took over."""
    lease = models.Lease
    with api.writer() as session:
        result = session.execute(
            sa.update(lease)
            .where(lease.uuid == uuid, lease.reserved_by == host)
            .values(reserved_at=now))
        return bool(result.rowcount)  # type: ignore[attr-defined]


def lease_transition(uuid: str, expected: Sequence[str], new: str,
                     only_unreserved: bool = False,
                     event: dict[str, Any] | None = None,
                     **values: Any) -> bool:
    """Compare-and-swap a lease's status; True if this call moved it.

    ``values`` are written in the same statement (e.g. ``fulfill_time``).
    With ``only_unreserved`` the move happens only while no manager holds
    the lease. ``event`` (an events row) is inserted in the same
    transaction when the lease moves, so a crash never keeps the move
    and loses its event.

    :raises Conflict: when the transition table forbids every expected
        status -> ``new`` move (a programming error, never user input).
    """
    allowed = [s for s in expected if status.lease_may_move(s, new)]
    if not allowed:
        raise exception.Conflict(
            reason=f"leases may not move from {expected} to {new}.")
    lease = models.Lease
    stmt = sa.update(lease).where(lease.uuid == uuid,
                                  lease.status.in_(allowed))
    if only_unreserved:
        stmt = stmt.where(lease.reserved_by.is_(None))
    with api.writer() as session:
        result = session.execute(stmt.values(status=new, **values))
        moved = bool(result.rowcount)  # type: ignore[attr-defined]
        if moved and event is not None:
            session.add(models.Event(**event))
        return moved


def mark_expiry_notice(uuid: str, end_time: datetime.datetime) -> bool:
    """Record that the warning for this end time was sent, once."""
    lease = models.Lease
    with api.writer() as session:
        result = session.execute(
            sa.update(lease)
            .where(lease.uuid == uuid, lease.end_time == end_time,
                   sa.or_(lease.expiry_notice_time.is_(None),
                          lease.expiry_notice_time != end_time))
            .values(expiry_notice_time=end_time))
        return bool(result.rowcount)  # type: ignore[attr-defined]


def children(lease_uuid: str) -> tuple[list[models.Lease],
                                       list[models.Offer]]:
    """Sub-leases and sub-offers made from a lease."""
    with api.reader() as session:
        leases = list(session.scalars(sa.select(models.Lease).where(
            models.Lease.parent_lease_uuid == lease_uuid)))
        offers = list(session.scalars(sa.select(models.Offer).where(
            models.Offer.parent_lease_uuid == lease_uuid)))
        return leases, offers


def leases_in(statuses: Sequence[str]) -> list[models.Lease]:
    """Every lease in one of ``statuses``."""
    with api.reader() as session:
        return list(session.scalars(sa.select(models.Lease).where(
            models.Lease.status.in_(list(statuses)))))


def leases_of_offer(offer_uuid: str,
                    statuses: Sequence[str]) -> list[models.Lease]:
    """The offer's leases in the given statuses."""
    with api.reader() as session:
        return list(session.scalars(sa.select(models.Lease).where(
            models.Lease.offer_uuid == offer_uuid,
            models.Lease.status.in_(list(statuses)))))
