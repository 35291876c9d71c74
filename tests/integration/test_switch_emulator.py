"""networking-generic-switch and esi-leap against emulated vendor CLIs.

The peer is fake-switches (Cisco IOS and Dell 10G emulations over SSH, see
:mod:`tests.integration.emulators`). The switch's state is checked in its
own ``show running-config``, read with plain netmiko, independently of
esi-leap's read-back; the read-back tests then compare esi-leap's
``read_ports`` with what was configured.
"""

from __future__ import annotations

import copy
import dataclasses
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from esi_leap.drivers.switches import base
from esi_leap.drivers.switches import readback
from esi_leap.drivers.switches.base import ObservedPort
from esi_leap.drivers.switches.base import PortChange
from esi_leap.drivers.switches.base import PortState
from esi_leap.drivers.switches.base import SwitchConfig
from esi_leap.drivers.switches.base import SwitchError
from esi_leap.drivers.switches.base import SwitchUnreachable
from esi_leap.drivers.switches.generic_switch import GenericSwitchDriver
from tests.integration.emulators.fixtures import BROCADE
from tests.integration.emulators.fixtures import CISCO
from tests.integration.emulators.fixtures import DELL10G
from tests.integration.emulators.fixtures import EmulatedSwitch
from tests.integration.emulators.fixtures import emulator_or_skip

pytestmark = pytest.mark.integration

NET_100 = "5e182568-0170-536e-98a9-1d6f6e06602b"
MISSING_CISCO_PORT = "FastEthernet0/99"
TRUNK_TAGGED = frozenset({200, 201, 202, 203, 204, 205})
TRUNK_ALLOWED = "100,200-205"


@pytest.fixture(scope="module")
def switches() -> Iterator[dict[str, EmulatedSwitch]]:
    """Cisco IOS, Dell 10G and Brocade emulations in one process."""
    with emulator_or_skip(CISCO, DELL10G, BROCADE) as started:
        yield started


@pytest.fixture
def cisco(switches: dict[str, EmulatedSwitch]) -> EmulatedSwitch:
    return switches[CISCO]


# -- helpers ---------------------------------------------------------------


def ngs_device(switch: EmulatedSwitch, device_type: str = "netmiko_cisco_ios",
               **options: str) -> Any:
    """A networking-generic-switch device, built the standalone way."""
    from networking_generic_switch import devices  # type: ignore
    return devices.device_manager(copy.deepcopy(switch.ngs(device_type,
                                                           **options)),
                                  f"emulated-{switch.model}")


def driver(switch: EmulatedSwitch, device_type: str = "netmiko_cisco_ios",
           **options: str) -> GenericSwitchDriver:
    """esi-leap's generic_switch driver for ``switch`` (with netmiko's
    command verification unless ``global_cmd_verify`` says otherwise)."""
    options.setdefault("global_cmd_verify", "true")
    return GenericSwitchDriver(SwitchConfig(
        name=f"emulated-{switch.model}", driver="generic_switch",
        device_type=device_type, connection=switch.connection(**options),
        secrets=switch.secrets()))


def cli(switch: EmulatedSwitch, commands: list[str] | None = None,
        show: str = "show running-config") -> str:
    """Configure ``commands`` (if any) with plain netmiko; return ``show``
    (netmiko's ``cisco_ios`` driver for all models: the emulations'
    prompts suit it, and it skips the FastIron driver's fixed pauses)."""
    import netmiko  # type: ignore[import-untyped]
    connection = netmiko.ConnectHandler(**switch.netmiko("cisco_ios"))
    try:
        connection.enable()
        if commands:
            connection.send_config_set(commands, cmd_verify=False)
        return str(connection.send_command(show, cmd_verify=False))
    finally:
        connection.disconnect()


def interface_lines(config: str, port: str) -> list[str] | None:
    """The stripped lines of ``interface <port>`` in a running config
    (None when the interface is not there)."""
    match = re.search(rf"^interface {re.escape(port)}\n((?:[ a-z].*\n)*)",
                      config + "\n", re.M | re.I)
    if match is None:
        return None
    return [line.strip() for line in match.group(1).splitlines()
            if line.strip() and line.strip() not in ("!", "exit")]


def apply(switch: EmulatedSwitch, *changes: PortChange,
          device_type: str = "netmiko_cisco_ios", **options: str
          ) -> list[SwitchError | None]:
    """Apply ``changes`` through esi-leap in one session."""
    with driver(switch, device_type, **options).session() as session:
        return [error for _, error in base.apply_all(session, list(changes))]


# -- (a) NGS against a vendor CLI -----------------------------------------


def test_ngs_plugs_a_port_into_a_vlan(cisco: EmulatedSwitch) -> None:
    port = "FastEthernet0/5"
    before = cli(cisco)
    assert interface_lines(before, port) == []       # control: default

    device = ngs_device(cisco)
    device.add_network(100, NET_100)
    device.plug_port_to_network(port, 100)

    after = cli(cisco)
    assert interface_lines(after, port) == [
        "switchport access vlan 100", "switchport mode access"]
    assert re.search(rf"^vlan 100\n name {uuid.UUID(NET_100).hex}$", after,
                     re.M)
    vlans = cli(cisco, show="show vlan brief")
    assert re.search(r"^100\s+\S+\s+active\s+.*\bFa0/5\b", vlans, re.M)


# -- (b) the false success, and esi-leap's refusal -------------------------


def test_ngs_reports_success_for_a_missing_interface(
        cisco: EmulatedSwitch) -> None:
    """NGS's ``netmiko_cisco_ios`` has no error patterns: the switch
    refuses the interface and NGS returns normally."""
    before = cli(cisco)
    output = ngs_device(cisco).plug_port_to_network(MISSING_CISCO_PORT, 100)
    assert "% Invalid input detected" in output       # the switch refused
    assert "not such interface" in output
    after = cli(cisco)
    assert interface_lines(after, MISSING_CISCO_PORT) is None
    assert after == before                              # nothing changed


@pytest.mark.parametrize("verify", ["true", "false"],
                         ids=["verify", "ngs-mode"])
def test_esi_leap_refuses_a_missing_interface_and_goes_on(
        cisco: EmulatedSwitch, verify: str) -> None:
    port = "FastEthernet0/6"
    errors = apply(cisco, PortChange(MISSING_CISCO_PORT, PortState(100)),
                   PortChange(port, PortState(100)),
                   global_cmd_verify=verify)
    assert isinstance(errors[0], SwitchError)
    assert not isinstance(errors[0], SwitchUnreachable)
    message = str(errors[0])
    assert "Invalid input" in message and MISSING_CISCO_PORT in message
    assert cisco.password not in message and cisco.secret not in message
    assert errors[1] is None
    assert interface_lines(cli(cisco), port) == [
        "switchport access vlan 100", "switchport mode access"]


def with_credentials(switch: EmulatedSwitch, password: str | None = None,
                     secret: str | None = None) -> EmulatedSwitch:
    return EmulatedSwitch(switch.model, switch.host, switch.port,
                          switch.username, password or switch.password,
                          secret or switch.secret)


def test_wrong_password_is_unreachable_without_leaking_it(
        cisco: EmulatedSwitch) -> None:
    port = "FastEthernet0/7"
    wrong = with_credentials(cisco, password="wrong-" + cisco.password)
    with pytest.raises(SwitchUnreachable, match="authentication") as caught:
        apply(wrong, PortChange(port, PortState(100)))
    assert wrong.password not in str(caught.value)
    assert interface_lines(cli(cisco), port) == []      # nothing applied


def test_wrong_enable_secret_is_refused_without_leaking_it(
        cisco: EmulatedSwitch) -> None:
    port = "FastEthernet0/7"
    wrong = with_credentials(cisco, secret="wrong-" + cisco.secret)
    errors = apply(wrong, PortChange(port, PortState(100)))
    assert isinstance(errors[0], SwitchError)
    assert wrong.secret not in str(errors[0])
    assert interface_lines(cli(cisco), port) == []      # nothing applied


def test_esi_leap_trunk_carries_only_its_vlans(
        cisco: EmulatedSwitch) -> None:
    """NGS's Cisco templates only 'add' to the allowed list, and a fresh
    IOS trunk allows every VLAN: esi-leap empties the list first (the
    audit found this one)."""
    port = "FastEthernet0/8"
    assert apply(cisco, PortChange(port, PortState(100, frozenset(
        {200, 201})))) == [None]
    lines = interface_lines(cli(cisco), port) or []
    assert "switchport mode trunk" in lines
    assert "switchport trunk native vlan 100" in lines
    # without an allowed list an IOS trunk carries every VLAN
    allowed = [line.rsplit(" ", 1)[1] for line in lines
               if line.startswith("switchport trunk allowed vlan ")]
    assert [readback.parse_vlan_list(a) for a in allowed] == [
        {100, 200, 201}]


# -- Brocade FastIron: writes only (no read-back for it) --------------------


@pytest.fixture(scope="module")
def brocade_batch(switches: dict[str, EmulatedSwitch]
                  ) -> tuple[list[SwitchError | None], str]:
    """One esi-leap session on the Brocade emulation: a missing port,
    then port 1/2 to VLAN 100; the errors and ``show running-config
    vlan`` after it (a Brocade session costs about 20 s here, so the
    tests below share it)."""
    switch = switches[BROCADE]
    before = cli(switch, show="show running-config vlan")
    assert "ethe 1/2" not in before.split("vlan 100", 1)[-1]   # control
    errors = apply(switch, PortChange("1/99", PortState(100)),
                   PortChange("1/2", PortState(100),
                              network_ids={100: NET_100}),
                   device_type="netmiko_brocade_fastiron")
    return errors, cli(switch, show="show running-config vlan")


def test_brocade_port_is_plugged(
        brocade_batch: tuple[list[SwitchError | None], str]) -> None:
    errors, config = brocade_batch
    assert errors[1] is None
    block = re.search(r"^vlan 100 name (\S+)\n((?: .*\n)*)", config + "\n",
                      re.M)
    assert block is not None
    assert block.group(1) == uuid.UUID(NET_100).hex
    assert "untagged ethe 1/2" in block.group(2)
    assert "1/99" not in config


def test_brocade_missing_port_is_refused(
        brocade_batch: tuple[list[SwitchError | None], str]) -> None:
    """FastIron refuses with 'Invalid input -> 1/99', which NGS's
    BrocadeFastIron does not match; esi-leap does."""
    errors, _ = brocade_batch
    assert isinstance(errors[0], SwitchError)
    assert "1/99" in str(errors[0])


def test_brocade_cannot_be_read_back(
        switches: dict[str, EmulatedSwitch]) -> None:
    with pytest.raises(SwitchError, match="cannot be read back"):
        driver(switches[BROCADE], "netmiko_brocade_fastiron").read_ports()


# -- (c) esi-leap's read-back ----------------------------------------------


@dataclasses.dataclass(frozen=True)
class Layout:
    """Ports of one emulated model and what the emulation keeps."""

    access: str
    trunk: str
    down: str
    default: str
    missing: str
    #: what the emulation keeps of ``switchport trunk native vlan 100``
    trunk_native: int | None

    def ports(self) -> list[str]:
        return [self.access, self.trunk, self.down, self.default,
                self.missing]


CISCO_LAYOUT = Layout("FastEthernet0/9", "FastEthernet0/10",
                      "FastEthernet0/11", "FastEthernet0/12",
                      MISSING_CISCO_PORT, trunk_native=100)
# The Dell 10G emulation ignores "switchport trunk native vlan" (see
# tests/unit/fixtures/readback/README.md): its trunk has no native VLAN
# and carries 100 tagged.
DELL10G_LAYOUT = Layout("tengigabitethernet 1/0/1",
                        "tengigabitethernet 1/0/2",
                        "tengigabitethernet 0/0/1",
                        "tengigabitethernet 0/0/2",
                        "tengigabitethernet 9/0/9", trunk_native=None)


@dataclasses.dataclass(frozen=True)
class Case:
    """Write with ``write_type``, read back with ``read_type``."""

    model: str
    layout: Layout
    write_type: str
    read_type: str
    options: tuple[tuple[str, str], ...] = ()
    read_options: tuple[tuple[str, str], ...] = ()


NO_SAVE = (("ngs_save_configuration", "false"),)
READBACK_CASES = [
    pytest.param(Case(CISCO, CISCO_LAYOUT, "netmiko_cisco_ios",
                      "netmiko_cisco_ios"), id="cisco_ios"),
    pytest.param(Case(CISCO, CISCO_LAYOUT, "netmiko_cisco_nxos",
                      "netmiko_cisco_nxos", NO_SAVE, NO_SAVE),
                 id="cisco_nxos"),
    pytest.param(Case(DELL10G, DELL10G_LAYOUT, "netmiko_cisco_ios",
                      "netmiko_cisco_ios"), id="dell10g-as-cisco_ios"),
    # netmiko's PowerConnect login wants in-band "User Name:"; the
    # emulation only does SSH password auth, which allow_agent turns on
    pytest.param(Case(DELL10G, DELL10G_LAYOUT, "netmiko_cisco_ios",
                      "netmiko_dell_powerconnect",
                      read_options=(("allow_agent", "true"),)),
                 id="dell10g-read-as-dell_powerconnect"),
]


def _require_read_ports() -> None:
    if GenericSwitchDriver.read_ports is base.SwitchDriver.read_ports:
        pytest.fail("GenericSwitchDriver.read_ports is not implemented")


@pytest.fixture
def configured(switches: dict[str, EmulatedSwitch], request: Any
               ) -> tuple[EmulatedSwitch, Case]:
    """The access port set by esi-leap; the trunk and the shutdown by
    plain netmiko (esi-leap has no shutdown); all checked in the running
    config before any read-back."""
    case: Case = request.param
    switch, layout = switches[case.model], case.layout
    # esi-leap's port names have no spaces (issue 14): the emulations
    # take "tengigabitethernet1/0/1" for "tengigabitethernet 1/0/1".
    assert apply(switch, PortChange(layout.access.replace(" ", ""),
                                    PortState(100),
                                    network_ids={100: NET_100}),
                 device_type=case.write_type, **dict(case.options)) \
        == [None]
    vlans = [f"vlan {vlan}" for vlan in sorted(TRUNK_TAGGED)]
    config = cli(switch, [
        *vlans, "exit",
        f"interface {layout.trunk}", "switchport mode trunk",
        "switchport trunk native vlan 100",
        f"switchport trunk allowed vlan {TRUNK_ALLOWED}", "exit",
        f"interface {layout.down}", "shutdown", "exit"])
    assert "switchport access vlan 100" in (
        interface_lines(config, layout.access) or [])
    assert f"switchport trunk allowed vlan {TRUNK_ALLOWED}" in (
        interface_lines(config, layout.trunk) or [])
    assert "shutdown" in (interface_lines(config, layout.down) or [])
    assert interface_lines(config, layout.missing) is None
    return switch, case


def _by_key(read: dict[str, ObservedPort]) -> dict[str, ObservedPort]:
    """Keyed by what all spellings of a port name share (``Te0/0/2`` is
    ``tengigabitethernet 0/0/2``), port names dropped."""
    return {readback.interface_key(name): dataclasses.replace(port, port="")
            for name, port in read.items()}


def _check_readback(read: dict[str, ObservedPort], layout: Layout) -> None:
    """``read`` (keyed as :func:`_by_key`) matches what was configured."""
    def get(port: str) -> ObservedPort:
        return read[readback.interface_key(port)]

    access = get(layout.access)
    assert (access.mode, access.native_vlan) == (base.ACCESS, 100)
    assert access.allowed_vlans == frozenset()
    assert access.admin_up is not False

    trunk = get(layout.trunk)
    assert trunk.mode == base.TRUNK
    assert trunk.native_vlan == layout.trunk_native
    # the native VLAN is untagged, so not in the tagged list
    assert trunk.allowed_vlans == (TRUNK_TAGGED | {100}) - {
        layout.trunk_native}
    assert trunk.carried() == TRUNK_TAGGED | {100}
    assert not trunk.carries_all
    assert trunk.admin_up is not False

    assert get(layout.down).admin_up is False
    default = get(layout.default)
    assert (default.mode, default.native_vlan) == (base.ACCESS, 1)
    assert default.allowed_vlans == frozenset()
    assert default.admin_up is not False

    assert readback.interface_key(layout.missing) not in read


@pytest.mark.parametrize("configured", READBACK_CASES, indirect=True)
def test_readback_matches_what_was_configured(
        configured: tuple[EmulatedSwitch, Case]) -> None:
    _require_read_ports()
    switch, case = configured
    reader = driver(switch, case.read_type, **dict(case.read_options))

    asked = reader.read_ports(case.layout.ports())
    # answered under the names asked for (more ports may come), the
    # missing port left out
    assert set(case.layout.ports()[:4]) <= set(asked)
    assert case.layout.missing not in asked
    _check_readback(_by_key(asked), case.layout)

    everything = reader.read_ports()
    _check_readback(_by_key(everything), case.layout)
    assert {key: port for key, port in _by_key(everything).items()
            if key in _by_key(asked)} == _by_key(asked)


def test_readback_sees_a_trunk_that_carries_every_vlan(
        cisco: EmulatedSwitch) -> None:
    """A Cisco trunk with no allowed list carries every VLAN: the
    read-back must say so, not report an empty list."""
    _require_read_ports()
    port = "FastEthernet0/4"
    config = cli(cisco, [f"interface {port}", "switchport mode trunk",
                         "switchport trunk native vlan 100"])
    lines = interface_lines(config, port) or []
    assert not any("allowed" in line for line in lines)   # control
    read = driver(cisco).read_ports([port])[port]
    assert read.mode == base.TRUNK and read.native_vlan == 100
    assert read.carries_all


def test_readback_of_an_unreachable_switch(cisco: EmulatedSwitch) -> None:
    _require_read_ports()
    wrong = with_credentials(cisco, password="wrong-" + cisco.password)
    with pytest.raises(SwitchUnreachable) as caught:
        driver(wrong).read_ports()
    assert wrong.password not in str(caught.value)


# -- (d) values outside the allowlist never reach the CLI (issue 14) -------


def test_unsafe_port_names_change_nothing_on_the_switch(
        cisco: EmulatedSwitch) -> None:
    """Every port name of the corpus (the issue's
    ``FastEthernet0/1\\ninterface FastEthernet0/2`` among them) is refused
    before anything is sent; a read-back of every port, and the running
    configuration, are as before. A safe change in the same session goes
    through, so the read-back does see changes."""
    from tests.switch_corpus import UNSAFE_PORTS
    safe_port = "FastEthernet0/3"
    _require_read_ports()
    reader = driver(cisco)
    before_config = cli(cisco)
    before = reader.read_ports()
    assert "FastEthernet0/2" in before and safe_port in before  # control
    changes = [PortChange(value, PortState(300)) for _, value in UNSAFE_PORTS]
    # A trunk change too: every template (native, allowed list) refused.
    changes.append(PortChange("FastEthernet0/3\ninterface FastEthernet0/4",
                              PortState(300, frozenset({302})),
                              PortState(1)))
    outcomes = apply(cisco, *changes, PortChange(safe_port, PortState(301)))
    assert all(isinstance(o, SwitchError) and "refused before sending"
               in str(o) for o in outcomes[:-1]), outcomes
    assert outcomes[-1] is None
    after = reader.read_ports()
    assert set(after) == set(before)
    changed = {name for name in before if after[name] != before[name]}
    assert changed == {safe_port}
    assert after[safe_port].native_vlan == 301
    after_config = cli(cisco)
    assert "vlan 300" not in after_config
    assert interface_lines(after_config, "FastEthernet0/2") == \
        interface_lines(before_config, "FastEthernet0/2")
