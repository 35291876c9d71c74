"""Running an audit (in a manager).

The manager claims the pending audit, derives the intended state of every
port of the audited switches, reads each switch back in one read-only
session (``[audit] switch_workers`` switches at a time), classifies what it
saw (:mod:`esi_leap.audit.compare`) and records the findings: new ones
open, those seen again are refreshed, those no longer seen are resolved.
Ports that have a network action in flight, or whose action finished while
the audit ran, are skipped: their state is changing under the audit.
"""

import collections
import concurrent.futures
import datetime
from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from oslo_log import log as logging

from esi_leap.audit import compare
from esi_leap.audit import events
from esi_leap.audit import intended
from esi_leap.audit import model
from esi_leap.audit.model import Draft
from esi_leap.common import exception
from esi_leap.common import notify
from esi_leap.common import timeutils
from esi_leap.conf import CONF
from esi_leap.db import api
from esi_leap.db import audits as db_audits
from esi_leap.db import models
from esi_leap.drivers import switches as switch_drivers
from esi_leap.drivers.switches.base import ObservedPort
from esi_leap.drivers.switches.base import SwitchError
from esi_leap.networking import switches

LOG = logging.getLogger(__name__)

#: (observed ports, None) or (None, why the switch could not be read)
Reading = tuple[dict[str, ObservedPort] | None, str | None]


def read_switch(name: str, ports: Collection[str]) -> Reading:
    """Read switch ``name`` back with the auditor's credentials."""
    try:
        driver = switch_drivers.get_driver(switches.get_audit_config(name))
        return driver.read_ports(ports), None
    except SwitchError as exc:
        return None, str(exc)
    except exception.EsiLeapException as exc:
        return None, exc.message
    except Exception as exc:  # noqa: BLE001 - a driver bug is unreadable
        LOG.exception("Switch %s: reading it back failed", name)
        return None, f"{type(exc).__name__}: {exc}"


def _read_all(intents: dict[str, model.SwitchIntent]) -> dict[str, Reading]:
    workers = max(1, min(CONF.audit.switch_workers, len(intents)))
    with concurrent.futures.ThreadPoolExecutor(
            max_workers=workers,
            thread_name_prefix="esi-leap-audit") as pool:
        futures = {name: pool.submit(read_switch, name, list(intent.ports))
                   for name, intent in intents.items()}
        return {name: future.result() for name, future in futures.items()}


def _changed_since(since: datetime.datetime,
                   switch_names: Collection[str]) -> set[tuple[str, str]]:
    """Ports whose network actions were asked for or finished since."""
    action = models.NetworkAction
    with api.reader() as session:
        rows = session.execute(sa.select(action.switch, action.switch_port)
                               .where(action.switch.in_(list(switch_names)),
                                      sa.or_(action.created_at >= since,
                                             action.updated_at >= since)))
        return {(row[0], row[1]) for row in rows}


def _scope(audit: models.Audit) -> list[str]:
    names = [s.name for s in switches.list_switches()]
    wanted = (audit.scope or {}).get("switches") or []
    return [n for n in names if n in wanted] if wanted else names


def run(audit: models.Audit) -> dict[str, Any]:
    """Run a claimed audit to its end; return its summary."""
    started = audit.started_at or timeutils.utcnow()
    names = _scope(audit)
    try:
        intents = intended.snapshot(names)
    except exception.EsiLeapException as exc:
        message = f"cannot derive the intended state: {exc.message}"
        _finish(audit, db_audits.ERROR, {}, message)
        return {}
    readings = _read_all(intents)
    drafts: list[Draft] = []
    summary_switches: dict[str, dict[str, Any]] = {}
    for name, intent in intents.items():
        observed, error = readings[name]
        if observed is None:
            drafts.append(compare.unreadable_switch(name, error or "?"))
            summary_switches[name] = {"status": "unreadable",
                                      "message": error}
            continue
        drafts += compare.compare_switch(intent, observed)
        summary_switches[name] = {"status": "read", "ports": len(observed)}
    skipped = _changed_since(started, names) | {
        (name, port) for name, intent in intents.items()
        for port in intent.busy_ports}
    drafts = [d for d in drafts
              if (d.switch, d.switch_port or "") not in skipped]
    read = [n for n, s in summary_switches.items() if s["status"] == "read"]
    unreadable = [n for n in summary_switches if n not in read]
    sync = db_audits.sync_findings(
        audit.uuid, timeutils.utcnow(), [d.values() for d in drafts],
        read, unreadable, skipped)
    for finding in sync.new:
        events.finding_changed(finding, events.OPENED)
    for finding in sync.resolved:
        events.finding_changed(finding, events.RESOLVED)
    summary = _summary(drafts, summary_switches, sync, len(skipped))
    _finish(audit, db_audits.DONE, summary, None)
    return summary


def _summary(drafts: list[Draft], by_switch: dict[str, dict[str, Any]],
             sync: db_audits.Sync, skipped: int) -> dict[str, Any]:
    kinds = collections.Counter(d.kind for d in drafts)
    severities = collections.Counter(
        d.severity for d in drafts if d.kind != model.MATCH)
    ports = {(d.switch, d.switch_port) for d in drafts if d.switch_port}
    return {
        "switches": by_switch,
        "ports_checked": len(ports),
        "ports_skipped": skipped,
        "kinds": {k: kinds[k] for k in model.KINDS if kinds[k]},
        "severities": {s: severities[s] for s in model.SEVERITIES
                       if severities[s]},
        "new_findings": [f.uuid for f in sync.new
                         if f.kind != model.MATCH],
        "resolved_findings": [f.uuid for f in sync.resolved
                              if f.kind != model.MATCH],
    }


def _finish(audit: models.Audit, status: str, summary: dict[str, Any],
            message: str | None) -> None:
    if not db_audits.audit_finish(audit, status, summary, message,
                                  now=timeutils.utcnow()):
        LOG.warning("Audit %s was taken over by another manager",
                    audit.uuid)
        return
    audit.status, audit.summary, audit.message = status, summary, message
    notify.send(f"esi_leap.audit.{status}", audit,
                "error" if status == db_audits.ERROR else "info",
                reason=message)
    LOG.info("Audit %s %s: %s", audit.uuid, status,
             message or _headline(summary))


def _headline(summary: dict[str, Any]) -> str:
    severities = summary.get("severities") or {}
    found = ", ".join(f"{n} {s}" for s, n in severities.items()) or \
        "no differences"
    return (f"{summary.get('ports_checked', 0)} ports checked on "
            f"{len(summary.get('switches', {}))} switches: {found}")


# -- in the manager -----------------------------------------------------------

def _timeout() -> datetime.timedelta:
    return datetime.timedelta(seconds=CONF.audit.timeout)


def periodic_due(now: datetime.datetime) -> bool:
    """Whether a periodic audit should be asked for now."""
    interval = CONF.audit.interval
    if not interval:
        return False
    last = db_audits.latest_created()
    return last is None or now - last >= datetime.timedelta(seconds=interval)


def request_periodic() -> models.Audit | None:
    """Ask for a periodic audit unless one is already pending or
    running."""
    try:
        return db_audits.audit_create("periodic", None)
    except exception.AuditRunning:
        return None


def run_pending(host: str) -> str | None:
    """Claim and run the pending audit, if any; return its uuid."""
    audit = db_audits.claim(host, timeutils.utcnow(), _timeout())
    if audit is None:
        return None
    try:
        run(audit)
    except Exception as exc:  # noqa: BLE001 - record, never leave it running
        LOG.exception("Audit %s failed", audit.uuid)
        _finish(audit, db_audits.ERROR, {},
                f"{type(exc).__name__}: {exc}")
    return audit.uuid


def purge_history(now: datetime.datetime) -> None:
    """Delete audits and resolved findings older than
    ``[audit] history_days``."""
    before = now - datetime.timedelta(days=CONF.audit.history_days)
    audits, findings = db_audits.purge(before)
    if audits or findings:
        LOG.info("Deleted %d audits and %d resolved findings older than "
                 "%s", audits, findings, timeutils.format_time(before))
