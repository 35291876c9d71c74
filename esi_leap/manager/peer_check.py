"""Find open leases whose node or project no longer exists.

A node deleted in Ironic, or a project deleted in Keystone, cannot keep a
lease: the manager asks for such leases to end in ``error`` with an event
that says why (:func:`esi_leap.objects.lease.request_end`). A peer that
does not answer is never taken for a deletion: the check is skipped and
tried again next time.
"""

import collections

from oslo_log import log as logging

from esi_leap.common import exception
from esi_leap.common import projects
from esi_leap.db import leases as db_leases
from esi_leap.db import models
from esi_leap.drivers import resource_types
from esi_leap.manager import lifecycle
from esi_leap.objects import lease as lease_obj

LOG = logging.getLogger(__name__)

#: Leases that are checked: open, not yet asked to end.
CHECKED = lifecycle.EXPIRABLE


def orphaned(leases: list[models.Lease]) -> list[tuple[models.Lease, str]]:
    """The leases whose node or project is gone, each with the reason.

    :raises PeerUnavailable: when a peer does not answer.
    """
    reasons: dict[str, tuple[models.Lease, str]] = {}
    by_type: dict[str, list[models.Lease]] = collections.defaultdict(list)
    for lease in leases:
        by_type[lease.resource_type].append(lease)
    for rtype, group in by_type.items():
        if not resource_types.is_enabled(rtype):
            continue  # its nodes are not read; its leases wait (see docs)
        backend = resource_types.get_backend(rtype)
        present = backend.get_nodes(lease.resource_uuid for lease in group)
        for lease in group:
            if lease.resource_uuid not in present:
                reasons[lease.uuid] = (lease, f"node {lease.resource_uuid} "
                                              f"no longer exists in {rtype}")
    directory = projects.get_directory()
    involved = {p for lease in leases for p in (lease.project_id,
                                                 lease.owner_id)}
    gone = {p for p in involved if directory.exists(p) is False}
    for lease in leases:
        for project_id in (lease.project_id, lease.owner_id):
            if project_id in gone:
                reasons.setdefault(lease.uuid, (
                    lease, f"project {project_id} no longer exists"))
    return list(reasons.values())


def check() -> int:
    """Ask every orphaned open lease to end in error; return how many."""
    leases = db_leases.leases_in(CHECKED)
    try:
        doomed = orphaned(leases)
    except exception.PeerUnavailable as exc:
        LOG.warning("Skipping the check for deleted nodes and projects: %s",
                    exc.message)
        return 0
    ended = 0
    for lease, reason in doomed:
        LOG.warning("Ending lease %s in error: %s", lease.uuid, reason)
        ended += lease_obj.request_end(lease, lease_obj.ERROR, reason)
    return ended
