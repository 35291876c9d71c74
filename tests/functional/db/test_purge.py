"""``esi-leap-dbsync purge`` on every backend: what goes, what stays, and
the order rows go in (the foreign keys between leases and offers are
checked row by row on MariaDB and at once on PostgreSQL)."""

import datetime
import os
import pathlib
import shutil
import subprocess
import sys
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from esi_leap.common import timeutils
from esi_leap.db import api
from esi_leap.db import models
from esi_leap.db import purge
from tests import helpers

NOW = timeutils.utcnow()
OLD = NOW - datetime.timedelta(days=40)
RECENT = NOW - datetime.timedelta(days=5)
BEFORE = NOW - datetime.timedelta(days=30)


def _uuid(name: str) -> str:
    """The same uuid for the same test row name."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def _lease(name: str, status: str, ended: datetime.datetime | None,
           **kw: Any) -> models.Lease:
    end = kw.pop("end_time", ended or NOW)
    return models.Lease(
        uuid=_uuid(name), name=name, project_id="lessee", owner_id="owner",
        resource_type="standalone_node", resource_uuid=_uuid("node"),
        start_time=end - datetime.timedelta(days=1), end_time=end,
        expire_time=ended, status=status, **kw)


def _offer(name: str, status: str, changed: datetime.datetime,
           **kw: Any) -> models.Offer:
    return models.Offer(
        uuid=_uuid(name), name=name, project_id="owner",
        resource_type="standalone_node", resource_uuid=_uuid("node"),
        start_time=changed - datetime.timedelta(days=2), end_time=changed,
        status=status, updated_at=changed, **kw)


def _audit(name: str, finished: datetime.datetime | None,
           active: str | None) -> models.Audit:
    return models.Audit(uuid=_uuid(name), status="done" if finished
                        else "running", trigger="periodic",
                        finished_at=finished, active=active)


def _finding(name: str, status: str,
             resolved: datetime.datetime | None) -> models.Finding:
    return models.Finding(
        uuid=_uuid(name), kind="missing_vlan", severity="high",
        status=status, switch="leaf1", switch_port=name, message="m",
        first_audit_uuid=_uuid("a"), last_audit_uuid=_uuid("a"),
        last_seen_at=OLD, resolved_at=resolved,
        active_key=None if status == "resolved" else name)


def _action(name: str, lease: str, status: str) -> models.NetworkAction:
    return models.NetworkAction(
        uuid=_uuid(name), kind="quarantine", status=status,
        node_uuid=_uuid("node"), port_uuid=_uuid(name), switch="leaf1",
        switch_port=name, physical_network="physnet1", vlan=3,
        lease_uuid=_uuid(lease),
        active_port=f"leaf1/{name}" if status == "pending" else None)


# The rows every test starts from, and which of them a purge at BEFORE
# must delete.
EXPECTED_GONE = {
    "leases": {"l-expired", "l-deleted", "l-on-o-old", "l-parent",
               "l-child", "l-done-action"},
    "offers": {"o-old", "o-empty", "o-from-parent"},
}
EXPECTED_KEPT = {
    "leases": {"l-recent", "l-active", "l-error", "l-on-o-kept",
               "l-parent-of-active", "l-active-child", "l-parent-of-offer",
               "l-on-node", "l-pending-action"},
    "offers": {"o-kept-by-lease", "o-available", "o-recent",
               "o-from-kept-parent"},
}


def _seed() -> None:
    """Leases, offers, events, audits and findings, old and recent."""
    with api.writer() as session:
        session.add_all([
            _offer("o-old", "expired", OLD),
            _offer("o-kept-by-lease", "expired", OLD),
            _offer("o-empty", "deleted", OLD),
            _offer("o-available", "available", OLD),
            _offer("o-recent", "expired", RECENT),
        ])
        session.flush()
        session.add_all([
            _lease("l-expired", "expired", OLD),
            _lease("l-deleted", "deleted", OLD),
            _lease("l-recent", "expired", RECENT),
            _lease("l-active", "active", None, end_time=OLD),
            _lease("l-error", "error", OLD),
            _lease("l-on-o-old", "expired", OLD,
                   offer_uuid=_uuid("o-old")),
            _lease("l-on-o-kept", "expired", RECENT,
                   offer_uuid=_uuid("o-kept-by-lease")),
            _lease("l-parent", "expired", OLD),
            _lease("l-parent-of-active", "expired", OLD),
            _lease("l-parent-of-offer", "deleted", OLD),
            _lease("l-on-node", "expired", OLD),
            _lease("l-pending-action", "expired", OLD),
            _lease("l-done-action", "expired", OLD),
        ])
        session.flush()
        session.add_all([
            # Sub-leasing: an offer made from l-parent and a lease on it.
            _offer("o-from-parent", "expired", OLD,
                   parent_lease_uuid=_uuid("l-parent")),
            _offer("o-from-kept-parent", "available", OLD,
                   parent_lease_uuid=_uuid("l-parent-of-offer")),
            _lease("l-active-child", "active", None,
                   parent_lease_uuid=_uuid("l-parent-of-active")),
        ])
        session.flush()
        session.add_all([
            _lease("l-child", "expired", OLD,
                   offer_uuid=_uuid("o-from-parent"),
                   parent_lease_uuid=_uuid("l-parent")),
            models.Node(uuid=_uuid("node"), name="node",
                        lease_uuid=_uuid("l-on-node")),
            _action("act-pending", "l-pending-action", "pending"),
            _action("act-done", "l-done-action", "done"),
            models.Event(event_type="lease.create", event_time=OLD),
            models.Event(event_type="lease.create", event_time=OLD),
            models.Event(event_type="lease.create", event_time=RECENT),
            _audit("a-old", OLD, None),
            _audit("a-recent", RECENT, None),
            _audit("a-running", None, "audit"),
            _finding("f-old", "resolved", OLD),
            _finding("f-recent", "resolved", RECENT),
            _finding("f-open", "open", None),
        ])


def _names(model: type[models.Base]) -> set[str]:
    with api.reader() as session:
        return set(session.scalars(sa.select(
            model.__table__.c.name)))  # type: ignore[attr-defined]


def _rows() -> dict[str, int]:
    tables = {"events": models.Event, "leases": models.Lease,
              "offers": models.Offer, "audits": models.Audit,
              "findings": models.Finding}
    with api.reader() as session:
        return {name: int(session.scalar(
            sa.select(sa.func.count()).select_from(model)) or 0)
            for name, model in tables.items()}


@helpers.ALL_BACKENDS
def test_purge_deletes_only_what_nothing_kept_refers_to(
        database: str) -> None:
    _seed()

    deleted = purge.purge(BEFORE)

    assert _names(models.Lease) == EXPECTED_KEPT["leases"]
    assert _names(models.Offer) == EXPECTED_KEPT["offers"]
    assert deleted == {"events": 2, "leases": len(EXPECTED_GONE["leases"]),
                       "offers": len(EXPECTED_GONE["offers"]),
                       "audits": 1, "findings": 1}
    with api.reader() as session:
        assert set(session.scalars(sa.select(models.Audit.uuid))) == {
            _uuid("a-recent"), _uuid("a-running")}
        assert set(session.scalars(sa.select(models.Finding.uuid))) == {
            _uuid("f-recent"), _uuid("f-open")}
        times = list(session.scalars(sa.select(models.Event.event_time)))
    assert len(times) == 1 and times[0] > BEFORE


@helpers.ALL_BACKENDS
def test_dry_run_counts_what_purge_then_deletes(database: str) -> None:
    _seed()
    before = _rows()

    counted = purge.count(BEFORE)

    assert _rows() == before
    assert purge.purge(BEFORE) == counted
    assert purge.purge(BEFORE) == dict.fromkeys(purge.TABLES, 0)


def test_a_reference_cycle_is_left_alone(database: str) -> None:
    """Rows that refer to each other in a loop cannot be deleted one after
    the other; they are kept, the rest still goes."""
    _seed()
    with api.writer() as session:
        session.add(_offer("o-cycle", "expired", OLD))
        session.flush()
        session.add(_lease("l-cycle", "expired", OLD,
                           offer_uuid=_uuid("o-cycle")))
        session.flush()
        session.execute(sa.update(models.Offer).where(
            models.Offer.uuid == _uuid("o-cycle")).values(
            parent_lease_uuid=_uuid("l-cycle"), updated_at=OLD))

    purge.purge(BEFORE)

    assert "l-cycle" in _names(models.Lease)
    assert "o-cycle" in _names(models.Offer)
    assert not EXPECTED_GONE["leases"] & _names(models.Lease)


# -- the command --------------------------------------------------------------

def _dbsync(conf: pathlib.Path, *args: str) -> subprocess.CompletedProcess:
    script = (shutil.which("esi-leap-dbsync",
                           path=os.path.dirname(sys.executable))
              or shutil.which("esi-leap-dbsync"))
    assert script, "the esi-leap-dbsync console script is not installed"
    return subprocess.run([script, "--config-file", str(conf), *args],
                          capture_output=True, text=True, timeout=120,
                          check=False, stdin=subprocess.DEVNULL)


def _config(tmp_path: pathlib.Path, url: str) -> pathlib.Path:
    conf = tmp_path / "esi-leap.conf"
    conf.write_text(f"[database]\nconnection = {url}\n")
    return conf


@helpers.ALL_BACKENDS
def test_command_purges_and_prints_each_table(
        database: str, tmp_path: pathlib.Path) -> None:
    _seed()
    conf = _config(tmp_path, database)
    api.reset()

    dry = _dbsync(conf, "purge", "--older-than", "30", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert f"Would delete {len(EXPECTED_GONE['leases'])} rows from " \
           "leases" in dry.stdout
    assert "Would delete 2 rows from events" in dry.stdout
    kept_before = _rows()

    done = _dbsync(conf, "purge", "--older-than", "30")

    assert done.returncode == 0, done.stderr
    for table in purge.TABLES:
        assert f"rows from {table}" in done.stdout
    assert "Deleted 1 rows from audits" in done.stdout
    assert _rows()["leases"] == (kept_before["leases"]
                                 - len(EXPECTED_GONE["leases"]))


@pytest.mark.parametrize("days", ["0", "-3", "abc", "2.5", "", "99999999"])
def test_command_refuses_bad_days_and_deletes_nothing(
        database: str, tmp_path: pathlib.Path, days: str) -> None:
    _seed()
    conf = _config(tmp_path, database)
    before = _rows()
    api.reset()

    done = _dbsync(conf, "purge", f"--older-than={days}")

    assert done.returncode != 0
    assert "--older-than" in done.stderr
    assert ("whole number" in done.stderr or "out of range" in
            done.stderr), done.stderr
    assert _rows() == before


def test_command_requires_older_than(database: str,
                                     tmp_path: pathlib.Path) -> None:
    done = _dbsync(_config(tmp_path, database), "purge", "--dry-run")

    assert done.returncode != 0
    assert "--older-than" in done.stderr


def test_command_refuses_a_database_not_at_head(
        fresh_database_url: str, tmp_path: pathlib.Path) -> None:
    helpers.configure(fresh_database_url)
    done = _dbsync(_config(tmp_path, fresh_database_url), "purge",
                   "--older-than", "30")

    assert done.returncode != 0
    assert "esi-leap-dbsync upgrade" in done.stderr
