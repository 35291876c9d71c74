"""The VLANs a switch port should carry, from its attachments.

A port's native VLAN is its native network's VLAN, or the physical
network's quarantine VLAN when it has none (a port is never without a VLAN);
its tagged VLANs are those of its tagged networks.
"""

from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from esi_leap.db import models
from esi_leap.db import network_actions as db_actions
from esi_leap.drivers.switches.base import PortChange
from esi_leap.drivers.switches.base import PortState
from esi_leap.networking import vlans

#: (vlan, mode, network uuid) of one network on a port.
Wanted = tuple[int, str, str]


def _state(physical_network: str, wanted: Sequence[Wanted]
           ) -> tuple[PortState, dict[int, str]]:
    native = [(vlan, uuid) for vlan, mode, uuid in wanted if mode == "native"]
    tagged = {vlan: uuid for vlan, mode, uuid in wanted if mode == "tagged"}
    names = dict(tagged)
    if native:
        native_vlan = native[0][0]
        names[native_vlan] = native[0][1]
    else:
        native_vlan = vlans.quarantine_vlan(physical_network)
    return PortState(native_vlan, frozenset(tagged)), names


def from_observed(observed: Mapping[str, Any] | None,
                  fallback_native: int) -> PortState | None:
    """The state an audit saw (``ObservedPort`` as findings show it), as
    the ``current`` of a change: the VLANs a restore must remove. A port
    that carried every VLAN has no list to remove from (setting the
    target replaces it)."""
    if not observed:
        return None
    allowed = observed.get("allowed_vlans")
    native = observed.get("native_vlan")
    tagged = frozenset(allowed) if isinstance(allowed, list) else frozenset()
    native_vlan = native if isinstance(native, int) and _is_vlan(native) \
        else fallback_native
    # VLAN 0 or 4095 (as some switches report an untagged port) is no
    # VLAN a command could remove.
    return PortState(native_vlan,
                     frozenset(v for v in tagged if _is_vlan(v))
                     - {native_vlan})


def _is_vlan(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)
            and 1 <= value <= 4094)


def intended(physical_network: str,
             attached: Sequence[models.PortAttachment]
             ) -> tuple[PortState, dict[int, str]]:
    """What a port with ``attached`` networks should carry, and which
    network owns each VLAN.

    :raises Conflict: when the physical network has no quarantine VLAN.
    """
    return _state(physical_network, [(a.network.vlan, a.mode, a.network.uuid)
                                     for a in attached])


def change_for(action: models.NetworkAction,
               attached: Sequence[models.PortAttachment]) -> PortChange:
    """The port change that carries out ``action`` on a port whose
    attachments are ``attached``.

    :raises Conflict: when the physical network has no quarantine VLAN.
    """
    before: list[Wanted] = [(a.network.vlan, a.mode, a.network.uuid)
                            for a in attached]
    if action.kind == db_actions.RESTORE:
        target, names = _state(action.physical_network, before)
        return PortChange(port=action.switch_port, target=target,
                          current=from_observed(action.observed,
                                                target.native_vlan),
                          network_ids=names)
    if action.kind == db_actions.QUARANTINE:
        after: list[Wanted] = []
    elif action.kind == db_actions.DETACH:
        after = [w for w in before if w[2] != action.network_uuid]
    else:
        after = before + [(action.vlan or 0, action.mode or "native",
                           action.network_uuid or "")]
    current, _ = _state(action.physical_network, before)
    target, names = _state(action.physical_network, after)
    return PortChange(port=action.switch_port, target=target,
                      current=current, network_ids=names)
