"""What the auditor compares: intended ports and findings, as plain data."""

import dataclasses
import hashlib
from collections.abc import Mapping
from typing import Any

from esi_leap.drivers.switches.base import ObservedPort

MATCH = "match"
MISSING_VLAN = "missing_vlan"
EXTRA_VLAN = "extra_vlan"
WRONG_MODE = "wrong_mode"
WRONG_NATIVE = "wrong_native"
NOT_QUARANTINED = "not_quarantined"
UNMANAGED_PORT = "unmanaged_port"
UNREADABLE = "unreadable"
DOUBLE_BINDING = "double_binding"
KINDS = (MATCH, MISSING_VLAN, EXTRA_VLAN, WRONG_MODE, WRONG_NATIVE,
         NOT_QUARANTINED, UNMANAGED_PORT, UNREADABLE, DOUBLE_BINDING)

CRITICAL, MAJOR, MINOR, INFO = "critical", "major", "minor", "info"
#: Most severe first.
SEVERITIES = (CRITICAL, MAJOR, MINOR, INFO)


@dataclasses.dataclass(frozen=True)
class NetworkRef:
    """A tenant network as the auditor needs it."""

    uuid: str
    project_id: str
    vlan: int
    public: bool = False
    shared_with: frozenset[str] = frozenset()

    def usable_by(self, project_id: str | None) -> bool:
        """Whether ``project_id`` may have this network on its ports."""
        return bool(project_id) and (
            self.public or project_id == self.project_id
            or project_id in self.shared_with)


@dataclasses.dataclass(frozen=True)
class IntendedPort:
    """A node port esi-leap manages and what it should carry.

    ``native_vlan`` is the native network's VLAN, else the quarantine VLAN
    (None when the physical network has none); ``networks`` maps each
    attached network's VLAN to it.
    """

    switch: str
    switch_port: str
    port_uuid: str
    node_uuid: str
    native_vlan: int | None
    tagged_vlans: frozenset[int]
    networks: Mapping[int, NetworkRef]
    #: Every tenant network of the port's physical network, by VLAN.
    tenant_vlans: Mapping[int, NetworkRef]
    project_id: str | None = None
    lease_uuid: str | None = None

    @property
    def quarantined(self) -> bool:
        """Whether the port should carry no tenant network."""
        return not self.networks

    def carried(self) -> frozenset[int]:
        native = {self.native_vlan} if self.native_vlan is not None else set()
        return frozenset(native | self.tagged_vlans)

    def expected(self) -> dict[str, Any]:
        """The intended state, as findings show it."""
        return {"mode": "trunk" if self.tagged_vlans else "access",
                "native_vlan": self.native_vlan,
                "tagged_vlans": sorted(self.tagged_vlans),
                "networks": {str(vlan): net.uuid
                             for vlan, net in sorted(self.networks.items())}}


@dataclasses.dataclass(frozen=True)
class SwitchIntent:
    """Everything the auditor expects of one switch."""

    switch: str
    ports: Mapping[str, IntendedPort]
    #: Tenant networks of the switch's physical network, by VLAN (for
    #: ports esi-leap does not manage).
    tenant_vlans: Mapping[int, NetworkRef]
    ignored_ports: frozenset[str] = frozenset()
    #: Ports with an unfinished network action: not judged.
    busy_ports: frozenset[str] = frozenset()
    #: Switch ports claimed by several node ports: switch port -> the
    #: claimants as (port uuid, node uuid), and the uuid of the one that
    #: holds it (None: none does).
    double_bound: Mapping[str, tuple[tuple[tuple[str, str], ...],
                                     str | None]] = dataclasses.field(
        default_factory=dict)


def observed_view(observed: ObservedPort | None) -> dict[str, Any] | None:
    """An observed port, as findings show it."""
    if observed is None:
        return None
    allowed: Any = ("all" if observed.allowed_vlans is None
                    else sorted(observed.allowed_vlans))
    return {"mode": observed.mode, "native_vlan": observed.native_vlan,
            "allowed_vlans": allowed, "admin_up": observed.admin_up}


@dataclasses.dataclass
class Draft:
    """A finding as one audit sees it, before it is stored."""

    kind: str
    severity: str
    switch: str
    message: str
    switch_port: str | None = None
    vlan: int | None = None
    port_uuid: str | None = None
    node_uuid: str | None = None
    lease_uuid: str | None = None
    project_id: str | None = None
    network_uuid: str | None = None
    expected: dict[str, Any] | None = None
    observed: dict[str, Any] | None = None
    #: Networks of other projects the port carries: uuid -> project.
    foreign_networks: dict[str, str] = dataclasses.field(
        default_factory=dict)

    def fingerprint(self) -> str:
        """What makes two audits' findings the same finding."""
        text = "\0".join([self.switch, self.switch_port or "", self.kind,
                          "" if self.vlan is None else str(self.vlan)])
        return hashlib.sha256(text.encode()).hexdigest()

    def values(self) -> dict[str, Any]:
        """The finding's columns (see ``models.Finding``)."""
        return {
            "kind": self.kind, "severity": self.severity,
            "switch": self.switch, "switch_port": self.switch_port,
            "vlan": self.vlan, "port_uuid": self.port_uuid,
            "node_uuid": self.node_uuid, "lease_uuid": self.lease_uuid,
            "project_id": self.project_id,
            "network_uuid": self.network_uuid, "message": self.message,
            "details": {
                "expected": self.expected, "observed": self.observed,
                "foreign_networks": dict(sorted(
                    self.foreign_networks.items())),
                "foreign_project_ids": sorted(set(
                    self.foreign_networks.values()))},
            "active_key": self.fingerprint()}
