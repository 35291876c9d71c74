"""The manager ends leases step by step, against a scripted node backend.

The backend (:class:`ScriptedBackend`) is registered for the test resource
type ``scripted_node``; each test scripts which release step fails, stays
under way or loses the node, then runs the real manager on the real
database and checks statuses, the node and the events (with their
notification levels).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from oslo_messaging.notify import _impl_test

from esi_leap.common import exception
from esi_leap.common import notify
from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.db import events as db_events
from esi_leap.db import leases as db_leases
from esi_leap.db import models
from esi_leap.drivers import resource_types
from esi_leap.drivers.resource_types.base import NodeBackend
from esi_leap.drivers.resource_types.base import NodeInfo
from esi_leap.drivers.resource_types.base import ReleaseStep
from esi_leap.manager import lifecycle
from esi_leap.manager import service
from esi_leap.objects import lease as lease_ops
from esi_leap.objects import offer as offer_ops
from tests import helpers
from tests.conftest import LESSEE
from tests.conftest import OTHER
from tests.conftest import OWNER

RTYPE = "scripted_node"
NODE = "5c0e7a1d-0000-4000-8000-000000000001"
STEPS = ("remove_lessee", "power_off", "remove_lease_marker")


class ScriptedBackend(NodeBackend):
    """Nodes in memory; release steps that fail or wait as scripted."""

    resource_type = RTYPE

    def __init__(self) -> None:
        self.nodes: dict[str, NodeInfo] = {}
        self.steps: tuple[str, ...] = STEPS
        #: step -> exception it raises (until removed)
        self.faults: dict[str, Exception] = {}
        #: step -> how many more runs stay under way
        self.pending: dict[str, int] = {}
        #: what the manager asked, in order
        self.log: list[tuple[str, ...]] = []

    def add_node(self, uuid: str, owner: str = OWNER) -> None:
        self.nodes[uuid] = NodeInfo(uuid=uuid, name=None,
                                    resource_class="test", properties={},
                                    owner_id=owner, power_state="power on")

    def _get(self, uuid: str) -> NodeInfo:
        node = self.nodes.get(uuid)
        if node is None:
            raise exception.NodeNotFound(ident=uuid, resource_type=RTYPE)
        return node

    def get_node(self, ident: str) -> NodeInfo:
        return dataclasses.replace(self._get(ident))

    def get_nodes(self, uuids: Any) -> dict[str, NodeInfo]:
        return {u: self.get_node(u) for u in uuids if u in self.nodes}

    def list_nodes(self, owner_id: str | None = None,
                   lessee_id: str | None = None,
                   resource_class: str | None = None) -> list[NodeInfo]:
        return [dataclasses.replace(n) for n in self.nodes.values()]

    def set_lease(self, node_uuid: str, lease_uuid: str,
                  lessee_id: str) -> None:
        self.log.append(("set_lease", lease_uuid, lessee_id))
        node = self._get(node_uuid)
        node.lessee_id, node.lease_uuid = lessee_id, lease_uuid
        node.power_state = "power on"

    def remove_lease(self, node_uuid: str, lease_uuid: str) -> None:
        for step in self.release_steps(node_uuid, lease_uuid):
            step.run()

    def release_steps(self, node_uuid: str,
                      lease_uuid: str) -> list[ReleaseStep]:
        self.log.append(("release_steps", lease_uuid))
        if self._get(node_uuid).lease_uuid != lease_uuid:
            return []

        def step(name: str) -> ReleaseStep:
            return ReleaseStep(name, lambda: self._run(name, node_uuid,
                                                       lease_uuid))
        return [step(name) for name in self.steps]

    def _run(self, name: str, node_uuid: str,
             lease_uuid: str) -> str | None:
        """A step as the interface wants it: its change if still needed,
        ``None`` when there was nothing left to do."""
        self.log.append(("step", name, lease_uuid))
        if name in self.faults:
            raise self.faults[name]
        if self.pending.get(name):
            self.pending[name] -= 1
            raise exception.StepPending(step=name, detail="Ironic is busy")
        node = self._get(node_uuid)
        if name == "remove_lessee":
            if node.lessee_id is None:
                return None
            node.lessee_id = None
        elif name == "remove_lease_marker":
            if node.lease_uuid is None:
                return None
            node.lease_uuid = None
        elif node.power_state == "power off":
            return None
        else:
            node.power_state = "power off"
        return f"{name} done"

    def runs(self, name: str) -> int:
        return sum(1 for entry in self.log if entry[:2] == ("step", name))


@pytest.fixture
def backend(database: str) -> Iterator[ScriptedBackend]:
    """The scripted backend, registered as ``scripted_node``, with NODE;
    notifications go to oslo.messaging's in-memory test driver. The
    periodic check for deleted nodes is off (one test turns it on), so
    what happens is the lifecycle's own doing."""
    helpers.override("peer_check_interval", 0, group="manager")
    helpers.override("notification_level", "info", group="notification")
    helpers.override("driver", ["test"],
                     group="oslo_messaging_notifications")
    helpers.override("transport_url", "fake://")
    helpers.override("enabled_resource_types",
                     ["standalone_node", RTYPE], group="api")
    _impl_test.reset()
    notify.reset()
    scripted = ScriptedBackend()
    scripted.add_node(NODE)
    with resource_types._lock:
        resource_types._loaded[RTYPE] = scripted
    yield scripted
    resource_types.reset()
    notify.reset()
    _impl_test.reset()


Clock = helpers.Clock


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock.installed(monkeypatch, lifecycle)


@pytest.fixture
def manager(backend: ScriptedBackend) -> Iterator[service.Manager]:
    worker = service.Manager(host="release-test")
    yield worker
    worker.stop(graceful=False)  # reconcile() already waited for its work


def at(days: float) -> datetime.datetime:
    return timeutils.utcnow() + datetime.timedelta(days=days)


def make_lease(start: float = -1, end: float = 1, lessee: str = LESSEE,
               parent: str | None = None) -> models.Lease:
    node = resource_types.get_backend(RTYPE).get_node(NODE)
    return lease_ops.create(OWNER if parent is None else str(node.lessee_id),
                            lessee, RTYPE, node,
                            {"start_time": at(start), "end_time": at(end)},
                            as_lessee=parent is not None, unlimited=True,
                            quota=None)


def end_now(uuid: str) -> None:
    """Move a lease's end into the past, as time passing would."""
    with db_api.writer() as session:
        session.execute(sa.update(models.Lease)
                        .where(models.Lease.uuid == uuid)
                        .values(end_time=at(-0.0001)))


def status_of(uuid: str) -> str:
    lease = db_leases.lease_get(uuid)
    assert lease is not None
    return lease.status


def events(uuid: str) -> list[tuple[str, str | None]]:
    """(event type, reason) of every event of one lease, in order."""
    return [(e.event_type, e.reason)
            for e in db_events.event_list(db_events.EventFilters())
            if e.object_uuid == uuid]


def event_types(uuid: str) -> list[str]:
    return [t for t, _ in events(uuid)]


def notifications(uuid: str) -> list[tuple[str, str, str | None]]:
    """(event type, priority, reason) of every notification of a lease."""
    levels = {"warn": "warning"}
    assert notify.flush(timeout=10)  # a worker thread sends them
    return [(m["event_type"],
             levels.get(str(priority).lower(), str(priority).lower()),
             m["payload"].get("reason"))
            for _, m, priority, _ in _impl_test.NOTIFICATIONS
            if m["payload"].get("uuid") == uuid]


def active_lease(manager: service.Manager, **kw: Any) -> models.Lease:
    lease = make_lease(**kw)
    manager.reconcile()
    assert status_of(lease.uuid) == "active"
    return lease


def release_events(uuid: str) -> list[tuple[str, str | None]]:
    return [(t.rpartition(".")[2], r) for t, r in events(uuid)
            if t.startswith("esi_leap.lease.release.")]


# -- (a) a failed step --


def test_failed_step_leaves_the_lease_waiting_then_retry_expires_it(
        backend: ScriptedBackend, manager: service.Manager,
        clock: Clock) -> None:
    lease = active_lease(manager)
    backend.faults["power_off"] = RuntimeError("BMC unreachable")
    end_now(lease.uuid)
    manager.reconcile()
    assert status_of(lease.uuid) == "wait expire"
    assert release_events(lease.uuid) == [
        ("remove_lessee", "remove_lessee done"),
        ("power_off", "failed: BMC unreachable")]
    sent = notifications(lease.uuid)
    assert ("esi_leap.lease.release.power_off", "error",
            "failed: BMC unreachable") in sent
    assert ("esi_leap.lease.release.remove_lessee", "info",
            "remove_lessee done") in sent
    assert ("esi_leap.lease.delete.error", "error",
            "BMC unreachable") in sent
    node = backend.nodes[NODE]
    assert (node.lessee_id, node.lease_uuid) == (None, lease.uuid)
    assert backend.runs("remove_lease_marker") == 0

    # Backing off: the next pass does not try again at once.
    manager.reconcile()
    assert backend.runs("power_off") == 1
    assert status_of(lease.uuid) == "wait expire"

    del backend.faults["power_off"]
    clock.advance(1.5)
    manager.reconcile()
    ended = db_leases.lease_get(lease.uuid)
    assert ended is not None and ended.status == "expired"
    assert ended.expire_time is not None
    assert backend.nodes[NODE].lease_uuid is None
    outcomes = release_events(lease.uuid)
    assert outcomes[:2] == [("remove_lessee", "remove_lessee done"),
                            ("power_off", "failed: BMC unreachable")]
    # The retry runs every step again from the first, but records only
    # the outcomes not recorded yet: remove_lessee's is not repeated.
    assert [o for o in outcomes[2:] if o[1] != "nothing to do"] == [
        ("power_off", "power_off done"),
        ("remove_lease_marker", "remove_lease_marker done")]
    assert [n for n, _ in outcomes[2:]] == list(STEPS)[1:]
    assert event_types(lease.uuid)[-1] == "esi_leap.lease.delete.end"
    assert ("esi_leap.lease.delete.end", "info", None) in notifications(
        lease.uuid)


def test_failed_step_on_delete_leaves_wait_cancel_then_deletes(
        backend: ScriptedBackend, manager: service.Manager,
        clock: Clock) -> None:
    lease = active_lease(manager)
    backend.faults["power_off"] = RuntimeError("BMC unreachable")
    lease_ops.request_cancel(db_leases.lease_get(lease.uuid))
    manager.reconcile()
    assert status_of(lease.uuid) == "wait cancel"
    assert ("power_off", "failed: BMC unreachable") in release_events(
        lease.uuid)
    assert ("esi_leap.lease.release.power_off", "error",
            "failed: BMC unreachable") in notifications(lease.uuid)
    del backend.faults["power_off"]
    clock.advance(1.5)
    manager.reconcile()
    assert status_of(lease.uuid) == "deleted"
    assert release_events(lease.uuid)[-1] == (
        "remove_lease_marker", "remove_lease_marker done")
    assert backend.nodes[NODE].lease_uuid is None


def test_a_new_manager_retries_at_once(backend: ScriptedBackend,
                                       manager: service.Manager) -> None:
    lease = active_lease(manager)
    backend.faults["remove_lessee"] = RuntimeError("Ironic: HTTP 500")
    end_now(lease.uuid)
    manager.reconcile()
    assert status_of(lease.uuid) == "wait expire"
    del backend.faults["remove_lessee"]
    fresh = service.Manager(host="release-test-2")
    try:
        fresh.reconcile()
    finally:
        fresh.stop(graceful=False)
    assert status_of(lease.uuid) == "expired"


# -- (b) a step under way --


def test_pending_step_waits_without_error_then_completes(
        backend: ScriptedBackend, manager: service.Manager,
        clock: Clock) -> None:
    lease = active_lease(manager)
    backend.pending["power_off"] = 2
    end_now(lease.uuid)
    manager.reconcile()
    assert status_of(lease.uuid) == "wait expire"
    assert backend.runs("power_off") == 1
    assert backend.nodes[NODE].lease_uuid == lease.uuid
    # It comes back shortly, not at once.
    manager.reconcile()
    assert backend.runs("power_off") == 1
    clock.advance(1.1)
    manager.reconcile()
    assert backend.runs("power_off") == 2
    assert status_of(lease.uuid) == "wait expire"
    clock.advance(1.1)
    manager.reconcile()
    assert status_of(lease.uuid) == "expired"
    assert backend.nodes[NODE].lease_uuid is None
    assert backend.runs("remove_lease_marker") == 1
    levels = {level for t, level, _ in notifications(lease.uuid)}
    assert "error" not in levels
    assert not any(t.endswith(".error") for t in event_types(lease.uuid))
    assert not any(r and r.startswith("failed")
                   for _, r in events(lease.uuid))


def test_polling_a_step_under_way_records_nothing_new(
        backend: ScriptedBackend, manager: service.Manager,
        clock: Clock) -> None:
    """While a long step (an undeploy with cleaning takes many minutes) is
    polled every second, each poll must not record the lease's end again
    nor the steps already done: the event log would grow by several rows a
    second for every such lease."""
    lease = active_lease(manager)
    backend.pending["power_off"] = 1000
    end_now(lease.uuid)
    for _ in range(3):
        manager.reconcile()
        clock.advance(1.1)
    assert backend.runs("power_off") == 3
    recorded = event_types(lease.uuid)
    for _ in range(5):
        manager.reconcile()
        clock.advance(1.1)
    assert backend.runs("power_off") == 8
    assert event_types(lease.uuid) == recorded
    backend.pending["power_off"] = 0
    manager.reconcile()
    assert status_of(lease.uuid) == "expired"
    types = event_types(lease.uuid)
    assert types.count("esi_leap.lease.release.power_off") == 1
    assert types.count("esi_leap.lease.release.remove_lease_marker") == 1


# -- (c) force-end --


def test_force_end_records_the_failure_and_deletes(
        backend: ScriptedBackend, manager: service.Manager) -> None:
    lease = active_lease(manager)
    backend.faults["power_off"] = RuntimeError("BMC unreachable")
    stored = db_leases.lease_get(lease.uuid)
    assert lease_ops.request_end(stored, lease_ops.FORCE,
                                 "admin: the BMC is dead")
    assert status_of(lease.uuid) == "wait cancel"
    manager.reconcile()
    assert status_of(lease.uuid) == "deleted"
    assert release_events(lease.uuid) == [
        ("remove_lessee", "remove_lessee done"),
        ("power_off", "failed: BMC unreachable"),
        ("remove_lease_marker", "remove_lease_marker done")]
    sent = notifications(lease.uuid)
    assert ("esi_leap.lease.release.power_off", "error",
            "failed: BMC unreachable") in sent
    assert ("esi_leap.lease.delete.end", "info",
            "admin: the BMC is dead") in sent
    node = backend.nodes[NODE]
    assert (node.lessee_id, node.lease_uuid) == (None, None)


def test_force_end_of_a_stuck_lease(backend: ScriptedBackend,
                                    manager: service.Manager,
                                    clock: Clock) -> None:
    lease = active_lease(manager)
    backend.faults["power_off"] = RuntimeError("BMC unreachable")
    end_now(lease.uuid)
    manager.reconcile()
    assert status_of(lease.uuid) == "wait expire"
    assert lease_ops.request_end(db_leases.lease_get(lease.uuid),
                                 lease_ops.FORCE, "admin: give up")
    clock.advance(1.5)
    manager.reconcile()
    assert status_of(lease.uuid) == "deleted"
    assert backend.nodes[NODE].lease_uuid is None


def test_force_end_does_not_wait_for_a_step_under_way(
        backend: ScriptedBackend, manager: service.Manager) -> None:
    lease = active_lease(manager)
    backend.pending["power_off"] = 1000
    lease_ops.request_end(db_leases.lease_get(lease.uuid), lease_ops.FORCE,
                          "admin: now")
    manager.reconcile()
    assert status_of(lease.uuid) == "deleted"
    [(_, level, reason)] = [n for n in notifications(lease.uuid)
                            if n[0] == "esi_leap.lease.release.power_off"]
    assert level == "warning"
    assert reason is not None and reason.startswith(
        "left under way (force-end)")


# -- (d) the node is gone --


def _assert_ended_in_error(uuid: str) -> None:
    lease = db_leases.lease_get(uuid)
    assert lease is not None and lease.status == "error"
    assert lease.expire_time is not None
    [(_, level, reason)] = [n for n in notifications(uuid)
                            if n[0] == "esi_leap.lease.error"]
    assert level == "error"
    assert reason is not None and NODE in reason
    assert ("esi_leap.lease.error", reason) in events(uuid)
    assert lease.end_reason == reason


def test_node_gone_at_release_ends_the_lease_in_error(
        backend: ScriptedBackend, manager: service.Manager) -> None:
    lease = active_lease(manager)
    del backend.nodes[NODE]
    end_now(lease.uuid)
    manager.reconcile()
    _assert_ended_in_error(lease.uuid)


def test_node_gone_during_a_step_ends_the_lease_in_error(
        backend: ScriptedBackend, manager: service.Manager) -> None:
    lease = active_lease(manager)
    backend.faults["power_off"] = exception.NodeNotFound(
        ident=NODE, resource_type=RTYPE)
    lease_ops.request_end(db_leases.lease_get(lease.uuid), lease_ops.FORCE,
                          "admin")
    manager.reconcile()
    _assert_ended_in_error(lease.uuid)


def test_node_gone_before_fulfilment_ends_the_lease_in_error(
        backend: ScriptedBackend, manager: service.Manager) -> None:
    lease = make_lease()
    del backend.nodes[NODE]
    manager.reconcile()
    _assert_ended_in_error(lease.uuid)
    assert "esi_leap.lease.fulfill.end" not in event_types(lease.uuid)


def test_periodic_check_ends_a_lease_whose_node_is_gone(
        backend: ScriptedBackend, manager: service.Manager) -> None:
    helpers.override("peer_check_interval", 60, group="manager")
    lease = active_lease(manager)
    del backend.nodes[NODE]
    checker = service.Manager(host="release-test-2")  # checks at once
    try:
        for _ in range(2):  # one pass finds it, the next ends it
            checker.reconcile()
    finally:
        checker.stop(graceful=False)
    ended = db_leases.lease_get(lease.uuid)
    assert ended is not None and ended.status == "error"
    reasons = [r for t, r in events(lease.uuid)
               if t in ("esi_leap.lease.end_requested",
                        "esi_leap.lease.error")]
    assert reasons and all(r is not None and NODE in r for r in reasons)


# -- (e) an end on error --


def test_end_on_error_releases_the_node_and_ends_in_error(
        backend: ScriptedBackend, manager: service.Manager) -> None:
    lease = active_lease(manager)
    reason = f"project {LESSEE} was deleted"
    assert lease_ops.request_end(db_leases.lease_get(lease.uuid),
                                 lease_ops.ERROR, reason)
    manager.reconcile()
    ended = db_leases.lease_get(lease.uuid)
    assert ended is not None and ended.status == "error"
    assert ended.expire_time is not None
    node = backend.nodes[NODE]
    assert (node.lessee_id, node.lease_uuid) == (None, None)
    assert [name for name, _ in release_events(lease.uuid)] == list(STEPS)
    assert ("esi_leap.lease.delete.end", reason) in events(lease.uuid)
    assert ("esi_leap.lease.delete.end", "error", reason) in notifications(
        lease.uuid)
    assert ("esi_leap.lease.end_requested", "warning", reason) in (
        notifications(lease.uuid))


def test_end_on_error_retries_a_failed_step(backend: ScriptedBackend,
                                            manager: service.Manager,
                                            clock: Clock) -> None:
    lease = active_lease(manager)
    backend.faults["power_off"] = RuntimeError("BMC unreachable")
    lease_ops.request_end(db_leases.lease_get(lease.uuid), lease_ops.ERROR,
                          "project gone")
    manager.reconcile()
    assert status_of(lease.uuid) == "wait cancel"
    del backend.faults["power_off"]
    clock.advance(1.5)
    manager.reconcile()
    assert status_of(lease.uuid) == "error"


# -- (f) an error lease holds nothing --


def test_error_lease_no_longer_blocks_its_window(
        backend: ScriptedBackend, manager: service.Manager) -> None:
    lease = active_lease(manager, start=-1, end=1)
    lease_ops.request_end(db_leases.lease_get(lease.uuid), lease_ops.ERROR,
                          "project gone")
    manager.reconcile()
    assert status_of(lease.uuid) == "error"
    node = backend.get_node(NODE)
    offer = offer_ops.create(OWNER, RTYPE, node,
                             {"start_time": at(-0.5), "end_time": at(2)},
                             as_lessee=False, quota=None)
    claimed = offer_ops.claim(OTHER, offer, {"start_time": at(-0.5),
                                             "end_time": at(1)},
                              unlimited=True, quota=None)
    manager.reconcile()
    assert status_of(claimed.uuid) == "active"
    assert backend.nodes[NODE].lessee_id == OTHER


def test_error_lease_does_not_count_against_quota_or_block_a_lease(
        backend: ScriptedBackend, manager: service.Manager) -> None:
    lease = make_lease()
    del backend.nodes[NODE]
    manager.reconcile()
    assert status_of(lease.uuid) == "error"
    backend.add_node(NODE)
    node = backend.get_node(NODE)
    again = lease_ops.create(OWNER, LESSEE, RTYPE, node,
                             {"start_time": at(-1), "end_time": at(1)},
                             as_lessee=False, unlimited=True, quota=1)
    manager.reconcile()
    assert status_of(again.uuid) == "active"


# -- (g) sub-leases --


def test_sub_lease_end_hands_the_node_back_after_the_steps(
        backend: ScriptedBackend, manager: service.Manager) -> None:
    parent = active_lease(manager, start=-1, end=2)
    child = make_lease(start=-0.5, end=1, lessee=OTHER, parent=parent.uuid)
    manager.reconcile()
    assert status_of(child.uuid) == "active"
    assert backend.nodes[NODE].lessee_id == OTHER
    backend.log.clear()
    lease_ops.request_cancel(db_leases.lease_get(child.uuid))
    manager.reconcile()
    assert status_of(child.uuid) == "deleted"
    assert status_of(parent.uuid) == "active"
    node = backend.nodes[NODE]
    assert (node.lessee_id, node.lease_uuid) == (LESSEE, parent.uuid)
    assert backend.log == [
        ("release_steps", child.uuid),
        *[("step", name, child.uuid) for name in STEPS],
        ("set_lease", parent.uuid, LESSEE)]


def test_sub_lease_hand_back_waits_for_a_pending_step(
        backend: ScriptedBackend, manager: service.Manager,
        clock: Clock) -> None:
    parent = active_lease(manager, start=-1, end=2)
    child = make_lease(start=-0.5, end=1, lessee=OTHER, parent=parent.uuid)
    manager.reconcile()
    backend.pending["power_off"] = 1
    backend.log.clear()
    end_now(child.uuid)
    manager.reconcile()
    assert status_of(child.uuid) == "wait expire"
    node = backend.nodes[NODE]
    assert (node.lessee_id, node.lease_uuid) == (None, child.uuid)
    assert ("set_lease", parent.uuid, LESSEE) not in backend.log
    clock.advance(1.1)
    manager.reconcile()
    assert status_of(child.uuid) == "expired"
    node = backend.nodes[NODE]
    assert (node.lessee_id, node.lease_uuid) == (LESSEE, parent.uuid)


def test_parent_end_ends_the_sub_lease_first(
        backend: ScriptedBackend, manager: service.Manager) -> None:
    parent = active_lease(manager, start=-1, end=2)
    child = make_lease(start=-0.5, end=1, lessee=OTHER, parent=parent.uuid)
    manager.reconcile()
    lease_ops.request_cancel(db_leases.lease_get(parent.uuid))
    manager.reconcile()
    assert status_of(child.uuid) == "expired"
    assert status_of(parent.uuid) == "deleted"
    node = backend.nodes[NODE]
    assert (node.lessee_id, node.lease_uuid) == (None, None)
    # The sub-lease's steps clean the node; the parent, no longer active,
    # does not get it back, so its own release finds nothing left to do.
    released = [e for e in backend.log if e[0] == "step"]
    assert released == [("step", n, child.uuid) for n in STEPS]
    assert not any(e[0] == "set_lease" and e[1] == parent.uuid
                   for e in backend.log[-len(STEPS) - 2:])


# -- the ironic_node backend through the manager --


@pytest.fixture
def fake_ironic(database: str) -> Iterator[Any]:
    """The unit tests' fake Ironic, with ``ironic_node`` pointing at it."""
    from esi_leap.drivers.resource_types import ironic_node
    from tests.unit.test_ironic_ports import FakeIronicWithPorts
    fake = FakeIronicWithPorts()
    fake.start()
    helpers.override("auth_type", "none", group="ironic")
    helpers.override("endpoint_override", f"{fake.url}/", group="ironic")
    helpers.override("peer_check_interval", 0, group="manager")
    with resource_types._lock:
        resource_types._loaded["ironic_node"] = (
            ironic_node.IronicNodeBackend())
    yield fake
    resource_types.reset()
    fake.stop()


def test_ironic_node_lease_ends_through_every_step(fake_ironic: Any,
                                                   clock: Clock) -> None:
    node_uuid = "0d5f2b9e-0000-4000-8000-000000000001"
    fake_ironic.add_node(node_uuid, name="node-1", owner=OWNER,
                         properties={"cores": 8})
    backend = resource_types.get_backend("ironic_node")
    lease = lease_ops.create(OWNER, LESSEE, "ironic_node",
                             backend.get_node(node_uuid),
                             {"start_time": at(-1), "end_time": at(1)},
                             as_lessee=False, unlimited=True, quota=None)
    worker = service.Manager(host="ironic-test")
    try:
        worker.reconcile()
        assert status_of(lease.uuid) == "active"
        stored = fake_ironic.nodes[node_uuid]
        assert stored["lessee"] == LESSEE
        assert stored["properties"]["lease_uuid"] == lease.uuid
        # The lessee deploys and attaches a network.
        stored.update(provision_state="active", power_state="power on",
                      instance_info={"image_source": "img"})
        fake_ironic.vifs[node_uuid] = ["vif-1"]
        end_now(lease.uuid)
        for _ in range(10):
            worker.reconcile()
            if status_of(lease.uuid) == "expired":
                break
            assert status_of(lease.uuid) == "wait expire"
            fake_ironic.tick()
            clock.advance(1.1)
    finally:
        worker.stop(graceful=False)
    assert status_of(lease.uuid) == "expired"
    stored = fake_ironic.nodes[node_uuid]
    assert stored["lessee"] is None
    assert stored["properties"] == {"cores": 8}
    assert (stored["power_state"], stored["provision_state"]) == (
        "power off", "available")
    assert fake_ironic.vifs[node_uuid] == []
    done = {t.rpartition(".")[2] for t in event_types(lease.uuid)
            if t.startswith("esi_leap.lease.release.")}
    assert done == {"remove_lessee", "power_off", "undeploy",
                    "clear_instance", "detach_vifs", "disable_console",
                    "remove_lease_marker"}
    assert not any(t.endswith(".error") for t in event_types(lease.uuid))
