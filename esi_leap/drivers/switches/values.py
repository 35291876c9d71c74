"""The allowlist of every value that reaches a switch's command line.

A switch driver types commands into a CLI (a Cisco ``configure terminal``,
a shell running ``ovs-vsctl``): a value with a line break, a ``;``, a
quote or a ``#`` in it would end the command early and start another one.
So every value esi-leap interpolates into a switch command is checked
against an allowlist here, and checked three times: where it enters (the
API, Ironic's ``local_link_connection``), and again in the driver right
before the commands are built (:func:`check_command_values`).

Switch port names
    :data:`PORT_PATTERN`: a letter or digit, then letters, digits and
    ``/ . _ : -``, 64 characters at most (``Ethernet1/1``, ``ge-0/0/1.0``,
    ``Gi1/0/1``, ``eth0``). A device type may declare a stricter pattern
    (:data:`DEVICE_PORT_PATTERNS`; an Open vSwitch port is a Linux
    interface name), or, where the switch's CLI needs it, allow one space
    between an interface type and its number (Dell OS9 and PowerConnect:
    ``TenGigabitEthernet 1/0/1``); a space cannot start a new command on
    those line-based CLIs, while a line break, ``;`` or ``#`` could.
VLAN ids
    integers from 1 to 4094 (never a bool or a string).
VLAN names
    :data:`VLAN_NAME_PATTERN` (what ``ngs_network_name_format`` makes of a
    network uuid).
Switch names and ids
    ``switch_info`` names a switch by :data:`SWITCH_NAME_PATTERN`;
    ``switch_id`` is a MAC address. Neither reaches a command line, but
    both come from Ironic and end up in logs and messages.

Nothing here tries to escape or quote a value: a value outside the
allowlist is refused, with a message that shows it escaped
(:func:`shown`).
"""

import re
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from esi_leap.drivers.switches.base import PortChange
from esi_leap.drivers.switches.base import SwitchError

#: Switch port names every driver accepts.
PORT_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9/._:-]{0,63}")
#: :data:`PORT_PATTERN`, or an interface type and number separated by
#: one space (``TenGigabitEthernet 1/0/1``), which Dell OS9 and
#: PowerConnect/N-series CLIs need; at most 64 characters either way.
SPACED_PORT_PATTERN = re.compile(
    rf"(?=.{{1,64}}$)(?:{PORT_PATTERN.pattern}"
    r"|[A-Za-z][A-Za-z-]{0,31} [0-9][0-9/.:]{0,31})")
#: Port name patterns of device types whose ports are named otherwise:
#: stricter (a Linux interface name for Open vSwitch), or Dell's
#: "type number" names with one space.
DEVICE_PORT_PATTERNS: Mapping[str, re.Pattern[str]] = {
    # A Linux interface name: 15 characters, no "/" or ":".
    "netmiko_ovs_linux": re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,14}"),
    "netmiko_dell_force10": SPACED_PORT_PATTERN,
    "netmiko_dell_powerconnect": SPACED_PORT_PATTERN,
}
#: What each device type's pattern allows, for messages.
_PATTERN_RULES: Mapping[str, str] = {
    "netmiko_ovs_linux": "1 to 15 letters, digits, '.', '_' and '-', "
                         "starting with a letter or digit",
    "netmiko_dell_force10": "a port name without spaces, or an interface "
                            "type and number separated by one space",
    "netmiko_dell_powerconnect": "a port name without spaces, or an "
                                 "interface type and number separated by "
                                 "one space",
}
#: VLAN names (``ngs_network_name_format`` applied to a network uuid).
VLAN_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
#: Names of switches (``[switch:NAME]``, ``POST /v1/switches``,
#: Ironic's ``switch_info``).
SWITCH_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,254}")
#: A MAC address (Ironic's ``switch_id``).
MAC_PATTERN = re.compile(r"[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}"
                         r"(\1[0-9A-Fa-f]{2}){4}")
#: The 32 hex digits of a uuid (``{network_id}`` of NGS templates).
HEX_ID_PATTERN = re.compile(r"[0-9a-f]{32}")
MIN_VLAN, MAX_VLAN = 1, 4094
#: How much of a refused value a message shows.
SHOWN_LENGTH = 80


class UnsafeValue(ValueError):
    """A value is not allowed to reach a switch; the message says which
    and shows the value escaped."""


def shown(value: Any) -> str:
    """``value`` fit for a log line or a message: every control and
    non-ASCII character escaped, quoted, cut to a readable length."""
    text = ascii(value) if isinstance(value, str) else ascii(repr(value))
    if len(text) > SHOWN_LENGTH:
        return text[:SHOWN_LENGTH] + "...'"
    return text


def port_pattern(device_type: str | None = None) -> re.Pattern[str]:
    """The port name pattern of ``device_type`` (the default for others)."""
    return DEVICE_PORT_PATTERNS.get(device_type or "", PORT_PATTERN)


def _allowed(what: str, value: Any, pattern: re.Pattern[str],
             rule: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise UnsafeValue(f"{what} {shown(value)} is not allowed: {rule}")
    return value


def check_port(value: Any, device_type: str | None = None) -> str:
    """``value`` if it may be used as a switch port name.

    :raises UnsafeValue: otherwise.
    """
    special = _PATTERN_RULES.get(device_type or "")
    if special:
        rule = f"device type {device_type} takes {special}"
    else:
        rule = ("a switch port name is 1 to 64 letters, digits, '/', '.', "
                "'_', ':' and '-', starting with a letter or digit")
    return _allowed("switch port", value, port_pattern(device_type), rule)


def check_vlan(value: Any) -> int:
    """``value`` if it is a VLAN id (an int from 1 to 4094).

    :raises UnsafeValue: otherwise.
    """
    if (isinstance(value, bool) or not isinstance(value, int)
            or not MIN_VLAN <= value <= MAX_VLAN):
        raise UnsafeValue(f"VLAN {shown(value)} is not allowed: a VLAN id "
                          f"is an integer from {MIN_VLAN} to {MAX_VLAN}")
    return value


def check_vlan_name(value: Any) -> str:
    """``value`` if it may name a VLAN on a switch.

    :raises UnsafeValue: otherwise.
    """
    return _allowed("VLAN name", value, VLAN_NAME_PATTERN,
                    "a VLAN name is 1 to 128 letters, digits, '.', '_', "
                    "':' and '-' (check ngs_network_name_format)")


def check_switch_name(value: Any) -> str:
    """``value`` if it may name a switch.

    :raises UnsafeValue: otherwise.
    """
    return _allowed("switch name", value, SWITCH_NAME_PATTERN,
                    "a switch name is 1 to 255 letters, digits, '.', '_', "
                    "':', '@' and '-', starting with a letter or digit")


def check_switch_id(value: Any) -> str:
    """``value`` if it is a MAC address.

    :raises UnsafeValue: otherwise.
    """
    return _allowed("switch_id", value, MAC_PATTERN,
                    "a switch_id is a MAC address such as "
                    "aa:bb:cc:dd:ee:ff")


def _check_hex_id(value: Any) -> str:
    return _allowed("network id", value, HEX_ID_PATTERN,
                    "32 lower-case hex digits")


#: How each name of an NGS command template is checked.
_TEMPLATE_CHECKS: Mapping[str, Callable[[Any], Any]] = {
    "port": check_port, "segmentation_id": check_vlan,
    "network_name": check_vlan_name, "network_id": _check_hex_id,
}


def check_command_values(values: Mapping[str, Any],
                         device_type: str | None = None) -> None:
    """Check every value about to be put into a command template.

    :raises UnsafeValue: for a value outside its allowlist, or a name no
        allowlist knows.
    """
    for name, value in values.items():
        check = _TEMPLATE_CHECKS.get(name)
        if check is None:
            raise UnsafeValue(f"no allowlist for command value {name!r}")
        if check is check_port:
            check_port(value, device_type)
        else:
            check(value)


def check_change(change: PortChange, device_type: str | None = None,
                 uplinks: Sequence[str] = ()) -> None:
    """The driver's last check: every port name (``change.port`` and the
    switch's ``uplinks``) and target VLAN of ``change``, with
    ``device_type``'s port pattern. ``change.current`` may hold what a
    switch reported (an untagged Open vSwitch port's VLAN 0): its VLANs
    are checked where a command uses them (:func:`check_command_values`).

    :raises SwitchError: for a value outside its allowlist (nothing has
        been sent).
    """
    target = change.target
    try:
        for port in (change.port, *uplinks):
            check_port(port, device_type)
        for vlan in (target.native_vlan, *target.tagged_vlans):
            check_vlan(vlan)
    except UnsafeValue as exc:
        raise SwitchError(f"refused before sending anything: {exc}") \
            from None
