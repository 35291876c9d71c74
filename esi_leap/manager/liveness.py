"""A manager's heartbeat: how other managers know it is alive.

Each manager process has its own identity (``<host>:<random>``, new at
every start, so a restarted manager on the same host does not inherit the
reservations of the one that died) and records it in the ``managers``
table every ``[manager] heartbeat_interval`` seconds, from its own thread
and before reserving work. Leases, network actions and audits reserved by
a manager whose heartbeat is older than ``[manager] dead_after`` are taken
over by the others.
"""

import threading
import time

from oslo_log import log as logging
from oslo_utils import uuidutils

from esi_leap.common import timeutils
from esi_leap.conf import CONF
from esi_leap.db import managers as db_managers

LOG = logging.getLogger(__name__)


class Liveness:
    """The heartbeat of one manager process."""

    def __init__(self, host: str) -> None:
        self.host = host
        self.ident = f"{host}:{uuidutils.generate_uuid()[:12]}"
        self._lock = threading.Lock()
        self._next = 0.0
        #: monotonic time of the last heartbeat that reached the database
        self._last_ok: float | None = None
        self._failing = False

    def beat(self) -> bool:
        """Record a heartbeat now; False (logged once per outage) if the
        database did not take it."""
        with self._lock:
            try:
                db_managers.beat(self.ident, self.host, timeutils.utcnow())
            except Exception as exc:  # noqa: BLE001 - retried next beat
                if not self._failing:
                    LOG.warning("Manager %s could not record its "
                                "heartbeat: %s", self.ident, exc)
                self._failing = True
                return False
            now = time.monotonic()
            silent = now - self._last_ok if self._last_ok else 0.0
            if silent > CONF.manager.dead_after:
                LOG.warning("Manager %s sent no heartbeat for %.0f s; "
                            "other managers may have taken its work over, "
                            "so it checks each reservation before acting",
                            self.ident, silent)
            elif self._failing:
                LOG.info("Manager %s records heartbeats again", self.ident)
            self._failing = False
            self._last_ok = now
            self._next = now + CONF.manager.heartbeat_interval
            return True

    def beat_if_due(self) -> None:
        """Beat unless a heartbeat was recorded within the interval."""
        if time.monotonic() >= self._next:
            self.beat()

    def run(self, stop: threading.Event) -> None:
        """Beat every ``heartbeat_interval`` seconds until ``stop``."""
        while not stop.is_set():
            self.beat()
            stop.wait(CONF.manager.heartbeat_interval)

    def forget(self) -> None:
        """Remove this manager's row after a graceful stop."""
        try:
            db_managers.forget(self.ident)
        except Exception as exc:  # noqa: BLE001 - it times out anyway
            LOG.warning("Manager %s could not remove its heartbeat: %s",
                        self.ident, exc)


def check_options() -> None:
    """Refuse a ``dead_after`` that a healthy manager could miss.

    :raises ValueError: when ``dead_after`` is not more than twice
        ``heartbeat_interval``.
    """
    interval, dead = (CONF.manager.heartbeat_interval,
                      CONF.manager.dead_after)
    if dead <= 2 * interval:
        raise ValueError(
            f"[manager] dead_after ({dead} s) must be more than twice "
            f"[manager] heartbeat_interval ({interval} s)")
