"""Lease operations from the API: create, move the end, cancel.

They only record intent; the manager acts on nodes and finishes what is
left (see :mod:`esi_leap.manager.lifecycle`).
"""

import datetime
from typing import Any

from oslo_utils import uuidutils

from esi_leap.common import exception
from esi_leap.common import notify
from esi_leap.common import timeutils
from esi_leap.db import booking
from esi_leap.db import leases as db_leases
from esi_leap.db import models
from esi_leap.drivers.resource_types.base import NodeInfo
from esi_leap.manager import rpcapi
from esi_leap.objects import status
from esi_leap.objects import windows


def create(owner_id: str, lessee_id: str, resource_type: str,
           node: NodeInfo, body: dict[str, Any], as_lessee: bool,
           unlimited: bool, quota: int | None) -> models.Lease:
    """Lease a node directly, or (``as_lessee``) sub-lease it from the lease
    that holds it (``node.lease_uuid``).

    :raises InvalidInput, Forbidden, TimeConflict, Conflict, QuotaExceeded:
    """
    start = body.get("start_time") or timeutils.utcnow()
    end = body.get("end_time") or windows.default_lease_end(start)
    window = windows.checked(start, end)
    windows.check_max_length(window, unlimited)
    values = {
        "uuid": uuidutils.generate_uuid(), "name": body.get("name"),
        "project_id": lessee_id, "owner_id": owner_id,
        "purpose": body.get("purpose"), "resource_type": resource_type,
        "resource_uuid": node.uuid, "start_time": start, "end_time": end,
        "status": status.CREATED,
        "properties": body.get("properties") or {},
        "parent_lease_uuid": node.lease_uuid if as_lessee else None,
    }
    lease = booking.create_lease(values, quota=quota,
                                 event_type="esi_leap.lease.create")
    notify.send("esi_leap.lease.create", lease)
    if start <= timeutils.utcnow():
        rpcapi.wake_manager()
    return lease


def move_end(lease: models.Lease, new_end: datetime.datetime,
             unlimited: bool) -> models.Lease:
    """Extend or shorten a lease.

    :raises InvalidInput, Forbidden, WrongStatus, TimeConflict, Conflict:
    """
    if lease.start_time is not None:
        windows.check_max_length((lease.start_time, new_end), unlimited)
    moved = booking.move_lease_end(lease.uuid, new_end, timeutils.utcnow())
    notify.record("esi_leap.lease.update", moved,
                  reason=f"end_time moved to "
                         f"{timeutils.format_time(new_end)}")
    rpcapi.wake_manager()
    return moved


def request_cancel(lease: models.Lease) -> None:
    """Cancel a lease.

    A lease that cannot have reached its node (``created``, its start not
    come, not reserved by a manager) is deleted at once; any other goes
    to ``wait cancel`` and the manager frees the node if the node carries
    it (a manager may have given the node and died before marking the
    lease active).

    :raises WrongStatus: unless the lease may be deleted.
    """
    if lease.status not in status.LEASE_CAN_DELETE:
        raise exception.WrongStatus(
            kind="Lease", uuid=lease.uuid, status=lease.status,
            expected=", ".join(status.LEASE_CAN_DELETE))
    now = timeutils.utcnow()
    unstarted = (lease.status == status.CREATED
                 and lease.start_time is not None and lease.start_time > now)
    if unstarted and db_leases.lease_transition(
            lease.uuid, [status.CREATED], status.DELETED, expire_time=now,
            only_unreserved=True):
        notify.record("esi_leap.lease.delete.start", lease)
        lease.status, lease.expire_time = status.DELETED, now
        notify.record("esi_leap.lease.delete.end", lease)
        return
    if db_leases.lease_transition(lease.uuid, status.LEASE_CAN_DELETE,
                                  status.WAIT_CANCEL):
        rpcapi.wake_manager()
        return
    current = db_leases.lease_get(lease.uuid)
    raise exception.WrongStatus(
        kind="Lease", uuid=lease.uuid,
        status=current.status if current else "gone",
        expected=", ".join(status.LEASE_CAN_DELETE))


#: ``end_request`` values: an admin's force-end, or an end because the
#: lease's node or a project is gone.
FORCE = "force"
ERROR = "error"


def request_end(lease: models.Lease, kind: str, reason: str) -> bool:
    """Ask the manager to end a lease now, whatever its window.

    ``kind`` is :data:`FORCE` (failed release steps are recorded and
    skipped; the lease ends ``deleted``) or :data:`ERROR` (the lease ends
    ``error``). Returns False when the lease has already ended.
    """
    if not db_leases.lease_transition(
            lease.uuid, status.LEASE_CAN_END_NOW, status.WAIT_CANCEL,
            end_request=kind, end_reason=reason):
        return False
    lease.status = status.WAIT_CANCEL
    notify.record("esi_leap.lease.end_requested", lease,
                  level="warning" if kind == ERROR else "info",
                  reason=reason)
    rpcapi.wake_manager()
    return True
