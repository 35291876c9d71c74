"""Events and notifications for lease, offer, network action, audit and
finding changes.

:func:`record` always inserts a row in the events table (served by
``GET /v1/events``) and, when ``[notification] notification_level`` allows,
also sends a versioned oslo.messaging notification with the same type.

Notifications are sent by a worker thread from a bounded queue
(:mod:`esi_leap.common.notify_queue`): a broker that is down never holds up
a request or the manager. :func:`stats` tells how many wait and how many
were dropped because the queue was full (``/healthcheck`` shows it).
"""

import threading
from typing import Any

import oslo_messaging
from oslo_log import log as logging

from esi_leap.common import notify_queue
from esi_leap.common import timeutils
from esi_leap.conf import CONF
from esi_leap.db import events as db_events
from esi_leap.db import models

LOG = logging.getLogger(__name__)

#: What events and notifications are about.
Recordable = (models.Lease | models.Offer | models.NetworkAction
              | models.Audit | models.Finding)

#: Columns that are bookkeeping, not news.
_INTERNAL = ("reserved_by", "reserved_at", "end_request",
             "expiry_notice_time", "claimed_by", "claimed_at", "active_port",
             "active", "active_key")

LEVELS = ("debug", "info", "warning", "error", "critical")
#: Reconnection attempts when sending a notification before giving up.
NOTIFY_RETRIES = 3
#: Most notifications one lease, offer or switch handled in a reconciler
#: pass sends, and the kinds of work a pass picks up ``[manager]
#: batch_size`` of (cancel, expire, fulfil, expiry notice, offer expiry).
PER_ITEM, KINDS_PER_PASS = 4, 5

_lock = threading.Lock()
_notifier: oslo_messaging.Notifier | None = None
_queue: notify_queue.NotificationQueue | None = None


def _get_notifier() -> oslo_messaging.Notifier:
    global _notifier
    with _lock:
        if _notifier is None:
            transport = oslo_messaging.get_notification_transport(CONF)
            # A bounded retry: a broker that is down loses notifications
            # (the events table keeps them) but never holds up the work.
            _notifier = oslo_messaging.Notifier(
                transport, publisher_id=f"esi-leap-manager.{CONF.host}",
                topics=CONF.notification.versioned_notifications_topics,
                retry=NOTIFY_RETRIES)
        return _notifier


def queue_size() -> int:
    """``[notification] queue_size``, or room for two reconciler passes'
    worth of notifications when it is 0."""
    size = CONF.notification.queue_size
    return int(size or 2 * KINDS_PER_PASS * PER_ITEM * CONF.manager.batch_size)


def _deliver(level: str, event_type: str, body: dict[str, Any]) -> None:
    getattr(_get_notifier(), level)({}, event_type, body)


def _get_queue() -> notify_queue.NotificationQueue:
    global _queue
    with _lock:
        if _queue is None:
            _queue = notify_queue.NotificationQueue(queue_size(), _deliver)
        return _queue


def stats() -> dict[str, int]:
    """How many notifications wait, were handed to oslo.messaging and
    were dropped because the queue was full, since the process started."""
    current = _queue
    if current is None:
        return {"waiting": 0, "sent": 0, "dropped": 0, "size": queue_size()}
    return {"waiting": current.waiting, "sent": current.sent,
            "dropped": current.dropped, "size": current.size}


def flush(timeout: float = 5.0) -> bool:
    """Wait up to ``timeout`` s for queued notifications to be sent."""
    current = _queue
    return current is None or current.flush(timeout)


def reset() -> None:
    """Forget the notifier and the queue (tests)."""
    global _notifier, _queue
    with _lock:
        if _queue is not None:
            _queue.close()
        _notifier = None
        _queue = None


def _enabled(level: str) -> bool:
    wanted = CONF.notification.notification_level
    return wanted is not None and LEVELS.index(level) >= LEVELS.index(wanted)


def payload(obj: Recordable) -> dict[str, Any]:
    """The notification payload: the object's fields, times as strings."""
    fields = {c.name: getattr(obj, c.name) for c in obj.__table__.columns
              if c.name not in _INTERNAL}
    for key, value in fields.items():
        if hasattr(value, "isoformat"):
            fields[key] = timeutils.format_time(value)
    return fields


def record(event_type: str,
           obj: models.Lease | models.Offer | models.NetworkAction,
           level: str = "info", reason: str | None = None) -> None:
    """Record ``event_type`` for ``obj`` and notify if enabled."""
    db_events.event_create(db_events.event_fields(event_type, obj, reason))
    send(event_type, obj, level, reason)


def send(event_type: str, obj: Recordable,
         level: str = "info", reason: str | None = None) -> None:
    """Queue the notification of an event already recorded, if enabled;
    never blocks (a full queue drops it, see :func:`stats`)."""
    if not _enabled(level):
        return
    body = payload(obj)
    if reason:
        body["reason"] = reason
    _get_queue().put((level, event_type, body))
