"""Tenant networks, their VLANs and who may use them.

A network's VLAN is unique on its physical network (a unique index), so
two API processes that pick the same free VLAN at once cannot both keep
it: the loser picks again.
"""

import dataclasses
from collections.abc import Sequence

import sqlalchemy as sa
from oslo_db import exception as db_exc
from oslo_utils import uuidutils

from esi_leap.common import exception
from esi_leap.db import api
from esi_leap.db import attachments
from esi_leap.db import booking
from esi_leap.db import models
from esi_leap.db import pagination

SORTABLE = frozenset({"id", "name", "vlan", "created_at", "physical_network",
                      "project_id"})
#: Attempts at taking a free VLAN when other writers take the same ones.
ALLOCATION_ATTEMPTS = 20


@dataclasses.dataclass(frozen=True)
class NetworkFilters:
    """Filters of ``GET /v1/networks``; ``usable_by`` limits the list to
    networks that project owns, is granted or that are public."""

    project_id: str | None = None
    physical_network: str | None = None
    name: str | None = None
    usable_by: str | None = None


def _usable_by(project_id: str) -> sa.ColumnElement[bool]:
    net, access = models.Network, models.NetworkAccess
    granted = sa.select(access.network_id).where(
        access.project_id == project_id)
    return sa.or_(net.project_id == project_id, net.public.is_(True),
                  net.id.in_(granted))


def network_list(filters: NetworkFilters,
                 page: pagination.Page = pagination.Page()
                 ) -> list[models.Network]:
    """Networks matching every filter, sliced by ``page``."""
    net = models.Network
    stmt = sa.select(net)
    if filters.project_id is not None:
        stmt = stmt.where(net.project_id == filters.project_id)
    if filters.physical_network is not None:
        stmt = stmt.where(net.physical_network == filters.physical_network)
    if filters.name is not None:
        stmt = stmt.where(net.name == filters.name)
    if filters.usable_by is not None:
        stmt = stmt.where(_usable_by(filters.usable_by))
    with api.reader() as session:
        pagination.check_marker(session, net, page)
        return list(session.scalars(
            pagination.apply(stmt, net, page, SORTABLE)).all())


def network_get(ident: str, project_id: str,
                visible_to: str | None) -> models.Network | None:
    """The network with this uuid or, failing that, the one so named,
    among the networks ``visible_to`` may use (None: all of them).

    A name resolves among ``project_id``'s own networks first, then among
    the others in view, so networks the caller cannot see never make a
    name ambiguous.

    :raises AmbiguousName: when several networks in view have that name
        (several of the project's own, or none of its own and several
        others).
    """
    net = models.Network
    stmt = sa.select(net)
    if visible_to is not None:
        stmt = stmt.where(_usable_by(visible_to))
    with api.reader() as session:
        found = session.scalars(stmt.where(net.uuid == ident)).first()
        if found is not None:
            return found
        named = session.scalars(
            stmt.where(net.name == ident)
            .order_by(sa.case((net.project_id == project_id, 0), else_=1))
            .limit(3)).all()
    own = [n for n in named if n.project_id == project_id]
    candidates = own or list(named)
    if len(candidates) > 1:
        raise exception.AmbiguousName(kind="network", name=ident)
    return candidates[0] if candidates else None


def may_use(network: models.Network, project_id: str) -> bool:
    """Whether ``project_id`` may attach ports to ``network``."""
    return (network.public or network.project_id == project_id
            or project_id in shared_with(network))


def shared_with(network: models.Network) -> list[str]:
    """Projects the network is shared with, in grant order."""
    return [a.project_id for a in sorted(network.access, key=lambda a: a.id)]


def _used_vlans(session: sa.orm.Session, physical_network: str) -> set[int]:
    net = models.Network
    return set(session.scalars(sa.select(net.vlan).where(
        net.physical_network == physical_network)).all())


def _check_quota(session: sa.orm.Session, project_id: str,
                 quota: int | None) -> None:
    """Refuse a network over the project's quota; the project's guard row
    lock makes concurrent creations of one project count one by one."""
    if quota is None or quota < 0:
        return
    booking.lock_key(session, "network_quota", project_id)
    net = models.Network
    count = session.scalar(sa.select(sa.func.count()).select_from(net).where(
        net.project_id == project_id)) or 0
    if count >= quota:
        raise exception.QuotaExceeded(project_id=project_id, count=count,
                                      kind="networks", limit=quota)


@api.retry_on_contention
def _insert_network(values: dict[str, object], pool: Sequence[int],
                    vlan: int | None, quota: int | None) -> models.Network:
    network = models.Network(uuid=uuidutils.generate_uuid(), access=[],
                             **values)
    with api.writer() as session:
        _check_quota(session, str(values["project_id"]), quota)
        if vlan is None:
            used = _used_vlans(session, network.physical_network)
            free = next((v for v in pool if v not in used), None)
            if free is None:
                raise exception.VlanPoolExhausted(
                    physical_network=network.physical_network)
            vlan = free
        network.vlan = vlan
        session.add(network)
    return network


def network_create(values: dict[str, object], pool: Sequence[int],
                   vlan: int | None = None,
                   quota: int | None = None) -> models.Network:
    """Insert a network with ``vlan``, or with the lowest free VLAN of
    ``pool`` when ``vlan`` is ``None``; ``quota``: how many networks its
    project may own (None: no limit).

    :raises QuotaExceeded: when the project owns ``quota`` networks.
    :raises VlanPoolExhausted: when the pool has no free VLAN.
    :raises Conflict: when the chosen VLAN is taken.
    """
    physnet = values["physical_network"]
    for _attempt in range(ALLOCATION_ATTEMPTS):
        try:
            return _insert_network(values, pool, vlan, quota)
        except db_exc.DBDuplicateEntry:
            if vlan is not None:
                raise exception.Conflict(
                    reason=f"VLAN {vlan} of physical network {physnet} is "
                           "taken by another network.") from None
    raise exception.VlanPoolExhausted(physical_network=physnet)


@api.retry_on_contention
def network_delete(network: models.Network) -> None:
    """Delete a network (its VLAN goes back to the pool).

    :raises Conflict: while a port is attached to it or an action on it is
        unfinished.
    """
    att, action = models.PortAttachment, models.NetworkAction
    with api.writer() as session:
        attached = session.scalar(sa.select(sa.func.count()).where(
            att.network_id == network.id))
        busy = session.scalar(sa.select(sa.func.count()).where(
            action.network_uuid == network.uuid,
            action.status.in_(attachments.UNFINISHED)))
        if attached or busy:
            raise exception.Conflict(
                reason=f"Network {network.uuid} is in use: {attached} port "
                       f"attachment(s) and {busy} unfinished network "
                       "action(s); detach its ports first.")
        session.execute(sa.delete(models.Network).where(
            models.Network.id == network.id))


def access_grant(network: models.Network, project_id: str) -> bool:
    """Share a network with a project; False if it was shared already."""
    try:
        with api.writer() as session:
            session.add(models.NetworkAccess(network_id=network.id,
                                             project_id=project_id))
    except db_exc.DBDuplicateEntry:
        return False
    return True


@api.retry_on_contention
def access_revoke(network: models.Network, project_id: str) -> None:
    """Stop sharing a network with a project.

    :raises NotFound: when it is not shared with that project.
    :raises Conflict: while that project has ports attached to it.
    """
    access, att = models.NetworkAccess, models.PortAttachment
    with api.writer() as session:
        in_use = session.scalar(sa.select(sa.func.count()).where(
            att.network_id == network.id, att.project_id == project_id))
        if in_use:
            raise exception.Conflict(
                reason=f"Project {project_id} still has {in_use} port(s) "
                       f"attached to network {network.uuid}; detach them "
                       "first.")
        deleted = session.execute(sa.delete(access).where(
            access.network_id == network.id,
            access.project_id == project_id)).rowcount  # type: ignore[attr-defined]
    if not deleted:
        raise exception.NotFound(
            kind="Access of project", ident=f"{project_id} to network "
                                            f"{network.uuid}")
