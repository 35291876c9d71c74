"""GenericSwitchDriver.read_ports against a real Open vSwitch, over SSH.

Ports are set directly with ``ovs-vsctl`` (or through the driver's write
path), read back through the driver, and checked against what was set and
against ``ovs-vsctl``'s own answer. Needs root and Open vSwitch (skips
outside CI when missing, fails in CI).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from esi_leap.drivers.switches import base
from esi_leap.drivers.switches.base import ACCESS
from esi_leap.drivers.switches.base import TRUNK
from esi_leap.drivers.switches.base import ObservedPort
from esi_leap.drivers.switches.base import PortChange
from esi_leap.drivers.switches.base import PortState
from esi_leap.drivers.switches.base import SwitchConfig
from esi_leap.drivers.switches.base import SwitchUnreachable
from esi_leap.drivers.switches.generic_switch import GenericSwitchDriver
from tests.integration.switchlab import SwitchLab
from tests.integration.switchlab.fixtures import switch_lab  # noqa: F401

pytestmark = pytest.mark.integration

SWITCH_LAB_QUARANTINE_VLAN = QUARANTINE = 999
SWITCH_LAB_NODES = ("n1", "n2", "n3", "n4")


def driver(lab: SwitchLab, **overrides: str) -> GenericSwitchDriver:
    return GenericSwitchDriver(SwitchConfig(
        name="lab-ovs", driver="generic_switch",
        device_type="netmiko_ovs_linux",
        connection=lab.ssh_connection(fast=True, **overrides)))


def port_of(lab: SwitchLab, node: str) -> str:
    return lab.nodes[node].port


def ssh_logins(lab: SwitchLab) -> int:
    assert lab.workdir is not None
    log = lab.workdir / "ssh" / "sshd.log"
    return log.read_text().count("Accepted publickey") if log.exists() else 0


def wait_admin_state(lab: SwitchLab, port: str, state: str) -> None:
    """Wait until ovs-vswitchd has noticed a device flag change."""
    deadline = time.monotonic() + 10
    while lab.vsctl("get", "interface", port,
                    "admin_state").strip() != state:
        assert time.monotonic() < deadline, f"{port} never went {state}"
        time.sleep(0.1)


def set_link(lab: SwitchLab, port: str, state: str) -> None:
    lab.in_namespace(lab.switch_namespace,
                     ["ip", "link", "set", port, state])
    wait_admin_state(lab, port, state)


@pytest.fixture(autouse=True)
def quarantined(switch_lab: SwitchLab) -> Iterator[None]:  # noqa: F811
    """Every test starts and ends with all ports on the quarantine VLAN,
    their devices up."""
    switch_lab.reset_ports()
    yield
    for node in switch_lab.nodes.values():
        switch_lab.in_namespace(switch_lab.switch_namespace,
                                ["ip", "link", "set", node.port, "up"])
    switch_lab.reset_ports()


def test_read_back_matches_what_ovs_vsctl_set(
        switch_lab: SwitchLab) -> None:  # noqa: F811
    lab = switch_lab
    p1, p2, p3, p4 = (port_of(lab, n) for n in SWITCH_LAB_NODES)
    lab.set_port(p1, 101)
    lab.set_port(p2, 101, "native-untagged", (101, 102))
    lab.vsctl("clear", "port", p3, "tag", "--", "clear", "port", p3,
              "vlan_mode")
    lab.vsctl("clear", "port", p4, "tag", "--", "set", "port", p4,
              "vlan_mode=trunk", "trunks=102,103")

    ports = driver(lab).read_ports()

    assert ports[p1] == ObservedPort(p1, ACCESS, 101, frozenset(), True)
    assert ports[p2] == ObservedPort(p2, TRUNK, 101, frozenset({102}), True)
    # no tag, no mode: OVS makes it a trunk of every VLAN
    assert ports[p3].carries_all and ports[p3].mode == TRUNK
    assert ports[p4] == ObservedPort(p4, TRUNK, None, frozenset({102, 103}),
                                     True)
    # ovs-vsctl's own reading agrees, port by port
    for name in (p1, p2, p3, p4):
        truth = lab.port_state(name)
        assert ports[name].carries_all == truth.carries_all_vlans
        assert ports[name].mode == (
            ACCESS if truth.effective_mode == "access" else TRUNK)
        if truth.effective_mode != "trunk":
            assert ports[name].native_vlan == truth.tag
    # the bridge's own port is left out of a full read
    assert set(ports) == {p1, p2, p3, p4}


def test_read_back_of_what_the_driver_applied(
        switch_lab: SwitchLab) -> None:  # noqa: F811
    lab = switch_lab
    p1, p2 = port_of(lab, "n1"), port_of(lab, "n2")
    targets = {p1: PortState(101),
               p2: PortState(101, frozenset({102, 103}))}
    with driver(lab).session() as session:
        outcomes = list(base.apply_all(session, [
            PortChange(p1, targets[p1]),
            PortChange(p2, targets[p2], current=PortState(QUARANTINE))]))
    assert [error for _, error in outcomes] == [None, None]

    ports = driver(lab).read_ports([p1, p2])

    for name, target in targets.items():
        assert ports[name].native_vlan == target.native_vlan
        assert ports[name].carried() == {target.native_vlan,
                                         *target.tagged_vlans}
        assert ports[name].mode == (TRUNK if target.is_trunk else ACCESS)
        assert not ports[name].carries_all


def test_device_down_reads_back_as_admin_down(
        switch_lab: SwitchLab) -> None:  # noqa: F811
    lab = switch_lab
    p1, p2 = port_of(lab, "n1"), port_of(lab, "n2")
    set_link(lab, p1, "down")

    ports = driver(lab).read_ports([p1, p2])

    assert ports[p1].admin_up is False
    assert ports[p2].admin_up is True            # control
    set_link(lab, p1, "up")
    assert driver(lab).read_ports([p1])[p1].admin_up is True


def test_missing_port_is_absent_and_the_bridge_can_be_asked_for(
        switch_lab: SwitchLab) -> None:  # noqa: F811
    lab = switch_lab
    p1 = port_of(lab, "n1")
    ports = driver(lab).read_ports([p1, "nope0", lab.bridge])
    assert "nope0" not in ports
    assert {p1, lab.bridge} <= set(ports)
    assert ports[p1].native_vlan == QUARANTINE
    # Ports not asked for come too (the auditor looks for unmanaged
    # ones), the bridge's own port only when asked for.
    assert {port_of(lab, n) for n in lab.nodes} <= set(ports)
    assert lab.bridge not in driver(lab).read_ports([p1])


def test_one_session_per_read_and_nothing_written(
        switch_lab: SwitchLab) -> None:  # noqa: F811
    lab = switch_lab
    sessions, logins = GenericSwitchDriver.sessions_opened, ssh_logins(lab)
    next_cfg = lab.vsctl("get", "Open_vSwitch", ".", "next_cfg")

    ports = driver(lab).read_ports()

    assert len(ports) == len(SWITCH_LAB_NODES)
    assert GenericSwitchDriver.sessions_opened == sessions + 1
    assert ssh_logins(lab) == logins + 1         # the switch saw one login
    # every ovs-vsctl write bumps next_cfg; a read-back must not
    assert lab.vsctl("get", "Open_vSwitch", ".", "next_cfg") == next_cfg
    lab.set_port(port_of(lab, "n1"), 101)                   # control
    assert lab.vsctl("get", "Open_vSwitch", ".", "next_cfg") != next_cfg


def test_stopped_sshd_is_unreachable(
        switch_lab: SwitchLab) -> None:  # noqa: F811
    lab = switch_lab
    lab.stop_sshd()
    try:
        with pytest.raises(SwitchUnreachable, match="lab-ovs"):
            driver(lab, ngs_ssh_connect_timeout="1").read_ports()
    finally:
        lab.start_sshd()
    assert port_of(lab, "n1") in driver(lab).read_ports()   # control
