"""VLAN pools and quarantine VLANs per physical network, from config.

``[networking] vlan_ranges = physnet1:100:199,physnet1:300:349`` and
``[networking] quarantine_vlans = physnet1:999``, as Neutron writes them.
"""

import dataclasses
import functools

from esi_leap.common import exception
from esi_leap.conf import CONF

MIN_VLAN = 1
MAX_VLAN = 4094


@dataclasses.dataclass(frozen=True)
class Pools:
    """The parsed ``[networking]`` VLAN settings."""

    #: physical network -> inclusive (low, high) ranges, in config order.
    ranges: dict[str, tuple[tuple[int, int], ...]]
    #: physical network -> quarantine VLAN.
    quarantine: dict[str, int]

    def physical_networks(self) -> list[str]:
        """Every physical network the configuration names."""
        return sorted(set(self.ranges) | set(self.quarantine))

    def in_pool(self, physical_network: str, vlan: int) -> bool:
        return any(low <= vlan <= high
                   for low, high in self.ranges.get(physical_network, ()))

    def pool(self, physical_network: str) -> list[int]:
        """The pool's VLANs in allocation order (lowest first)."""
        vlans: set[int] = set()
        for low, high in self.ranges.get(physical_network, ()):
            vlans.update(range(low, high + 1))
        return sorted(vlans)


def _vlan(text: str, entry: str, option: str) -> int:
    try:
        vlan = int(text)
    except ValueError:
        vlan = -1
    if not MIN_VLAN <= vlan <= MAX_VLAN:
        raise ValueError(f"[networking] {option}: {entry!r} has VLAN "
                         f"{text!r}; VLANs are {MIN_VLAN} to {MAX_VLAN}")
    return vlan


def parse(vlan_ranges: list[str], quarantine_vlans: list[str]) -> Pools:
    """Parse and check the two options.

    :raises ValueError: with a message naming the bad entry.
    """
    ranges: dict[str, list[tuple[int, int]]] = {}
    for entry in vlan_ranges:
        parts = entry.strip().split(":")
        if len(parts) != 3 or not parts[0]:
            raise ValueError(f"[networking] vlan_ranges: {entry!r} is not "
                             "PHYSNET:MIN:MAX")
        low = _vlan(parts[1], entry, "vlan_ranges")
        high = _vlan(parts[2], entry, "vlan_ranges")
        if low > high:
            raise ValueError(f"[networking] vlan_ranges: {entry!r} ends "
                             "before it starts")
        ranges.setdefault(parts[0], []).append((low, high))
    quarantine: dict[str, int] = {}
    for entry in quarantine_vlans:
        parts = entry.strip().split(":")
        if len(parts) != 2 or not parts[0]:
            raise ValueError(f"[networking] quarantine_vlans: {entry!r} is "
                             "not PHYSNET:VLAN")
        if parts[0] in quarantine:
            raise ValueError(f"[networking] quarantine_vlans: physical "
                             f"network {parts[0]} is given twice")
        quarantine[parts[0]] = _vlan(parts[1], entry, "quarantine_vlans")
    pools = Pools({k: tuple(v) for k, v in ranges.items()}, quarantine)
    for physnet in pools.ranges:
        if physnet not in quarantine:
            raise ValueError(f"[networking] quarantine_vlans: physical "
                             f"network {physnet} has a VLAN range but no "
                             "quarantine VLAN")
    for physnet, vlan in quarantine.items():
        if pools.in_pool(physnet, vlan):
            raise ValueError(f"[networking] quarantine_vlans: VLAN {vlan} "
                             f"of {physnet} lies in its pool")
    return pools


@functools.lru_cache(maxsize=8)
def _cached(vlan_ranges: tuple[str, ...],
            quarantine_vlans: tuple[str, ...]) -> Pools:
    return parse(list(vlan_ranges), list(quarantine_vlans))


def pools() -> Pools:
    """The current configuration's pools (parsed once per value).

    :raises ValueError: when the options are malformed.
    """
    return _cached(tuple(CONF.networking.vlan_ranges),
                   tuple(CONF.networking.quarantine_vlans))


def default_physical_network() -> str | None:
    """``[networking] default_physical_network``, else the only physical
    network configured, else ``None``."""
    if CONF.networking.default_physical_network:
        return str(CONF.networking.default_physical_network)
    physnets = pools().physical_networks()
    return physnets[0] if len(physnets) == 1 else None


def quarantine_vlan(physical_network: str) -> int:
    """The quarantine VLAN of a physical network.

    :raises Conflict: when the configuration has none for it.
    """
    vlan = pools().quarantine.get(physical_network)
    if vlan is None:
        raise exception.Conflict(
            reason=f"Physical network {physical_network} has no quarantine "
                   "VLAN ([networking] quarantine_vlans); esi-leap will not "
                   "change its ports.")
    return vlan
