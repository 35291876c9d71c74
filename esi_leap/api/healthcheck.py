"""``/healthcheck``: oslo.middleware's health check with esi-leap's
backends (entry points in the ``oslo.middleware.healthcheck`` namespace).

* ``esi_leap_database`` runs ``SELECT 1`` and waits at most ``[database]
  healthcheck_timeout`` seconds for it: 503 when the database refuses,
  fails or does not answer. One probe runs at a time; while it waits, other
  checks report unavailable without piling up threads on a frozen database.
* ``esi_leap_notifications`` is always available and reports how many
  notifications wait in this process's queue and how many were dropped.

``[healthcheck] backends`` defaults to both; add ``disable_by_file`` and
the like as usual.
"""

import threading
from typing import Any

import sqlalchemy as sa
from oslo_config import cfg
from oslo_log import log as logging
from oslo_middleware import healthcheck
from oslo_middleware.healthcheck import opts as healthcheck_opts
from oslo_middleware.healthcheck import pluginbase

from esi_leap.common import notify
from esi_leap.db import api as db_api
from esi_leap.db import faults

LOG = logging.getLogger(__name__)

#: Our backends, on by default.
DEFAULT_BACKENDS = ["esi_leap_database", "esi_leap_notifications"]


def build(conf: cfg.ConfigOpts) -> healthcheck.Healthcheck:
    """The health check application, with our backends by default."""
    conf.register_opts(healthcheck_opts.HEALTHCHECK_OPTS, group="healthcheck")
    conf.set_default("backends", DEFAULT_BACKENDS, group="healthcheck")
    return healthcheck.Healthcheck(None, conf)


class _Probe:
    """One ``SELECT 1`` in its own thread, so a caller can stop waiting."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.error: str | None = None
        threading.Thread(target=self._run, name="esi-leap-db-probe",
                         daemon=True).start()

    def _run(self) -> None:
        try:
            with db_api.reader() as session:
                session.execute(sa.text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            reason = faults.unavailable_reason(exc)
            self.error = reason or f"{type(exc).__name__}: {exc}"[:200]
            if reason is not None:
                faults.DATABASE.failed(reason)
            else:
                LOG.error("The health check's SELECT 1 failed: %s",
                          self.error)
        finally:
            self.done.set()


_lock = threading.Lock()
_probe: _Probe | None = None


def probe_database(timeout: float) -> str | None:
    """None when the database answers ``SELECT 1`` within ``timeout`` s,
    else why not."""
    global _probe
    with _lock:
        if _probe is None or _probe.done.is_set():
            _probe = _Probe()
        current = _probe
    if not current.done.wait(timeout):
        faults.DATABASE.failed(f"no answer to SELECT 1 within {timeout:g} s")
        return f"no answer within {timeout:g} s"
    return current.error


class DatabaseCheck(pluginbase.HealthcheckBaseExtension):
    """Is the database answering?"""

    def healthcheck(self, server_port: int) -> Any:
        timeout = self.oslo_conf.database.healthcheck_timeout
        error = probe_database(timeout)
        if error is None:
            return pluginbase.HealthcheckResult(available=True,
                                                reason="database: OK")
        return pluginbase.HealthcheckResult(
            available=False, reason="database: unavailable",
            details=error)


class NotificationsCheck(pluginbase.HealthcheckBaseExtension):
    """Notifications waiting and dropped in this process (never fails)."""

    def healthcheck(self, server_port: int) -> Any:
        stats = notify.stats()
        reason = ("notifications: {waiting} waiting, {dropped} dropped "
                  "(queue of {size})".format(**stats))
        return pluginbase.HealthcheckResult(available=True, reason=reason,
                                            details=reason)
