"""The generic_switch driver against networking-generic-switch's real device
classes, with netmiko's connection replaced by a recording fake."""

import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
from netmiko import exceptions as netmiko_exc

from esi_leap.drivers.switches import base
from esi_leap.drivers.switches import generic_switch as gs
from esi_leap.drivers.switches.base import PortChange
from esi_leap.drivers.switches.base import PortState
from esi_leap.drivers.switches.base import SwitchConfig
from esi_leap.drivers.switches.base import SwitchError
from esi_leap.drivers.switches.base import SwitchUnreachable

PASSWORD = "pw-Sup3r-s3cret"
ENABLE = "en-0th3r-s3cret"
QUARANTINE = 999
NET_A = "0b5e1d2c-3f4a-4b6c-8d9e-0f1a2b3c4d5e"


def state(native: int, *tagged: int) -> PortState:
    return PortState(native, frozenset(tagged))


class FakeConnection:
    """Records what the driver sends; answers with ``respond(commands)``."""

    def __init__(self, save_supported: bool = True) -> None:
        self.sent: list[list[str]] = []
        self.saved = 0
        self.disconnected = False
        self.save_supported = save_supported
        self.respond: Callable[[list[str]], str] = lambda commands: ""
        self.fail: BaseException | None = None

    def enable(self) -> str:
        return ""

    def send_config_set(self, config_commands: Any, cmd_verify: bool = True,
                        **kwargs: Any) -> str:
        commands = list(config_commands)
        if self.fail is not None:
            raise self.fail
        self.sent.append(commands)
        return "\n".join(commands) + "\n" + self.respond(commands)

    def save_config(self) -> str:
        if not self.save_supported:
            raise NotImplementedError
        self.saved += 1
        return ""

    def send_command(self, command: str) -> str:
        self.sent.append([command])
        return ""

    def disconnect(self) -> None:
        self.disconnected = True


@pytest.fixture
def connect(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Replace netmiko.ConnectHandler; returns {'fake', 'calls', 'raise'}."""
    import netmiko
    box: dict[str, Any] = {"fake": FakeConnection(), "calls": [],
                           "raise": None}

    def handler(**kwargs: Any) -> FakeConnection:
        box["calls"].append(kwargs)
        if box["raise"] is not None:
            raise box["raise"]
        fake: FakeConnection = box["fake"]
        return fake

    monkeypatch.setattr(netmiko, "ConnectHandler", handler)
    return box


def driver(device_type: str, **connection: str) -> gs.GenericSwitchDriver:
    options = {"ip": "192.0.2.10", "username": "admin",
               "ngs_ssh_connect_timeout": "0",
               "ngs_ssh_connect_interval": "0"}
    options.update(connection)
    return gs.GenericSwitchDriver(SwitchConfig(
        name="sw1", driver="generic_switch", device_type=device_type,
        connection=options,
        secrets={"password": PASSWORD, "secret": ENABLE}))


def apply(drv: gs.GenericSwitchDriver, *changes: PortChange
          ) -> list[SwitchError | None]:
    with drv.session() as session:
        return [error for _, error in base.apply_all(session, list(changes))]


# -- command building per device type ------------------------------------


def test_ovs_access_port_is_one_atomic_call(connect: dict[str, Any]) -> None:
    assert apply(driver("netmiko_ovs_linux"),
                 PortChange("p1", state(100))) == [None]
    assert connect["fake"].sent == [[
        "ovs-vsctl set port p1 vlan_mode=access -- set port p1 tag=100"]]


def test_ovs_trunk_native_first_then_tagged(connect: dict[str, Any]) -> None:
    apply(driver("netmiko_ovs_linux"),
          PortChange("p1", state(100, 200, 300), current=state(QUARANTINE)))
    assert connect["fake"].sent == [[
        "ovs-vsctl set port p1 vlan_mode=native-untagged -- "
        "set port p1 tag=100 -- add port p1 trunks 100 -- "
        "add port p1 trunks 200 -- add port p1 trunks 300"]]


def test_ovs_trunk_back_to_quarantine_removes_every_vlan(
        connect: dict[str, Any]) -> None:
    apply(driver("netmiko_ovs_linux"),
          PortChange("p1", state(QUARANTINE), current=state(100, 200, 300)))
    assert connect["fake"].sent == [[
        "ovs-vsctl remove port p1 trunks 200 -- remove port p1 trunks 300 -- "
        f"set port p1 vlan_mode=access -- set port p1 tag={QUARANTINE} -- "
        "remove port p1 trunks 100"]]


def test_ovs_trunk_change_drops_old_native_and_tagged(
        connect: dict[str, Any]) -> None:
    apply(driver("netmiko_ovs_linux"),
          PortChange("p1", state(300, 400), current=state(100, 200, 400)))
    (command,) = connect["fake"].sent[0]
    assert command.endswith("-- remove port p1 trunks 200 "
                            "-- remove port p1 trunks 100")
    assert "remove port p1 trunks 400" not in command


def test_cisco_ios_access_creates_named_vlan(connect: dict[str, Any]) -> None:
    apply(driver("netmiko_cisco_ios"),
          PortChange("Gi0/1", state(100), network_ids={100: NET_A}))
    assert connect["fake"].sent == [[
        "vlan 100", "name " + NET_A.replace("-", ""),
        "interface Gi0/1", "switchport mode access",
        "switchport access vlan 100"]]


def test_cisco_ios_trunk_and_removals(connect: dict[str, Any]) -> None:
    apply(driver("netmiko_cisco_ios",
                 ngs_network_name_format="esi-{segmentation_id}"),
          PortChange("Gi0/1", state(100, 200), current=state(100, 300)))
    assert connect["fake"].sent == [[
        "vlan 100", "name esi-100", "vlan 200", "name esi-200",
        "interface Gi0/1", "switchport mode trunk",
        "switchport trunk native vlan 100",
        "switchport trunk allowed vlan add 100",
        "interface Gi0/1", "switchport mode trunk",
        "switchport trunk allowed vlan add 200",
        "interface Gi0/1", "switchport trunk allowed vlan remove 300"]]


def test_cisco_ios_new_trunk_starts_from_an_empty_allowed_list(
        connect: dict[str, Any]) -> None:
    """A Cisco trunk allows every VLAN by default and "allowed vlan add"
    does not narrow that: a port becoming a trunk is emptied first."""
    apply(driver("netmiko_cisco_ios",
                 ngs_network_name_format="esi-{segmentation_id}"),
          PortChange("Gi0/1", state(100, 200), current=state(999)))
    assert connect["fake"].sent == [[
        "vlan 100", "name esi-100", "vlan 200", "name esi-200",
        "interface Gi0/1", "switchport trunk allowed vlan none",
        "interface Gi0/1", "switchport mode trunk",
        "switchport trunk native vlan 100",
        "switchport trunk allowed vlan add 100",
        "interface Gi0/1", "switchport mode trunk",
        "switchport trunk allowed vlan add 200"]]


def test_vlans_without_network_get_a_stable_uuid5_name(
        connect: dict[str, Any]) -> None:
    apply(driver("netmiko_cisco_ios"), PortChange("Gi0/1", state(QUARANTINE)))
    apply(driver("netmiko_cisco_ios"), PortChange("Gi0/2", state(QUARANTINE)))
    first, second = connect["fake"].sent
    assert re.fullmatch(r"name [0-9a-f]{32}", first[1])
    assert first[1] == second[1]


def test_ngs_trunk_ports_get_new_vlans(connect: dict[str, Any]) -> None:
    apply(driver("netmiko_cisco_ios", ngs_trunk_ports="Te1/1"),
          PortChange("Gi0/1", state(100)))
    assert connect["fake"].sent[0][2:5] == [
        "interface Te1/1", "switchport mode trunk",
        "switchport trunk allowed vlan add 100"]


def test_device_without_trunk_templates_refuses_tagged_vlans(
        connect: dict[str, Any]) -> None:
    drv = driver("netmiko_hp_comware")
    errors = apply(drv, PortChange("Ge1/0/1", state(100, 200)),
                   PortChange("Ge1/0/2", state(100)))
    assert isinstance(errors[0], SwitchError)
    assert "netmiko_hp_comware" in str(errors[0])
    assert "tagged" in str(errors[0])
    assert errors[1] is None
    assert len(connect["fake"].sent) == 1    # only the access port was sent


def test_allowed_vlans_are_honoured(connect: dict[str, Any]) -> None:
    (error,) = apply(driver("netmiko_ovs_linux", ngs_allowed_vlans="100,999"),
                     PortChange("p1", state(200)))
    assert isinstance(error, SwitchError)
    assert connect["fake"].sent == []


# -- never leave a port untagged ------------------------------------------


class OvsPort:
    """Open vSwitch's VLAN columns, changed by NGS's ovs-vsctl templates."""

    def __init__(self, start: PortState) -> None:
        self.mode: str | None = "access"
        self.tag: int | None = start.native_vlan
        self.trunks: set[int] = set()
        if start.is_trunk:
            self.mode = "native-untagged"
            self.trunks = {start.native_vlan, *start.tagged_vlans}

    def run(self, command: str) -> None:
        match = re.fullmatch(
            r"ovs-vsctl (set|add|remove|clear) port \S+ (\w+)[= ]?(\S*)",
            command)
        assert match, command
        verb, column, value = match.groups()
        if verb == "clear":
            setattr(self, {"vlan_mode": "mode"}.get(column, column),
                    set() if column == "trunks" else None)
        elif column == "vlan_mode":
            self.mode = value
        elif column == "tag":
            self.tag = int(value)
        elif verb == "add":
            self.trunks.add(int(value))
        else:
            self.trunks.discard(int(value))

    @property
    def carries_all_vlans(self) -> bool:
        mode = self.mode or ("access" if self.tag is not None else "trunk")
        return mode != "access" and not self.trunks

    def carries(self) -> tuple[int | None, frozenset[int]]:
        if self.mode == "access":
            return self.tag, frozenset()
        return self.tag, frozenset(self.trunks - {self.tag})


STATES = [state(QUARANTINE), state(100), state(200), state(100, 200),
          state(100, 200, 300), state(300, 100), state(QUARANTINE, 100)]


@pytest.mark.parametrize("limit", [400, 1])
@pytest.mark.parametrize("current", STATES)
@pytest.mark.parametrize("target", STATES)
def test_ovs_never_passes_through_a_trunk_of_all_vlans(
        current: PortState, target: PortState, limit: int) -> None:
    """Each joined ovs-vsctl call is one OVSDB transaction; check the port
    after each (limit=1 cuts between every template use)."""
    device = driver("netmiko_ovs_linux").device()
    port = OvsPort(current)
    calls = gs.join_ovs_commands(gs.build_command_groups(
        device, "netmiko_ovs_linux",
        PortChange("p1", target, current=current)), limit=limit)
    for call in calls:
        for command in call.removeprefix("ovs-vsctl ").split(" -- "):
            port.run("ovs-vsctl " + command)
        assert not port.carries_all_vlans, call
    assert port.carries() == (target.native_vlan, target.tagged_vlans)
    assert port.trunks == ({target.native_vlan, *target.tagged_vlans}
                           if target.is_trunk else set())


def _buildable(device_type: str) -> bool:
    """Whether NGS can build the device (some name netmiko types that
    netmiko 4 renamed; test_device_type_ngs_cannot_build_is_a_switch_error
    covers those)."""
    try:
        driver(device_type).device()
    except SwitchError as exc:
        assert "Netmiko does not support" in str(exc)
        return False
    return True


NETMIKO_TYPES = [name for name in gs.known_device_types()
                 if name.startswith("netmiko_") and name != "netmiko_fake"
                 and _buildable(name)]


@pytest.mark.parametrize("device_type", NETMIKO_TYPES)
def test_quarantine_uses_plug_never_delete_port(device_type: str) -> None:
    device = driver(device_type).device()
    current = (state(100, 200) if device.SET_NATIVE_VLAN
               and device.ADD_NETWORK_TO_TRUNK else state(100))
    commands = gs.build_commands(
        device, device_type,
        PortChange("eth1", state(QUARANTINE), current=current))
    plug = [line.format(port="eth1", segmentation_id=QUARANTINE)
            for line in device.PLUG_PORT_TO_NETWORK]
    assert any(commands[i:i + len(plug)] == plug
               for i in range(len(commands))), commands
    harmless = set(plug) | {
        line.format(port="eth1", segmentation_id=vlan)
        for template in (device.REMOVE_NETWORK_FROM_TRUNK or (),
                         device.ADD_NETWORK or ())
        for line in template for vlan in (100, 200, QUARANTINE)
        if "{network" not in line}
    delete = {line.format(port="eth1", segmentation_id=vlan)
              for line in device.DELETE_PORT or () for vlan in (100, 200)}
    assert not (set(commands) & (delete - harmless)), commands


# -- errors from the switch -------------------------------------------------


def test_error_pattern_of_the_device_fails_that_change_only(
        connect: dict[str, Any]) -> None:
    fake = connect["fake"]
    fake.respond = lambda commands: (
        "% Error: Interface ethernet1/1/9 not found\n"
        if "interface ethernet1/1/9" in commands else "")
    errors = apply(driver("netmiko_dell_os10"),
                   PortChange("ethernet1/1/9", state(100)),
                   PortChange("ethernet1/1/1", state(100)))
    assert isinstance(errors[0], SwitchError)
    assert not isinstance(errors[0], SwitchUnreachable)
    assert "Error: Interface ethernet1/1/9 not found" in str(errors[0])
    assert errors[1] is None
    assert fake.saved == 1


def test_ovs_vsctl_failure_is_not_a_success(connect: dict[str, Any]) -> None:
    connect["fake"].save_supported = False
    connect["fake"].respond = lambda commands: (
        'ovs-vsctl: no row "nope0" in table Port\n')
    (error,) = apply(driver("netmiko_ovs_linux"),
                     PortChange("nope0", state(100)))
    assert isinstance(error, SwitchError)
    assert 'no row "nope0" in table Port' in str(error)


def test_cisco_invalid_input_is_not_a_success(
        connect: dict[str, Any]) -> None:
    connect["fake"].respond = lambda commands: (
        "                   ^\n% Invalid input detected at '^' marker.\n")
    (error,) = apply(driver("netmiko_cisco_ios"),
                     PortChange("Fa0/99", state(100)))
    assert isinstance(error, SwitchError)
    assert "% Invalid input" in str(error)


# -- sessions and saving ------------------------------------------------------


def test_one_session_one_connection_one_save(connect: dict[str, Any]) -> None:
    before = gs.GenericSwitchDriver.sessions_opened
    errors = apply(driver("netmiko_cisco_ios"),
                   *(PortChange(f"Gi0/{i}", state(100)) for i in range(5)))
    assert errors == [None] * 5
    assert gs.GenericSwitchDriver.sessions_opened == before + 1
    assert len(connect["calls"]) == 1
    assert len(connect["fake"].sent) == 5
    assert connect["fake"].saved == 1
    assert connect["fake"].disconnected


def test_save_configuration_can_be_turned_off(
        connect: dict[str, Any]) -> None:
    apply(driver("netmiko_cisco_ios", ngs_save_configuration="false"),
          PortChange("Gi0/1", state(100)))
    assert connect["fake"].saved == 0


def test_ovs_has_no_save_and_that_is_fine(connect: dict[str, Any]) -> None:
    connect["fake"].save_supported = False
    assert apply(driver("netmiko_ovs_linux"),
                 PortChange("p1", state(100))) == [None]


def test_nothing_to_save_after_no_change(connect: dict[str, Any]) -> None:
    with driver("netmiko_cisco_ios").session():
        pass
    assert connect["fake"].saved == 0


def test_connection_gets_options_and_secrets_but_no_ngs_keys(
        connect: dict[str, Any]) -> None:
    apply(driver("netmiko_cisco_ios", port="2222", use_keys="false"),
          PortChange("Gi0/1", state(100)))
    (kwargs,) = connect["calls"]
    assert kwargs["password"] == PASSWORD and kwargs["secret"] == ENABLE
    assert kwargs["port"] == 2222 and kwargs["use_keys"] is False
    assert kwargs["device_type"] == "cisco_ios"
    assert not [key for key in kwargs if key.startswith("ngs_")]


def test_config_mappings_are_not_mutated() -> None:
    drv = driver("netmiko_ovs_linux")
    drv.device()
    assert drv.config.connection["ngs_ssh_connect_timeout"] == "0"
    assert "password" not in drv.config.connection


# -- unknown device types ----------------------------------------------------


def test_unknown_device_type_lists_the_known_ones() -> None:
    with pytest.raises(SwitchError) as caught:
        driver("netmiko_nonsense")
    assert "netmiko_nonsense" in str(caught.value)
    assert "netmiko_cisco_ios" in str(caught.value)
    assert "netmiko_ovs_linux" in str(caught.value)


def test_non_netmiko_device_type_is_refused(connect: dict[str, Any]) -> None:
    with pytest.raises(SwitchError, match="netmiko"):
        with driver("netconf_openconfig").session():
            pass


# -- unreachable switches ----------------------------------------------------


@pytest.mark.parametrize("failure", [
    netmiko_exc.NetmikoTimeoutException("TCP connection to device failed."),
    ConnectionRefusedError(111, "Connection refused"),
    EOFError(),
])
def test_connection_failures_are_unreachable(
        connect: dict[str, Any], failure: BaseException) -> None:
    connect["raise"] = failure
    with pytest.raises(SwitchUnreachable, match="sw1"):
        with driver("netmiko_cisco_ios").session():
            pass


def test_connection_is_retried_within_the_timeout(
        connect: dict[str, Any]) -> None:
    connect["raise"] = netmiko_exc.NetmikoTimeoutException("timed out")
    with pytest.raises(SwitchUnreachable):
        with driver("netmiko_cisco_ios", ngs_ssh_connect_timeout="1",
                    ngs_ssh_connect_interval="0.2").session():
            pass
    assert 3 <= len(connect["calls"]) <= 7


def test_authentication_failure_is_not_retried(
        connect: dict[str, Any]) -> None:
    connect["raise"] = netmiko_exc.NetmikoAuthenticationException(
        f"Authentication to device failed for {PASSWORD}")
    with pytest.raises(SwitchUnreachable, match="authentication") as caught:
        with driver("netmiko_cisco_ios", ngs_ssh_connect_timeout="30",
                    ngs_ssh_connect_interval="5").session():
            pass
    assert len(connect["calls"]) == 1
    assert PASSWORD not in str(caught.value)


def test_bad_connect_timeout_is_a_config_error(
        connect: dict[str, Any]) -> None:
    with pytest.raises(SwitchError, match="ngs_ssh_connect_timeout") as e:
        with driver("netmiko_cisco_ios",
                    ngs_ssh_connect_timeout="soon").session():
            pass
    assert not isinstance(e.value, SwitchUnreachable)
    assert connect["calls"] == []


def test_broken_session_stops_the_batch_without_saving(
        connect: dict[str, Any]) -> None:
    fake = connect["fake"]
    original = fake.send_config_set
    calls = []

    def send(config_commands: Any, cmd_verify: bool = True) -> str:
        calls.append(1)
        if len(calls) == 2:
            raise OSError("Socket is closed")
        return str(original(config_commands, cmd_verify))

    fake.send_config_set = send
    errors = apply(driver("netmiko_cisco_ios"),
                   *(PortChange(f"Gi0/{i}", state(100)) for i in range(4)))
    assert errors[0] is None
    assert all(isinstance(e, SwitchUnreachable) for e in errors[1:])
    assert len(calls) == 2
    assert fake.saved == 0 and fake.disconnected


def test_read_timeout_during_a_change_is_unreachable(
        connect: dict[str, Any]) -> None:
    connect["fake"].fail = netmiko_exc.ReadTimeout("Pattern not detected")
    (error,) = apply(driver("netmiko_cisco_ios"),
                     PortChange("Gi0/1", state(100)))
    assert isinstance(error, SwitchUnreachable)


# -- secrets ------------------------------------------------------------------


def test_secrets_never_in_errors_or_logs(
        connect: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fake = connect["fake"]
    fake.respond = lambda commands: f"Error: bad secret {ENABLE}\n"
    messages = [str(e) for e in apply(
        driver("netmiko_dell_os10"), PortChange("ethernet1/1/1", state(100)))]
    fake.fail = ValueError(f"Failed to enter enable mode with {PASSWORD}")
    messages += [str(e) for e in apply(
        driver("netmiko_dell_os10"), PortChange("ethernet1/1/1", state(100)))]
    connect["raise"] = netmiko_exc.NetmikoTimeoutException(
        f"timed out, password={PASSWORD}")
    with pytest.raises(SwitchUnreachable) as caught:
        with driver("netmiko_dell_os10").session():
            pass
    messages.append(str(caught.value))
    assert len(messages) == 3 and all("***" in m for m in messages)
    text = "\n".join(messages + [caplog.text, repr(driver("netmiko_dell_os10")
                                                   .config)])
    assert PASSWORD not in text and ENABLE not in text


def test_join_ovs_commands_cuts_long_lines() -> None:
    commands = [f"ovs-vsctl add port p1 trunks {v}" for v in range(100, 160)]
    joined = gs.join_ovs_commands([[c] for c in commands], limit=200)
    assert len(joined) > 1
    assert all(len(line) <= 200 for line in joined)
    assert " -- ".join(line.removeprefix("ovs-vsctl ") for line in joined) \
        == " -- ".join(c.removeprefix("ovs-vsctl ") for c in commands)
    assert gs.join_ovs_commands([["interface x"], ["ovs-vsctl a"]]) == [
        "interface x", "ovs-vsctl a"]
    pair = ["ovs-vsctl set port p1 vlan_mode=trunk",
            "ovs-vsctl add port p1 trunks 5"]
    assert gs.join_ovs_commands([pair], limit=1) == [
        "ovs-vsctl set port p1 vlan_mode=trunk -- add port p1 trunks 5"]


def test_device_type_ngs_cannot_build_is_a_switch_error(
        connect: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """A device type NGS lists but cannot build (NGS 10.2's
    netmiko_ruijie names a netmiko platform netmiko 4 renamed) is a
    SwitchError naming it. The pair installed may build any given type,
    so netmiko is made not to know cisco_ios: NGS's own check refuses."""
    import netmiko
    assert driver("netmiko_cisco_ios").device() is not None
    monkeypatch.setattr(netmiko, "platforms", [
        p for p in netmiko.platforms if p != "cisco_ios"])
    with pytest.raises(SwitchError) as caught:
        driver("netmiko_cisco_ios").device()
    assert "netmiko_cisco_ios" in str(caught.value)
    assert "cisco_ios" in str(caught.value).split(":", 2)[-1]
    assert PASSWORD not in str(caught.value)
