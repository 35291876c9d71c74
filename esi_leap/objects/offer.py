"""Offer operations: create, claim, cancel. They record intent only."""

import datetime
from typing import Any

from oslo_utils import uuidutils

from esi_leap.common import exception
from esi_leap.common import notify
from esi_leap.common import timeutils
from esi_leap.db import booking
from esi_leap.db import leases as db_leases
from esi_leap.db import models
from esi_leap.db import offers as db_offers
from esi_leap.drivers.resource_types.base import NodeInfo
from esi_leap.manager import rpcapi
from esi_leap.objects import lease as lease_ops
from esi_leap.objects import status
from esi_leap.objects import windows


def create(project_id: str, resource_type: str, node: NodeInfo,
           body: dict[str, Any], as_lessee: bool,
           quota: int | None) -> models.Offer:
    """Offer a node, or (``as_lessee``) re-offer it inside the lease that
    holds it (``node.lease_uuid``).

    :raises InvalidInput, TimeConflict, Conflict, QuotaExceeded:
    """
    start = body.get("start_time") or timeutils.utcnow()
    end = body.get("end_time") or timeutils.END_OF_TIME
    windows.checked(start, end)
    values = {
        "uuid": uuidutils.generate_uuid(), "name": body.get("name"),
        "project_id": project_id, "lessee_id": body.get("lessee_id"),
        "resource_type": resource_type, "resource_uuid": node.uuid,
        "start_time": start, "end_time": end, "status": status.AVAILABLE,
        "properties": body.get("properties") or {},
        "parent_lease_uuid": node.lease_uuid if as_lessee else None,
    }
    offer = booking.create_offer(values, quota=quota,
                                 event_type="esi_leap.offer.create")
    notify.send("esi_leap.offer.create", offer)
    return offer


def claim(project_id: str, offer: models.Offer, body: dict[str, Any],
          unlimited: bool, quota: int | None) -> models.Lease:
    """Lease part of an offer to the caller's project.

    Without an end time the lease lasts ``default_lease_time`` days, or
    until the next lease on the offer, or until the offer ends.

    :raises InvalidInput, Forbidden, Conflict, WrongStatus, QuotaExceeded:
    """
    start = body.get("start_time") or timeutils.utcnow()
    end = body.get("end_time") or _default_claim_end(offer, start)
    window = windows.checked(start, end)
    windows.check_max_length(window, unlimited)
    values = {
        "uuid": uuidutils.generate_uuid(), "name": body.get("name"),
        "project_id": project_id, "owner_id": offer.project_id,
        "purpose": body.get("purpose"),
        "resource_type": offer.resource_type,
        "resource_uuid": offer.resource_uuid,
        "start_time": start, "end_time": end, "status": status.CREATED,
        "properties": body.get("properties") or {},
        "offer_uuid": offer.uuid,
        "parent_lease_uuid": offer.parent_lease_uuid,
    }
    lease = booking.create_lease(values, quota=quota,
                                 event_type="esi_leap.lease.create")
    notify.send("esi_leap.lease.create", lease)
    if start <= timeutils.utcnow():
        rpcapi.wake_manager()
    return lease


def _default_claim_end(offer: models.Offer,
                       start: datetime.datetime) -> datetime.datetime:
    candidates = [windows.default_lease_end(start),
                  offer.end_time or timeutils.END_OF_TIME]
    booked = db_offers.booked_windows([offer.uuid]).get(offer.uuid, [])
    candidates += [s for s, _ in booked if s >= start]
    return min(candidates)


def cancel(offer: models.Offer) -> None:
    """Delete an offer: cancel its leases, then mark it deleted.

    :raises WrongStatus: unless the offer is available or in error.
    """
    if offer.status not in status.OFFER_OPEN:
        raise exception.WrongStatus(kind="Offer", uuid=offer.uuid,
                                    status=offer.status,
                                    expected=", ".join(status.OFFER_OPEN))
    for lease in db_leases.leases_of_offer(offer.uuid,
                                           status.LEASE_CAN_DELETE):
        lease_ops.request_cancel(lease)
    if db_offers.offer_transition(offer.uuid, status.OFFER_OPEN,
                                  status.DELETED):
        offer.status = status.DELETED
        notify.record("esi_leap.offer.delete", offer)
