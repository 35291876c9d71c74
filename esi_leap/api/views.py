"""Turn offers, leases and nodes into ESI-Leap's JSON shapes.

Lists are enriched in bulk: node details are fetched once per resource type
for the whole page and project names come from the cached directory, so a
list of thousands of offers costs a handful of queries.
"""

import datetime
from collections.abc import Iterable
from collections.abc import Sequence
from typing import Any

from oslo_log import log as logging

from esi_leap.common import exception
from esi_leap.common import projects
from esi_leap.common import timeutils
from esi_leap.db import models
from esi_leap.db import offers as db_offers
from esi_leap.drivers import resource_types
from esi_leap.drivers.resource_types.base import NodeInfo
from esi_leap.objects import status

LOG = logging.getLogger(__name__)

fmt = timeutils.format_time

#: Node properties that are bookkeeping, not hardware, and are not shown.
HIDDEN_PROPERTIES = ("lease_uuid", "capabilities")


class Enricher:
    """Node details and project names for a batch of offers or leases."""

    def __init__(self, items: Iterable[models.Offer | models.Lease],
                 known: NodeInfo | None = None) -> None:
        """Look up the nodes of ``items``; ``known``, a node the caller
        already read (all items being about it), saves the look-up."""
        self._directory = projects.get_directory()
        self._names: dict[str, str] = {}
        items = list(items)
        if known is not None and items:
            self._nodes = {(items[0].resource_type, known.uuid): known}
        else:
            self._nodes = _nodes_of(items)
        self._fields: dict[tuple[str, str], dict[str, Any]] = {}

    def node_fields(self, item: models.Offer | models.Lease
                    ) -> dict[str, Any]:
        """``resource``, ``resource_class`` and ``resource_properties`` of
        the node an offer or lease is about (computed once per node)."""
        key = (item.resource_type or "", item.resource_uuid or "")
        fields = self._fields.get(key)
        if fields is None:
            fields = self._fields[key] = _node_fields(self._nodes.get(key))
        return fields

    def name(self, project_id: str | None) -> str:
        """The project's name, or "" when there is none or it is unknown."""
        if not project_id:
            return ""
        if project_id not in self._names:
            self._names[project_id] = self._directory.name_of(
                project_id) or ""
        return self._names[project_id]


def _nodes_of(items: Iterable[models.Offer | models.Lease]
              ) -> dict[tuple[str, str], NodeInfo]:
    by_type: dict[str, set[str]] = {}
    for item in items:
        if item.resource_type and item.resource_uuid:
            by_type.setdefault(item.resource_type, set()).add(
                item.resource_uuid)
    found: dict[tuple[str, str], NodeInfo] = {}
    for rtype, uuids in by_type.items():
        try:
            backend = resource_types.get_backend(rtype)
        except (exception.ResourceTypeUnknown,
                exception.ResourceTypeDisabled):
            continue  # shown without node details
        try:
            nodes = backend.get_nodes(uuids)
        except exception.PeerUnavailable as exc:
            # Offers and leases live in our database: show them without
            # their node's name and class rather than not at all.
            LOG.warning("Showing %s offers/leases without node details: "
                        "%s", rtype, exc.message)
            continue
        for uuid, node in nodes.items():
            found[(rtype, uuid)] = node
    return found


def _node_fields(node: NodeInfo | None) -> dict[str, Any]:
    if node is None:
        return {"resource": None, "resource_class": None,
                "resource_properties": {}}
    return {"resource": node.name, "resource_class": node.resource_class,
            "resource_properties": {k: v for k, v in node.properties.items()
                                    if k not in HIDDEN_PROPERTIES}}


def availabilities(offer: models.Offer,
                   booked: Sequence[tuple[datetime.datetime,
                                          datetime.datetime]],
                   now: datetime.datetime) -> list[list[str | None]]:
    """Free windows of an available offer, from now on.

    Uses the same booked statuses as a claim's conflict check, so every
    window listed here can be claimed.
    """
    if offer.status != status.AVAILABLE or offer.start_time is None \
            or offer.end_time is None:
        return []
    cursor = max(offer.start_time, now)
    free: list[list[str | None]] = []
    for start, end in sorted(booked):
        if start > cursor:
            free.append([fmt(cursor), fmt(min(start, offer.end_time))])
        cursor = max(cursor, end)
        if cursor >= offer.end_time:
            break
    if cursor < offer.end_time:
        free.append([fmt(cursor), fmt(offer.end_time)])
    return free


def offers_view(offers: Sequence[models.Offer],
                known: NodeInfo | None = None,
                new: bool = False) -> list[dict[str, Any]]:
    """Offers as ESI-Leap shows them, enriched in bulk (see Enricher).

    ``new`` offers were just created and cannot have leases yet.
    """
    enricher = Enricher(offers, known)
    open_uuids = [o.uuid for o in offers if o.status == status.AVAILABLE]
    booked = {} if new else db_offers.booked_windows(open_uuids)
    now = timeutils.utcnow()
    return [offer_view(o, enricher, availabilities(o, booked.get(o.uuid, []),
                                                   now))
            for o in offers]


def offer_view(offer: models.Offer, enricher: Enricher,
               free: list[list[str | None]]) -> dict[str, Any]:
    """One offer in ESI-Leap's field order."""
    view: dict[str, Any] = {
        "name": offer.name, "uuid": offer.uuid,
        "project_id": offer.project_id,
        "project": enricher.name(offer.project_id),
        "lessee_id": offer.lessee_id, "lessee": enricher.name(offer.lessee_id),
        "resource_type": offer.resource_type,
        "resource_uuid": offer.resource_uuid,
    }
    view.update(enricher.node_fields(offer))
    view.update({
        "start_time": fmt(offer.start_time), "end_time": fmt(offer.end_time),
        "status": offer.status, "properties": offer.properties or {},
        "availabilities": free,
        "parent_lease_uuid": offer.parent_lease_uuid,
    })
    return view


def leases_view(leases: Sequence[models.Lease],
                known: NodeInfo | None = None) -> list[dict[str, Any]]:
    """Leases as ESI-Leap shows them, enriched in bulk (see Enricher)."""
    enricher = Enricher(leases, known)
    return [lease_view(lease, enricher) for lease in leases]


def lease_view(lease: models.Lease, enricher: Enricher) -> dict[str, Any]:
    """One lease in ESI-Leap's field order."""
    node_fields = enricher.node_fields(lease)
    return {
        "name": lease.name, "uuid": lease.uuid,
        "project_id": lease.project_id,
        "project": enricher.name(lease.project_id),
        "owner_id": lease.owner_id, "owner": enricher.name(lease.owner_id),
        "resource_type": lease.resource_type,
        "resource_uuid": lease.resource_uuid,
        "resource_class": node_fields["resource_class"],
        "resource_properties": node_fields["resource_properties"],
        "resource": node_fields["resource"],
        "start_time": fmt(lease.start_time),
        "fulfill_time": fmt(lease.fulfill_time),
        "expire_time": fmt(lease.expire_time),
        "end_time": fmt(lease.end_time),
        "status": lease.status, "properties": lease.properties or {},
        "purpose": lease.purpose, "offer_uuid": lease.offer_uuid,
        "parent_lease_uuid": lease.parent_lease_uuid,
    }


def event_view(event: models.Event) -> dict[str, Any]:
    """One event as ESI-Leap shows it, plus why it happened (``reason``,
    null for most events)."""
    return {
        "id": event.id, "event_type": event.event_type,
        "event_time": fmt(event.event_time),
        "object_type": event.object_type, "object_uuid": event.object_uuid,
        "resource_type": event.resource_type,
        "resource_uuid": event.resource_uuid,
        "lessee_id": event.lessee_id, "owner_id": event.owner_id,
        "reason": event.reason,
    }
