"""The ``generic_switch`` driver: any networking-generic-switch netmiko device.

networking-generic-switch (NGS) knows the CLI of many switches as command
templates on its device classes (``PLUG_PORT_TO_NETWORK``,
``SET_NATIVE_VLAN``, ``ADD_NETWORK_TO_TRUNK``, ...). This driver builds the
NGS device named by ``SwitchConfig.device_type`` (``netmiko_cisco_ios``,
``netmiko_ovs_linux``, ...) without connecting, turns each
:class:`~esi_leap.drivers.switches.base.PortChange` into that device's
commands, and sends them over ONE netmiko connection per session (NGS's own
per-call connections, batching and etcd locks are not used). After each
change it scans the switch's answer with the device's
``ERROR_MSG_PATTERNS`` plus a few patterns NGS lacks (an ``ovs-vsctl``
error, a Cisco-style ``% Invalid input``, Brocade's ``Invalid input
->``), because NGS would report those as successes. A port becoming a
trunk first gets an empty allowed list where the device has a command for
it (Cisco and Arista trunks allow every VLAN by default, and NGS only
adds to the list). The configuration is saved once, when the session
closes.

A port is never unplugged with ``DELETE_PORT``: esi-leap always moves it to
another VLAN (the quarantine VLAN when it carries no tenant network); on
Open vSwitch a port without a tag carries every VLAN. When every command of
a change is an ``ovs-vsctl`` call, they are joined into one ``ovs-vsctl``
transaction (a few for very long VLAN lists), so the port does not pass
through intermediate states.

Each change costs one ``send_config_set``. NGS sends with command-echo
verification off, which makes netmiko wait two seconds of silence after
every change; the netmiko option ``global_cmd_verify: true`` in the
connection options waits for the prompt instead (tens of milliseconds).

Read-back (:meth:`GenericSwitchDriver.read_ports`): one netmiko
connection, ``enable`` when an enable ``secret`` is configured, then only
the read-only commands of the device family
(:mod:`esi_leap.drivers.switches.readback`: never configuration mode, never
a save), parsed there. Every port is returned, the ones asked for under
the caller's names; the switch's ``ngs_trunk_ports`` and internal ports
are left out unless asked for.

Errors: no connection, failed login or a broken/timed-out session raise
:class:`~esi_leap.drivers.switches.base.SwitchUnreachable`; a refused
change, an unknown device type or a device type that cannot do what is
asked raise :class:`~esi_leap.drivers.switches.base.SwitchError`. Messages
never contain the password or enable secret.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.metadata
import logging
import re
import threading
import time
import uuid
import warnings
from collections.abc import Collection
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any
from typing import ClassVar

from esi_leap.drivers.switches import readback
from esi_leap.drivers.switches import values as switch_values
from esi_leap.drivers.switches.base import ObservedPort
from esi_leap.drivers.switches.base import PortChange
from esi_leap.drivers.switches.base import PortState
from esi_leap.drivers.switches.base import SwitchConfig
from esi_leap.drivers.switches.base import SwitchDriver
from esi_leap.drivers.switches.base import SwitchError
from esi_leap.drivers.switches.base import SwitchSession
from esi_leap.drivers.switches.base import SwitchUnreachable

LOG = logging.getLogger(__name__)

#: Entry-point group of networking-generic-switch device types.
NGS_NAMESPACE = "generic_switch.devices"
#: Names VLANs that no esi-leap network owns (e.g. a quarantine VLAN).
VLAN_NAME_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_DNS, "vlan.esi-leap.invalid")

#: Failures NGS does not flag on some device types; matched per line.
EXTRA_ERROR_PATTERNS = (
    re.compile(r"^ovs-vsctl: .*$", re.M),
    re.compile(r"^% ?(Invalid input|Incomplete command|Ambiguous command)"
               r".*$", re.M),
    re.compile(r"^.*: command not found$", re.M),
    # Brocade FastIron: "Invalid input -> 1/99".
    re.compile(r"^Invalid input -> .*$", re.M),
)
#: Messages of NGS that mean nothing for how esi-leap uses it.
_QUIET_NGS_MESSAGES = (
    ("networking_generic_switch.devices.netmiko_devices",
     "[ngs_coordination] backend_url is not configured"),
    ("networking_generic_switch.batching",
     "Timed out waiting for threads to complete"),
)
_MAX_MESSAGE = 500
#: Longest joined ``ovs-vsctl`` line (netmiko's terminal is 511 wide).
MAX_JOINED_LENGTH = 400
_OVS_VSCTL = "ovs-vsctl "
#: Seconds one read-back command may take (a big running configuration).
READ_TIMEOUT = 60.0


@functools.cache
def _entry_point_names() -> tuple[str, ...]:
    return tuple(sorted(ep.name for ep in
                        importlib.metadata.entry_points(group=NGS_NAMESPACE)))


def known_device_types() -> list[str]:
    """Names of the installed networking-generic-switch device types."""
    return list(_entry_point_names())


class _DropMessages(logging.Filter):
    def __init__(self, fragment: str) -> None:
        super().__init__()
        self.fragment = fragment

    def filter(self, record: logging.LogRecord) -> bool:
        return self.fragment not in str(record.msg)


class _Ngs:
    """The parts of networking-generic-switch this driver uses."""

    def __init__(self) -> None:
        self.devices = importlib.import_module(
            "networking_generic_switch.devices")
        self.netmiko_devices = importlib.import_module(
            "networking_generic_switch.devices.netmiko_devices")
        self.exceptions = importlib.import_module(
            "networking_generic_switch.exceptions")


_ngs_lock = threading.Lock()
_ngs_loaded: _Ngs | None = None


def _ngs() -> _Ngs:
    """Import the NGS device layer once, quietly (it is slow to import and
    warns about eventlet and about options esi-leap does not use)."""
    global _ngs_loaded
    with _ngs_lock:
        if _ngs_loaded is None:
            for logger_name, fragment in _QUIET_NGS_MESSAGES:
                logging.getLogger(logger_name).addFilter(
                    _DropMessages(fragment))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _ngs_loaded = _Ngs()
        return _ngs_loaded


def _bool(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "t", "true", "on", "y", "yes")


class _Scrubber:
    """Removes secrets from text meant for logs and exception messages."""

    def __init__(self, secrets: Mapping[str, str]) -> None:
        self._secrets = sorted((s for s in secrets.values() if s),
                               key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# -- command building ------------------------------------------------------


def vlan_uuid(vlan: int, network_id: str | None) -> uuid.UUID:
    """The uuid a VLAN is named after: its network's, or for VLANs no
    network owns (e.g. a quarantine VLAN) a stable uuid5 of the number."""
    if network_id:
        return uuid.UUID(str(network_id))
    return uuid.uuid5(VLAN_NAME_NAMESPACE, str(vlan))


def vlan_name(device: Any, vlan: int, network_id: str | None) -> str:
    """The VLAN name NGS would give the network: its
    ``ngs_network_name_format`` applied to the uuid's 32 hex digits."""
    name_format = device.ngs_config.get("ngs_network_name_format",
                                        "{network_id}")
    return str(name_format.format(
        network_id=vlan_uuid(vlan, network_id).hex, segmentation_id=vlan))


def _format(device_type: str | None, templates: Sequence[str] | None,
            **values: Any) -> list[str]:
    """The template lines with ``values`` put in, each value checked
    against its allowlist first (:mod:`~esi_leap.drivers.switches.values`;
    ports with ``device_type``'s pattern).

    :raises SwitchError: for a value outside its allowlist.
    """
    try:
        switch_values.check_command_values(values, device_type)
    except switch_values.UnsafeValue as exc:
        raise SwitchError(f"refused before sending anything: {exc}") \
            from None
    return [line.format(**values) for line in templates or ()]


def native_in_allowed_list(device: Any) -> bool:
    """Whether the device's ``SET_NATIVE_VLAN`` also puts the native VLAN
    in the trunk's allowed list (then that VLAN must be removed from the
    list when it stops being the native one)."""
    adds = [line for line in device.ADD_NETWORK_TO_TRUNK or ()
            if "{segmentation_id}" in line]
    return any(line in (device.SET_NATIVE_VLAN or ()) for line in adds)


def _carried(device: Any, state: PortState | None) -> set[int]:
    """VLANs in the port's trunk allowed list after esi-leap set ``state``."""
    if state is None or not state.is_trunk:
        return set()
    carried = set(state.tagged_vlans)
    if native_in_allowed_list(device):
        carried.add(state.native_vlan)
    return carried


def _check_capable(device: Any, device_type: str, target: PortState) -> None:
    if not device.PLUG_PORT_TO_NETWORK:
        raise SwitchError(f"device type {device_type} has no command to "
                          f"put a port on a VLAN")
    if target.is_trunk and not (device.SET_NATIVE_VLAN
                                and device.ADD_NETWORK_TO_TRUNK):
        raise SwitchError(f"device type {device_type} cannot carry tagged "
                          f"VLANs (networking-generic-switch has no "
                          f"SET_NATIVE_VLAN/ADD_NETWORK_TO_TRUNK commands "
                          f"for it)")


def _ensure_vlans(device: Any, device_type: str,
                  change: PortChange) -> list[list[str]]:
    """Create the target's VLANs where the device has ``ADD_NETWORK``
    (and add them to the switch's ``ngs_trunk_ports``, as NGS does)."""
    if not _bool(device.ngs_config.get("ngs_manage_vlans", True)):
        return []
    target = change.target
    groups: list[list[str]] = []
    uplinks = device.get_trunk_ports()
    for vlan in [target.native_vlan, *sorted(target.tagged_vlans)]:
        network_id = change.network_ids.get(vlan)
        groups.append(_format(
            device_type, device.ADD_NETWORK, segmentation_id=vlan,
            network_id=vlan_uuid(vlan, network_id).hex,
            network_name=vlan_name(device, vlan, network_id)))
        groups += [_format(device_type, device.ADD_NETWORK_TO_TRUNK,
                           port=uplink,
                           segmentation_id=vlan) for uplink in uplinks]
    return groups


def _empty_allowed_list(device: Any, device_type: str,
                        port: str) -> list[str]:
    """The device's commands that empty a port's trunk allowed list (its
    ``DELETE_PORT`` template's ``... allowed vlan none`` line), or none."""
    lines = [line for line in device.DELETE_PORT or ()
             if line.strip().endswith("allowed vlan none")]
    if not lines:
        return []
    return _format(device_type, ("interface {port}", *lines), port=port)


def build_command_groups(device: Any, device_type: str,
                         change: PortChange) -> list[list[str]]:
    """The device's commands that move ``change.port`` to its target, one
    list per template use (empty templates give empty lists).

    Access target: remove the tagged VLANs esi-leap had put on the port,
    create the VLAN, plug the port into it (``PLUG_PORT_TO_NETWORK``), then
    remove a former native VLAN from the trunk list. Trunk target: create
    the VLANs, ``SET_NATIVE_VLAN``, ``ADD_NETWORK_TO_TRUNK`` per tagged
    VLAN, then ``REMOVE_NETWORK_FROM_TRUNK`` for VLANs no longer wanted.

    :raises SwitchError: when the device cannot do it or a VLAN or port is
        outside the switch's ``ngs_allowed_vlans``/``ngs_allowed_ports``.
    """
    target, port = change.target, change.port
    switch_values.check_change(change, device_type,
                               device.get_trunk_ports() or ())
    _check_capable(device, device_type, target)
    for vlan in (target.native_vlan, *target.tagged_vlans):
        if not device.is_allowed(port, vlan):
            raise SwitchError(f"port {port} or VLAN {vlan} is not allowed "
                              f"on this switch")
    stale = _carried(device, change.current) - _carried(device, target)
    old_native = change.current.native_vlan if change.current else None
    remove_first = sorted(stale - {old_native})
    remove_last = sorted(stale & {old_native})

    def removals(vlans: list[int]) -> list[list[str]]:
        return [_format(device_type, device.REMOVE_NETWORK_FROM_TRUNK,
                        port=port,
                        segmentation_id=vlan) for vlan in vlans]

    create = _ensure_vlans(device, device_type, change)
    if not target.is_trunk:
        plug = _format(device_type, device.PLUG_PORT_TO_NETWORK, port=port,
                       segmentation_id=target.native_vlan)
        return [*removals(remove_first), *create, plug,
                *removals(remove_last)]
    native = _format(device_type, device.SET_NATIVE_VLAN, port=port,
                     segmentation_id=target.native_vlan)
    if change.current is None or not change.current.is_trunk:
        # A port becoming a trunk may allow every VLAN already (the
        # default on Cisco and Arista), which "allowed vlan add" does not
        # narrow: empty the list first where the device can.
        native = _empty_allowed_list(device, device_type, port) + native
    tagged = [_format(device_type, device.ADD_NETWORK_TO_TRUNK, port=port,
                      segmentation_id=vlan)
              for vlan in sorted(target.tagged_vlans - {target.native_vlan})]
    return [*create, native, *tagged, *removals(remove_first + remove_last)]


def build_commands(device: Any, device_type: str,
                   change: PortChange) -> list[str]:
    """:func:`build_command_groups`, flattened into one command list."""
    return [command
            for group in build_command_groups(device, device_type, change)
            for command in group]


def join_ovs_commands(groups: list[list[str]],
                      limit: int = MAX_JOINED_LENGTH) -> list[str]:
    """Flatten ``groups``; when every command is an ``ovs-vsctl`` call, join
    them into atomic ``ovs-vsctl A -- B -- C`` calls of at most ``limit``
    characters (a terminal echoes longer lines wrapped), never cutting
    inside a group (one template use, e.g. the mode, tag and first trunk
    VLAN of ``SET_NATIVE_VLAN``).

    The templates' order keeps every cut safe: trunk VLANs are removed
    while the port still carries its native VLAN, and a port becomes a
    trunk in the same call that gives it a trunk VLAN, so no call leaves
    an empty trunk list on a trunk port.
    """
    groups = [group for group in groups if group]
    commands = [command for group in groups for command in group]
    if len(commands) < 2 or not all(c.startswith(_OVS_VSCTL)
                                    for c in commands):
        return commands
    joined: list[str] = []
    for group in groups:
        part = " -- ".join(c[len(_OVS_VSCTL):] for c in group)
        if joined and len(joined[-1]) + len(part) + 4 <= limit:
            joined[-1] += " -- " + part
        else:
            joined.append(_OVS_VSCTL + part)
    return joined


def find_errors(device: Any, output: str) -> list[str]:
    """Lines of ``output`` that the device's ``ERROR_MSG_PATTERNS`` or
    :data:`EXTRA_ERROR_PATTERNS` flag as failures."""
    found: list[str] = []
    for pattern in (*device.ERROR_MSG_PATTERNS, *EXTRA_ERROR_PATTERNS):
        for match in pattern.finditer(output):
            start = output.rfind("\n", 0, match.start()) + 1
            end = output.find("\n", match.end())
            line = output[start:end if end >= 0 else None].strip()
            if line and line not in found:
                found.append(line)
    return found


# -- the driver ------------------------------------------------------------


def _unreachable_types() -> tuple[type[BaseException], ...]:
    import paramiko  # type: ignore[import-untyped]
    from netmiko import exceptions as netmiko_exc
    ngs_exc = _ngs().exceptions
    return (paramiko.SSHException, netmiko_exc.NetmikoTimeoutException,
            netmiko_exc.ReadTimeout, netmiko_exc.WriteException,
            ngs_exc.GenericSwitchNetmikoConnectError, EOFError, OSError,
            TimeoutError)


class GenericSwitchDriver(SwitchDriver):
    """Drives one switch through networking-generic-switch's templates.

    ``config.connection`` holds NGS device options (``ip``, ``port``,
    ``username``, ``key_file``, netmiko options, ``ngs_*`` options such as
    ``ngs_ssh_connect_timeout``, ``ngs_save_configuration``,
    ``ngs_network_name_format``, ``ngs_trunk_ports``, ``ngs_allowed_*``);
    ``config.secrets`` ``password`` and ``secret`` (enable password).
    """

    #: Sessions opened by all instances, change sessions and read-backs
    #: alike (for benchmarks and tests).
    sessions_opened: ClassVar[int] = 0
    _count_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, config: SwitchConfig) -> None:
        super().__init__(config)
        known = known_device_types()
        if not config.device_type or config.device_type not in known:
            raise SwitchError(
                f"switch {config.name}: unknown networking-generic-switch "
                f"device type {config.device_type!r} (known: "
                f"{', '.join(known) or 'none'})")
        self.device_type: str = config.device_type
        self._scrub = _Scrubber(config.secrets)
        self._device: Any = None

    def device(self) -> Any:
        """The NGS device object (built once; does not connect)."""
        if self._device is None:
            ngs = _ngs()
            options: dict[str, Any] = dict(self.config.connection)
            options.update(self.config.secrets)
            options["device_type"] = self.device_type
            try:
                device = ngs.devices.device_manager(options, self.config.name)
            except Exception as exc:  # noqa: BLE001 - NGS raises anything
                raise SwitchError(self._scrub(
                    f"switch {self.config.name}: cannot use device type "
                    f"{self.device_type}: {_first_line(exc)}")) from None
            base = ngs.devices.netmiko_devices.NetmikoSwitch
            if not isinstance(device, base):
                raise SwitchError(
                    f"switch {self.config.name}: device type "
                    f"{self.device_type} is not a netmiko device; the "
                    f"generic_switch driver drives netmiko devices only")
            self._device = device
        return self._device

    def commands_for(self, change: PortChange) -> list[str]:
        """The commands :meth:`_Session.apply` would send for ``change``
        (without connecting)."""
        return join_ovs_commands(build_command_groups(
            self.device(), self.device_type, change))

    def _connect(self, device: Any) -> Any:
        """One netmiko connection, retried on SSH errors for
        ``ngs_ssh_connect_timeout`` seconds, as NGS does."""
        import netmiko
        import paramiko
        timeout = self._seconds(device, "ngs_ssh_connect_timeout", 60)
        interval = self._seconds(device, "ngs_ssh_connect_interval", 10)
        deadline = time.monotonic() + timeout
        retry = (paramiko.SSHException, EOFError)
        while True:
            try:
                return netmiko.ConnectHandler(**dict(device.config))
            except netmiko.exceptions.NetmikoAuthenticationException:
                raise SwitchUnreachable(
                    f"switch {self.config.name}: authentication "
                    f"failed") from None
            except retry as exc:
                if time.monotonic() + interval > deadline:
                    raise self._unreachable(exc) from None
                LOG.debug("Switch %s: connection failed (%s), retrying",
                          self.config.name, type(exc).__name__)
                time.sleep(interval)
            except Exception as exc:  # noqa: BLE001 - socket, DNS, key file
                raise self._unreachable(exc) from None

    def _seconds(self, device: Any, option: str, default: float) -> float:
        value = device.ngs_config.get(option, default)
        try:
            return max(0.0, float(value))
        except (TypeError, ValueError):
            raise SwitchError(f"switch {self.config.name}: {option} must be "
                              f"a number of seconds, not {value!r}") from None

    def _unreachable(self, exc: BaseException) -> SwitchUnreachable:
        return SwitchUnreachable(self._scrub(
            f"switch {self.config.name} unreachable: {_first_line(exc)}"))

    @contextlib.contextmanager
    def session(self) -> Iterator[SwitchSession]:
        device = self.device()
        connection = self._connect(device)
        with GenericSwitchDriver._count_lock:
            GenericSwitchDriver.sessions_opened += 1
        session = _Session(self, device, connection)
        try:
            yield session
            session.save()
        finally:
            with contextlib.suppress(Exception):
                connection.disconnect()

    # -- read-back ---------------------------------------------------------

    def read_ports(self, ports: Collection[str] | None = None
                   ) -> dict[str, ObservedPort]:
        """Read ports back over one netmiko connection, sending only the
        device family's read-only commands (see
        :mod:`~esi_leap.drivers.switches.readback`).

        :raises SwitchError: when the device type cannot be read back or
            its answer cannot be understood.
        :raises SwitchUnreachable: when the switch cannot be reached or
            the session breaks.
        """
        try:
            reader = readback.reader_for(self.device_type)
        except SwitchError as exc:
            raise SwitchError(f"switch {self.config.name}: {exc}") from None
        device = self.device()
        connection = self._connect(device)
        with GenericSwitchDriver._count_lock:
            GenericSwitchDriver.sessions_opened += 1
        try:
            outputs = self._read(device, connection, reader.commands)
        finally:
            with contextlib.suppress(Exception):
                connection.disconnect()
        try:
            observed = reader.parse(outputs)
            exclude = set(reader.internal(outputs))
        except SwitchError as exc:
            raise SwitchError(self._scrub(
                f"switch {self.config.name}: {exc}")) from None
        exclude.update(device.get_trunk_ports() or ())
        return readback.select_ports(observed, ports, exclude=exclude,
                                     key=reader.key)

    def _read(self, device: Any, connection: Any,
              commands: Sequence[str]) -> list[str]:
        """The outputs of ``commands``, in order (``enable`` first when an
        enable secret is configured)."""
        command = "enable"
        try:
            if device.config.get("secret"):
                connection.enable()
            outputs = []
            for command in commands:
                outputs.append(str(connection.send_command(
                    command, read_timeout=READ_TIMEOUT) or ""))
            return outputs
        except _unreachable_types() as exc:
            raise self._unreachable(exc) from None
        except Exception as exc:  # noqa: BLE001 - netmiko raises anything
            raise SwitchError(self._scrub(
                f"switch {self.config.name}: {command!r} failed: "
                f"{type(exc).__name__}: {_first_line(exc)}")) from None


class _Session(SwitchSession):
    """One netmiko connection; see :class:`GenericSwitchDriver`."""

    def __init__(self, driver: GenericSwitchDriver, device: Any,
                 connection: Any) -> None:
        self.driver = driver
        self.device = device
        self.connection = connection
        self.changed = False
        self.broken: SwitchUnreachable | None = None

    @property
    def _name(self) -> str:
        return self.driver.config.name

    def apply(self, change: PortChange) -> None:
        if self.broken is not None:
            raise self.broken
        commands = join_ovs_commands(build_command_groups(
            self.device, self.driver.device_type, change))
        output = self._send(commands)
        self.changed = True
        errors = find_errors(self.device, output)
        if errors:
            message = "; ".join(errors)[:_MAX_MESSAGE]
            raise SwitchError(self.driver._scrub(
                f"switch {self._name} refused the change of port "
                f"{change.port}: {message}"))
        LOG.debug("Switch %s: port %s set to native %s, tagged %s",
                  self._name, change.port, change.target.native_vlan,
                  sorted(change.target.tagged_vlans))

    def _send(self, commands: list[str]) -> str:
        """Send ``commands`` the device's way (NGS ``send_config_set``,
        plus ``commit`` where the device has one)."""
        try:
            output = str(self.device.send_config_set(self.connection,
                                                     commands) or "")
            commit = getattr(self.device, "commit", None)
            if callable(commit):
                output += str(commit(self.connection) or "")
            return output
        except _unreachable_types() as exc:
            self.broken = self.driver._unreachable(exc)
            raise self.broken from None
        except Exception as exc:  # noqa: BLE001 - netmiko raises anything
            raise SwitchError(self.driver._scrub(
                f"switch {self._name}: {type(exc).__name__}: "
                f"{_first_line(exc)}")) from None

    def save(self) -> None:
        """Save the configuration once if anything was sent (honours
        ``ngs_save_configuration``; devices with no save are skipped)."""
        device = self.device
        if not self.changed or self.broken is not None or not _bool(
                device.ngs_config.get("ngs_save_configuration", True)):
            return
        base = _ngs().devices.netmiko_devices.NetmikoSwitch
        try:
            if type(device).save_configuration is not \
                    base.save_configuration:
                device.save_configuration(self.connection)
                return
            try:
                self.connection.save_config()
            except NotImplementedError:
                for command in device.SAVE_CONFIGURATION or ():
                    self.connection.send_command(command)
        except _unreachable_types() as exc:
            raise self.driver._unreachable(exc) from None
        except Exception as exc:  # noqa: BLE001 - netmiko raises anything
            raise SwitchError(self.driver._scrub(
                f"switch {self._name}: saving the configuration failed: "
                f"{_first_line(exc)}")) from None
