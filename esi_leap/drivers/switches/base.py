"""The switch driver interface.

esi-leap keeps, per switch port, the state it wants: a native (untagged)
VLAN and a set of tagged VLANs. A port with no tenant network on it has the
physical network's quarantine VLAN as its native VLAN and nothing tagged;
a port is never left without a VLAN, because on several switches (Open
vSwitch among them) a port with no VLAN carries every VLAN.

A driver is built for one switch (:class:`SwitchConfig`) and opens
sessions on it. The manager applies a batch of :class:`PortChange` in one
session and learns each change's outcome separately, so one refused port
does not fail the others. Drivers are found by stevedore in the namespace
``esi_leap.switch_drivers``.
"""

import abc
import contextlib
import dataclasses
from collections.abc import Collection
from collections.abc import Iterator
from collections.abc import Mapping

#: The stevedore namespace of switch drivers.
NAMESPACE = "esi_leap.switch_drivers"


@dataclasses.dataclass(frozen=True)
class SwitchConfig:
    """Everything a driver needs to reach one switch.

    ``connection`` holds the driver's connection options (for
    ``generic_switch``, networking-generic-switch's device options such as
    ``ip``, ``port``, ``username``, ``key_file`` and ``ngs_*`` settings);
    ``secrets`` the decrypted write-only ones (``password``, ``secret``).
    Neither is ever logged.
    """

    name: str
    driver: str
    device_type: str | None = None
    connection: Mapping[str, str] = dataclasses.field(default_factory=dict)
    secrets: Mapping[str, str] = dataclasses.field(default_factory=dict,
                                                   repr=False)


@dataclasses.dataclass(frozen=True)
class PortState:
    """What a switch port carries: a native VLAN and tagged VLANs.

    With no tagged VLANs the port is an access port of ``native_vlan``;
    with tagged VLANs it is a trunk whose untagged traffic goes to
    ``native_vlan``.
    """

    native_vlan: int
    tagged_vlans: frozenset[int] = frozenset()

    @property
    def is_trunk(self) -> bool:
        return bool(self.tagged_vlans)


@dataclasses.dataclass(frozen=True)
class PortChange:
    """Move one switch port to ``target``.

    ``current`` is what esi-leap last applied to the port (``None`` when it
    never touched it); drivers use it to remove VLANs that must go.
    ``network_ids`` maps each VLAN of ``target`` to the esi-leap network
    uuid that owns it, for drivers that name VLANs after networks.
    """

    port: str
    target: PortState
    current: PortState | None = None
    network_ids: Mapping[int, str] = dataclasses.field(default_factory=dict)


#: Port modes a read-back reports.
ACCESS, TRUNK = "access", "trunk"


@dataclasses.dataclass(frozen=True)
class ObservedPort:
    """A switch port as read back from the switch.

    ``native_vlan`` is the access VLAN of an access port, or the VLAN a
    trunk gives untagged frames (None when the trunk drops them or the
    switch did not say). ``allowed_vlans`` are the VLANs a trunk carries
    tagged, ``None`` meaning every VLAN (an Open vSwitch port with no tag
    and no trunks, a Cisco trunk with no allowed list); always empty for
    an access port. ``admin_up`` is None when the switch did not say.
    """

    port: str
    mode: str
    native_vlan: int | None
    allowed_vlans: frozenset[int] | None = frozenset()
    admin_up: bool | None = None

    @property
    def carries_all(self) -> bool:
        """Whether the port carries every VLAN."""
        return self.mode == TRUNK and self.allowed_vlans is None

    def carried(self) -> frozenset[int]:
        """The VLANs the port carries, tagged or not (for a port that
        carries every VLAN, only its native VLAN; check
        :attr:`carries_all` first)."""
        native = {self.native_vlan} if self.native_vlan is not None else set()
        return frozenset(native | set(self.allowed_vlans or ()))


class SwitchError(Exception):
    """The switch refused a change; retrying the same change will not help.

    The message is the switch's own explanation, fit to show the user (it
    never contains credentials).
    """


class SwitchUnreachable(SwitchError):
    """The switch could not be reached or timed out; worth retrying."""


class SwitchSession(abc.ABC):
    """One open connection to a switch."""

    @abc.abstractmethod
    def apply(self, change: PortChange) -> None:
        """Configure one port as ``change.target`` says.

        Native VLAN first, then tagged VLANs; VLANs no longer wanted are
        removed. Never leaves the port without a VLAN.

        :raises SwitchError: when the switch refuses the change.
        :raises SwitchUnreachable: when the session broke.
        """


class SwitchDriver(abc.ABC):
    """A driver for one switch; cheap to build, holds no connection."""

    def __init__(self, config: SwitchConfig) -> None:
        self.config = config

    def commands_for(self, change: PortChange) -> list[str]:
        """What applying ``change`` would do, for a person to read (a dry
        run: nothing is sent). Drivers that speak a CLI return its
        commands."""
        target = change.target
        tagged = ", ".join(map(str, sorted(target.tagged_vlans))) or "none"
        return [f"port {change.port}: native VLAN {target.native_vlan}, "
                f"tagged VLANs {tagged}"]

    def read_ports(self, ports: Collection[str] | None = None
                   ) -> dict[str, ObservedPort]:
        """Read ports' state back from the switch, changing nothing, in
        one session.

        With ``ports`` None, every port of the switch (except its own
        internal/uplink ports where the driver can tell); otherwise at
        least those of ``ports`` that exist (more may be returned). A port
        missing from the answer does not exist on the switch.

        :raises SwitchUnreachable: when the switch cannot be reached.
        :raises SwitchError: when the driver cannot read this switch or
            cannot understand its answer.
        """
        raise SwitchError(f"the {self.config.driver} driver cannot read "
                          f"switch ports back")

    @abc.abstractmethod
    def session(self) -> contextlib.AbstractContextManager[SwitchSession]:
        """Open one session; leaving the context saves and disconnects.

        :raises SwitchUnreachable: when no session can be opened.
        """


def apply_all(session: SwitchSession, changes: list[PortChange]
              ) -> Iterator[tuple[PortChange, SwitchError | None]]:
    """Apply ``changes`` one by one in ``session``; yield each outcome.

    A refused change yields its :class:`SwitchError` and the next one is
    tried; a broken session (:class:`SwitchUnreachable`) stops the batch,
    yielding the error for every change not yet applied.
    """
    for index, change in enumerate(changes):
        try:
            session.apply(change)
        except SwitchUnreachable as exc:
            for rest in changes[index:]:
                yield rest, exc
            return
        except SwitchError as exc:
            yield change, exc
            continue
        yield change, None
