"""Read switch ports back: read-only commands and parsers of their output.

The ``generic_switch`` driver sends a device family's read-only commands
(:data:`READERS`, keyed by networking-generic-switch device type) over one
netmiko connection and hands the answers, in order, to the family's
parser, which returns every port it found as an
:class:`~esi_leap.drivers.switches.base.ObservedPort`. Parsers are pure
functions of text; anything they cannot understand raises
:class:`~esi_leap.drivers.switches.base.SwitchError` (they never return an
empty answer for an answer they did not understand).

Conventions for every family: ``native_vlan`` is the VLAN untagged frames
belong to (``None`` when the port drops them); ``allowed_vlans`` are the
other VLANs the port carries, tagged (the native VLAN is never repeated
there, so ``carried()`` is exact), ``None`` for every VLAN.

Open vSwitch (``netmiko_ovs_linux``)
    ``ovs-vsctl --format=json`` listings of the Port and Interface tables
    and ``ovs-vsctl list-br``. A port's mode is its ``vlan_mode``, or when
    that is empty ``access`` if it has a ``tag``, else ``trunk``; an empty
    ``trunks`` on a trunk-like mode carries every VLAN. ``native-untagged``
    and ``native-tagged`` ports are trunks whose native VLAN is ``tag``;
    ``access`` ports and native modes without a tag are on VLAN 0, and a
    ``trunk`` port gives untagged frames VLAN 0 (reported as native VLAN 0
    when its trunks let VLAN 0 through). ``admin_up`` is the Interface
    table's ``admin_state`` (any member up, for a bond), which follows the
    device's flags (``ip link set P down``); writing ``admin_state`` with
    ``ovs-vsctl`` changes nothing (``ovs-vswitchd`` rewrites it). The
    bridges' own internal ports are :attr:`Reader.internal`.

IOS-like CLIs (Cisco IOS and NX-OS, Arista EOS, Dell OS10, Dell
PowerConnect/N-series)
    The interface blocks of the running configuration, not TextFSM: one
    parser serves five CLIs, it sees the mode, the trunk list (with its
    ``add``/``remove``/``except`` continuation lines), the native VLAN,
    the voice VLAN and ``shutdown`` at once, and it works on the
    fake-switches emulator, which implements neither ``show interfaces
    switchport`` nor ``show interfaces trunk`` (ntc-templates' parsers of
    ``show vlan`` cannot tell a trunk from an access port). Blocks may be
    indented (IOS) or closed by ``exit`` (Dell). Missing lines take the
    platform's defaults (:class:`CliDialect`): an access port of VLAN 1;
    a trunk of native VLAN 1 carrying every VLAN (Dell OS10: carrying
    none, its ``switchport access vlan`` being the native VLAN). ``switchport
    mode dynamic desirable`` is reported as a trunk (it becomes one with
    any peer that offers), ``dynamic auto`` and no mode line as access; a
    voice VLAN makes an access port carry that VLAN tagged. Routed ports
    (``no switchport``) carry nothing (native ``None``). SVIs, loopbacks,
    tunnels and sub-interfaces are not ports; management interfaces are
    internal. Where the running configuration leaves default ports out
    (Dell PowerConnect/N-series), ``show interfaces status`` tells which
    ports exist; its other columns are not used.

Dell Force10 / OS9 (``netmiko_dell_force10``)
    VLAN membership is configured on the VLAN (``interface Vlan N`` /
    ``untagged``/``tagged`` port lists), as networking-generic-switch does
    for this device type; ports with ``switchport`` and no membership are
    on the default VLAN (``default vlan-id``, else 1).

Juniper Junos (``netmiko_juniper``)
    ``show configuration interfaces | display set``, ``show configuration
    vlans | display set`` (VLAN names to ids) and ``show interfaces
    terse`` (which ports exist; admin state). Both ELS (``interface-mode``,
    interface ``native-vlan-id``) and older (``port-mode``) syntax;
    ``interface-range`` members are expanded; ``apply-groups`` are not.

Port names: a caller's name matches the switch's when :func:`interface_key`
of both agree (``Fa0/1`` is ``FastEthernet0/1``, ``Te1/0/2`` is
``tengigabitethernet 1/0/2``); :func:`select_ports` answers under the
caller's names.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from collections.abc import Collection
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from esi_leap.drivers.switches.base import ACCESS
from esi_leap.drivers.switches.base import TRUNK
from esi_leap.drivers.switches.base import ObservedPort
from esi_leap.drivers.switches.base import SwitchError

#: The VLAN ids a port can carry (0 and 4095 are reserved).
ALL_VLANS = frozenset(range(1, 4095))
_EXCERPT = 120

Outputs = Sequence[str]
Ports = dict[str, ObservedPort]


def _excerpt(text: str) -> str:
    """The first non-empty line of ``text``, shortened, for messages."""
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:_EXCERPT]
    return "(empty)"


def _lines(text: str) -> list[str]:
    return text.replace("\r", "").split("\n")


# -- VLAN lists ---------------------------------------------------------------


def parse_vlan_list(text: str, *, low: int = 1) -> frozenset[int]:
    """VLAN ids of a list such as ``100-105,200`` (spaces allowed around
    commas and dashes).

    :raises SwitchError: on anything else, or an id outside
        ``low``..4094.
    """
    vlans: set[int] = set()
    for item in re.split(r"\s*,\s*", text.strip()):
        match = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", item)
        if not match:
            raise SwitchError(f"cannot read VLAN list {text!r}")
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if not low <= first <= last <= 4094:
            raise SwitchError(f"bad VLAN range {item!r} in {text!r}")
        vlans.update(range(first, last + 1))
    return frozenset(vlans)


def _all_if_full(vlans: frozenset[int] | None) -> frozenset[int] | None:
    return None if vlans is None or vlans >= ALL_VLANS else vlans


# -- interface names ----------------------------------------------------------

#: Interface types as (canonical name, other spellings), in the order an
#: abbreviation is resolved (``F`` is FastEthernet, ``Fo`` FortyGig...).
_INTERFACE_TYPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ethernet", ()),
    ("fastethernet", ()),
    ("gigabitethernet", ("gige",)),
    ("tengigabitethernet", ("tengige",)),
    ("twogigabitethernet", ()),
    ("twentyfivegigabitethernet", ("twentyfivegige",)),
    ("fivegigabitethernet", ()),
    ("fortygigabitethernet", ("fortygige",)),
    ("hundredgigabitethernet", ("hundredgige",)),
    ("port-channel", ("portchannel",)),
    ("management", ("mgmt", "managementethernet")),
    ("vlan", ()),
    ("loopback", ()),
    ("null", ()),
    ("tunnel", ()),
)
#: Interface types that are not switch ports.
_NOT_PORTS = ("vlan", "loopback", "null", "tunnel", "nve", "vxlan", "bdi",
              "bvi", "virtual-template", "dialer", "cpu", "recirc-iface")
_INTERNAL = ("management",)
_NAME = re.compile(r"([A-Za-z][A-Za-z-]*?)\s*(\d\S*)")


def split_interface(name: str) -> tuple[str, str]:
    """``(type, number)`` of an interface name, the type lower-case and
    unabbreviated when it is a known one (``Gi1/0/1`` and
    ``GigabitEthernet 1/0/1`` both give ``("gigabitethernet", "1/0/1")``);
    a name that does not look like TYPE NUMBER gives ``""`` and the name,
    lower-case and without spaces."""
    compact = name.strip()
    match = _NAME.fullmatch(compact)
    if not match:
        return "", re.sub(r"\s+", "", compact).lower()
    kind, number = match.group(1).lower(), match.group(2).lower()
    for canonical, others in _INTERFACE_TYPES:
        if any(spelling.startswith(kind)
               for spelling in (canonical, *others)):
            return canonical, number
    return kind, number


def interface_key(name: str) -> str:
    """What two spellings of the same interface have in common."""
    kind, number = split_interface(name)
    return kind + number


def exact_key(name: str) -> str:
    """Names compared as they are (Open vSwitch)."""
    return name


def _is_port(name: str) -> bool:
    kind, number = split_interface(name)
    return kind not in _NOT_PORTS and "." not in number and ":" not in number


def _is_internal(name: str) -> bool:
    return split_interface(name)[0] in _INTERNAL


# -- the reader table ---------------------------------------------------------


def _no_internal(outputs: Outputs) -> frozenset[str]:
    return frozenset()


@dataclasses.dataclass(frozen=True)
class Reader:
    """How to read one device family back.

    ``commands`` are sent in order with netmiko ``send_command``; ``parse``
    takes their outputs, in the same order, and returns every port found;
    ``internal`` names the switch's own ports (left out unless asked for);
    ``key`` compares port names.
    """

    family: str
    commands: tuple[str, ...]
    parse: Callable[[Outputs], Ports]
    internal: Callable[[Outputs], frozenset[str]] = _no_internal
    key: Callable[[str], str] = interface_key


def select_ports(observed: Mapping[str, ObservedPort],
                 ports: Collection[str] | None, *,
                 exclude: Iterable[str] = (),
                 key: Callable[[str], str] = interface_key) -> Ports:
    """The answer to a read-back of ``ports`` (None: of every port).

    Each of ``ports`` that was observed, under the caller's name (its
    ``port`` field too), matched exactly or by ``key``; then every other
    observed port but those of ``exclude`` (the auditor looks for
    unmanaged ports among them).
    """
    left_out = {key(name) for name in exclude}
    by_key = {key(name): name for name in observed}
    found: Ports = {}
    claimed: set[str] = set()
    for name in ports or ():
        original = name if name in observed else by_key.get(key(name))
        if original is not None:
            found[name] = dataclasses.replace(observed[original], port=name)
            claimed.add(original)
    for name, port in observed.items():
        if name not in claimed and key(name) not in left_out:
            found.setdefault(name, port)
    return found


def reader_for(device_type: str) -> Reader:
    """The reader of a networking-generic-switch device type.

    :raises SwitchError: when that device type cannot be read back.
    """
    reader = READERS.get(device_type)
    if reader is None:
        raise SwitchError(
            f"device type {device_type} cannot be read back (supported: "
            f"{', '.join(sorted(READERS))})")
    return reader


# -- Open vSwitch -------------------------------------------------------------

OVS_PORTS = ("ovs-vsctl --format=json "
             "--columns=name,tag,vlan_mode,trunks,interfaces list port")
OVS_INTERFACES = ("ovs-vsctl --format=json --columns=_uuid,name,admin_state "
                  "list interface")
OVS_BRIDGES = "ovs-vsctl list-br"


def _ovs_atoms(value: Any) -> list[Any]:
    """An OVSDB JSON value as a list of atoms: sets are ``["set", [...]]``
    (a one-element set is the bare atom), uuids ``["uuid", "..."]``."""
    if isinstance(value, list) and len(value) == 2 and value[0] == "set":
        return [_ovs_atom(atom) for atom in value[1]]
    return [_ovs_atom(value)]


def _ovs_atom(value: Any) -> Any:
    if isinstance(value, list) and len(value) == 2 and value[0] == "uuid":
        return str(value[1])
    return value


def _ovs_table(text: str, columns: Sequence[str], what: str
               ) -> list[dict[str, Any]]:
    """Rows of an ``ovs-vsctl --format=json list`` answer."""
    try:
        table = json.loads(text)
        headings = table["headings"]
        rows = [dict(zip(headings, row, strict=True))
                for row in table["data"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise SwitchError(f"cannot read the Open vSwitch {what} table: "
                          f"{_excerpt(text)}") from exc
    missing = set(columns) - set(headings)
    if missing:
        raise SwitchError(f"the Open vSwitch {what} table has no "
                          f"{', '.join(sorted(missing))} column")
    return rows


def _ovs_int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SwitchError(f"unexpected Open vSwitch {what} {value!r}")
    return value


def _ovs_admin(rows: list[dict[str, Any]]) -> dict[str, bool | None]:
    """Interface uuid -> admin state (None when not known yet)."""
    states: dict[str, bool | None] = {}
    for row in rows:
        state = _ovs_atoms(row["admin_state"])
        up = None if not state else state[0] == "up"
        states[str(_ovs_atom(row["_uuid"]))] = up
    return states


def _ovs_port(row: dict[str, Any], admin: Mapping[str, bool | None]
              ) -> ObservedPort:
    name = str(row["name"])
    tags = [_ovs_int(v, "tag") for v in _ovs_atoms(row["tag"])]
    modes = [str(v) for v in _ovs_atoms(row["vlan_mode"])]
    trunks = frozenset(_ovs_int(v, "trunk")
                       for v in _ovs_atoms(row["trunks"]))
    tag = tags[0] if tags else None
    mode = modes[0] if modes else ("access" if tag is not None else "trunk")
    states = [admin.get(str(i)) for i in _ovs_atoms(row["interfaces"])]
    known = [s for s in states if s is not None]
    admin_up = any(known) if known else None
    if mode in ("access", "dot1q-tunnel"):
        return ObservedPort(name, ACCESS, tag or 0, frozenset(), admin_up)
    if mode == "trunk":
        native = 0 if not trunks or 0 in trunks else None
        allowed = frozenset(trunks - {0}) if trunks else None
        return ObservedPort(name, TRUNK, native, allowed, admin_up)
    if mode in ("native-untagged", "native-tagged"):
        native = tag or 0
        allowed = frozenset(trunks - {native}) if trunks else None
        return ObservedPort(name, TRUNK, native, allowed, admin_up)
    raise SwitchError(f"port {name}: unknown Open vSwitch vlan_mode {mode!r}")


def parse_ovs(ports_json: str, interfaces_json: str) -> Ports:
    """Ports of ``ovs-vsctl --format=json`` listings: :data:`OVS_PORTS`
    (``name``, ``tag``, ``vlan_mode``, ``trunks``, ``interfaces``) and
    :data:`OVS_INTERFACES` (``_uuid``, ``name``, ``admin_state``)."""
    port_rows = _ovs_table(ports_json, ("name", "tag", "vlan_mode",
                                        "trunks", "interfaces"), "Port")
    admin = _ovs_admin(_ovs_table(interfaces_json,
                                  ("_uuid", "admin_state"), "Interface"))
    if not port_rows:
        raise SwitchError("the Open vSwitch has no ports, not even its "
                          "bridges' own")
    return {port.port: port for port in (_ovs_port(row, admin)
                                         for row in port_rows)}


def parse_ovs_bridges(text: str) -> frozenset[str]:
    """Bridge names of ``ovs-vsctl list-br`` (one a line)."""
    names = [line.strip() for line in _lines(text) if line.strip()]
    bad = [n for n in names if not re.fullmatch(r"[\w.:@-]+", n)]
    if bad:
        raise SwitchError(f"cannot read the Open vSwitch bridges: "
                          f"{_excerpt(bad[0])}")
    return frozenset(names)


def _parse_ovs_outputs(outputs: Outputs) -> Ports:
    return parse_ovs(outputs[0], outputs[1])


def _ovs_internal(outputs: Outputs) -> frozenset[str]:
    return parse_ovs_bridges(outputs[2])


# -- IOS-like running configurations ------------------------------------------


@dataclasses.dataclass(frozen=True)
class CliDialect:
    """What an IOS-like CLI assumes when a line is absent.

    ``admin_up``: the admin state of a port with neither ``shutdown`` nor
    ``no shutdown`` (None where the platform default is configurable).
    ``trunk_carries_all``: a trunk with no allowed list carries every
    VLAN (else none). ``additive_allowed``: each ``switchport trunk
    allowed vlan L`` adds L (Dell OS10) instead of replacing the list.
    ``access_vlan_is_native``: a trunk's untagged VLAN is its
    ``switchport access vlan`` (Dell OS10) instead of ``switchport trunk
    native vlan``.
    """

    name: str
    admin_up: bool | None = True
    trunk_carries_all: bool = True
    additive_allowed: bool = False
    access_vlan_is_native: bool = False


IOS = CliDialect("Cisco IOS")
NXOS = CliDialect("Cisco NX-OS", admin_up=None)
EOS = CliDialect("Arista EOS")
OS10 = CliDialect("Dell OS10", admin_up=None, trunk_carries_all=False,
                  additive_allowed=True, access_vlan_is_native=True)
POWERCONNECT = CliDialect("Dell PowerConnect")

_BLOCK_END = ("!", "end", "exit")


def interface_blocks(text: str) -> dict[str, list[str]]:
    """``interface NAME`` blocks of a running configuration: name -> the
    block's lines, stripped. A block is either its indented lines (IOS,
    NX-OS, EOS, OS10) or, when the first line after ``interface`` is not
    indented (Dell PowerConnect/N-series), the lines up to ``exit``."""
    lines = _lines(text)
    blocks: dict[str, list[str]] = {}
    index = 0
    while index < len(lines):
        line = lines[index].rstrip()
        index += 1
        if not line.startswith("interface "):
            continue
        name = line[len("interface "):].strip()
        body: list[str] = []
        indented: bool | None = None
        while index < len(lines):
            raw = lines[index].rstrip()
            text_line = raw.strip()
            is_indented = raw[:1] in (" ", "\t")
            if indented is None and text_line:
                indented = is_indented
            if indented and not is_indented and text_line:
                break
            if not indented and (text_line in _BLOCK_END
                                 or text_line.startswith("interface ")):
                if text_line == "exit":
                    index += 1
                break
            index += 1
            if text_line and not text_line.startswith("!"):
                body.append(text_line)
        blocks.setdefault(name, []).extend(body)
    return blocks


@dataclasses.dataclass
class _Switchport:
    """What an interface block configures, before defaults apply."""

    name: str
    dialect: CliDialect
    layer2: bool = True
    mode: str | None = None
    access_vlan: int | None = None
    access_removed: bool = False
    native: int | None = None
    native_tagged: bool = False
    allowed: frozenset[int] | None = None
    allowed_set: bool = False
    voice: int | None = None
    pvid: int | None = None
    general: set[int] = dataclasses.field(default_factory=set)
    admin_up: bool | None = None

    def fail(self, line: str) -> SwitchError:
        return SwitchError(f"interface {self.name}: cannot read "
                           f"{line!r} ({self.dialect.name})")


def _vlan(value: str) -> int:
    """One VLAN id.

    :raises SwitchError: when ``value`` is not one.
    """
    vlans = parse_vlan_list(value) if value.isdigit() else frozenset()
    if len(vlans) != 1:
        raise SwitchError(f"cannot read VLAN id {value!r}")
    return next(iter(vlans))


def _apply_allowed(port: _Switchport, words: list[str], line: str) -> None:
    """``switchport trunk allowed vlan [add|remove|except] LIST|all|none``."""
    op = words[0] if words and words[0] in ("add", "remove", "except") \
        else "set"
    value = "".join(words[1:] if op != "set" else words)
    if not value:
        raise port.fail(line)
    if value == "all":
        vlans: frozenset[int] = ALL_VLANS
    elif value == "none":
        vlans = frozenset()
    else:
        vlans = parse_vlan_list(value)
    if port.dialect.additive_allowed and op == "set":
        op = "add"
    current = port.allowed if port.allowed_set else (
        ALL_VLANS if port.dialect.trunk_carries_all else frozenset())
    current = ALL_VLANS if current is None else current
    if op == "set":
        result = vlans
    elif op == "add":
        result = current | vlans
    elif op == "remove":
        result = current - vlans
    else:
        result = ALL_VLANS - vlans
    port.allowed, port.allowed_set = _all_if_full(result), True


def _apply_general(port: _Switchport, words: list[str], line: str) -> None:
    """Dell ``switchport general pvid N`` and ``switchport general
    allowed vlan add|remove LIST [tagged|untagged]``."""
    if len(words) == 2 and words[0] == "pvid":
        port.pvid = _vlan(words[1])
        return
    if len(words) >= 4 and words[:2] == ["allowed", "vlan"] and \
            words[2] in ("add", "remove") and \
            words[4:] in ([], ["tagged"], ["untagged"]):
        vlans = parse_vlan_list(words[3])
        if words[2] == "add":
            port.general |= vlans
        else:
            port.general -= vlans
        return
    raise port.fail(line)


def _apply_switchport(port: _Switchport, words: list[str],
                      line: str) -> None:
    """One ``switchport ...`` line (``words`` after ``switchport``)."""
    head = words[:2]
    if not words:
        port.layer2 = True
    elif words[0] == "mode" and len(words) >= 2:
        port.mode = " ".join(words[1:])
    elif head == ["access", "vlan"] and len(words) == 3:
        if words[2] == "none":
            port.access_removed = True
        else:
            port.access_vlan = _vlan(words[2])
    elif head == ["trunk", "native"] and len(words) == 4 and \
            words[2] == "vlan":
        if words[3] == "tag":
            port.native_tagged = True
        else:
            port.native = _vlan(words[3])
    elif head == ["trunk", "allowed"] and len(words) >= 4 and \
            words[2] == "vlan":
        _apply_allowed(port, words[3:], line)
    elif head == ["voice", "vlan"] and len(words) == 3:
        if words[2].isdigit():
            port.voice = _vlan(words[2])
    elif words[0] == "general":
        _apply_general(port, words[1:], line)
    # other switchport lines (nonegotiate, port-security, trunk
    # encapsulation, ...) do not change which VLANs the port carries


def _read_block(name: str, lines: list[str], dialect: CliDialect
                ) -> _Switchport:
    port = _Switchport(name, dialect)
    for line in lines:
        words = line.split()
        if words == ["shutdown"]:
            port.admin_up = False
        elif words == ["no", "shutdown"]:
            port.admin_up = True
        elif words == ["no", "switchport"]:
            port.layer2 = False
        elif words[:1] == ["switchport"]:
            _apply_switchport(port, words[1:], line)
        elif words[:4] == ["no", "switchport", "access", "vlan"]:
            port.access_removed = True
        elif words[:5] == ["no", "switchport", "trunk", "allowed", "vlan"] \
                and dialect.additive_allowed and len(words) == 6:
            port.allowed = (port.allowed or frozenset()) - \
                parse_vlan_list(words[5])
            port.allowed_set = True
    return port


def _observe(port: _Switchport) -> ObservedPort:
    """Apply the dialect's defaults to what a block configured."""
    dialect = port.dialect
    admin = port.admin_up if port.admin_up is not None else dialect.admin_up
    if not port.layer2:
        return ObservedPort(port.name, ACCESS, None, frozenset(), admin)
    access = None if port.access_removed else (port.access_vlan or 1)
    mode = port.mode or "access"
    if mode in ("access", "dynamic auto", "dot1q-tunnel"):
        if port.voice is not None and port.voice != access:
            return ObservedPort(port.name, TRUNK, access,
                                frozenset({port.voice}), admin)
        return ObservedPort(port.name, ACCESS, access, frozenset(), admin)
    if mode == "general":
        pvid = port.pvid or 1
        return ObservedPort(port.name, TRUNK, pvid,
                            frozenset(port.general - {pvid}), admin)
    if mode not in ("trunk", "dynamic desirable"):
        # private-vlan, fex-fabric, tap, ...: say the worst, never nothing
        return ObservedPort(port.name, TRUNK, None, None, admin)
    return _observe_trunk(port, access, admin)


def _observe_trunk(port: _Switchport, access: int | None,
                   admin: bool | None) -> ObservedPort:
    """A trunk: untagged frames go to the native VLAN, if the allowed list
    lets it through; the native VLAN is not repeated in the list."""
    dialect = port.dialect
    allowed = port.allowed if port.allowed_set else (
        None if dialect.trunk_carries_all else frozenset())
    native: int | None
    if dialect.access_vlan_is_native:
        native = access
    else:
        native = None if port.native_tagged else (port.native or 1)
        if allowed is not None and native not in allowed:
            native = None
    if allowed is not None:
        allowed = frozenset(allowed - {native})
    return ObservedPort(port.name, TRUNK, native, allowed, admin)


def parse_running_config(text: str, dialect: CliDialect = IOS) -> Ports:
    """Switch ports of an IOS-like running configuration (see the module
    docstring); SVIs, loopbacks and sub-interfaces are left out.

    :raises SwitchError: when ``text`` has no interface at all or a line
        about VLANs cannot be read.
    """
    blocks = interface_blocks(text)
    if not blocks:
        raise SwitchError(f"no interface in the {dialect.name} running "
                          f"configuration: {_excerpt(text)}")
    return {name: _observe(_read_block(name, lines, dialect))
            for name, lines in blocks.items() if _is_port(name)}


_STATUS_NAME = re.compile(r"[A-Za-z][A-Za-z-]*\d+(/\d+)*|\d+/[a-z]+\d+")


def parse_interface_status(text: str, bare_type: str = "ethernet"
                           ) -> list[str]:
    """Port names in the first column of ``show interfaces status``
    (``Gi1/0/1``, ``Te0/0/1``; PowerConnect's bare ``1/g1`` gets
    ``bare_type``). Anything else in the answer is ignored."""
    names = []
    for line in _lines(text):
        words = line.split()
        if not words or not _STATUS_NAME.fullmatch(words[0]):
            continue
        name = words[0]
        if name[0].isdigit():
            name = f"{bare_type} {name}"
        if _is_port(name):
            names.append(name)
    return names


def parse_cli_outputs(outputs: Outputs, dialect: CliDialect) -> Ports:
    """:func:`parse_running_config` of ``outputs[0]``; ports listed only
    by a ``show interfaces status`` in ``outputs[1]`` (running
    configurations that leave default ports out) get the defaults."""
    ports = parse_running_config(outputs[0], dialect)
    known = {interface_key(name) for name in ports}
    for name in parse_interface_status(outputs[1]) if len(outputs) > 1 \
            else ():
        if interface_key(name) not in known:
            known.add(interface_key(name))
            ports[name] = _observe(_Switchport(name, dialect))
    return ports


def _cli_reader(family: str, dialect: CliDialect,
                *commands: str) -> Reader:
    def parse(outputs: Outputs) -> Ports:
        return parse_cli_outputs(outputs, dialect)

    return Reader(family, commands, parse, _cli_internal)


def _cli_internal(outputs: Outputs) -> frozenset[str]:
    """Management interfaces of a running configuration."""
    return frozenset(name for name in interface_blocks(outputs[0])
                     if _is_internal(name))


# -- Dell Force10 / OS9 -------------------------------------------------------


def expand_os9_ports(text: str) -> list[str]:
    """Port names of an OS9 VLAN member list such as ``TenGigabitEthernet
    0/1-3,5`` or ``Port-channel 1-2`` (items without a slash continue the
    previous item's unit and slot)."""
    words = text.split(None, 1)
    if len(words) != 2:
        raise SwitchError(f"cannot read OS9 port list {text!r}")
    kind, items = words
    names: list[str] = []
    prefix = ""
    for item in re.split(r"\s*,\s*", items.strip()):
        match = re.fullmatch(r"((?:\d+/)*)(\d+)(?:-(\d+))?", item)
        if not match:
            raise SwitchError(f"cannot read OS9 port list {text!r}")
        if match.group(1):
            prefix = match.group(1)
        first, last = int(match.group(2)), int(match.group(3)
                                               or match.group(2))
        if last < first:
            raise SwitchError(f"cannot read OS9 port list {text!r}")
        names += [f"{kind} {prefix}{number}"
                  for number in range(first, last + 1)]
    return names


def parse_os9_config(text: str) -> Ports:
    """Switch ports of a Dell Force10 (OS9) running configuration."""
    blocks = interface_blocks(text)
    if not blocks:
        raise SwitchError(f"no interface in the OS9 running configuration: "
                          f"{_excerpt(text)}")
    default = re.search(r"^default vlan-id (\d+)\s*$", text.replace("\r", ""),
                        re.M)
    default_vlan = int(default.group(1)) if default else 1
    untagged: dict[str, int] = {}
    tagged: dict[str, set[int]] = {}
    ports: dict[str, list[str]] = {}
    for name, lines in blocks.items():
        kind, number = split_interface(name)
        if kind == "vlan":
            vlan = _vlan(number)
            if vlan < 1:
                raise SwitchError(f"cannot read OS9 interface {name!r}")
            for line in lines:
                head, _, rest = line.partition(" ")
                if head in ("untagged", "tagged"):
                    for port in expand_os9_ports(rest):
                        key = interface_key(port)
                        if head == "untagged":
                            untagged[key] = vlan
                        else:
                            tagged.setdefault(key, set()).add(vlan)
        elif _is_port(name):
            ports[name] = lines
    observed: Ports = {}
    for name, lines in ports.items():
        key = interface_key(name)
        admin = True if "no shutdown" in lines else (
            False if "shutdown" in lines else None)
        layer2 = "switchport" in lines or "portmode hybrid" in lines \
            or key in untagged or key in tagged
        vlans = frozenset(tagged.get(key, ()))
        native = untagged.get(key)
        if native is None and layer2 and not vlans:
            native = default_vlan
        mode = TRUNK if vlans else ACCESS
        observed[name] = ObservedPort(name, mode, native,
                                      frozenset(vlans - {native}), admin)
    return observed


# -- Juniper Junos ------------------------------------------------------------

JUNOS_INTERFACES = "show configuration interfaces | display set"
JUNOS_VLANS = "show configuration vlans | display set"
JUNOS_TERSE = "show interfaces terse"
_JUNOS_PORT = re.compile(r"(?:[a-z]{2,4}-\d+/\d+/\d+(?::\d+)?|ae\d+)")


def _junos_vlan_ids(text: str) -> dict[str, frozenset[int]]:
    """VLAN name -> ids, from ``show configuration vlans | display set``
    (``default`` is VLAN 1 unless configured otherwise)."""
    ids: dict[str, frozenset[int]] = {"default": frozenset({1})}
    for line in _lines(text):
        words = line.split()
        if words[:2] != ["set", "vlans"] or len(words) != 5:
            continue
        if words[3] in ("vlan-id", "vlan-id-list") and words[4] != "none":
            ids[words[2]] = parse_vlan_list(words[4])
    return ids


def _junos_members(value: str, names: Mapping[str, frozenset[int]]
                   ) -> frozenset[int] | None:
    if value == "all":
        return None
    if re.fullmatch(r"[\d\s,-]+", value):
        return parse_vlan_list(value)
    if value not in names:
        raise SwitchError(f"unknown Junos VLAN name {value!r}")
    return names[value]


@dataclasses.dataclass
class _JunosPort:
    mode: str = "access"
    switching: bool = False
    native: int | None = None
    members: set[int] = dataclasses.field(default_factory=set)
    all_members: bool = False
    disabled: bool = False


def _junos_ranges(lines: list[list[str]]) -> dict[str, list[str]]:
    """``interface-range`` name -> member ports."""
    ranges: dict[str, list[str]] = {}
    for words in lines:
        if words[2:3] != ["interface-range"] or len(words) < 6:
            continue
        name, what = words[3], words[4]
        if what == "member":
            ranges.setdefault(name, []).append(words[5])
        elif what == "member-range" and len(words) == 8 and \
                words[6] == "to":
            first, last = words[5], words[7]
            base, _, start = first.rpartition("/")
            base_last, _, end = last.rpartition("/")
            if base != base_last or not (start.isdigit() and end.isdigit()):
                raise SwitchError(f"cannot read Junos member-range "
                                  f"{first} to {last}")
            ranges.setdefault(name, []).extend(
                f"{base}/{n}" for n in range(int(start), int(end) + 1))
    return ranges


def _junos_apply(port: _JunosPort, words: list[str],
                 names: Mapping[str, frozenset[int]]) -> None:
    """One ``set interfaces X ...`` line (``words`` after X)."""
    if words == ["disable"]:
        port.disabled = True
        return
    if words[:1] == ["native-vlan-id"] and len(words) == 2:
        port.native = _vlan(words[1])
        return
    if words[:4] != ["unit", "0", "family", "ethernet-switching"]:
        return
    port.switching = True
    rest = words[4:]
    if rest[:1] in (["interface-mode"], ["port-mode"]) and len(rest) == 2:
        port.mode = rest[1]
    elif rest[:2] == ["vlan", "members"] and len(rest) == 3:
        members = _junos_members(rest[2], names)
        if members is None:
            port.all_members = True
        else:
            port.members |= members
    elif rest[:1] == ["native-vlan-id"] and len(rest) == 2:
        port.native = _vlan(rest[1])


def _junos_terse(text: str) -> dict[str, bool]:
    """Physical port -> admin up, from ``show interfaces terse``."""
    ports: dict[str, bool] = {}
    for line in _lines(text):
        words = line.split()
        if len(words) >= 3 and _JUNOS_PORT.fullmatch(words[0]) and \
                words[1] in ("up", "down") and words[2] in ("up", "down"):
            ports[words[0]] = words[1] == "up"
    return ports


def parse_junos(interfaces: str, vlans: str, terse: str) -> Ports:
    """Ports of a Junos switch: every physical port of ``show interfaces
    terse`` with the VLANs of its ``display set`` configuration."""
    existing = _junos_terse(terse)
    if not existing:
        raise SwitchError(f"no port in the Junos interface list: "
                          f"{_excerpt(terse)}")
    names = _junos_vlan_ids(vlans)
    lines = [line.split() for line in _lines(interfaces)]
    lines = [w for w in lines if w[:2] == ["set", "interfaces"]
             and len(w) > 3]
    ranges = _junos_ranges(lines)
    configured: dict[str, _JunosPort] = {}
    for words in lines:
        targets = ranges.get(words[3], []) \
            if words[2] == "interface-range" else [words[2]]
        rest = words[4:] if words[2] == "interface-range" else words[3:]
        for target in targets:
            _junos_apply(configured.setdefault(target, _JunosPort()),
                         rest, names)
    observed: Ports = {}
    for name, admin in existing.items():
        port = configured.get(name, _JunosPort())
        admin_up = admin and not port.disabled
        if not port.switching:
            observed[name] = ObservedPort(name, ACCESS, None, frozenset(),
                                          admin_up)
        elif port.mode == "trunk":
            allowed = None if port.all_members else frozenset(
                port.members - {port.native})
            observed[name] = ObservedPort(name, TRUNK, port.native,
                                          allowed, admin_up)
        else:
            members = port.members or {1}
            if len(members) != 1 or port.all_members:
                raise SwitchError(f"Junos access port {name} is in several "
                                  f"VLANs")
            observed[name] = ObservedPort(name, ACCESS, min(members),
                                          frozenset(), admin_up)
    return observed


def _parse_junos_outputs(outputs: Outputs) -> Ports:
    return parse_junos(outputs[0], outputs[1], outputs[2])


# -- the table ----------------------------------------------------------------

_STATUS = "show interfaces status"

#: NGS device type -> how to read it back.
READERS: dict[str, Reader] = {
    "netmiko_ovs_linux": Reader(
        "Open vSwitch", (OVS_PORTS, OVS_INTERFACES, OVS_BRIDGES),
        _parse_ovs_outputs, _ovs_internal, exact_key),
    "netmiko_cisco_ios": _cli_reader(
        "Cisco IOS", IOS, "show running-config", _STATUS),
    "netmiko_cisco_nxos": _cli_reader(
        "Cisco NX-OS", NXOS, "show running-config"),
    "netmiko_arista_eos": _cli_reader(
        "Arista EOS", EOS, "show running-config"),
    "netmiko_dell_os10": _cli_reader(
        "Dell OS10", OS10, "show running-configuration"),
    "netmiko_dell_powerconnect": _cli_reader(
        "Dell PowerConnect", POWERCONNECT, "show running-config", _STATUS),
    "netmiko_dell_force10": Reader(
        "Dell OS9", ("show running-config",),
        lambda outputs: parse_os9_config(outputs[0]), _cli_internal),
    "netmiko_juniper": Reader(
        "Juniper Junos", (JUNOS_INTERFACES, JUNOS_VLANS, JUNOS_TERSE),
        _parse_junos_outputs, key=exact_key),
}
