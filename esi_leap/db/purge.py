"""Deleting old history: ``esi-leap-dbsync purge``.

What goes, for a cut-off time ``before``:

``events``
    every event that happened before it;
``leases``
    leases in a final status (``expired`` or ``deleted``) that ended before
    it (their ``expire_time``, else their ``end_time``);
``offers``
    offers in a final status whose last change (``updated_at``, else their
    ``end_time``) is before it and that no kept lease was made from;
``audits``, ``findings``
    finished audits and resolved findings
    (:func:`esi_leap.db.audits.purge`).

Leases in ``error`` are kept: their node may still need cleaning up and an
admin may still cancel them. Foreign keys are respected: a row another kept
row refers to (``leases.offer_uuid``, ``leases.parent_lease_uuid``,
``offers.parent_lease_uuid``) is kept, and rows are deleted children first,
so every backend's immediate constraint checks pass. A lease a standalone
node still names (``nodes.lease_uuid``) or an unfinished network action
still works for is kept too.
"""

import dataclasses
import datetime
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from esi_leap.db import api
from esi_leap.db import audits as db_audits
from esi_leap.db import models
from esi_leap.db import network_actions as db_network_actions
from esi_leap.objects import status

#: Lease and offer statuses that never change again.
FINAL_STATUSES = (status.EXPIRED, status.DELETED)
#: The tables purged, in the order they are reported.
TABLES = ("events", "leases", "offers", "audits", "findings")
#: Largest ``IN (...)`` list sent in one statement.
CHUNK = 500


@dataclasses.dataclass
class Plan:
    """The leases and offers to delete, in rounds: each round's rows are
    referred to by no row still present once the earlier rounds are
    gone."""

    lease_rounds: list[list[str]] = dataclasses.field(default_factory=list)
    offer_rounds: list[list[str]] = dataclasses.field(default_factory=list)

    @property
    def leases(self) -> int:
        return sum(len(r) for r in self.lease_rounds)

    @property
    def offers(self) -> int:
        return sum(len(r) for r in self.offer_rounds)


# A node of the reference graph: ("lease" | "offer", uuid).
Node = tuple[str, str]


def _chunks(values: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), CHUNK):
        yield list(values[start:start + CHUNK])


def _old_leases(session: orm.Session,
                before: datetime.datetime) -> set[str]:
    lease = models.Lease
    ended = sa.func.coalesce(lease.expire_time, lease.end_time)
    return set(session.scalars(sa.select(lease.uuid).where(
        lease.status.in_(FINAL_STATUSES), ended < before)))


def _old_offers(session: orm.Session,
                before: datetime.datetime) -> set[str]:
    offer = models.Offer
    changed = sa.func.coalesce(offer.updated_at, offer.end_time)
    return set(session.scalars(sa.select(offer.uuid).where(
        offer.status.in_(FINAL_STATUSES), changed < before)))


def _referrers(session: orm.Session, leases: set[str], offers: set[str]
               ) -> dict[Node, set[Node]]:
    """Every row that refers to a candidate, by the candidate. Nodes and
    unfinished network actions refer without a foreign key; they are never
    candidates, so the leases they name are kept."""
    refs: dict[Node, set[Node]] = {}
    lease, offer = models.Lease, models.Offer
    node, action = models.Node, models.NetworkAction
    unfinished = action.status.in_((db_network_actions.PENDING,
                                    db_network_actions.RUNNING))
    queries = (
        ("lease", lease.uuid, lease.parent_lease_uuid, "lease", leases,
         sa.true()),
        ("offer", offer.uuid, offer.parent_lease_uuid, "lease", leases,
         sa.true()),
        ("node", node.uuid, node.lease_uuid, "lease", leases, sa.true()),
        ("action", action.uuid, action.lease_uuid, "lease", leases,
         unfinished),
        ("lease", lease.uuid, lease.offer_uuid, "offer", offers, sa.true()),
    )
    for kind, uuid_col, ref_col, target_kind, targets, extra in queries:
        for chunk in _chunks(sorted(targets)):
            rows = session.execute(sa.select(uuid_col, ref_col).where(
                ref_col.in_(chunk), extra))
            for referrer, target in rows:
                refs.setdefault((target_kind, str(target)), set()).add(
                    (kind, str(referrer)))
    return refs


def _keep_referenced(candidates: set[Node],
                     refs: dict[Node, set[Node]]) -> set[Node]:
    """Drop every candidate a kept row refers to, until none is left."""
    changed = True
    while changed:
        changed = False
        for node in list(candidates):
            if any(r not in candidates for r in refs.get(node, ())):
                candidates.discard(node)
                changed = True
    return candidates


def _rounds(candidates: set[Node], refs: dict[Node, set[Node]]
            ) -> list[set[Node]]:
    """Group ``candidates`` so each group's rows are referred to only by
    rows of earlier groups. Rows on a reference cycle are left out."""
    rounds: list[set[Node]] = []
    remaining = set(candidates)
    while remaining:
        free = {node for node in remaining
                if not (refs.get(node, set()) & remaining)}
        if not free:
            break
        rounds.append(free)
        remaining -= free
    return rounds


def plan(session: orm.Session, before: datetime.datetime) -> Plan:
    """Work out which leases and offers may go, and in what order."""
    leases, offers = _old_leases(session, before), _old_offers(
        session, before)
    refs = _referrers(session, leases, offers)
    candidates = {("lease", u) for u in leases} | {
        ("offer", u) for u in offers}
    result = Plan()
    for group in _rounds(_keep_referenced(candidates, refs), refs):
        result.lease_rounds.append(
            sorted(u for kind, u in group if kind == "lease"))
        result.offer_rounds.append(
            sorted(u for kind, u in group if kind == "offer"))
    return result


def _delete(session: orm.Session, model: type[models.Base],
            uuids: Iterable[str]) -> int:
    deleted = 0
    column = model.__table__.c.uuid  # type: ignore[attr-defined]
    for chunk in _chunks(sorted(uuids)):
        result = session.execute(
            sa.delete(model).where(column.in_(chunk)),
            execution_options={"synchronize_session": False})
        deleted += int(result.rowcount)  # type: ignore[attr-defined]
    return deleted


def _execute(session: orm.Session, todo: Plan) -> tuple[int, int]:
    leases = offers = 0
    for lease_round, offer_round in zip(todo.lease_rounds,
                                        todo.offer_rounds, strict=True):
        leases += _delete(session, models.Lease, lease_round)
        offers += _delete(session, models.Offer, offer_round)
    return leases, offers


def _count(session: orm.Session, stmt: sa.Select[Any]) -> int:
    return int(session.scalar(stmt) or 0)


def _count_history(session: orm.Session,
                   before: datetime.datetime) -> dict[str, int]:
    """What :func:`esi_leap.db.audits.purge` would delete (same
    conditions), and the old events."""
    audit, finding, event = models.Audit, models.Finding, models.Event
    count = sa.func.count()
    return {
        "events": _count(session, sa.select(count).where(
            event.event_time < before)),
        "audits": _count(session, sa.select(count).select_from(audit).where(
            audit.active.is_(None), audit.finished_at < before)),
        "findings": _count(session, sa.select(count).select_from(
            finding).where(finding.status == db_audits.RESOLVED,
                           finding.resolved_at < before)),
    }


def count(before: datetime.datetime) -> dict[str, int]:
    """What :func:`purge` would delete now, by table, deleting nothing."""
    with api.reader() as session:
        todo = plan(session, before)
        counts = _count_history(session, before)
    counts.update(leases=todo.leases, offers=todo.offers)
    return {table: counts[table] for table in TABLES}


@api.retry_on_contention
def _purge_leases_and_events(before: datetime.datetime) -> dict[str, int]:
    with api.writer() as session:
        leases, offers = _execute(session, plan(session, before))
        events = session.execute(
            sa.delete(models.Event).where(models.Event.event_time < before),
            execution_options={"synchronize_session": False})
        return {"events": int(events.rowcount),  # type: ignore[attr-defined]
                "leases": leases, "offers": offers}


def purge(before: datetime.datetime) -> dict[str, int]:
    """Delete the history older than ``before``; return the rows deleted,
    by table (in :data:`TABLES` order).

    Events, leases and offers go in one transaction; audits and findings
    in a second one.
    """
    counts = _purge_leases_and_events(before)
    counts["audits"], counts["findings"] = db_audits.purge(before)
    return {table: counts[table] for table in TABLES}
