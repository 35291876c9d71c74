"""Writes that book a node's time, each guarded against double booking.

Every function here runs one transaction that first locks the resource's
:class:`~esi_leap.db.models.ResourceGuard` row, then re-reads what it depends
on, checks for conflicts and writes. Two bookings of one node therefore run
one after the other, in any number of API processes, and an overlapping pair
can never both commit.
"""

import contextlib
import datetime
import hashlib
import typing
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from esi_leap.common import exception
from esi_leap.common import timeutils
from esi_leap.db import api
from esi_leap.db import events
from esi_leap.db import models
from esi_leap.objects import status

Window = tuple[datetime.datetime, datetime.datetime]


def _insert_guard_if_missing(session: Any, resource_type: str,
                             resource_uuid: str) -> None:
    """Create the resource's guard row unless it exists (no error)."""
    values = {"resource_type": resource_type,
              "resource_uuid": resource_uuid, "generation": 0}
    dialect = session.get_bind().dialect.name
    table = models.ResourceGuard
    stmt: Any
    if dialect == "postgresql":
        stmt = postgresql.insert(table).values(**values)\
            .on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    else:
        stmt = sa.insert(table).values(**values).prefix_with("IGNORE")
    session.execute(stmt)


def _lock(session: Any, resource_type: str, resource_uuid: str) -> None:
    guard = models.ResourceGuard
    result = session.execute(
        sa.update(guard)
        .where(guard.resource_type == resource_type,
               guard.resource_uuid == resource_uuid)
        .values(generation=guard.generation + 1))
    if result.rowcount != 1:
        raise api.RetryTransaction(
            f"no guard row for {resource_type} {resource_uuid}")


@contextlib.contextmanager
def _locked(resource_type: str, resource_uuid: str) -> Iterator[Any]:
    """A writer session that holds the resource's guard row lock.

    Its first statement writes, so on SQLite the transaction holds the
    write lock from its start and never has to upgrade a read lock.
    """
    with api.writer() as session:
        _insert_guard_if_missing(session, resource_type, resource_uuid)
        _lock(session, resource_type, resource_uuid)
        yield session


def _naive(moment: datetime.datetime) -> str:
    return str(timeutils.as_utc(moment).replace(tzinfo=None))


def _fmt(window: Window) -> str:
    return (f"{timeutils.format_time(window[0])} to "
            f"{timeutils.format_time(window[1])}")


def _overlapping(model: Any, window: Window) -> list[Any]:
    return [model.start_time < window[1], model.end_time > window[0]]


def _check_resource_free(session: Any, resource_type: str,
                         resource_uuid: str, window: Window,
                         ignore_lease: str | None = None) -> None:
    offer, lease = models.Offer, models.Lease
    clash = session.scalars(
        sa.select(offer.uuid).where(
            offer.resource_type == resource_type,
            offer.resource_uuid == resource_uuid,
            offer.status.in_(status.OFFER_OPEN),
            *_overlapping(offer, window)).limit(1)).first()
    if clash is not None:
        raise exception.TimeConflict(
            resource_type=resource_type, resource_uuid=resource_uuid,
            reason=f"offer {clash} covers part of {_fmt(window)}.")
    stmt = sa.select(lease.uuid).where(
        lease.resource_type == resource_type,
        lease.resource_uuid == resource_uuid,
        lease.status.in_(status.LEASE_BOOKED), *_overlapping(lease, window))
    if ignore_lease is not None:
        stmt = stmt.where(lease.uuid != ignore_lease)
    clash = session.scalars(stmt.limit(1)).first()
    if clash is not None:
        raise exception.TimeConflict(
            resource_type=resource_type, resource_uuid=resource_uuid,
            reason=f"lease {clash} holds part of {_fmt(window)}.")


def _check_parent_window(session: Any, parent_uuid: str, window: Window,
                         ignore_lease: str | None = None) -> models.Lease:
    parent = session.scalars(sa.select(models.Lease).where(
        models.Lease.uuid == parent_uuid)).one()
    if parent.status != status.ACTIVE:
        raise exception.WrongStatus(
            kind="Lease", uuid=parent.uuid, status=parent.status,
            expected=status.ACTIVE)
    if window[0] < parent.start_time or window[1] > parent.end_time:
        raise exception.Conflict(
            reason=f"{_fmt(window)} is not inside lease {parent.uuid} "
                   f"({_fmt((parent.start_time, parent.end_time))}).")
    offer, lease = models.Offer, models.Lease
    clash = session.scalars(sa.select(offer.uuid).where(
        offer.parent_lease_uuid == parent_uuid,
        offer.status.in_(status.OFFER_OPEN),
        *_overlapping(offer, window)).limit(1)).first()
    stmt = sa.select(lease.uuid).where(
        lease.parent_lease_uuid == parent_uuid,
        lease.status.in_(status.LEASE_BOOKED), *_overlapping(lease, window))
    if ignore_lease is not None:
        stmt = stmt.where(lease.uuid != ignore_lease)
    clash = clash or session.scalars(stmt.limit(1)).first()
    if clash is not None:
        raise exception.Conflict(
            reason=f"Lease {parent_uuid} has no availabilities at "
                   f"{_fmt(window)}: {clash} holds part of it.")
    return typing.cast(models.Lease, parent)


def _check_offer_window(session: Any, offer_uuid: str, window: Window,
                        ignore_lease: str | None = None) -> models.Offer:
    offer = session.scalars(sa.select(models.Offer).where(
        models.Offer.uuid == offer_uuid)).one()
    if offer.status != status.AVAILABLE:
        raise exception.WrongStatus(
            kind="Offer", uuid=offer.uuid, status=offer.status,
            expected=status.AVAILABLE)
    lease = models.Lease
    stmt = sa.select(lease.uuid).where(
        lease.offer_uuid == offer_uuid,
        lease.status.in_(status.LEASE_BOOKED), *_overlapping(lease, window))
    if ignore_lease is not None:
        stmt = stmt.where(lease.uuid != ignore_lease)
    inside = offer.start_time <= window[0] and window[1] <= offer.end_time
    if not inside or session.scalars(stmt.limit(1)).first() is not None:
        # ESI-Leap's words, which its clients' tests look for.
        raise exception.OfferNoAvailability(
            uuid=offer.uuid, start_time=_naive(window[0]),
            end_time=_naive(window[1]))
    return typing.cast(models.Offer, offer)


def _add_event(session: Any, event_type: str | None,
               obj: models.Lease | models.Offer) -> None:
    if event_type is not None:
        session.add(models.Event(**events.event_fields(event_type, obj)))


def _check_quota(session: Any, model: Any, project_column: str,
                 project_id: str, statuses: tuple[str, ...],
                 limit: int | None, kind: str) -> None:
    if limit is None or limit < 0:
        return
    count = session.scalar(
        sa.select(sa.func.count()).select_from(model).where(
            getattr(model, project_column) == project_id,
            model.status.in_(statuses))) or 0
    if count >= limit:
        raise exception.QuotaExceeded(project_id=project_id, count=count,
                                      kind=kind, limit=limit)


@api.retry_on_contention
def create_offer(values: dict[str, Any], quota: int | None = None,
                 event_type: str | None = None) -> models.Offer:
    """Insert an offer if its window is free on the node (or in its parent),
    and the ``event_type`` event in the same transaction.

    :raises TimeConflict, Conflict, WrongStatus, QuotaExceeded:
    """
    rtype, ruuid = values["resource_type"], values["resource_uuid"]
    window = (values["start_time"], values["end_time"])
    with _locked(rtype, ruuid) as session:
        parent = values.get("parent_lease_uuid")
        if parent:
            _check_parent_window(session, parent, window)
        else:
            _check_resource_free(session, rtype, ruuid, window)
        _check_quota(session, models.Offer, "project_id",
                     values["project_id"], (status.AVAILABLE,), quota,
                     "available offers")
        offer = models.Offer(**values)
        session.add(offer)
        _add_event(session, event_type, offer)
    return offer  # type: ignore[no-any-return]


@api.retry_on_contention
def create_lease(values: dict[str, Any], quota: int | None = None,
                 event_type: str | None = None) -> models.Lease:
    """Insert a lease if its window is free in its offer, parent or node,
    and the ``event_type`` event in the same transaction.

    :raises TimeConflict, Conflict, WrongStatus, QuotaExceeded:
    """
    rtype, ruuid = values["resource_type"], values["resource_uuid"]
    window = (values["start_time"], values["end_time"])
    with _locked(rtype, ruuid) as session:
        if values.get("offer_uuid"):
            _check_offer_window(session, values["offer_uuid"], window)
        elif values.get("parent_lease_uuid"):
            _check_parent_window(session, values["parent_lease_uuid"],
                                 window)
        else:
            _check_resource_free(session, rtype, ruuid, window)
        _check_quota(session, models.Lease, "project_id",
                     values["project_id"], status.LEASE_BOOKED, quota,
                     "open leases")
        lease = models.Lease(**values)
        session.add(lease)
        _add_event(session, event_type, lease)
    return lease  # type: ignore[no-any-return]


@api.retry_on_contention
def move_lease_end(uuid: str, new_end: datetime.datetime,
                   now: datetime.datetime) -> models.Lease:
    """Extend or shorten a lease, never into the past nor onto others' time.

    :raises InvalidInput, WrongStatus, TimeConflict, Conflict:
    """
    current = _lease(uuid)
    with _locked(current.resource_type, current.resource_uuid) as session:
        lease: models.Lease = session.scalars(sa.select(models.Lease).where(
            models.Lease.uuid == uuid)).one()
        _check_new_end(lease, new_end, now)
        _check_children_fit(session, lease, new_end)
        old_end = lease.end_time or new_end
        if new_end > old_end:
            _check_extension(session, lease, (old_end, new_end))
        lease.end_time = new_end
    return lease


def _lease(uuid: str) -> models.Lease:
    with api.reader() as session:
        lease = session.scalars(sa.select(models.Lease).where(
            models.Lease.uuid == uuid)).first()
    if lease is None:
        raise exception.LeaseNotFound(ident=uuid)
    return lease


def _check_new_end(lease: models.Lease, new_end: datetime.datetime,
                   now: datetime.datetime) -> None:
    movable = (status.CREATED, status.ACTIVE, status.WAIT_FULFILL)
    if lease.status not in movable:
        raise exception.WrongStatus(kind="Lease", uuid=lease.uuid,
                                    status=lease.status,
                                    expected=", ".join(movable))
    if lease.start_time is not None and new_end <= lease.start_time:
        raise exception.InvalidTimeRange(
            start_time=timeutils.format_time(lease.start_time),
            end_time=timeutils.format_time(new_end))
    if new_end <= now:
        raise exception.InvalidInput(
            reason=f"end_time {timeutils.format_time(new_end)} is in the "
                   "past; a lease ends now by deleting it.")


def _check_children_fit(session: Any, lease: models.Lease,
                        new_end: datetime.datetime) -> None:
    offer, child = models.Offer, models.Lease
    late = session.scalars(sa.select(child.uuid).where(
        child.parent_lease_uuid == lease.uuid,
        child.status.in_(status.LEASE_BOOKED),
        child.end_time > new_end).limit(1)).first()
    late = late or session.scalars(sa.select(offer.uuid).where(
        offer.parent_lease_uuid == lease.uuid,
        offer.status.in_(status.OFFER_OPEN),
        offer.end_time > new_end).limit(1)).first()
    if late is not None:
        raise exception.Conflict(
            reason=f"{late}, made from lease {lease.uuid}, ends after "
                   f"{timeutils.format_time(new_end)}.")


def _check_extension(session: Any, lease: models.Lease,
                     extension: Window) -> None:
    if lease.offer_uuid:
        _check_offer_window(session, lease.offer_uuid, extension,
                            ignore_lease=lease.uuid)
    elif lease.parent_lease_uuid:
        _check_parent_window(session, lease.parent_lease_uuid, extension,
                             ignore_lease=lease.uuid)
    else:
        _check_resource_free(session, lease.resource_type or "",
                             lease.resource_uuid or "", extension,
                             ignore_lease=lease.uuid)


def lock_key(session: Any, kind: str, key: str) -> None:
    """Take the guard row lock of ``(kind, key)`` in ``session``'s
    transaction (creating the row if needed), so that writers of one key
    run one after the other; ``key`` longer than a uuid is hashed."""
    if len(key) > 36:
        key = hashlib.sha256(key.encode()).hexdigest()[:36]
    _insert_guard_if_missing(session, kind, key)
    _lock(session, kind, key)
