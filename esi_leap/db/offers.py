"""Offer queries. Writes that book time live in :mod:`esi_leap.db.booking`."""

import dataclasses
import datetime
import typing
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from esi_leap.common import exception
from esi_leap.db import api
from esi_leap.db import models
from esi_leap.db import pagination
from esi_leap.objects import status

SORTABLE = frozenset({"id", "uuid", "name", "start_time", "end_time",
                      "status", "created_at", "project_id",
                      "resource_uuid"})


@dataclasses.dataclass
class OfferFilters:
    """What ``GET /v1/offers`` asks for. ``None`` means no filter."""

    project_id: str | None = None
    resource_type: str | None = None
    resource_uuids: Sequence[str] | None = None
    statuses: Sequence[str] | None = status.OFFER_DEFAULT_LIST
    #: Offers that span this whole window.
    spans: tuple[datetime.datetime, datetime.datetime] | None = None
    #: Offers a lease of this window could be claimed from.
    available: tuple[datetime.datetime, datetime.datetime] | None = None
    #: Non-admin callers: their project and its ancestors in Keystone.
    visible_to: Sequence[str] | None = None
    parent_lease_uuid: str | None = None
    lessee_id: str | None = None
    name: str | None = None
    uuid: str | None = None


def _where(stmt: sa.Select, f: OfferFilters) -> sa.Select:  # type: ignore
    o = models.Offer
    if f.project_id is not None:
        stmt = stmt.where(o.project_id == f.project_id)
    if f.resource_type is not None:
        stmt = stmt.where(o.resource_type == f.resource_type)
    if f.resource_uuids is not None:
        stmt = stmt.where(o.resource_uuid.in_(list(f.resource_uuids)))
    if f.statuses is not None:
        stmt = stmt.where(o.status.in_(list(f.statuses)))
    for column in ("parent_lease_uuid", "lessee_id", "name", "uuid"):
        value = getattr(f, column)
        if value is not None:
            stmt = stmt.where(getattr(o, column) == value)
    if f.spans is not None:
        stmt = stmt.where(o.start_time <= f.spans[0],
                          o.end_time >= f.spans[1])
    if f.available is not None:
        start, end = f.available
        stmt = stmt.where(o.start_time <= start, o.end_time >= end,
                          ~booked_lease_exists(o.uuid, start, end))
    if f.visible_to is not None:
        mine = list(f.visible_to)
        stmt = stmt.where(sa.or_(o.project_id.in_(mine),
                                 o.lessee_id.is_(None),
                                 o.lessee_id.in_(mine)))
    return stmt


def booked_lease_exists(offer_uuid: Any,
                        start: datetime.datetime,
                        end: datetime.datetime) -> sa.Exists:
    """SQL: a booked lease of the offer overlaps [start, end)."""
    lease = models.Lease
    return sa.exists().where(
        lease.offer_uuid == offer_uuid,
        lease.status.in_(status.LEASE_BOOKED),
        lease.start_time < end, lease.end_time > start)


def offer_list(filters: OfferFilters,
               page: pagination.Page = pagination.Page()
               ) -> list[models.Offer]:
    """Offers matching ``filters``, sorted and sliced by ``page``.

    For speed these are read-only rows, not ORM objects (no identity map
    or instance state for thousands of offers); they have the same
    attributes as :class:`~esi_leap.db.models.Offer` but ``updated_at``.
    """
    with api.reader() as session:
        pagination.check_marker(session, models.Offer, page)
        stmt = _where(sa.select(*_LIST_COLUMNS), filters)
        stmt = pagination.apply(stmt, models.Offer, page, SORTABLE)
        return typing.cast(list[models.Offer], list(session.execute(stmt)))


_LIST_COLUMNS = [column for column in models.Offer.__table__.columns
                 if column.name != "updated_at"]


def offer_get(uuid: str) -> models.Offer | None:
    """The offer with this uuid, or None."""
    with api.reader() as session:
        return session.scalars(
            sa.select(models.Offer).where(models.Offer.uuid == uuid)).first()


def offers_named(name: str) -> list[models.Offer]:
    """Every offer with this name (names are not unique)."""
    with api.reader() as session:
        return list(session.scalars(
            sa.select(models.Offer).where(models.Offer.name == name)))


def booked_windows(offer_uuids: Sequence[str]
                   ) -> dict[str, list[tuple[datetime.datetime,
                                             datetime.datetime]]]:
    """Booked lease windows per offer, sorted by start, for availabilities."""
    result: dict[str, list[tuple[datetime.datetime,
                                 datetime.datetime]]] = {}
    lease = models.Lease
    uuids = list(offer_uuids)
    with api.reader() as session:
        for i in range(0, len(uuids), 500):
            chunk = uuids[i:i + 500]
            rows = session.execute(
                sa.select(lease.offer_uuid, lease.start_time, lease.end_time)
                .where(lease.offer_uuid.in_(chunk),
                       lease.status.in_(status.LEASE_BOOKED))
                .order_by(lease.start_time))
            for offer_uuid, start, end in rows:
                if offer_uuid and start is not None and end is not None:
                    result.setdefault(offer_uuid, []).append((start, end))
    return result


def offers_due_to_expire(now: datetime.datetime,
                         limit: int) -> list[models.Offer]:
    """Open offers whose end has passed."""
    with api.reader() as session:
        return list(session.scalars(
            sa.select(models.Offer)
            .where(models.Offer.status.in_(status.OFFER_OPEN),
                   models.Offer.end_time <= now)
            .order_by(models.Offer.end_time).limit(limit)))


def offer_transition(uuid: str, expected: Sequence[str], new: str) -> bool:
    """Compare-and-swap an offer's status; True if this call moved it.

    :raises Conflict: when the transition table forbids every expected
        status -> ``new`` move (a programming error, never user input).
    """
    allowed = [s for s in expected if status.offer_may_move(s, new)]
    if not allowed:
        raise exception.Conflict(
            reason=f"offers may not move from {expected} to {new}.")
    with api.writer() as session:
        result = session.execute(
            sa.update(models.Offer)
            .where(models.Offer.uuid == uuid,
                   models.Offer.status.in_(allowed))
            .values(status=new))
        return bool(result.rowcount)  # type: ignore[attr-defined]


def count_open_offers(project_id: str) -> int:
    """Available offers of one project, for quotas."""
    with api.reader() as session:
        return int(session.scalar(
            sa.select(sa.func.count()).select_from(models.Offer)
            .where(models.Offer.project_id == project_id,
                   models.Offer.status == status.AVAILABLE)) or 0)
