"""Switch port read-back: the parsers of readback.py and
GenericSwitchDriver.read_ports with netmiko's connection replaced.

Fixture files under ``fixtures/readback/`` are real outputs, never edited:
``cisco_ios_*`` and ``dell10g_*`` from the fake-switches emulator (see the
README there); ``ovs_*`` from Open vSwitch 3.1.0 in the switch lab
(tests/integration/switchlab), read with netmiko ``send_command`` exactly
as the driver reads them, with the lab set up as :data:`OVS_LAB` says
(``ip -n <switch namespace> link set p-n7 down``; ``bond0`` is an
``add-bond`` of two internal interfaces, ``bi1`` brought up).

The samples written inline below (NX-OS, EOS, OS10, PowerConnect, OS9,
Junos, and IOS trunk lists too long for the emulator to wrap) are NOT
captured from a switch: they were written by hand from the vendors'
configuration guides, in the layout those guides show.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from esi_leap.drivers.switches import readback as rb
from esi_leap.drivers.switches.base import ACCESS
from esi_leap.drivers.switches.base import TRUNK
from esi_leap.drivers.switches.base import ObservedPort
from esi_leap.drivers.switches.base import SwitchConfig
from esi_leap.drivers.switches.base import SwitchError
from esi_leap.drivers.switches.base import SwitchUnreachable
from esi_leap.drivers.switches.generic_switch import GenericSwitchDriver

FIXTURES = Path(__file__).parent / "fixtures" / "readback"
PASSWORD = "pw-R3adb4ck-s3cret"
ENABLE = "en-R3adb4ck-0ther"
ALL_BUT = rb.ALL_VLANS.difference

#: How the OVS fixtures' lab was set (port: what ovs-vsctl was told).
OVS_LAB = {
    "p-n1": "tag=101 vlan_mode=access",
    "p-n2": "tag=101 vlan_mode=native-untagged trunks=101,102",
    "p-n3": "no tag, no vlan_mode, no trunks",
    "p-n4": "no tag, vlan_mode=trunk trunks=102",
    "p-n5": "tag=103 vlan_mode=native-tagged, no trunks",
    "p-n6": "tag=104, no vlan_mode",
    "p-n7": "tag=999 vlan_mode=access; its device set down",
    "bond0": "tag=105 vlan_mode=access; bi1 up, bi2 down",
}


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


def port(name: str, mode: str, native: int | None,
         allowed: frozenset[int] | None | set[int] = frozenset(),
         admin: bool | None = True) -> ObservedPort:
    vlans = None if allowed is None else frozenset(allowed)
    return ObservedPort(name, mode, native, vlans, admin)


# -- VLAN lists and names ------------------------------------------------


@pytest.mark.parametrize(("text", "vlans"), [
    ("100", {100}),
    ("100-103,200", {100, 101, 102, 103, 200}),
    ("1, 5 - 6", {1, 5, 6}),
])
def test_vlan_lists(text: str, vlans: set[int]) -> None:
    assert rb.parse_vlan_list(text) == vlans


@pytest.mark.parametrize("text", ["", "abc", "5-3", "0", "4095", "1,,2",
                                  "100-"])
def test_bad_vlan_lists_raise(text: str) -> None:
    with pytest.raises(SwitchError):
        rb.parse_vlan_list(text)


@pytest.mark.parametrize(("a", "b"), [
    ("Fa0/1", "FastEthernet0/1"),
    ("Gi1/0/1", "GigabitEthernet 1/0/1"),
    ("Te1/0/2", "tengigabitethernet 1/0/2"),
    ("Eth1/1", "Ethernet1/1"),
    ("Et3", "Ethernet3"),
    ("Po10", "Port-channel10"),
    ("Fo1/0/1", "FortyGigE1/0/1"),
    ("Twe1/0/1", "TwentyFiveGigE1/0/1"),
    ("Tw1/0/1", "TwoGigabitEthernet1/0/1"),
    ("mgmt0", "Management0"),
])
def test_interface_abbreviations_match(a: str, b: str) -> None:
    assert rb.interface_key(a) == rb.interface_key(b)


@pytest.mark.parametrize(("a", "b"), [
    ("Fa0/1", "Fa0/10"),
    ("Fa0/1", "Gi0/1"),
    ("Te1/0/1", "Tw1/0/1"),
    ("ge-0/0/1", "Gi0/0/1"),
])
def test_different_interfaces_do_not_match(a: str, b: str) -> None:
    assert rb.interface_key(a) != rb.interface_key(b)


# -- Cisco IOS (real emulator output) ----------------------------------------


def ios_ports() -> dict[str, ObservedPort]:
    return rb.READERS["netmiko_cisco_ios"].parse(
        [fixture("cisco_ios_show_running_config.txt"), ""])


def test_ios_access_trunk_shutdown_and_defaults() -> None:
    ports = ios_ports()
    assert ports["FastEthernet0/1"] == port("FastEthernet0/1", ACCESS, 100)
    # native 100 is in the allowed list; it is not repeated as tagged
    assert ports["FastEthernet0/2"] == port(
        "FastEthernet0/2", TRUNK, 100, {200, 201, 202, 203, 204, 205})
    assert ports["FastEthernet0/3"] == port("FastEthernet0/3", ACCESS, 1,
                                            admin=False)
    # no switchport line at all: IOS's access port of VLAN 1
    assert ports["FastEthernet0/12"] == port("FastEthernet0/12", ACCESS, 1)
    assert len(ports) == 12
    assert not any(name.lower().startswith("vlan") for name in ports)


def test_ios_abbreviated_request_answers_under_the_callers_names() -> None:
    found = rb.select_ports(ios_ports(), ["Fa0/2", "FastEthernet0/3",
                                          "Fa0/99"])
    assert {"Fa0/2", "FastEthernet0/3"} <= set(found)
    assert "Fa0/99" not in found
    # the switch's own name of a port asked for is not repeated ...
    assert "FastEthernet0/2" not in found
    # ... and ports not asked for are answered under the switch's names
    assert set(found) - {"Fa0/2"} == set(ios_ports()) - {"FastEthernet0/2"}
    assert found["Fa0/2"].port == "Fa0/2"
    assert found["Fa0/2"].native_vlan == 100
    assert found["FastEthernet0/3"].admin_up is False


def test_dell10g_exit_blocks_and_ports_only_in_status() -> None:
    """The emulator's Dell N-series config closes blocks with ``exit`` and
    leaves default ports out; ``show interfaces status`` lists them."""
    ports = rb.READERS["netmiko_cisco_ios"].parse([
        fixture("dell10g_show_running_config.txt"),
        fixture("dell10g_show_interfaces_status.txt")])
    found = rb.select_ports(ports, ["Te1/0/1", "tengigabitethernet 1/0/2",
                                    "Te0/0/1", "Te0/0/2"])
    assert found["Te1/0/1"] == port("Te1/0/1", ACCESS, 100)
    # the emulator dropped the native VLAN: untagged frames go to VLAN 1,
    # which the allowed list does not carry
    assert found["tengigabitethernet 1/0/2"] == port(
        "tengigabitethernet 1/0/2", TRUNK, None,
        {100, 200, 201, 202, 203, 204, 205})
    assert found["Te0/0/1"].admin_up is False
    assert found["Te0/0/2"] == port("Te0/0/2", ACCESS, 1)
    assert len(ports) == 4


def test_dell10g_without_status_misses_only_default_ports() -> None:
    ports = rb.parse_running_config(
        fixture("dell10g_show_running_config.txt"))
    assert len(ports) == 3


# -- IOS trunk lists (hand-written) -------------------------------------------

IOS_LISTS = """\
Building configuration...

Current configuration : 1290 bytes
!
interface GigabitEthernet1/0/1
 switchport trunk native vlan 999
 switchport trunk allowed vlan 999,1001,1003,1005,1007,1009,1011,1013,1015
 switchport trunk allowed vlan add 1017,1019,1100-1105,2000
 switchport mode trunk
!
interface GigabitEthernet1/0/2
 switchport mode trunk
!
interface GigabitEthernet1/0/3
 switchport trunk allowed vlan none
 switchport mode trunk
!
interface GigabitEthernet1/0/4
 switchport trunk allowed vlan except 5-4094
 switchport mode trunk
!
interface GigabitEthernet1/0/5
 switchport trunk allowed vlan 1-300
 switchport trunk allowed vlan remove 2-299
 switchport mode trunk
!
interface GigabitEthernet1/0/6
 switchport trunk native vlan 999
 switchport trunk allowed vlan 100,200
 switchport mode trunk
!
interface GigabitEthernet1/0/7
 switchport trunk allowed vlan 1-2000
 switchport trunk allowed vlan add 2001-4094
 switchport mode trunk
!
interface GigabitEthernet1/0/8
 switchport access vlan 100
 switchport mode access
 switchport voice vlan 200
 spanning-tree portfast
!
interface GigabitEthernet1/0/9
 switchport access vlan 100
 switchport mode dynamic desirable
!
interface GigabitEthernet1/0/10
 switchport access vlan 100
 switchport mode dynamic auto
!
interface GigabitEthernet1/0/11
 no switchport
 ip address 192.0.2.1 255.255.255.0
!
interface GigabitEthernet1/0/12
 switchport private-vlan host-association 100 101
 switchport mode private-vlan host
!
interface GigabitEthernet1/0/13.100
 encapsulation dot1Q 100
!
interface Loopback0
 ip address 198.51.100.1 255.255.255.255
!
interface Vlan100
 no ip address
!
interface GigabitEthernet0/0
 description management
!
end
"""


def test_ios_wrapped_trunk_list_continues_with_add() -> None:
    ports = rb.parse_running_config(IOS_LISTS)
    assert ports["GigabitEthernet1/0/1"] == port(
        "GigabitEthernet1/0/1", TRUNK, 999,
        {*range(1001, 1020, 2), *range(1100, 1106), 2000})


@pytest.mark.parametrize(("name", "native", "allowed"), [
    ("GigabitEthernet1/0/2", 1, None),               # no list: every VLAN
    ("GigabitEthernet1/0/3", None, set()),           # none: nothing at all
    ("GigabitEthernet1/0/4", 1, {2, 3, 4}),          # except
    ("GigabitEthernet1/0/5", 1, {300}),              # remove
    ("GigabitEthernet1/0/6", None, {100, 200}),      # native not allowed
    ("GigabitEthernet1/0/7", 1, None),               # 1-4094 is every VLAN
])
def test_ios_trunk_lists(name: str, native: int | None,
                         allowed: set[int] | None) -> None:
    observed = rb.parse_running_config(IOS_LISTS)[name]
    assert observed == port(name, TRUNK, native, allowed)
    assert observed.carries_all == (allowed is None)


def test_ios_voice_vlan_is_carried_tagged() -> None:
    assert rb.parse_running_config(IOS_LISTS)["GigabitEthernet1/0/8"] == \
        port("GigabitEthernet1/0/8", TRUNK, 100, {200})


def test_ios_dynamic_modes() -> None:
    ports = rb.parse_running_config(IOS_LISTS)
    # desirable negotiates a trunk with any peer that lets it
    assert ports["GigabitEthernet1/0/9"] == port(
        "GigabitEthernet1/0/9", TRUNK, 1, None)
    assert ports["GigabitEthernet1/0/10"] == port(
        "GigabitEthernet1/0/10", ACCESS, 100)


def test_ios_routed_port_carries_no_vlan() -> None:
    observed = rb.parse_running_config(IOS_LISTS)["GigabitEthernet1/0/11"]
    assert observed == port("GigabitEthernet1/0/11", ACCESS, None)
    assert observed.carried() == frozenset()


def test_ios_unknown_mode_reads_as_the_worst_case() -> None:
    observed = rb.parse_running_config(IOS_LISTS)["GigabitEthernet1/0/12"]
    assert observed.carries_all and observed.native_vlan is None


def test_ios_subinterfaces_svis_and_loopbacks_are_not_ports() -> None:
    names = set(rb.parse_running_config(IOS_LISTS))
    assert "GigabitEthernet1/0/13.100" not in names
    assert "Loopback0" not in names and "Vlan100" not in names
    assert "GigabitEthernet0/0" in names


@pytest.mark.parametrize("line", [
    "switchport trunk allowed vlan 100-",
    "switchport trunk allowed vlan add",
    "switchport trunk allowed vlan 5000",
    "switchport access vlan default",
    "switchport trunk native vlan x",
])
def test_ios_unreadable_vlan_line_raises(line: str) -> None:
    text = f"interface Gi1/0/1\n {line}\n switchport mode trunk\n!\n"
    with pytest.raises(SwitchError, match="Gi1/0/1|VLAN"):
        rb.parse_running_config(text)


@pytest.mark.parametrize("text", [
    "",
    "% Invalid input detected at '^' marker.\n",
    "ovs-vsctl: no such command\n",
    "hostname sw1\n!\nend\n",
])
def test_running_config_without_interfaces_raises(text: str) -> None:
    with pytest.raises(SwitchError, match="no interface"):
        rb.READERS["netmiko_cisco_ios"].parse([text, ""])


# -- other IOS-like CLIs (hand-written) -------------------------------------

NXOS = """\
!Command: show running-config
!Running configuration last done at: Mon Jan  6 10:00:00 2025

version 9.3(8) Bios:version 05.45
hostname nx1

vlan 1,100,200-205

interface mgmt0
  vrf member management
  ip address 192.0.2.5/24

interface Ethernet1/1
  switchport
  switchport access vlan 100
  no shutdown

interface Ethernet1/2
  switchport
  switchport mode trunk
  switchport trunk native vlan 100
  switchport trunk allowed vlan 100,200-205
  no shutdown

interface Ethernet1/3
  switchport
  switchport mode trunk
  switchport trunk allowed vlan 1-99,101-3000
  switchport trunk allowed vlan add 3002-4094
  shutdown

interface Ethernet1/4

interface Vlan100
  no shutdown
"""

EOS = """\
! Command: show running-config
! device: eos1 (DCS-7050TX-64, EOS-4.28.3M)
!
hostname eos1
!
interface Ethernet1
   switchport access vlan 100
!
interface Ethernet2
   switchport trunk native vlan 100
   switchport trunk allowed vlan 100,200-205
   switchport mode trunk
!
interface Ethernet3
   switchport trunk native vlan tag
   switchport trunk allowed vlan 200
   switchport mode trunk
   shutdown
!
interface Management1
   ip address 192.0.2.6/24
!
end
"""

OS10 = """\
! Version 10.5.2.0
! Last configuration change at Jan  06 10:00:00 2025
!
interface vlan1
 no shutdown
!
interface ethernet1/1/1
 no shutdown
 switchport access vlan 100
 flowcontrol receive on
!
interface ethernet1/1/2
 no shutdown
 switchport mode trunk
 switchport access vlan 100
 switchport trunk allowed vlan 200-205
!
interface ethernet1/1/3
 shutdown
 switchport mode trunk
 switchport access vlan 1
!
interface ethernet1/1/4
 switchport access vlan 1
!
interface mgmt1/1/1
 no shutdown
 ip address dhcp
!
"""


def test_nxos() -> None:
    ports = rb.READERS["netmiko_cisco_nxos"].parse([NXOS])
    assert ports["Ethernet1/1"] == port("Ethernet1/1", ACCESS, 100)
    assert ports["Ethernet1/2"] == port(
        "Ethernet1/2", TRUNK, 100, {200, 201, 202, 203, 204, 205})
    assert ports["Ethernet1/3"] == port(
        "Ethernet1/3", TRUNK, 1, ALL_BUT({1, 100, 3001}), admin=False)
    # NX-OS's default admin state is a system setting: not known here
    assert ports["Ethernet1/4"] == port("Ethernet1/4", ACCESS, 1, admin=None)
    assert "mgmt0" in ports and "Vlan100" not in ports


def test_eos() -> None:
    ports = rb.READERS["netmiko_arista_eos"].parse([EOS])
    assert ports["Ethernet1"] == port("Ethernet1", ACCESS, 100)
    assert ports["Ethernet2"] == port("Ethernet2", TRUNK, 100,
                                      {200, 201, 202, 203, 204, 205})
    # "native vlan tag": untagged frames are dropped
    assert ports["Ethernet3"] == port("Ethernet3", TRUNK, None, {200},
                                      admin=False)


def test_os10_access_vlan_is_the_trunks_native_vlan() -> None:
    ports = rb.READERS["netmiko_dell_os10"].parse([OS10])
    assert ports["ethernet1/1/1"] == port("ethernet1/1/1", ACCESS, 100)
    assert ports["ethernet1/1/2"] == port(
        "ethernet1/1/2", TRUNK, 100, {200, 201, 202, 203, 204, 205})
    # an OS10 trunk carries no tagged VLAN until one is allowed
    assert ports["ethernet1/1/3"] == port("ethernet1/1/3", TRUNK, 1, set(),
                                          admin=False)
    assert ports["ethernet1/1/4"] == port("ethernet1/1/4", ACCESS, 1,
                                          admin=None)
    assert "vlan1" not in ports


def test_os10_allowed_lines_add_up() -> None:
    text = ("interface ethernet1/1/9\n switchport mode trunk\n"
            " switchport access vlan 10\n"
            " switchport trunk allowed vlan 20\n"
            " switchport trunk allowed vlan 30-31\n!\n")
    assert rb.parse_running_config(text, rb.OS10)["ethernet1/1/9"] == \
        port("ethernet1/1/9", TRUNK, 10, {20, 30, 31}, admin=None)


@pytest.mark.parametrize(("device_type", "text"), [
    ("netmiko_cisco_nxos", NXOS), ("netmiko_arista_eos", EOS),
    ("netmiko_dell_os10", OS10)])
def test_management_interfaces_are_internal(device_type: str,
                                            text: str) -> None:
    reader = rb.READERS[device_type]
    ports = reader.parse([text])
    internal = reader.internal([text])
    assert len(internal) == 1 and internal <= set(ports)
    everything = rb.select_ports(ports, None, exclude=internal)
    assert set(everything) == set(ports) - internal
    asked = rb.select_ports(ports, list(internal), exclude=internal)
    assert set(asked) == set(ports)  # asked for: included after all


POWERCONNECT = """\
!Current Configuration:
!System Description "PowerConnect 6224P, 3.3.7.3, VxWorks 6.5"
!System Software Version 3.3.7.3
!
configure
vlan database
vlan 100,200,201,202
exit
interface ethernet 1/g1
switchport access vlan 100
exit
!
interface ethernet 1/g2
switchport mode general
switchport general pvid 100
switchport general allowed vlan add 100
switchport general allowed vlan add 200-202 tagged
exit
!
interface ethernet 1/g3
shutdown
exit
!
exit
"""

POWERCONNECT_STATUS = """\

Port   Type                            Duplex  Speed    Neg  Link  Flow Control
                                                             State Status
-----  ------------------------------  ------  -------  ---- --------- ------------
1/g1   Gigabit - Level                 Full    Unknown  Auto Down      Inactive
1/g2   Gigabit - Level                 Full    Unknown  Auto Down      Inactive
1/g3   Gigabit - Level                 Full    Unknown  Auto Down      Inactive
1/g4   Gigabit - Level                 Full    Unknown  Auto Down      Inactive


Ch   Type                            Link
                                     State
---  ------------------------------  -----
ch1  Link Aggregate                  Down

Flow Control:Enabled
"""  # noqa: E501


def test_powerconnect_general_mode() -> None:
    ports = rb.READERS["netmiko_dell_powerconnect"].parse(
        [POWERCONNECT, POWERCONNECT_STATUS])
    found = rb.select_ports(ports, ["ethernet 1/g1", "ethernet 1/g2",
                                    "ethernet 1/g3", "ethernet 1/g4"])
    assert found["ethernet 1/g1"] == port("ethernet 1/g1", ACCESS, 100)
    assert found["ethernet 1/g2"] == port("ethernet 1/g2", TRUNK, 100,
                                          {200, 201, 202})
    assert found["ethernet 1/g3"].admin_up is False
    assert found["ethernet 1/g4"] == port("ethernet 1/g4", ACCESS, 1)


# -- Dell OS9 (hand-written) --------------------------------------------------

OS9 = """\
Current Configuration ...
! Version 9.14(2.0)
!
hostname s4810
!
interface TenGigabitEthernet 0/1
 no ip address
 switchport
 no shutdown
!
interface TenGigabitEthernet 0/2
 no ip address
 switchport
 no shutdown
!
interface TenGigabitEthernet 0/3
 no ip address
 switchport
 shutdown
!
interface TenGigabitEthernet 0/4
 no ip address
 shutdown
!
interface TenGigabitEthernet 0/5
 no ip address
 switchport
 no shutdown
!
interface ManagementEthernet 0/0
 ip address 192.0.2.7/24
 no shutdown
!
interface Vlan 100
 no ip address
 untagged TenGigabitEthernet 0/1
 tagged TenGigabitEthernet 0/2
 no shutdown
!
interface Vlan 200
 no ip address
 tagged TenGigabitEthernet 0/2,5
 no shutdown
!
end
"""


def test_os9_membership_lives_on_the_vlans() -> None:
    reader = rb.READERS["netmiko_dell_force10"]
    ports = reader.parse([OS9])
    found = rb.select_ports(ports, ["Te0/1", "Te0/2", "Te0/3", "Te0/4",
                                    "Te0/5"])
    assert found["Te0/1"] == port("Te0/1", ACCESS, 100)
    assert found["Te0/2"] == port("Te0/2", TRUNK, None, {100, 200})
    # a layer-2 port in no VLAN is on the default VLAN
    assert found["Te0/3"] == port("Te0/3", ACCESS, 1, admin=False)
    assert found["Te0/4"] == port("Te0/4", ACCESS, None, admin=False)
    assert found["Te0/5"] == port("Te0/5", TRUNK, None, {200})
    assert reader.internal([OS9]) == {"ManagementEthernet 0/0"}


@pytest.mark.parametrize(("text", "names"), [
    ("TenGigabitEthernet 0/1-3,5", ["TenGigabitEthernet 0/1",
                                     "TenGigabitEthernet 0/2",
                                     "TenGigabitEthernet 0/3",
                                     "TenGigabitEthernet 0/5"]),
    ("Port-channel 1-2", ["Port-channel 1", "Port-channel 2"]),
    ("fortyGigE 1/0/48,1/1/0", ["fortyGigE 1/0/48", "fortyGigE 1/1/0"]),
])
def test_os9_port_lists(text: str, names: list[str]) -> None:
    assert rb.expand_os9_ports(text) == names


# -- Juniper Junos (hand-written) ---------------------------------------------

JUNOS_INTERFACES = """\
set interfaces ge-0/0/0 unit 0 family ethernet-switching interface-mode access
set interfaces ge-0/0/0 unit 0 family ethernet-switching vlan members 100
set interfaces ge-0/0/1 native-vlan-id 100
set interfaces ge-0/0/1 unit 0 family ethernet-switching interface-mode trunk
set interfaces ge-0/0/1 unit 0 family ethernet-switching vlan members 100
set interfaces ge-0/0/1 unit 0 family ethernet-switching vlan members tenant-b
set interfaces ge-0/0/1 unit 0 family ethernet-switching vlan members 300-302
set interfaces ge-0/0/2 disable
set interfaces ge-0/0/2 unit 0 family ethernet-switching
set interfaces interface-range hosts member-range ge-0/0/3 to ge-0/0/4
set interfaces interface-range hosts unit 0 family ethernet-switching vlan members quarantine
set interfaces ge-0/0/5 unit 0 family ethernet-switching interface-mode trunk
set interfaces ge-0/0/5 unit 0 family ethernet-switching vlan members all
set interfaces me0 unit 0 family inet address 192.0.2.8/24
"""  # noqa: E501

JUNOS_VLANS = """\
set vlans default vlan-id 1
set vlans quarantine vlan-id 999
set vlans tenant-a vlan-id 100
set vlans tenant-b vlan-id 200
"""

JUNOS_TERSE = """\
Interface               Admin Link Proto    Local                 Remote
ge-0/0/0                up    up
ge-0/0/0.0              up    up   eth-switch
ge-0/0/1                up    up
ge-0/0/1.0              up    up   eth-switch
ge-0/0/2                down  down
ge-0/0/2.0              up    down eth-switch
ge-0/0/3                up    down
ge-0/0/3.0              up    down eth-switch
ge-0/0/4                up    down
ge-0/0/4.0              up    down eth-switch
ge-0/0/5                up    up
ge-0/0/5.0              up    up   eth-switch
ge-0/0/6                up    down
me0                     up    up
me0.0                   up    up   inet     192.0.2.8/24
"""


def test_junos() -> None:
    ports = rb.READERS["netmiko_juniper"].parse(
        [JUNOS_INTERFACES, JUNOS_VLANS, JUNOS_TERSE])
    assert ports["ge-0/0/0"] == port("ge-0/0/0", ACCESS, 100)
    assert ports["ge-0/0/1"] == port("ge-0/0/1", TRUNK, 100,
                                     {200, 300, 301, 302})
    assert ports["ge-0/0/2"] == port("ge-0/0/2", ACCESS, 1, admin=False)
    assert ports["ge-0/0/3"] == port("ge-0/0/3", ACCESS, 999, admin=True)
    assert ports["ge-0/0/4"] == port("ge-0/0/4", ACCESS, 999, admin=True)
    assert ports["ge-0/0/5"] == port("ge-0/0/5", TRUNK, None, None)
    # no ethernet-switching family: the port switches nothing
    assert ports["ge-0/0/6"] == port("ge-0/0/6", ACCESS, None)
    assert "me0" not in ports and "ge-0/0/0.0" not in ports


def test_junos_unknown_vlan_name_raises() -> None:
    text = ("set interfaces ge-0/0/0 unit 0 family ethernet-switching "
            "vlan members nosuch\n")
    with pytest.raises(SwitchError, match="nosuch"):
        rb.parse_junos(text, JUNOS_VLANS, JUNOS_TERSE)


def test_junos_without_ports_raises() -> None:
    with pytest.raises(SwitchError, match="no port"):
        rb.parse_junos(JUNOS_INTERFACES, JUNOS_VLANS,
                       "error: syntax error, expecting <command>: terse\n")


# -- Open vSwitch (real output) -----------------------------------------------


def ovs_outputs() -> list[str]:
    return [fixture("ovs_list_port.json"), fixture("ovs_list_interface.json"),
            fixture("ovs_list_br.txt")]


def ovs_ports() -> dict[str, ObservedPort]:
    return rb.READERS["netmiko_ovs_linux"].parse(ovs_outputs())


@pytest.mark.parametrize(("name", "expected"), [
    ("p-n1", port("p-n1", ACCESS, 101)),
    ("p-n2", port("p-n2", TRUNK, 101, {102})),        # native-untagged
    ("p-n3", port("p-n3", TRUNK, 0, None)),           # no tag: every VLAN
    ("p-n4", port("p-n4", TRUNK, None, {102})),       # one trunk: bare atom
    ("p-n5", port("p-n5", TRUNK, 103, None)),         # native, no trunks
    ("p-n6", port("p-n6", ACCESS, 104)),              # tag, no vlan_mode
    ("p-n7", port("p-n7", ACCESS, 999, admin=False)),
    ("bond0", port("bond0", ACCESS, 105)),            # one member up
])
def test_ovs_ports(name: str, expected: ObservedPort) -> None:
    assert name in OVS_LAB
    assert ovs_ports()[name] == expected


def test_ovs_port_without_tag_carries_all() -> None:
    observed = ovs_ports()["p-n3"]
    assert observed.carries_all


def test_ovs_bridge_port_is_internal() -> None:
    reader = rb.READERS["netmiko_ovs_linux"]
    internal = reader.internal(ovs_outputs())
    assert internal == {"br-lab"}
    everything = rb.select_ports(ovs_ports(), None, exclude=internal,
                                 key=reader.key)
    assert set(everything) == set(OVS_LAB)
    asked = rb.select_ports(ovs_ports(), ["br-lab", "p-n1", "nope0"],
                            exclude=internal, key=reader.key)
    assert set(asked) == set(OVS_LAB) | {"br-lab"}


def test_ovs_names_are_exact() -> None:
    reader = rb.READERS["netmiko_ovs_linux"]
    found = rb.select_ports(ovs_ports(), ["P-N1", "p-n1 "],
                            key=reader.key)
    assert "P-N1" not in found and "p-n1 " not in found
    assert found["p-n1"].port == "p-n1"


def test_ovs_bond_is_down_when_every_member_is() -> None:
    interfaces = fixture("ovs_list_interface.json").replace(
        '"bi1","up"', '"bi1","down"')
    assert '"bi1","down"' in interfaces
    ports = rb.parse_ovs(fixture("ovs_list_port.json"), interfaces)
    assert ports["bond0"].admin_up is False


def test_ovs_unknown_admin_state_is_none() -> None:
    interfaces = fixture("ovs_list_interface.json").replace(
        '"p-n1","up"', '"p-n1",["set",[]]')
    assert rb.parse_ovs(fixture("ovs_list_port.json"),
                        interfaces)["p-n1"].admin_up is None


@pytest.mark.parametrize(("ports_json", "interfaces_json", "match"), [
    ("ovs-vsctl: unix:/run/db.sock: database connection failed", "{}",
     "database connection failed"),
    ('{"data":[],"headings":["name","tag","vlan_mode","trunks",'
     '"interfaces"]}', '{"data":[],"headings":["_uuid","admin_state"]}',
     "no ports"),
    ('{"data":[["p1",5]],"headings":["name","tag"]}',
     '{"data":[],"headings":["_uuid","admin_state"]}', "no interfaces"),
    ('{"data":[["p1",5,"access"]],"headings":["name","tag","vlan_mode",'
     '"trunks","interfaces"]}', '{"data":[],"headings":["_uuid",'
     '"admin_state"]}', "Port table"),
    ('{"data":[["p1","x",["set",[]],["set",[]],["set",[]]]],"headings":'
     '["name","tag","vlan_mode","trunks","interfaces"]}',
     '{"data":[],"headings":["_uuid","admin_state"]}', "tag"),
    ('{"data":[["p1",5,"sideways",["set",[]],["set",[]]]],"headings":'
     '["name","tag","vlan_mode","trunks","interfaces"]}',
     '{"data":[],"headings":["_uuid","admin_state"]}', "sideways"),
    ("", "", "Port table"),
])
def test_ovs_garbage_raises(ports_json: str, interfaces_json: str,
                            match: str) -> None:
    with pytest.raises(SwitchError, match=match):
        rb.parse_ovs(ports_json, interfaces_json)


def test_ovs_bridge_list_garbage_raises() -> None:
    with pytest.raises(SwitchError, match="bridges"):
        rb.parse_ovs_bridges("ovs-vsctl: unix:/x: database connection "
                             "failed (No such file or directory)\n")


# -- the table ---------------------------------------------------------------


def test_unknown_device_type_cannot_be_read_back() -> None:
    with pytest.raises(SwitchError, match="netmiko_cisco_s300 cannot be "
                                          "read back"):
        rb.reader_for("netmiko_cisco_s300")


def test_readers_send_show_commands_only() -> None:
    for device_type, reader in rb.READERS.items():
        assert reader.commands, device_type
        for command in reader.commands:
            assert command.split()[0] in ("show", "ovs-vsctl"), command
            if command.startswith("ovs-vsctl"):
                assert command.split()[-2:] in (["list", "port"],
                                                ["list", "interface"]) \
                    or command == rb.OVS_BRIDGES


# -- GenericSwitchDriver.read_ports ------------------------------------------


class ReadOnlyConnection:
    """A netmiko connection that answers show commands from ``answers``
    and fails the test on anything that could change the switch."""

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers = answers
        self.sent: list[str] = []
        self.enabled = 0
        self.disconnected = False
        self.fail: BaseException | None = None

    def enable(self) -> str:
        self.enabled += 1
        return ""

    def send_command(self, command: str, **kwargs: Any) -> str:
        if self.fail is not None:
            raise self.fail
        self.sent.append(command)
        return self.answers.get(command, "")

    def send_config_set(self, *args: Any, **kwargs: Any) -> str:
        raise AssertionError("a read-back entered configuration mode")

    def save_config(self, *args: Any, **kwargs: Any) -> str:
        raise AssertionError("a read-back saved the configuration")

    def disconnect(self) -> None:
        self.disconnected = True


IOS_ANSWERS = {"show running-config":
               fixture("cisco_ios_show_running_config.txt")}
OVS_ANSWERS = dict(zip(rb.READERS["netmiko_ovs_linux"].commands,
                       ovs_outputs(), strict=True))


@pytest.fixture
def connect(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """netmiko.ConnectHandler replaced: {'answers', 'calls', 'raise' (by
    ConnectHandler), 'fail' (by send_command), 'connections'}."""
    import netmiko
    box: dict[str, Any] = {"answers": {}, "calls": [], "raise": None,
                           "fail": None, "connections": []}

    def handler(**kwargs: Any) -> ReadOnlyConnection:
        box["calls"].append(kwargs)
        if box["raise"] is not None:
            raise box["raise"]
        connection = ReadOnlyConnection(box["answers"])
        connection.fail = box["fail"]
        box["connections"].append(connection)
        return connection

    monkeypatch.setattr(netmiko, "ConnectHandler", handler)
    return box


def driver(device_type: str, secrets: bool = True,
           **connection: str) -> GenericSwitchDriver:
    options = {"ip": "192.0.2.10", "username": "admin",
               "ngs_ssh_connect_timeout": "0",
               "ngs_ssh_connect_interval": "0"}
    options.update(connection)
    return GenericSwitchDriver(SwitchConfig(
        name="sw1", driver="generic_switch", device_type=device_type,
        connection=options,
        secrets={"password": PASSWORD, "secret": ENABLE} if secrets
        else {}))


def test_read_ports_sends_only_show_commands_in_one_connection(
        connect: dict[str, Any]) -> None:
    connect["answers"] = IOS_ANSWERS
    before = GenericSwitchDriver.sessions_opened
    ports = driver("netmiko_cisco_ios").read_ports()
    assert GenericSwitchDriver.sessions_opened == before + 1
    assert len(connect["calls"]) == 1
    (conn,) = connect["connections"]
    assert conn.sent == list(rb.READERS["netmiko_cisco_ios"].commands)
    assert conn.enabled == 1 and conn.disconnected
    assert ports["FastEthernet0/1"] == port("FastEthernet0/1", ACCESS, 100)
    assert len(ports) == 12


def test_no_enable_without_a_secret(connect: dict[str, Any]) -> None:
    connect["answers"] = IOS_ANSWERS
    driver("netmiko_cisco_ios", secrets=False).read_ports()
    assert connect["connections"][0].enabled == 0


def test_requested_ports_answer_under_the_callers_names(
        connect: dict[str, Any]) -> None:
    connect["answers"] = IOS_ANSWERS
    ports = driver("netmiko_cisco_ios").read_ports(["Fa0/1", "Fa0/42"])
    assert ports["Fa0/1"] == port("Fa0/1", ACCESS, 100)
    assert "Fa0/42" not in ports and "FastEthernet0/1" not in ports


def test_uplinks_are_left_out_of_a_full_read(
        connect: dict[str, Any]) -> None:
    connect["answers"] = IOS_ANSWERS
    drv = driver("netmiko_cisco_ios", ngs_trunk_ports="Fa0/12")
    assert "FastEthernet0/12" not in drv.read_ports()
    assert "FastEthernet0/12" in drv.read_ports(["FastEthernet0/12"])
    assert "FastEthernet0/12" not in drv.read_ports(["Fa0/1"])


def test_ovs_read_leaves_the_bridge_out(connect: dict[str, Any]) -> None:
    connect["answers"] = OVS_ANSWERS
    ports = driver("netmiko_ovs_linux", secrets=False).read_ports()
    assert set(ports) == set(OVS_LAB)
    assert connect["connections"][0].sent == list(OVS_ANSWERS)


def test_unsupported_device_type_fails_before_connecting(
        connect: dict[str, Any]) -> None:
    with pytest.raises(SwitchError, match="sw1.*cannot be read back"):
        driver("netmiko_cisco_s300").read_ports()
    assert connect["calls"] == []


def test_unparseable_answer_is_an_error_without_secrets(
        connect: dict[str, Any]) -> None:
    connect["answers"] = {"show running-config":
                          f"% Bad secret {ENABLE} {PASSWORD}\n"}
    with pytest.raises(SwitchError) as caught:
        driver("netmiko_cisco_ios").read_ports()
    assert not isinstance(caught.value, SwitchUnreachable)
    message = str(caught.value)
    assert "sw1" in message and "Bad secret" in message
    assert ENABLE not in message and PASSWORD not in message


@pytest.mark.parametrize(("exc", "kind"), [
    (OSError("connection reset"), SwitchUnreachable),
    (EOFError(), SwitchUnreachable),
    (ValueError(f"weird {PASSWORD}"), SwitchError),
])
def test_failures_while_reading(connect: dict[str, Any],
                                exc: BaseException,
                                kind: type[SwitchError]) -> None:
    connect["fail"] = exc
    with pytest.raises(kind) as caught:
        driver("netmiko_cisco_ios").read_ports()
    assert type(caught.value) is kind
    assert "sw1" in str(caught.value)
    assert PASSWORD not in str(caught.value)
    assert connect["connections"][0].disconnected


def test_connection_refused_is_unreachable(connect: dict[str, Any]) -> None:
    connect["raise"] = ConnectionRefusedError("refused")
    with pytest.raises(SwitchUnreachable, match="sw1 unreachable"):
        driver("netmiko_cisco_ios").read_ports()


# -- every parser refuses what it cannot read ---------------------------------

GARBAGE = "-bash: ovs-vsctl: command not found\n"


@pytest.mark.parametrize("device_type", sorted(rb.READERS))
def test_every_reader_refuses_garbage(device_type: str) -> None:
    reader = rb.READERS[device_type]
    parse: Callable[[list[str]], Any] = reader.parse
    with pytest.raises(SwitchError):
        parse([GARBAGE] * len(reader.commands))

