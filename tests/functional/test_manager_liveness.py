"""Managers' heartbeats: work of a dead or cut-off manager is taken over
at once, and a manager that was replaced does not act again."""

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from oslo_db import exception as db_exc

from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.db import audits as db_audits
from esi_leap.db import leases as db_leases
from esi_leap.db import models
from esi_leap.db import network_actions as db_actions
from esi_leap.db import nodes as db_nodes
from esi_leap.drivers import resource_types
from esi_leap.manager import lifecycle
from esi_leap.manager import liveness
from esi_leap.manager import service
from esi_leap.networking import release
from tests import helpers
from tests.functional.test_manager import event_types
from tests.functional.test_manager import make_lease
from tests.functional.test_manager import set_end

TIMEOUT = datetime.timedelta(seconds=300)


def _silence(manager: lifecycle.Lifecycle | liveness.Liveness) -> None:
    """A minute passes without a heartbeat from ``manager`` (killed or
    cut off): its heartbeat and its reservations are that much older."""
    ident = (manager.host if isinstance(manager, lifecycle.Lifecycle)
             else manager.ident)
    before = timeutils.utcnow() - datetime.timedelta(seconds=60)
    with db_api.writer() as session:
        session.execute(sa.update(models.Manager)
                        .where(models.Manager.id == ident)
                        .values(last_seen=before))
        session.execute(sa.update(models.Lease)
                        .where(models.Lease.reserved_by == ident)
                        .values(reserved_at=before))
        session.execute(sa.update(models.NetworkAction)
                        .where(models.NetworkAction.claimed_by == ident)
                        .values(claimed_at=before))


def _reserved_by(uuid: str) -> str | None:
    lease = db_leases.lease_get(uuid)
    assert lease is not None
    return lease.reserved_by


@pytest.fixture
def set_leases(node: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Who the standalone backend was asked to give the node to."""
    backend = resource_types.get_backend("standalone_node")
    real = backend.set_lease
    calls: list[str] = []

    def recorded(node_uuid: str, lease_uuid: str, lessee: str) -> None:
        calls.append(lease_uuid)
        real(node_uuid, lease_uuid, lessee)

    monkeypatch.setattr(backend, "set_lease", recorded)
    return calls


def test_a_live_managers_reservation_holds_a_dead_ones_does_not(
        node: str) -> None:
    lease = make_lease(node, -1, 1)
    first, second = lifecycle.Lifecycle("m1"), lifecycle.Lifecycle("m2")
    assert first._reserve(lease.uuid, lifecycle.FULFILLABLE) is not None
    second.fulfill(lease.uuid)
    assert db_leases.lease_get(lease.uuid).status == "created"
    assert _reserved_by(lease.uuid) == first.host
    _silence(first)  # killed: no more heartbeats
    second.fulfill(lease.uuid)
    assert db_leases.lease_get(lease.uuid).status == "active"
    assert event_types(lease.uuid).count("esi_leap.lease.fulfill.end") == 1
    assert _reserved_by(lease.uuid) is None


def test_a_renewed_reservation_holds_before_the_next_heartbeat(
        node: str) -> None:
    """A manager back from a cut renews its reservation before acting;
    until its heartbeat follows, the renewal alone keeps others off."""
    lease = make_lease(node, -1, 1)
    back, other = lifecycle.Lifecycle("m1"), lifecycle.Lifecycle("m2")
    assert back._reserve(lease.uuid, lifecycle.FULFILLABLE) is not None
    _silence(back)
    back._confirm(lease.uuid)
    other.fulfill(lease.uuid)
    assert _reserved_by(lease.uuid) == back.host
    assert db_leases.lease_get(lease.uuid).status == "created"


def test_a_restarted_manager_does_not_inherit_the_dead_ones_work(
        database: str) -> None:
    before, after = service.Manager(host="same"), service.Manager(host="same")
    try:
        assert before.ident != after.ident
        assert before.ident.startswith("same:")
    finally:
        before.stop(graceful=False)
        after.stop(graceful=False)


def test_a_cut_off_manager_does_not_act_on_work_taken_over(
        node: str, set_leases: list[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The first manager is cut off right after it reserved the lease;
    another one takes it over and fulfils it. When the first comes back it
    checks its reservation before touching the node, and leaves it."""
    lease = make_lease(node, -1, 1)
    cut_off, other = lifecycle.Lifecycle("m1"), lifecycle.Lifecycle("m2")
    prepare = release.prepare_fulfil

    def cut_then_taken_over(backend: Any, reserved: Any) -> None:
        if reserved.reserved_by == cut_off.host:
            _silence(cut_off)
            other.fulfill(reserved.uuid)
        prepare(backend, reserved)

    monkeypatch.setattr(release, "prepare_fulfil", cut_then_taken_over)
    cut_off.fulfill(lease.uuid)
    assert set_leases == [lease.uuid]  # the other manager's only
    assert db_leases.lease_get(lease.uuid).status == "active"
    types = event_types(lease.uuid)
    assert types.count("esi_leap.lease.fulfill.start") == 1
    assert types.count("esi_leap.lease.fulfill.end") == 1


@pytest.fixture
def db_cut(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, bool]]:
    """``cut["on"] = True`` makes every write fail as with the database
    gone (reads keep working)."""
    cut = {"on": False}
    writer = db_api.writer

    def failing_writer() -> Any:
        if cut["on"]:
            raise db_exc.DBConnectionError("connection refused")
        return writer()

    monkeypatch.setattr(db_api, "writer", failing_writer)
    yield cut


def test_a_lease_ending_during_a_database_cut_ends_right_after(
        node: str, db_cut: dict[str, bool],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The cut comes while the manager releases the node: it cannot record
    the failure nor drop its reservation. Once the database is back, the
    next pass ends the lease (not 300 s later), with its events."""
    helpers.override("peer_check_interval", 0, group="manager")
    lease = make_lease(node, -1, 1)
    manager = service.Manager(host="m1")
    try:
        manager.reconcile()
        assert db_leases.lease_get(lease.uuid).status == "active"
        set_end(models.Lease, lease.uuid, timeutils.utcnow()
                - datetime.timedelta(seconds=1))
        backend = resource_types.get_backend("standalone_node")
        real = backend.remove_lease

        def cut_during(node_uuid: str, lease_uuid: str) -> None:
            db_cut["on"] = True
            real(node_uuid, lease_uuid)

        monkeypatch.setattr(backend, "remove_lease", cut_during)
        manager.reconcile()
        assert _reserved_by(lease.uuid) == manager.ident  # stuck
        db_cut["on"] = False
        monkeypatch.setattr(backend, "remove_lease", real)
        monkeypatch.setattr(lifecycle.time, "monotonic",
                            lambda: 10.0 ** 9)  # past the retry backoff
        manager.reconcile()
    finally:
        manager.stop(graceful=False)
    ended = db_leases.lease_get(lease.uuid)
    assert (ended.status, ended.reserved_by) == ("expired", None)
    stored = db_nodes.node_get(node)
    assert (stored.lessee_id, stored.lease_uuid) == (None, None)
    types = event_types(lease.uuid)
    assert types.count("esi_leap.lease.delete.end") == 1
    assert types.count("esi_leap.lease.delete.start") == 1


def _action(claimed_by: str | None, status: str = "running") -> None:
    with db_api.writer() as session:
        session.add(models.NetworkAction(
            uuid="a0000000-0000-4000-8000-000000000001", kind="quarantine",
            status=status, node_uuid="n", port_uuid="p", switch="leaf9",
            switch_port="Ethernet1", physical_network="physnet1",
            attempts=0, claimed_by=claimed_by,
            claimed_at=timeutils.utcnow(), active_port="leaf9/Ethernet1"))


def test_network_actions_of_a_dead_manager_are_due_again(
        database: str) -> None:
    alive = liveness.Liveness("m1")
    alive.beat()
    _action(alive.ident)
    now = timeutils.utcnow()
    assert db_actions.due_switches(now, TIMEOUT) == []
    _silence(alive)
    assert db_actions.due_switches(now, TIMEOUT) == ["leaf9"]
    taken = db_actions.claim("leaf9", "m2:x", now, TIMEOUT, 10)
    assert [a.claimed_by for a in taken] == ["m2:x"]
    # The first manager, back, finds the action is no longer its own.
    mine = db_actions.action_get("a0000000-0000-4000-8000-000000000001")
    assert mine is not None
    assert db_actions.confirm([mine], alive.ident, now) == []
    assert len(db_actions.confirm(taken, "m2:x", now)) == 1


def test_an_audit_of_a_dead_manager_is_claimed_again(database: str) -> None:
    db_audits.audit_create("api", None)
    now = timeutils.utcnow()
    first = db_audits.claim("ghost:1", now, TIMEOUT)
    assert first is not None
    # Claimed just now: not yet, even from a manager without heartbeat.
    assert db_audits.claim("m2:x", now, TIMEOUT) is None
    later = now + datetime.timedelta(seconds=60)
    assert db_audits.claim("m2:x", later, TIMEOUT) is not None


def test_dead_after_must_exceed_two_heartbeats(database: str) -> None:
    helpers.override("heartbeat_interval", 5.0, group="manager")
    helpers.override("dead_after", 6.0, group="manager")
    with pytest.raises(ValueError, match="dead_after"):
        liveness.check_options()
    helpers.override("dead_after", 11.0, group="manager")
    liveness.check_options()


def test_a_gracefully_stopped_manager_removes_its_heartbeat(
        database: str) -> None:
    manager = service.Manager(host="m1")
    manager.start()
    manager.stop()
    with db_api.reader() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(
            models.Manager)) == 0
