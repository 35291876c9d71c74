"""Audits and their findings.

One audit runs at a time: an audit is inserted ``pending`` with
``active = "audit"`` (a unique column), claimed ``running`` by a manager
(compare-and-swap) and finished ``done`` or ``error``, which clears
``active``. Its findings are kept by fingerprint: :func:`sync_findings`
opens the new ones, refreshes those still seen and resolves those an audit
of their switch no longer sees.
"""

import dataclasses
import datetime
from collections.abc import Collection
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from oslo_db import exception as db_exc
from oslo_utils import uuidutils

from esi_leap.common import exception
from esi_leap.db import api
from esi_leap.db import managers
from esi_leap.db import models
from esi_leap.db import pagination

PENDING, RUNNING, DONE, ERROR = "pending", "running", "done", "error"
STATUSES = (PENDING, RUNNING, DONE, ERROR)
TRIGGERS = ("api", "periodic")
ACTIVE = "audit"
OPEN, RESOLVED = "open", "resolved"
FINDING_STATUSES = (OPEN, RESOLVED)
MATCH = "match"
AUDIT_SORTABLE = frozenset({"id", "created_at", "finished_at", "status"})
FINDING_SORTABLE = frozenset({"id", "created_at", "last_seen_at",
                              "resolved_at", "severity", "kind", "switch"})


# -- audits -----------------------------------------------------------------

def audit_create(trigger: str, project_id: str | None,
                 switch_names: Sequence[str] = ()) -> models.Audit:
    """Insert a pending audit of ``switch_names`` (all when empty).

    :raises AuditRunning: when another audit is pending or running.
    """
    audit = models.Audit(
        uuid=uuidutils.generate_uuid(), status=PENDING, trigger=trigger,
        project_id=project_id, scope={"switches": list(switch_names)},
        summary={}, active=ACTIVE)
    try:
        with api.writer() as session:
            session.add(audit)
    except db_exc.DBDuplicateEntry:
        busy = active_audit()
        raise exception.AuditRunning(
            audit=busy.uuid if busy else "(just finished)",
            status=busy.status if busy else "finishing") from None
    return audit


def active_audit() -> models.Audit | None:
    """The pending or running audit, if any."""
    with api.reader() as session:
        return session.scalars(sa.select(models.Audit).where(
            models.Audit.active == ACTIVE)).first()


def audit_get(uuid: str) -> models.Audit | None:
    with api.reader() as session:
        return session.scalars(sa.select(models.Audit).where(
            models.Audit.uuid == uuid)).first()


@dataclasses.dataclass(frozen=True)
class AuditFilters:
    """Filters of ``GET /v1/audits``."""

    status: str | None = None
    trigger: str | None = None


def audit_list(filters: AuditFilters,
               page: pagination.Page = pagination.Page()
               ) -> list[models.Audit]:
    audit = models.Audit
    stmt = pagination.where_equal(sa.select(audit), (
        (audit.status, filters.status), (audit.trigger, filters.trigger)))
    with api.reader() as session:
        pagination.check_marker(session, audit, page)
        return list(session.scalars(
            pagination.apply(stmt, audit, page, AUDIT_SORTABLE)).all())


def latest_created() -> datetime.datetime | None:
    """When the newest audit was asked for."""
    with api.reader() as session:
        return session.scalar(sa.select(sa.func.max(models.Audit.created_at)))


def latest_done() -> models.Audit | None:
    """The newest finished audit."""
    audit = models.Audit
    with api.reader() as session:
        return session.scalars(
            sa.select(audit).where(audit.status == DONE)
            .order_by(audit.finished_at.desc(), audit.id.desc())).first()


def _claimable(now: datetime.datetime,
               timeout: datetime.timedelta) -> sa.ColumnElement[bool]:
    audit = models.Audit
    return sa.or_(audit.status == PENDING,
                  sa.and_(audit.status == RUNNING,
                          sa.or_(audit.claimed_at < now - timeout,
                                 managers.holder_gone(audit.claimed_by,
                                                      audit.claimed_at, now))))


@api.retry_on_contention
def claim(host: str, now: datetime.datetime,
          timeout: datetime.timedelta) -> models.Audit | None:
    """Claim the pending audit (or one whose manager stopped answering)."""
    audit = models.Audit
    with api.reader() as session:
        # Every reconcile pass asks: answer "nothing" without writing.
        if session.scalar(sa.select(audit.id).where(
                audit.active == ACTIVE, _claimable(now, timeout))) is None:
            return None
    with api.writer() as session:
        found = session.scalars(sa.select(audit).where(
            audit.active == ACTIVE, _claimable(now, timeout))).first()
        if found is None:
            return None
        moved = session.execute(
            sa.update(audit).where(audit.id == found.id,
                                   _claimable(now, timeout))
            .values(status=RUNNING, claimed_by=host, claimed_at=now,
                    started_at=now)).rowcount  # type: ignore[attr-defined]
        if not moved:
            return None
        session.refresh(found)
        return found


def audit_finish(claimed: models.Audit, status: str,
                 summary: dict[str, Any], message: str | None = None,
                 now: datetime.datetime | None = None) -> bool:
    """Finish a claimed audit, if this manager still holds it."""
    audit = models.Audit
    with api.writer() as session:
        return bool(session.execute(
            sa.update(audit).where(audit.id == claimed.id,
                                   audit.status == RUNNING,
                                   audit.claimed_by == claimed.claimed_by,
                                   audit.claimed_at == claimed.claimed_at)
            .values(status=status, summary=summary, message=message,
                    finished_at=now, active=None, claimed_by=None,
                    claimed_at=None)
        ).rowcount)  # type: ignore[attr-defined]


# -- findings ---------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class FindingFilters:
    """Filters of ``GET /v1/findings``."""

    switch: str | None = None
    severity: str | None = None
    kind: str | None = None
    status: str | None = None
    node_uuid: str | None = None
    network_uuid: str | None = None
    last_audit_uuid: str | None = None


def finding_list(filters: FindingFilters,
                 page: pagination.Page = pagination.Page()
                 ) -> list[models.Finding]:
    finding = models.Finding
    stmt = pagination.where_equal(sa.select(finding), (
        (finding.switch, filters.switch),
        (finding.severity, filters.severity), (finding.kind, filters.kind),
        (finding.status, filters.status),
        (finding.node_uuid, filters.node_uuid),
        (finding.network_uuid, filters.network_uuid),
        (finding.last_audit_uuid, filters.last_audit_uuid)))
    with api.reader() as session:
        pagination.check_marker(session, finding, page)
        return list(session.scalars(
            pagination.apply(stmt, finding, page, FINDING_SORTABLE)).all())


def finding_get(uuid: str) -> models.Finding | None:
    with api.reader() as session:
        return session.scalars(sa.select(models.Finding).where(
            models.Finding.uuid == uuid)).first()


def open_findings(switches: Collection[str] | None = None
                  ) -> list[models.Finding]:
    """Open findings, of ``switches`` only when given."""
    finding = models.Finding
    stmt = sa.select(finding).where(finding.status == OPEN)
    if switches is not None:
        stmt = stmt.where(finding.switch.in_(list(switches)))
    with api.reader() as session:
        return list(session.scalars(stmt.order_by(finding.id)).all())


@dataclasses.dataclass
class Sync:
    """What :func:`sync_findings` changed."""

    new: list[models.Finding] = dataclasses.field(default_factory=list)
    resolved: list[models.Finding] = dataclasses.field(default_factory=list)
    still_open: int = 0


#: Columns a later audit refreshes on a finding it sees again.
_REFRESHED = ("severity", "message", "details", "port_uuid", "node_uuid",
              "lease_uuid", "project_id", "network_uuid")


@api.retry_on_contention
def sync_findings(audit_uuid: str, now: datetime.datetime,
                  seen: Sequence[dict[str, Any]],
                  read: Collection[str], unreadable: Collection[str],
                  skipped: Collection[tuple[str, str]]) -> Sync:
    """Record what an audit saw.

    ``seen`` holds the findings' column values, each with its fingerprint
    in ``active_key``. Open findings of switches in ``read`` that were not
    seen are resolved, except on ports in ``skipped`` (busy with a network
    action). On switches in ``unreadable`` nothing can be confirmed: their
    ``match`` findings are resolved (a match that cannot be seen is no
    match) and every other finding stays open.
    """
    finding = models.Finding
    result = Sync()
    wanted = {values["active_key"]: values for values in seen}
    with api.writer() as session:
        existing = {f.active_key: f for f in session.scalars(
            sa.select(finding).where(
                finding.status == OPEN,
                finding.switch.in_([*read, *unreadable]))).all()}
        for key, values in wanted.items():
            row = existing.pop(key, None)
            if row is None:
                row = models.Finding(
                    uuid=uuidutils.generate_uuid(), status=OPEN,
                    first_audit_uuid=audit_uuid, last_audit_uuid=audit_uuid,
                    last_seen_at=now, **values)
                session.add(row)
                result.new.append(row)
                continue
            row.last_audit_uuid, row.last_seen_at = audit_uuid, now
            for column in _REFRESHED:
                if getattr(row, column) != values.get(column):
                    setattr(row, column, values.get(column))
            result.still_open += 1
        for row in existing.values():
            if row.switch in unreadable and row.kind != MATCH:
                result.still_open += 1
                continue
            if (row.switch, row.switch_port or "") in skipped:
                result.still_open += 1
                continue
            row.status, row.active_key = RESOLVED, None
            row.resolved_audit_uuid, row.resolved_at = audit_uuid, now
            result.resolved.append(row)
        session.flush()
    return result


def purge(before: datetime.datetime) -> tuple[int, int]:
    """Delete audits finished and findings resolved before ``before``;
    return how many of each."""
    audit, finding = models.Audit, models.Finding
    with api.writer() as session:
        audits = session.execute(sa.delete(audit).where(
            audit.active.is_(None), audit.finished_at < before))
        findings = session.execute(sa.delete(finding).where(
            finding.status == RESOLVED, finding.resolved_at < before))
        return (int(audits.rowcount),  # type: ignore[attr-defined]
                int(findings.rowcount))  # type: ignore[attr-defined]
