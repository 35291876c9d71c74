"""The events table: one row per lease and offer transition."""

import dataclasses
import datetime
from typing import Any

import sqlalchemy as sa

from esi_leap.common import timeutils
from esi_leap.db import api
from esi_leap.db import models


@dataclasses.dataclass
class EventFilters:
    """What ``GET /v1/events`` asks for. ``None`` means no filter."""

    last_event_id: int | None = None
    last_event_time: datetime.datetime | None = None
    lessee_or_owner_id: str | None = None
    event_type: str | None = None
    resource_type: str | None = None
    resource_uuid: str | None = None


def event_fields(event_type: str,
                 obj: models.Lease | models.Offer | models.NetworkAction,
                 reason: str | None = None) -> dict[str, Any]:
    """The events row recording ``event_type`` for a lease, an offer or a
    network action (whose project is the lessee column: the project that
    asked for it)."""
    lessee: str | None
    owner: str | None
    resource_type: str | None
    if isinstance(obj, models.NetworkAction):
        kind, lessee, owner = "network_action", obj.project_id, None
        resource_type, resource_uuid = None, obj.node_uuid
    else:
        if isinstance(obj, models.Lease):
            kind, lessee, owner = "lease", obj.project_id, obj.owner_id
        else:
            kind, lessee, owner = "offer", obj.lessee_id, obj.project_id
        resource_type, resource_uuid = obj.resource_type, obj.resource_uuid
    return {"event_type": event_type, "event_time": timeutils.utcnow(),
            "object_type": kind, "object_uuid": obj.uuid,
            "resource_type": resource_type,
            "resource_uuid": resource_uuid, "lessee_id": lessee,
            "owner_id": owner, "reason": reason}


def event_create(values: dict[str, Any]) -> models.Event:
    """Insert an event; ``event_time`` defaults to now."""
    values.setdefault("event_time", timeutils.utcnow())
    event = models.Event(**values)
    with api.writer() as session:
        session.add(event)
    return event


def recorded(obj: models.Lease) -> list[tuple[str, str | None]]:
    """(type, reason) of every event recorded for a lease, in order
    (looked up through its node, which is indexed)."""
    event = models.Event
    with api.reader() as session:
        return [(t, r) for t, r in session.execute(
            sa.select(event.event_type, event.reason)
            .where(event.resource_type == obj.resource_type,
                   event.resource_uuid == obj.resource_uuid,
                   event.object_uuid == obj.uuid).order_by(event.id))]


def event_list(f: EventFilters, limit: int | None = None
               ) -> list[models.Event]:
    """Events matching ``f`` in id order (ids only grow)."""
    event = models.Event
    stmt = sa.select(event)
    if f.last_event_id is not None:
        stmt = stmt.where(event.id > f.last_event_id)
    if f.last_event_time is not None:
        stmt = stmt.where(event.event_time > f.last_event_time)
    if f.lessee_or_owner_id is not None:
        stmt = stmt.where(sa.or_(event.lessee_id == f.lessee_or_owner_id,
                                 event.owner_id == f.lessee_or_owner_id))
    for column in ("event_type", "resource_type", "resource_uuid"):
        value = getattr(f, column)
        if value is not None:
            stmt = stmt.where(getattr(event, column) == value)
    stmt = stmt.order_by(event.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    with api.reader() as session:
        return list(session.scalars(stmt))
