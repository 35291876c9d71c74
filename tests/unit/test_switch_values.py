"""The allowlist of values that reach a switch, and the drivers' last
check before building commands."""

from typing import Any

import pytest

from esi_leap.drivers.switches import base
from esi_leap.drivers.switches import fake
from esi_leap.drivers.switches import values
from esi_leap.drivers.switches.base import PortChange
from esi_leap.drivers.switches.base import PortState
from esi_leap.drivers.switches.base import SwitchConfig
from esi_leap.drivers.switches.base import SwitchError
from tests.switch_corpus import SAFE_PORTS
from tests.switch_corpus import UNSAFE_PORTS
from tests.unit import test_generic_switch as tgs

UNSAFE = [pytest.param(value, id=name) for name, value in UNSAFE_PORTS]


@pytest.mark.parametrize("value", UNSAFE)
def test_unsafe_port_names_are_refused(value: str) -> None:
    with pytest.raises(values.UnsafeValue) as raised:
        values.check_port(value)
    message = str(raised.value)
    assert "switch port" in message
    # The value is shown escaped: no control or non-ASCII character.
    assert message.isascii() and message.isprintable()


@pytest.mark.parametrize("value", SAFE_PORTS)
def test_safe_port_names_pass(value: str) -> None:
    assert values.check_port(value) == value


def test_a_device_type_may_be_stricter() -> None:
    assert values.check_port("Ethernet1/1") == "Ethernet1/1"
    for value in ("Ethernet1/1", "a" * 16, "p1:2"):
        with pytest.raises(values.UnsafeValue, match="netmiko_ovs_linux"):
            values.check_port(value, "netmiko_ovs_linux")
    assert values.check_port("veth-n1", "netmiko_ovs_linux") == "veth-n1"


@pytest.mark.parametrize("value", [0, 4095, -1, True, "100", 1.0, None])
def test_vlan_ids_are_integers_in_range(value: Any) -> None:
    with pytest.raises(values.UnsafeValue, match="VLAN"):
        values.check_vlan(value)
    assert values.check_vlan(1) == 1 and values.check_vlan(4094) == 4094


@pytest.mark.parametrize("value", ["sw 1", "sw1\nx", "-sw", "", "sw/1",
                                   "sw;1", "s\u00e9"])
def test_switch_names_and_ids(value: str) -> None:
    with pytest.raises(values.UnsafeValue):
        values.check_switch_name(value)
    with pytest.raises(values.UnsafeValue):
        values.check_switch_id(value)
    assert values.check_switch_name("leaf-1.rack2@dc") == "leaf-1.rack2@dc"
    assert values.check_switch_id("AA:bb:cc:dd:ee:ff")


def test_command_values_need_an_allowlist() -> None:
    values.check_command_values({"port": "Ethernet1", "segmentation_id": 5,
                                 "network_name": "net-1",
                                 "network_id": "0" * 32})
    with pytest.raises(values.UnsafeValue, match="no allowlist"):
        values.check_command_values({"vlan_name": "x"})
    with pytest.raises(values.UnsafeValue, match="VLAN name"):
        values.check_command_values({"network_name": "a\nb"})


def test_shown_escapes_and_cuts() -> None:
    assert values.shown("a\nb\x00\u00e9") == "'a\\nb\\x00\\xe9'"
    assert len(values.shown("x" * 500)) <= values.SHOWN_LENGTH + 4


# -- the drivers' last check ---------------------------------------------

@pytest.fixture
def connect(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """netmiko's ConnectHandler replaced by a recording fake."""
    import netmiko
    box: dict[str, Any] = {"fake": tgs.FakeConnection()}
    monkeypatch.setattr(netmiko, "ConnectHandler",
                        lambda **kwargs: box["fake"])
    return box


def change(port: str, native: int = 100,
           *tagged: int) -> PortChange:
    return PortChange(port, PortState(native, frozenset(tagged)))


@pytest.mark.parametrize("device_type", ["netmiko_cisco_ios",
                                         "netmiko_ovs_linux"])
@pytest.mark.parametrize("value", UNSAFE)
def test_generic_switch_sends_nothing_for_an_unsafe_port(
        connect: dict[str, Any], device_type: str, value: str) -> None:
    drv = tgs.driver(device_type)
    with pytest.raises(SwitchError, match="refused before sending"):
        drv.commands_for(change(value))
    errors = tgs.apply(drv, change(value), change(value, 100, 200))
    assert all(isinstance(e, SwitchError) for e in errors)
    assert connect["fake"].sent == []
    assert connect["fake"].saved == 0


def test_generic_switch_refuses_unsafe_uplinks_and_vlan_names(
        connect: dict[str, Any]) -> None:
    drv = tgs.driver("netmiko_cisco_ios",
                     ngs_trunk_ports="Ethernet9;reload")
    assert tgs.apply(drv, change("Ethernet1"))[0] is not None
    drv = tgs.driver("netmiko_cisco_ios",
                     ngs_network_name_format="x\nreload {network_id}")
    error = tgs.apply(drv, change("Ethernet1"))[0]
    assert error is not None and "VLAN name" in str(error)
    assert connect["fake"].sent == []


def test_generic_switch_refuses_vlans_out_of_range(
        connect: dict[str, Any]) -> None:
    drv = tgs.driver("netmiko_cisco_ios")
    for bad in (PortChange("Ethernet1", PortState(0)),
                PortChange("Ethernet1", PortState(4095)),
                PortChange("Ethernet1", PortState(100, frozenset({True}))),
                # A stale VLAN that a removal command would name.
                PortChange("Ethernet1", PortState(100),
                           PortState(7, frozenset({5000})))):
        with pytest.raises(SwitchError, match="VLAN"):
            drv.commands_for(bad)
    assert connect["fake"].sent == []


def test_an_untagged_current_port_is_no_reason_to_refuse(
        connect: dict[str, Any]) -> None:
    """What a switch reported (an untagged Open vSwitch port: VLAN 0) is
    checked only where a command uses it."""
    drv = tgs.driver("netmiko_ovs_linux")
    assert drv.commands_for(PortChange("p-a1", PortState(100),
                                       PortState(0)))


def test_generic_switch_applies_a_safe_port(connect: dict[str, Any]) -> None:
    drv = tgs.driver("netmiko_cisco_ios")
    assert tgs.apply(drv, change("FastEthernet0/1")) == [None]
    assert any("interface FastEthernet0/1" in c
               for c in connect["fake"].sent[0])


@pytest.mark.parametrize("value", UNSAFE)
def test_fake_switch_changes_nothing_for_an_unsafe_port(value: str) -> None:
    fake.reset("corpus")
    drv = fake.FakeSwitchDriver(SwitchConfig(name="corpus", driver="fake"))
    with drv.session() as session:
        outcomes = list(base.apply_all(session, [change(value),
                                                 change("Ethernet1")]))
    assert isinstance(outcomes[0][1], SwitchError)
    assert outcomes[1][1] is None
    assert fake.port_states("corpus") == {"Ethernet1": {
        "mode": "access", "native_vlan": 100, "tagged_vlans": []}}
    fake.reset("corpus")


def test_observed_vlans_outside_the_range_are_not_removed() -> None:
    from esi_leap.networking import port_state
    current = port_state.from_observed(
        {"mode": "trunk", "native_vlan": 0, "allowed_vlans": [0, 5, 4095]},
        999)
    assert current == PortState(999, frozenset({5}))
