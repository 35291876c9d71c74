"""The manager: a reconciler that finds due work and does it.

Every ``[manager] reconcile_interval`` seconds (or at once when woken by an
RPC cast or, in the all-in-one, by the API in the same process) it runs one
pass: indexed queries find leases to fulfil, end or cancel, offers to
expire, leases about to end and switches with network actions to apply; a
thread pool does the work (one task per switch, which applies its actions
in one session). Audits run beside it in their own thread (one at a
time; a periodic one is asked for every ``[audit] interval`` seconds), so a
long audit never delays leases. Several managers may run on one database:
each lease and audit is claimed by compare-and-swap before anyone acts on
it, and each manager sends heartbeats (:mod:`esi_leap.manager.liveness`)
so that the others take over what a dead one had claimed.
"""

import datetime
import threading
import time
from collections.abc import Callable

import futurist
import oslo_messaging
from oslo_log import log as logging

from esi_leap.audit import runner as audit_runner
from esi_leap.common import notify
from esi_leap.common import timeutils
from esi_leap.conf import CONF
from esi_leap.db import console_tokens as db_console_tokens
from esi_leap.db import faults as db_faults
from esi_leap.db import leases as db_leases
from esi_leap.db import managers as db_managers
from esi_leap.db import network_actions as db_network_actions
from esi_leap.db import offers as db_offers
from esi_leap.manager import lifecycle
from esi_leap.manager import liveness
from esi_leap.manager import network_actions
from esi_leap.manager import peer_check
from esi_leap.manager import rpcapi

LOG = logging.getLogger(__name__)

#: Managers not seen for this long are removed from the ``managers`` table.
FORGET_MANAGERS_AFTER = datetime.timedelta(days=1)


class WakeEndpoint:
    """The RPC endpoint: ``wake`` makes the reconciler run now."""

    target = oslo_messaging.Target(namespace=rpcapi.NAMESPACE,
                                   version=rpcapi.RPC_VERSION)

    def __init__(self, wake: threading.Event) -> None:
        self._wake = wake

    def wake(self, ctxt: dict[str, object]) -> None:
        self._wake.set()


class Manager:
    """One manager process's (or the all-in-one's) worker."""

    def __init__(self, host: str | None = None) -> None:
        self.host = host or CONF.host
        self.liveness = liveness.Liveness(self.host)
        #: What marks the work this manager reserves (new every start).
        self.ident = self.liveness.ident
        self.lifecycle = lifecycle.Lifecycle(self.host, self.liveness)
        self.wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._heartbeat: threading.Thread | None = None
        self._pool = futurist.ThreadPoolExecutor(
            max_workers=CONF.manager.workers)
        self._audit_pool = futurist.ThreadPoolExecutor(max_workers=1)
        self._audit: futurist.Future | None = None  # type: ignore[type-arg]
        self._rpc_server: oslo_messaging.MessageHandlingServer | None = None
        self._next_housekeeping = 0.0

    def start(self) -> None:
        """Start the reconciler thread and, if configured, the RPC server.

        The RPC server starts in the background: a broker that is down
        delays wake-ups, never the reconciler.

        :raises ValueError: when ``[manager] dead_after`` is too short.
        """
        liveness.check_options()
        self._heartbeat = threading.Thread(
            target=self.liveness.run, args=(self._stop,),
            name="esi-leap-heartbeat", daemon=True)
        self._heartbeat.start()
        self._thread = threading.Thread(target=self._loop,
                                        name="esi-leap-reconciler",
                                        daemon=True)
        self._thread.start()
        if CONF.transport_url:
            threading.Thread(target=self._start_rpc_logged,
                             name="esi-leap-rpc-start", daemon=True).start()
        LOG.info("Manager %s started; reconciling every %s s", self.host,
                 CONF.manager.reconcile_interval)

    def _start_rpc_logged(self) -> None:
        try:
            self._start_rpc()
        except Exception:  # noqa: BLE001 - the reconciler carries on
            LOG.exception("Could not start the RPC server; the manager "
                          "relies on its reconciler alone")

    def _start_rpc(self) -> None:
        transport = oslo_messaging.get_rpc_transport(CONF)
        target = oslo_messaging.Target(topic=CONF.manager.rpc_topic,
                                       server=self.host)
        server = oslo_messaging.get_rpc_server(
            transport, target, [WakeEndpoint(self.wake)],
            executor="threading")
        # start() waits for the broker; stop() only sees a started server.
        server.start()
        if self._stop.is_set():
            server.stop()
            server.wait()
        else:
            self._rpc_server = server

    def stop(self, graceful: bool = True) -> None:
        """Stop taking work; with ``graceful``, finish what is running."""
        self._stop.set()
        self.wake.set()
        server, self._rpc_server = self._rpc_server, None
        if server is not None:
            server.stop()
            server.wait()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self._pool.shutdown(wait=graceful)
        self._audit_pool.shutdown(wait=graceful)
        if self._heartbeat is not None:
            self._heartbeat.join(timeout=10)
        if graceful:
            self.lifecycle.release_orphans()
            self.liveness.forget()
            notify.flush(timeout=5.0)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.wake.clear()
            try:
                self.reconcile()
            except Exception as exc:  # noqa: BLE001 - keep the loop alive
                # A database that is down: one line per burst, no
                # traceback every pass.
                if not db_faults.note_failure(exc):
                    LOG.exception("Reconciler pass failed; retrying")
            self.wake.wait(self.next_wait())

    def next_wait(self) -> float:
        """Seconds until the next pass: the reconcile interval, or less
        when a lease starts or ends sooner."""
        interval = float(CONF.manager.reconcile_interval)
        try:
            now = timeutils.utcnow()
            upcoming = min(
                (t for t in (db_leases.next_change(now),
                             db_network_actions.next_due(now))
                 if t is not None), default=None)
        except Exception as exc:  # noqa: BLE001 - the interval is the fallback
            if not db_faults.note_failure(exc):
                LOG.warning("Could not look up the next lease change",
                            exc_info=True)
            return interval
        if upcoming is None:
            return interval
        return max(0.0, min(interval, (upcoming - now).total_seconds()))

    def reconcile(self) -> int:
        """Run one pass and wait for its work; return the items handled."""
        self.liveness.beat_if_due()
        # Nothing of this manager's is in flight between two passes: take
        # back what an earlier pass could not release (a database cut).
        self.lifecycle.release_orphans()
        network_actions.recover(self.ident)
        now = timeutils.utcnow()
        timeout = datetime.timedelta(
            seconds=CONF.manager.reservation_timeout)
        limit = CONF.manager.batch_size
        jobs: list[tuple[Callable[[str], None], str]] = []
        for kind, action in (("cancel", self.lifecycle.cancel),
                             ("expire", self.lifecycle.expire),
                             ("fulfill", self.lifecycle.fulfill)):
            jobs += [(action, uuid) for uuid in
                     db_leases.due_leases(kind, now, timeout, limit)
                     if self.lifecycle.may_try(uuid)]
        if CONF.manager.expiry_notice:
            notice = datetime.timedelta(seconds=CONF.manager.expiry_notice)
            jobs += [(self.lifecycle.warn_expiry, uuid) for uuid in
                     db_leases.due_leases("notice", now, timeout, limit,
                                          notice=notice)]
        futures: list[futurist.Future] = [  # type: ignore[type-arg]
            self._pool.submit(action, uuid) for action, uuid in jobs]
        futures += [self._pool.submit(network_actions.run_switch, switch,
                                      self.ident)
                    for switch in network_actions.due_switches()]
        if self._housekeeping_due():
            futures.append(self._pool.submit(self.housekeeping))
        for offer in db_offers.offers_due_to_expire(now, limit):
            futures.append(self._pool.submit(self.lifecycle.expire_offer,
                                             offer))
        self.start_audit(now)
        for future in futures:
            try:
                future.result()
            except Exception as exc:  # noqa: BLE001 - one failure must not stop all
                if not db_faults.note_failure(exc):
                    LOG.exception("Manager work item failed")
        return len(futures)

    def start_audit(self, now: datetime.datetime) -> None:
        """Ask for a periodic audit when one is due and, unless this
        manager is running one, run the pending audit in the audit
        thread."""
        if self._audit is not None and not self._audit.done():
            return
        if audit_runner.periodic_due(now):
            audit_runner.request_periodic()
        self._audit = self._audit_pool.submit(audit_runner.run_pending,
                                              self.ident)

    def _housekeeping_due(self) -> bool:
        interval = CONF.manager.peer_check_interval
        if not interval or time.monotonic() < self._next_housekeeping:
            return False
        self._next_housekeeping = time.monotonic() + interval
        return True

    def housekeeping(self) -> None:
        """The slow periodic work: end leases whose node or project is
        gone, forget expired console tokens and old audits."""
        peer_check.check()
        db_console_tokens.delete_expired(int(time.time()))
        db_managers.purge(timeutils.utcnow() - FORGET_MANAGERS_AFTER)
        audit_runner.purge_history(timeutils.utcnow())
