"""One binding per switch port, across every node backend.

A switch port (switch, port name) is cabled to one node port. Registered
ports (``/v1/ports``) are unique in the database, but Ironic lets a node
owner's project admin point a port's ``local_link_connection`` at any
switch port, *another node's* included; the same switch port may then be
named by two node ports, and attaching one would move the other node's
cable onto a tenant's VLAN.

So every port is checked against every other port that claims the same
switch port. Of two or more claimants, the one that already has
attachments or an unfinished network action on that switch port holds it
(it was there first); with no such evidence, a port registered through
esi-leap holds it; otherwise none does. Every other claimant is
*refused*: it cannot be attached, detached or quarantined, the API shows
why (``refused``), the auditor reports a critical ``double_binding``
finding, and the manager logs the clash once as CRITICAL.
"""

import dataclasses
import threading
from collections.abc import Iterable
from collections.abc import Sequence
from typing import TYPE_CHECKING

from oslo_log import log as logging

from esi_leap.db import attachments as db_attachments
from esi_leap.drivers.switches import values as switch_values

if TYPE_CHECKING:
    from esi_leap.networking.ports import NodePort

LOG = logging.getLogger(__name__)

#: ``NodePort.source`` of a port registered through ``/v1/ports``.
REGISTERED = "esi-leap"
#: (switch, switch port)
Key = tuple[str, str]

_logged_lock = threading.Lock()
_logged: set[tuple[Key, tuple[str, ...]]] = set()
_MAX_LOGGED = 10000


def key_of(port: "NodePort") -> Key | None:
    """The switch port ``port`` claims; None for a port on no known
    switch or already refused."""
    if port.refused or not port.switch or not port.switch_port:
        return None
    return port.switch, port.switch_port


def claims(every: Iterable["NodePort"]) -> dict[Key, list["NodePort"]]:
    """The switch ports claimed by more than one port, with the
    claimants."""
    found: dict[Key, dict[str, NodePort]] = {}
    for port in every:
        key = key_of(port)
        if key is not None:
            found.setdefault(key, {})[port.uuid] = port
    return {key: list(ports.values()) for key, ports in found.items()
            if len(ports) > 1}


def _evidence(key: Key, ports: Sequence["NodePort"]) -> set[str]:
    """Claimants that carry attachments or an unfinished network action
    on switch port ``key``."""
    uuids = [p.uuid for p in ports]
    attached = db_attachments.for_ports(uuids)
    pending = db_attachments.unfinished_actions(uuids)
    found = {uuid for uuid, rows in attached.items()
             if any((a.switch, a.switch_port) == key for a in rows)}
    found |= {uuid for uuid, action in pending.items()
              if (action.switch, action.switch_port) == key}
    return found


def holder(key: Key, ports: Sequence["NodePort"]) -> str | None:
    """The uuid of the claimant that holds switch port ``key``, or None
    when none can be told apart."""
    evidence = _evidence(key, ports)
    if len(evidence) == 1:
        return evidence.pop()
    if evidence:
        return None
    registered = [p.uuid for p in ports if p.source == REGISTERED]
    return registered[0] if len(registered) == 1 else None


def _log_clash(key: Key, ports: Sequence["NodePort"],
               held_by: str | None) -> None:
    uuids = tuple(sorted(p.uuid for p in ports))
    with _logged_lock:
        if (key, uuids) in _logged:
            return
        if len(_logged) >= _MAX_LOGGED:
            _logged.clear()
        _logged.add((key, uuids))
    LOG.critical(
        "Switch port %(port)s of switch %(switch)s is claimed by node ports "
        "%(uuids)s; %(held)s. Fix the ports' local_link_connection.",
        {"port": switch_values.shown(key[1]),
         "switch": switch_values.shown(key[0]), "uuids": ", ".join(uuids),
         "held": (f"port {held_by} holds it, the others are refused"
                  if held_by else "all of them are refused")})


def refusal(key: Key) -> str:
    """Why a claimant of ``key`` that does not hold it is refused (the
    other claimants are named in the log only)."""
    return (f"switch port {key[1]} of switch {key[0]} is bound to another "
            "node port as well; a switch port is bound to one node port "
            "only")


def mark(ports: Sequence["NodePort"],
         every: Iterable["NodePort"]) -> list["NodePort"]:
    """``ports``, each claimant of a switch port it does not hold (among
    ``every`` port) marked ``refused``."""
    refused: dict[str, str] = {}
    for key, claimants in claims([*every, *ports]).items():
        held_by = holder(key, claimants)
        _log_clash(key, claimants, held_by)
        for port in claimants:
            if port.uuid != held_by:
                refused[port.uuid] = refusal(key)
    return [dataclasses.replace(p, refused=refused[p.uuid])
            if p.uuid in refused else p for p in ports]


def claimed_by(key: Key, every: Iterable["NodePort"]) -> "NodePort | None":
    """A port of ``every`` that claims switch port ``key``."""
    return next((p for p in every if key_of(p) == key), None)
