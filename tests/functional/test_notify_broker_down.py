"""With the message broker down, notifications and wake-up casts hold up
nothing: requests answer at once and leases still become active. A full
notification queue drops, counts and logs once."""

import datetime
import logging
import threading
import time

import pytest

from esi_leap.common import notify
from esi_leap.common import notify_queue
from esi_leap.common import timeutils
from esi_leap.db import leases as db_leases
from esi_leap.manager import service
from tests import helpers
from tests.conftest import LESSEE
from tests.conftest import OTHER
from tests.conftest import OWNER

#: Generous: a blocked notification took 9 s.
FAST = 2.0



@pytest.fixture
def broker_down(database):
    url = f"rabbit://guest:guest@127.0.0.1:{helpers.closed_port()}/"
    helpers.override("transport_url", url)
    helpers.override("notification_level", "info", group="notification")
    helpers.override("driver", ["messaging"],
                     group="oslo_messaging_notifications")
    notify.reset()
    yield url
    notify.reset()
    from esi_leap.manager import rpcapi
    rpcapi.reset()


def _window(hours: int = 24) -> dict[str, str]:
    now = timeutils.utcnow().replace(microsecond=0)
    end = now + datetime.timedelta(hours=hours)
    return {"start_time": timeutils.format_time(now),
            "end_time": timeutils.format_time(end)}


def _timed(call, *args):  # type: ignore[no-untyped-def]
    started = time.monotonic()
    response = call(*args)
    elapsed = time.monotonic() - started
    assert elapsed < FAST, (elapsed, response.status, response.text)
    return response


def test_requests_are_fast_and_leases_activate(broker_down, client, node,
                                               caplog):
    caplog.set_level(logging.WARNING)
    owner = client.as_(OWNER)
    lease = _timed(owner.post, "/v1/leases", dict(
        _window(1), resource_uuid=node, project_id=LESSEE))
    assert lease.status_code == 201, lease.text
    offer = _timed(owner.post, "/v1/offers", dict(
        _window(), resource_uuid=node, start_time=lease.json["end_time"]))
    assert offer.status_code == 201, offer.text
    claim = _timed(client.as_(OTHER).post,
                   f"/v1/offers/{offer.json['uuid']}/claim",
                   {"start_time": lease.json["end_time"]})
    assert claim.status_code == 201, claim.text
    started = time.monotonic()
    service.Manager(host="broker-down").reconcile()
    assert time.monotonic() - started < FAST * 2
    assert db_leases.lease_get(lease.json["uuid"]).status == "active"
    assert notify.stats()["waiting"] >= 1  # queued, not lost or blocking
    casts = [r for r in caplog.records if r.name.endswith("rpcapi")]
    assert len(casts) == 1, [r.getMessage() for r in casts]
    assert casts[0].exc_info is None and "\n" not in casts[0].getMessage()


def test_full_queue_drops_counts_and_logs_once(caplog):
    caplog.set_level(logging.INFO)
    release, busy = threading.Event(), threading.Event()
    delivered: list[str] = []

    def deliver(level: str, event_type: str, body: dict) -> None:
        busy.set()
        release.wait(10)
        delivered.append(event_type)

    queue = notify_queue.NotificationQueue(3, deliver)
    try:
        assert queue.put(("info", "first", {}))
        assert busy.wait(5)  # the worker holds "first"
        results = [queue.put(("info", f"n{i}", {})) for i in range(10)]
        assert results == [True] * 3 + [False] * 7
        assert queue.dropped == 7 and queue.waiting == 3
        lines = [r for r in caplog.records
                 if r.name.endswith("notify_queue")]
        assert len(lines) == 1 and "dropped" in lines[0].getMessage()
        release.set()
        assert queue.flush(5)
        assert delivered == ["first", "n0", "n1", "n2"]
        assert queue.put(("info", "again", {}))
        assert any("works again" in r.getMessage() for r in caplog.records)
    finally:
        release.set()
        queue.close()


def test_default_queue_holds_two_reconciler_passes(database):
    from esi_leap.conf import CONF
    helpers.override("batch_size", 50, group="manager")
    per_pass = notify.KINDS_PER_PASS * notify.PER_ITEM * 50
    assert notify.queue_size() == 2 * per_pass
    helpers.override("queue_size", 7, group="notification")
    assert notify.queue_size() == 7
    assert CONF.notification.queue_size == 7


def test_healthcheck_shows_the_drop_count(broker_down, client):
    release, busy = threading.Event(), threading.Event()

    def deliver(level: str, event_type: str, body: dict) -> None:
        busy.set()
        release.wait(10)

    notify.reset()
    notify._queue = notify_queue.NotificationQueue(1, deliver)
    try:
        notify._queue.put(("info", "first", {}))
        assert busy.wait(5)
        for i in range(4):
            notify._queue.put(("info", f"n{i}", {}))
        response = client.get("/healthcheck")
        assert response.status_code == 200  # drops do not fail it
        assert ("notifications: 1 waiting, 3 dropped (queue of 1)"
                in response.text)
    finally:
        release.set()
