"""The manager's lease lifecycle against the real database."""

import datetime
import threading
import time

import pytest
import sqlalchemy as sa

from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.db import events as db_events
from esi_leap.db import leases as db_leases
from esi_leap.db import models
from esi_leap.db import nodes as db_nodes
from esi_leap.db import offers as db_offers
from esi_leap.drivers import resource_types
from esi_leap.manager import lifecycle
from esi_leap.manager import service
from esi_leap.objects import lease as lease_ops
from esi_leap.objects import offer as offer_ops
from tests import helpers
from tests.conftest import LESSEE
from tests.conftest import OTHER
from tests.conftest import OWNER


def at(days: float) -> datetime.datetime:
    return timeutils.utcnow() + datetime.timedelta(days=days)


def make_lease(node_uuid: str, start: float, end: float,
               lessee: str = LESSEE, parent: str | None = None):
    backend = resource_types.get_backend("standalone_node")
    node = backend.get_node(node_uuid)
    return lease_ops.create(OWNER if parent is None else node.lessee_id,
                            lessee, "standalone_node", node,
                            {"start_time": at(start), "end_time": at(end)},
                            as_lessee=parent is not None, unlimited=True,
                            quota=None)


def set_end(model, uuid: str, when: datetime.datetime) -> None:
    """Move an end into the past, as time passing would."""
    with db_api.writer() as session:
        session.execute(sa.update(model).where(model.uuid == uuid)
                        .values(end_time=when))


def event_types(uuid: str) -> list[str]:
    return [e.event_type for e in db_events.event_list(
        db_events.EventFilters()) if e.object_uuid == uuid]


def test_fulfil_then_expire(node):
    lease = make_lease(node, -1, 1)
    service.Manager(host="m1").reconcile()
    assert db_leases.lease_get(lease.uuid).status == "active"
    stored = db_nodes.node_get(node)
    assert (stored.lessee_id, stored.lease_uuid) == (LESSEE, lease.uuid)
    set_end(models.Lease, lease.uuid, at(-0.0001))
    service.Manager(host="m1").reconcile()
    ended = db_leases.lease_get(lease.uuid)
    assert ended.status == "expired" and ended.expire_time is not None
    stored = db_nodes.node_get(node)
    assert (stored.lessee_id, stored.lease_uuid) == (None, None)
    assert event_types(lease.uuid) == [
        "esi_leap.lease.create", "esi_leap.lease.fulfill.start",
        "esi_leap.lease.fulfill.end", "esi_leap.lease.delete.start",
        "esi_leap.lease.release.remove_lease", "esi_leap.lease.delete.end"]


def test_future_lease_waits_for_its_start(node):
    lease = make_lease(node, 1, 2)
    service.Manager(host="m1").reconcile()
    assert db_leases.lease_get(lease.uuid).status == "created"


def test_never_fulfilled_lease_simply_expires(node):
    lease = make_lease(node, -2, -1)
    service.Manager(host="m1").reconcile()
    assert db_leases.lease_get(lease.uuid).status == "expired"
    assert db_nodes.node_get(node).lease_uuid is None


def test_backend_failure_waits_and_retries(node, monkeypatch):
    lease = make_lease(node, -1, 1)
    backend = resource_types.get_backend("standalone_node")
    real = backend.set_lease

    def broken(*args):
        raise RuntimeError("BMC unreachable")

    monkeypatch.setattr(backend, "set_lease", broken)
    manager = service.Manager(host="m1")
    manager.reconcile()
    assert db_leases.lease_get(lease.uuid).status == "wait fulfill"
    assert event_types(lease.uuid).count("esi_leap.lease.fulfill.error") == 1
    # Backing off: the next pass does not try again at once.
    manager.reconcile()
    assert event_types(lease.uuid).count("esi_leap.lease.fulfill.error") == 1
    monkeypatch.setattr(backend, "set_lease", real)
    clock = [time.monotonic() + 1.5]
    monkeypatch.setattr(lifecycle.time, "monotonic", lambda: clock[0])
    manager.reconcile()
    assert db_leases.lease_get(lease.uuid).status == "active"


def test_cancel_of_active_lease_frees_the_node(node):
    lease = make_lease(node, -1, 1)
    service.Manager(host="m1").reconcile()
    lease_ops.request_cancel(db_leases.lease_get(lease.uuid))
    assert db_leases.lease_get(lease.uuid).status == "wait cancel"
    service.Manager(host="m1").reconcile()
    assert db_leases.lease_get(lease.uuid).status == "deleted"
    assert db_nodes.node_get(node).lessee_id is None


def test_sub_lease_end_returns_node_to_parent(node):
    parent = make_lease(node, -1, 2)
    service.Manager(host="m1").reconcile()
    child = make_lease(node, -0.5, 1, lessee=OTHER, parent=parent.uuid)
    assert child.parent_lease_uuid == parent.uuid
    service.Manager(host="m1").reconcile()
    assert db_nodes.node_get(node).lessee_id == OTHER
    lease_ops.request_cancel(db_leases.lease_get(child.uuid))
    service.Manager(host="m1").reconcile()
    stored = db_nodes.node_get(node)
    assert (stored.lessee_id, stored.lease_uuid) == (LESSEE, parent.uuid)


def test_parent_end_ends_children_first(node):
    parent = make_lease(node, -1, 2)
    service.Manager(host="m1").reconcile()
    child = make_lease(node, -0.5, 1, lessee=OTHER, parent=parent.uuid)
    service.Manager(host="m1").reconcile()
    lease_ops.request_cancel(db_leases.lease_get(parent.uuid))
    service.Manager(host="m1").reconcile()
    assert db_leases.lease_get(child.uuid).status == "expired"
    assert db_leases.lease_get(parent.uuid).status == "deleted"
    assert db_nodes.node_get(node).lessee_id is None


def test_offer_expiry_ends_its_leases(node):
    backend = resource_types.get_backend("standalone_node")
    offer = offer_ops.create(OWNER, "standalone_node",
                             backend.get_node(node),
                             {"start_time": at(-2), "end_time": at(2)},
                             as_lessee=False, quota=None)
    lease = offer_ops.claim(LESSEE, offer, {"end_time": at(1)},
                            unlimited=True, quota=None)
    service.Manager(host="m1").reconcile()
    set_end(models.Offer, offer.uuid, at(-0.0001))
    service.Manager(host="m1").reconcile()
    assert db_offers.offer_get(offer.uuid).status == "expired"
    assert db_leases.lease_get(lease.uuid).status == "expired"


def test_expiry_warning_once_per_end_time(node):
    helpers.override("expiry_notice", 7200, group="manager")
    lease = make_lease(node, -1, 0.02)
    for _ in range(3):
        service.Manager(host="m1").reconcile()
    assert event_types(lease.uuid).count(
        "esi_leap.lease.expiry.warning") == 1


def test_two_managers_racing_fulfil_once(database):
    uuids = []
    for i in range(20):
        db_nodes.node_create({"uuid": f"20000000-0000-0000-0000-0000000000"
                                      f"{i:02d}", "owner_id": OWNER,
                              "maintenance": False})
        uuids.append(make_lease(f"20000000-0000-0000-0000-0000000000"
                                f"{i:02d}", -1, 1).uuid)
    managers = [lifecycle.Lifecycle("a"), lifecycle.Lifecycle("b")]
    threads = [threading.Thread(target=lambda m=m: [m.fulfill(u)
                                                    for u in uuids])
               for m in managers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for uuid in uuids:
        assert db_leases.lease_get(uuid).status == "active"
        assert event_types(uuid).count("esi_leap.lease.fulfill.end") == 1


@pytest.mark.integration
def test_rpc_cast_over_rabbitmq_wakes_the_manager(database):
    helpers.override("transport_url",
                     "rabbit://guest:guest@127.0.0.1:5672/")
    from esi_leap.manager import rpcapi
    manager = service.Manager(host="rabbit-test")
    try:
        manager._start_rpc()
    except Exception as exc:  # noqa: BLE001 - no broker here
        helpers.skip_or_fail(f"RabbitMQ is not reachable: {exc}")
    try:
        manager.wake.clear()
        rpcapi.wake_manager()
        assert manager.wake.wait(10), "the cast never arrived"
    finally:
        manager.stop()
        rpcapi.reset()


def test_manager_and_api_do_not_wait_for_a_dead_broker(database):
    """A configured broker that is down delays nothing: the reconciler runs
    and a wake-up cast fails fast."""
    import time

    from esi_leap.manager import rpcapi
    helpers.override("transport_url", "rabbit://guest:guest@127.0.0.1:1/")
    manager = service.Manager(host="no-broker")
    started = time.monotonic()
    manager.start()
    try:
        rpcapi.wake_manager()
        assert time.monotonic() - started < 5
        assert manager._thread is not None and manager._thread.is_alive()
    finally:
        manager.stop()
        rpcapi.reset()


def test_no_transport_configured_by_default(database):
    from esi_leap.conf import CONF
    assert not CONF.transport_url


def test_manager_wakes_when_the_next_lease_starts(node):
    manager = service.Manager(host="timer")
    assert manager.next_wait() == pytest.approx(1.0)
    make_lease(node, 0.3 / 86400, 1)  # starts in 0.3 s
    assert 0.0 < manager.next_wait() < 0.31
