"""Transitions send versioned notifications when enabled."""

from oslo_messaging.notify import _impl_test

from esi_leap.common import notify
from esi_leap.db import events as db_events
from esi_leap.drivers import resource_types
from esi_leap.manager import service
from esi_leap.objects import lease as lease_ops
from tests import helpers
from tests.conftest import LESSEE
from tests.conftest import OWNER


def _make_lease(node_uuid):
    node = resource_types.get_backend("standalone_node").get_node(node_uuid)
    return lease_ops.create(OWNER, LESSEE, "standalone_node", node, {},
                            as_lessee=False, unlimited=True, quota=None)


def test_notifications_follow_events_when_enabled(node):
    helpers.override("notification_level", "info", group="notification")
    helpers.override("driver", ["test"],
                     group="oslo_messaging_notifications")
    helpers.override("transport_url", "fake://")
    _impl_test.reset()
    notify.reset()
    lease = _make_lease(node)
    service.Manager(host="n1").reconcile()
    assert notify.flush(timeout=10)  # sent by the queue's worker thread
    messages = [n[1] for n in _impl_test.NOTIFICATIONS]
    sent = [(m["event_type"], m["payload"]) for m in messages]
    types = [t for t, _ in sent]
    assert types == ["esi_leap.lease.create", "esi_leap.lease.fulfill.start",
                     "esi_leap.lease.fulfill.end"]
    payload = sent[-1][1]
    assert payload["uuid"] == lease.uuid and payload["status"] == "active"
    assert "reserved_by" not in payload
    assert {m["publisher_id"] for m in messages} == {
        "esi-leap-manager." + service.CONF.host}


def test_events_recorded_without_notifications(node):
    _impl_test.reset()
    notify.reset()
    lease = _make_lease(node)
    service.Manager(host="n1").reconcile()
    assert notify.flush(timeout=10)
    assert _impl_test.NOTIFICATIONS == []
    types = [e.event_type for e in db_events.event_list(
        db_events.EventFilters()) if e.object_uuid == lease.uuid]
    assert "esi_leap.lease.fulfill.end" in types
