"""Applying network actions to switches, in batches.

For each switch with due actions, a manager takes one of the switch's
session slots (``[networking] max_sessions_per_switch`` locks), claims up
to ``[networking] batch_size`` actions (compare-and-swap), takes a lock on
each action's switch port, and applies them all in ONE switch session. Each
change's outcome is recorded on its own: done (with the port's attachments
changed in the same transaction), error with the switch's message when it
refused, or a retry with backoff when the switch could not be reached (up
to ``[networking] action_max_attempts``, then error).
"""

import contextlib
import datetime

from oslo_log import log as logging

from esi_leap.common import coordination
from esi_leap.common import exception
from esi_leap.common import notify
from esi_leap.common import timeutils
from esi_leap.conf import CONF
from esi_leap.db import attachments as db_attachments
from esi_leap.db import models
from esi_leap.db import network_actions as db_actions
from esi_leap.drivers import switches as switch_drivers
from esi_leap.drivers.switches import base
from esi_leap.networking import port_state
from esi_leap.networking import switches

LOG = logging.getLogger(__name__)

#: Longest wait, in seconds, between two attempts at an unreachable switch.
MAX_RETRY_DELAY = 300.0

Outcome = tuple[models.NetworkAction, base.SwitchError | None]


def _timeout() -> datetime.timedelta:
    return datetime.timedelta(seconds=CONF.manager.reservation_timeout)


def due_switches() -> list[str]:
    """Switches with actions to apply now."""
    return db_actions.due_switches(timeutils.utcnow(), _timeout())


def _session_slots(switch: str) -> list[str]:
    return [f"switch-session-{switch}-{slot}"
            for slot in range(CONF.networking.max_sessions_per_switch)]


#: Managers (identities) with actions whose outcome was not recorded.
_unrecorded: set[str] = set()


def recover(host: str) -> None:
    """Give back the actions this manager left running because recording
    their outcome failed (the database was cut); they are applied again
    (a change is idempotent). Call it when none of its sessions runs."""
    if host not in _unrecorded:
        return
    try:
        given_back = db_actions.unclaim_all(host)
    except Exception as exc:  # noqa: BLE001 - tried again next pass
        LOG.warning("Could not give back network actions: %s", exc)
        return
    _unrecorded.discard(host)
    if given_back:
        LOG.info("Gave back %d network action(s) whose outcome was not "
                 "recorded; they are applied again", given_back)


def run_switch(switch: str, host: str) -> int:
    """Apply due actions of one switch in one session; return how many
    were applied (done or failed).

    Right before the session it checks (compare-and-swap) that each
    claimed action is still its own: a manager that was cut off from the
    database long enough to be counted dead leaves what others took over.
    """
    with coordination.try_any(_session_slots(switch)) as slot:
        if slot is None:
            return 0
        claimed = db_actions.claim(switch, host, timeutils.utcnow(),
                                   _timeout(), CONF.networking.batch_size)
        if not claimed:
            return 0
        with contextlib.ExitStack() as port_locks:
            ready = []
            for action in claimed:
                lock = coordination.try_lock(
                    f"switch-port-{switch}-{action.switch_port}")
                if port_locks.enter_context(lock):
                    ready.append(action)
                else:
                    db_actions.unclaim(action)
            ready = db_actions.confirm(ready, host, timeutils.utcnow())
            try:
                for action, error in _apply(switch, ready):
                    _record(action, error)
            except Exception:
                _unrecorded.add(host)
                raise
            return len(ready)


def _apply(switch: str, actions: list[models.NetworkAction]
           ) -> list[Outcome]:
    """Apply ``actions`` (all on ``switch``) in one session."""
    if not actions:
        return []
    changes: list[base.PortChange] = []
    outcomes: list[Outcome] = []
    attached = db_attachments.for_ports(a.port_uuid for a in actions)
    planned: list[models.NetworkAction] = []
    for action in actions:
        try:
            changes.append(port_state.change_for(
                action, attached[action.port_uuid]))
            planned.append(action)
        except exception.Conflict as exc:
            outcomes.append((action, base.SwitchError(exc.message)))
    if not changes:
        return outcomes
    try:
        driver = switch_drivers.get_driver(switches.get_config(switch))
    except exception.EsiLeapException as exc:
        # Unknown switch, driver not installed, unusable secret key.
        unusable = base.SwitchError(exc.message)
        return outcomes + [(a, unusable) for a in planned]
    except base.SwitchError as exc:
        return outcomes + [(a, exc) for a in planned]
    by_change = dict(zip(map(id, changes), planned, strict=True))
    applied: list[Outcome] = []
    try:
        with driver.session() as session:
            for change, outcome in base.apply_all(session, changes):
                applied.append((by_change[id(change)], outcome))
    except base.SwitchUnreachable as exc:
        # Changes made before the session broke count as unconfirmed.
        refused = {id(a): e for a, e in applied if e is not None}
        applied = [(a, refused.get(id(a), exc)) for a in planned]
    except Exception as exc:  # noqa: BLE001 - a driver bug must not lose work
        LOG.exception("Switch %s: session failed", switch)
        unreachable = base.SwitchUnreachable(
            f"switch {switch}: {type(exc).__name__}: {exc}")
        applied = [(a, unreachable) for a in planned]
    return outcomes + applied


def _retry_delay(attempts: int) -> float:
    base_delay = float(CONF.networking.action_retry_delay)
    return float(min(base_delay * 2 ** max(attempts - 1, 0), MAX_RETRY_DELAY))


def _record(action: models.NetworkAction,
            error: base.SwitchError | None) -> None:
    """Finish one action after its switch session."""
    if error is None:
        if db_actions.succeed(action):
            action.status = db_actions.DONE
            notify.record(f"esi_leap.network_action.{action.kind}.done",
                          action)
        return
    attempts = action.attempts + 1
    transient = isinstance(error, base.SwitchUnreachable)
    if transient and attempts < CONF.networking.action_max_attempts:
        delay = _retry_delay(attempts)
        message = (f"attempt {attempts} of "
                   f"{CONF.networking.action_max_attempts} failed, retrying "
                   f"in {delay:.0f} s: {error}")
        LOG.warning("Network action %s: %s", action.uuid, message)
        when = timeutils.utcnow() + datetime.timedelta(seconds=delay)
        db_actions.retry_later(action, message, when)
        return
    message = str(error)
    if transient:
        message = f"gave up after {attempts} attempts: {message}"
    LOG.warning("Network action %s failed: %s", action.uuid, message)
    if db_actions.fail(action, message):
        action.status, action.message = db_actions.ERROR, message
        notify.record(f"esi_leap.network_action.{action.kind}.error", action,
                      level="error", reason=message)
