"""Events and notifications for lease, offer, network action, audit and
finding changes.

:func:`record` always inserts a row in the events table (served by
``GET /v1/events``) and, when ``[notification] notification_level`` allows,
also sends a versioned oslo.messaging notification with the same type.
"""

import threading
from typing import Any

import oslo_messaging
from oslo_log import log as logging

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

_lock = threading.Lock()
_notifier: oslo_messaging.Notifier | None = None


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


def reset() -> None:
    """Forget the notifier (tests)."""
    global _notifier
    with _lock:
        _notifier = None


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
    """Send the notification of an event already recorded, if enabled."""
    if not _enabled(level):
        return
    body = payload(obj)
    if reason:
        body["reason"] = reason
    try:
        getattr(_get_notifier(), level)({}, event_type, body)
    except Exception:  # noqa: BLE001 - a lost notification must not fail work
        LOG.warning("Could not send notification %s for %s", event_type,
                    obj.uuid, exc_info=True)
