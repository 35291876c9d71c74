"""What the manager does to one lease or offer: fulfil, expire, cancel.

Each step first reserves the lease (compare-and-swap on ``reserved_by``), so
two managers never work on one lease; moves its status only through the
transition table (compare-and-swap on ``status``); records an event for every
move (in the same transaction); and always releases the reservation. A
failure leaves the lease in a visible wait status that the reconciler
retries. Before every change to a node or a switch it checks, by
compare-and-swap, that it still holds the reservation: a manager cut off
from the database long enough to be counted dead
(:mod:`esi_leap.manager.liveness`) leaves work taken over by another one.

Every step converges if the process dies between any two of them: the
node's release is keyed on what the node actually carries, not on the
lease's status (a lease that ends ``created`` after a crash between
giving the node and marking the lease active still frees it), giving a
node is idempotent, and events already recorded (in the database) are not
recorded again by the manager that takes over.

Ending a lease first puts the node's switch ports back on their quarantine
VLAN, then runs the node backend's release steps in order (take the
lessee's access away, power off, undeploy, ...), recording each outcome as
an ``esi_leap.lease.release.<step>`` event. A step still under way makes the
manager come back shortly; a failed step leaves the lease waiting and is
retried with backoff, unless an admin force-ends the lease, in which case
the failure is recorded and the next step runs.
"""

import datetime
import time
from typing import Any

from oslo_log import log as logging

from esi_leap.common import exception
from esi_leap.common import notify
from esi_leap.common import timeutils
from esi_leap.conf import CONF
from esi_leap.db import console_tokens as db_console_tokens
from esi_leap.db import events as db_events
from esi_leap.db import leases as db_leases
from esi_leap.db import models
from esi_leap.db import network_actions as db_actions
from esi_leap.db import offers as db_offers
from esi_leap.drivers import resource_types
from esi_leap.drivers.resource_types.base import NodeBackend
from esi_leap.drivers.resource_types.base import ReleaseStep
from esi_leap.manager import liveness as manager_liveness
from esi_leap.networking import release
from esi_leap.objects import lease as lease_obj
from esi_leap.objects import status

LOG = logging.getLogger(__name__)

#: Longest wait, in seconds, before a failed lease is tried again.
MAX_RETRY_DELAY = 60.0
#: Wait, in seconds, before looking again at a release step under way.
PENDING_DELAY = 1.0

FULFILLABLE = (status.CREATED, status.WAIT_FULFILL)
EXPIRABLE = (status.CREATED, status.ACTIVE, status.WAIT_FULFILL,
             status.WAIT_EXPIRE)


#: Outcomes of a release step that do not count as the step done.
NOT_DONE = ("failed:", "left under way")
#: The marker, among recorded outcomes, of a release already begun.
STARTED = "delete.start"


class ReservationLost(Exception):
    """Another manager took the lease over while this one was cut off."""


def _timeout() -> datetime.timedelta:
    return datetime.timedelta(seconds=CONF.manager.reservation_timeout)


class Lifecycle:
    """Lease and offer transitions performed by one manager.

    ``host`` names the manager; ``liveness`` is its heartbeat (a new one
    when not given), whose identity marks the leases it reserves.
    """

    def __init__(self, host: str,
                 liveness: manager_liveness.Liveness | None = None) -> None:
        self.liveness = liveness or manager_liveness.Liveness(host)
        self.host = self.liveness.ident
        #: leases reserved whose release did not reach the database
        self._orphans: set[str] = set()
        #: lease uuid -> (failures so far, monotonic time of next attempt)
        self._backoff: dict[str, tuple[int, float]] = {}
        #: lease uuid -> release steps whose outcome is recorded already,
        #: so polling a step under way adds no events.
        self._recorded: dict[str, set[str]] = {}

    def may_try(self, uuid: str) -> bool:
        """Whether a lease whose last attempt failed is due for another.

        Failed leases are retried after 1, 2, 4 ... up to 60 seconds, so a
        peer that stays down costs one attempt (and one warning) a minute
        per lease instead of one per reconcile pass.
        """
        entry = self._backoff.get(uuid)
        return entry is None or entry[1] <= time.monotonic()

    def _failed(self, uuid: str) -> None:
        failures = self._backoff.get(uuid, (0, 0.0))[0] + 1
        delay = min(2.0 ** (failures - 1), MAX_RETRY_DELAY)
        self._backoff[uuid] = (failures, time.monotonic() + delay)

    def _succeeded(self, uuid: str) -> None:
        self._backoff.pop(uuid, None)

    def _pending(self, uuid: str) -> None:
        """Come back soon, without counting a failure."""
        failures = self._backoff.get(uuid, (0, 0.0))[0]
        self._backoff[uuid] = (failures, time.monotonic() + PENDING_DELAY)

    def _reserve(self, uuid: str,
                 statuses: tuple[str, ...]) -> models.Lease | None:
        self.liveness.beat_if_due()
        return db_leases.reserve(uuid, self.host, timeutils.utcnow(),
                                 _timeout(), statuses)

    def _release(self, uuid: str) -> None:
        """Drop the reservation; if the database does not answer, keep
        the lease to release at the start of the next pass."""
        try:
            db_leases.release(uuid, self.host)
        except Exception as exc:  # noqa: BLE001 - retried next pass
            LOG.warning("Could not release lease %s: %s", uuid, exc)
            self._orphans.add(uuid)
        else:
            self._orphans.discard(uuid)

    def release_orphans(self) -> None:
        """Release the leases whose release failed in an earlier pass
        (call it when no work of this manager is in flight)."""
        for uuid in sorted(self._orphans):
            self._release(uuid)

    def _confirm(self, uuid: str) -> None:
        """Check, by compare-and-swap, that this manager still holds the
        lease before it changes a node or a switch.

        :raises ReservationLost: when another manager took it over.
        """
        if not db_leases.renew(uuid, self.host, timeutils.utcnow()):
            raise ReservationLost(uuid)

    def _outcomes(self, lease: models.Lease) -> set[str]:
        """What is recorded already of the lease's release: the release
        steps whose outcome was recorded and :data:`STARTED` once the
        release began (read from the events once, so a manager taking
        over after a crash does not record them again)."""
        known = self._recorded.get(lease.uuid)
        if known is None:
            known = set()
            for event_type, reason in db_events.recorded(lease):
                name = event_type.removeprefix("esi_leap.lease.")
                if name == STARTED:
                    known.add(STARTED)
                elif name.startswith("release.") and not (
                        reason or "").startswith(NOT_DONE):
                    known.add(name.removeprefix("release."))
            self._recorded[lease.uuid] = known
        return known

    def _transition(self, lease: models.Lease, expected: tuple[str, ...],
                    new: str, event_type: str, level: str = "info",
                    reason: str | None = None, **values: Any) -> bool:
        """Move the lease and record ``event_type`` in one transaction,
        then send the notification; True if it moved."""
        event = db_events.event_fields(event_type, lease, reason)
        if not db_leases.lease_transition(lease.uuid, expected, new,
                                          event=event, **values):
            return False
        lease.status = new
        for key, value in values.items():
            setattr(lease, key, value)
        notify.send(event_type, lease, level, reason)
        return True

    def fulfill(self, uuid: str) -> None:
        """Give the node to the lease's lessee and make the lease active."""
        lease = self._reserve(uuid, FULFILLABLE)
        if lease is None:
            return
        try:
            self._fulfill(lease)
        except ReservationLost:
            LOG.info("Lease %s was taken over by another manager while "
                     "this one was cut off; leaving it", uuid)
        finally:
            self._release(uuid)

    def _fulfill(self, lease: models.Lease) -> None:
        now = timeutils.utcnow()
        if lease.end_time is not None and lease.end_time <= now:
            return  # the expire pass ends it
        try:
            backend = resource_types.get_backend(lease.resource_type)
            release.prepare_fulfil(backend, lease)
        except exception.NodeNotFound as exc:
            self._node_gone(lease, FULFILLABLE, exc)
            return
        except exception.StepPending as exc:
            LOG.info("Lease %s waits: %s", lease.uuid, exc)
            self._pending(lease.uuid)
            self._move(lease, FULFILLABLE, status.WAIT_FULFILL)
            return
        except Exception as exc:  # noqa: BLE001 - any failure is retried
            self._fulfil_failed(lease, exc)
            return
        if not any(t == "esi_leap.lease.fulfill.start"
                   for t, _ in db_events.recorded(lease)):
            notify.record("esi_leap.lease.fulfill.start", lease)
        self._confirm(lease.uuid)
        try:
            # Idempotent: after a crash, giving the node again changes
            # nothing.
            backend.set_lease(lease.resource_uuid, lease.uuid,
                              lease.project_id)
        except exception.NodeNotFound as exc:
            self._node_gone(lease, FULFILLABLE, exc)
            return
        except Exception as exc:  # noqa: BLE001 - any failure is retried
            self._fulfil_failed(lease, exc)
            return
        self._succeeded(lease.uuid)
        # Console tokens made before the node changed hands are void.
        db_console_tokens.delete_for_node(lease.resource_uuid)
        if not self._transition(lease, FULFILLABLE, status.ACTIVE,
                                "esi_leap.lease.fulfill.end",
                                fulfill_time=now):
            LOG.info("Lease %s changed status while it was fulfilled; the "
                     "cancel or expire pass will free its node.", lease.uuid)

    def _fulfil_failed(self, lease: models.Lease, exc: Exception) -> None:
        LOG.warning("Fulfilling lease %s failed: %s", lease.uuid, exc)
        self._failed(lease.uuid)
        self._transition(lease, FULFILLABLE, status.WAIT_FULFILL,
                         "esi_leap.lease.fulfill.error", level="error",
                         reason=str(exc))

    def expire(self, uuid: str) -> None:
        """End a lease whose end time has passed."""
        self._end(uuid, EXPIRABLE, status.EXPIRED, status.WAIT_EXPIRE)

    def cancel(self, uuid: str) -> None:
        """Finish a DELETE, a force-end or an end on error: free the node
        and mark the lease ``deleted`` (``error`` for an end on error)."""
        self._end(uuid, (status.WAIT_CANCEL,), status.DELETED,
                  status.WAIT_CANCEL)

    def _end(self, uuid: str, expected: tuple[str, ...], final: str,
             waiting: str) -> None:
        lease = self._reserve(uuid, expected)
        if lease is None:
            return
        if lease.end_request == lease_obj.ERROR:
            final = status.ERROR
        try:
            self._end_reserved(lease, expected, final, waiting)
        except ReservationLost:
            LOG.info("Lease %s was taken over by another manager while "
                     "this one was cut off; leaving it", uuid)
        finally:
            self._release(uuid)

    def _end_reserved(self, lease: models.Lease, expected: tuple[str, ...],
                      final: str, waiting: str) -> None:
        if not self._end_children(lease):
            LOG.info("Lease %s waits for its sub-leases to end", lease.uuid)
            return
        outcomes = self._outcomes(lease)
        if STARTED not in outcomes:
            notify.record("esi_leap.lease.delete.start", lease,
                          reason=lease.end_reason)
            outcomes.add(STARTED)
        try:
            self._free_node(lease)
        except ReservationLost:
            raise
        except exception.NodeNotFound as exc:
            self._node_gone(lease, expected, exc)
            return
        except exception.StepPending as exc:
            LOG.info("Lease %s: %s", lease.uuid, exc)
            self._pending(lease.uuid)
            self._move(lease, expected, waiting)
            return
        except Exception as exc:  # noqa: BLE001 - retried next pass
            LOG.warning("Ending lease %s failed: %s", lease.uuid, exc)
            self._failed(lease.uuid)
            if lease.status != waiting:
                self._transition(lease, expected, waiting,
                                 "esi_leap.lease.delete.error",
                                 level="error", reason=str(exc))
            return
        self._succeeded(lease.uuid)
        self._recorded.pop(lease.uuid, None)
        self._transition(lease, expected, final, "esi_leap.lease.delete.end",
                         level="error" if final == status.ERROR else "info",
                         reason=lease.end_reason,
                         expire_time=timeutils.utcnow())

    @staticmethod
    def _move(lease: models.Lease, expected: tuple[str, ...],
              new: str) -> bool:
        """Move the lease to ``new`` unless it is there already; True if
        it moved."""
        if lease.status == new:
            return False
        moved = db_leases.lease_transition(lease.uuid, expected, new)
        if moved:
            lease.status = new
        return moved

    def _node_gone(self, lease: models.Lease, expected: tuple[str, ...],
                   exc: exception.NodeNotFound) -> None:
        """End a lease whose node no longer exists, in ``error``."""
        self._succeeded(lease.uuid)
        self._recorded.pop(lease.uuid, None)
        reason = (f"node {lease.resource_uuid} no longer exists in "
                  f"{lease.resource_type}: {exc.message}")
        self._transition(lease, expected, status.ERROR,
                         "esi_leap.lease.error", level="error",
                         reason=reason, expire_time=timeutils.utcnow(),
                         end_reason=reason)

    def _end_children(self, lease: models.Lease) -> bool:
        """End sub-offers and sub-leases before the lease they came from.

        Returns False while a sub-lease is still open (for example another
        manager is ending it): the node must go back to this lease's owner
        only after every sub-lease has handed it back.
        """
        child_leases, child_offers = db_leases.children(lease.uuid)
        for child in child_offers:
            if child.status in status.OFFER_OPEN:
                self.expire_offer(child)
        for child_lease in child_leases:
            if child_lease.status in EXPIRABLE:
                self.expire(child_lease.uuid)
            elif child_lease.status == status.WAIT_CANCEL:
                self.cancel(child_lease.uuid)
        still_open = [c for c in db_leases.children(lease.uuid)[0]
                      if c.status in EXPIRABLE + (status.WAIT_CANCEL,)]
        return not still_open

    def _free_node(self, lease: models.Lease) -> None:
        """Take the node back; a sub-lease hands it to its parent lease.

        Whatever the lease's status: the steps are keyed on what the node
        carries, so a lease that ends ``created`` after a crash between
        giving the node and marking the lease active frees it too, and a
        lease whose node went back already finds nothing to do.

        :raises StepPending: while a release step is under way.
        :raises NodeNotFound: when the node is gone.
        """
        backend = resource_types.get_backend(lease.resource_type)
        self._run_release_steps(lease, self._steps(backend, lease))
        revoked = db_console_tokens.delete_for_node(lease.resource_uuid)
        if revoked:
            notify.record("esi_leap.lease.release.console_tokens", lease,
                          reason=f"revoked {revoked} console token(s)")
        if lease.parent_lease_uuid:
            parent = db_leases.lease_get(lease.parent_lease_uuid)
            if parent is not None and parent.status == status.ACTIVE:
                self._confirm(lease.uuid)
                backend.set_lease(lease.resource_uuid, parent.uuid,
                                  parent.project_id)

    @staticmethod
    def _steps(backend: NodeBackend,
               lease: models.Lease) -> list[ReleaseStep]:
        """The release steps: the ports' quarantine, then the backend's.

        The backend's steps are empty when the node does not carry the
        lease. The ports are quarantined when the node carries it, when
        the lease was ever active, or when their quarantine has begun.
        """
        own = backend.release_steps(lease.resource_uuid, lease.uuid)
        touched = (bool(own) or lease.fulfill_time is not None
                   or bool(db_actions.of_lease(lease.uuid)))
        ports = release.quarantine_steps(backend, lease) if touched else []
        return ports + own

    def _run_release_steps(self, lease: models.Lease,
                           steps: list[ReleaseStep]) -> None:
        """Run every release step, recording each outcome as an event.

        A force-end records a failed (or stalled) step and goes on with
        the next; otherwise the first failure stops the run.
        """
        force = lease.end_request == lease_obj.FORCE
        recorded = self._outcomes(lease)
        for step in steps:
            event = f"esi_leap.lease.release.{step.name}"
            self._confirm(lease.uuid)
            try:
                outcome = step.run()
            except exception.NodeNotFound:
                raise
            except exception.StepPending as exc:
                if not force:
                    raise
                notify.record(event, lease, level="warning",
                              reason=f"left under way (force-end): {exc}")
                continue
            except Exception as exc:  # noqa: BLE001 - recorded, then raised
                notify.record(event, lease, level="error",
                              reason=f"failed: {exc}")
                if not force:
                    raise
                continue
            if step.name not in recorded:
                notify.record(event, lease,
                              reason=outcome or "nothing to do")
                recorded.add(step.name)

    def expire_offer(self, offer: models.Offer) -> None:
        """End an offer (and its leases) whose end time has passed."""
        for lease in db_leases.leases_of_offer(offer.uuid, EXPIRABLE):
            self.expire(lease.uuid)
        if db_offers.offer_transition(offer.uuid, status.OFFER_OPEN,
                                      status.EXPIRED):
            offer.status = status.EXPIRED
            notify.record("esi_leap.offer.expire", offer)

    def warn_expiry(self, uuid: str) -> None:
        """Record the pre-expiry warning for a lease, once per end time."""
        lease = db_leases.lease_get(uuid)
        if lease is None or lease.end_time is None:
            return
        if db_leases.mark_expiry_notice(uuid, lease.end_time):
            notify.record(
                "esi_leap.lease.expiry.warning", lease, level="warning",
                reason=f"the lease ends at "
                       f"{timeutils.format_time(lease.end_time)}")
