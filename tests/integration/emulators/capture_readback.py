"""Capture real emulator outputs as read-back parser fixtures.

Starts the fake-switches emulator (``.venv-switches``), configures each
switch over netmiko with the commands networking-generic-switch's
``netmiko_cisco_ios`` templates use (one access port on VLAN 100, one trunk
with native VLAN 100 and allowed VLANs 100,200-205, one port shut down,
the rest untouched), then saves what netmiko's ``send_command`` returns
for each show command (command echo and prompt already stripped, as a
driver receives it)::

    .venv/bin/python -m tests.integration.emulators.capture_readback \\
        [tests/unit/fixtures/readback]

Commands whose answer is empty (not implemented by the emulation) are
reported and not written.
"""

from __future__ import annotations

import dataclasses
import sys
import uuid
from pathlib import Path

from tests.integration.emulators.fixtures import CISCO
from tests.integration.emulators.fixtures import DELL10G
from tests.integration.emulators.fixtures import EmulatedSwitch
from tests.integration.emulators.fixtures import running_emulators

DEFAULT_DIRECTORY = Path(__file__).resolve().parents[2] / "unit" / \
    "fixtures" / "readback"
ACCESS_VLAN = NATIVE_VLAN = 100
TRUNK_VLANS = (100, 200, 201, 202, 203, 204, 205)
TRUNK_ALLOWED = "100,200-205"


def vlan_name(vlan: int) -> str:
    """A VLAN name like esi-leap's (32 hex digits of a uuid), stable
    across captures."""
    return uuid.uuid5(uuid.NAMESPACE_DNS,
                      f"vlan-{vlan}.capture.esi-leap.invalid").hex


@dataclasses.dataclass(frozen=True)
class Scenario:
    """One emulated switch, its ports and the show commands to save."""

    prefix: str
    model: str
    netmiko_type: str
    access_port: str
    trunk_port: str
    shutdown_port: str
    shows: tuple[str, ...]

    def commands(self) -> list[str]:
        """The configuration, as ``netmiko_cisco_ios`` would send it
        (ADD_NETWORK per VLAN, PLUG_PORT_TO_NETWORK, SET_NATIVE_VLAN,
        a trunk allowed list) plus one ``shutdown``."""
        commands: list[str] = []
        for vlan in TRUNK_VLANS:
            commands += [f"vlan {vlan}", f"name {vlan_name(vlan)}"]
        commands += [
            f"interface {self.access_port}",
            "switchport mode access",
            f"switchport access vlan {ACCESS_VLAN}",
            f"interface {self.trunk_port}",
            "switchport mode trunk",
            f"switchport trunk native vlan {NATIVE_VLAN}",
            f"switchport trunk allowed vlan {TRUNK_ALLOWED}",
            f"interface {self.shutdown_port}",
            "shutdown",
        ]
        return commands


SCENARIOS = (
    Scenario("cisco_ios", CISCO, "cisco_ios", "FastEthernet0/1",
             "FastEthernet0/2", "FastEthernet0/3",
             ("show running-config", "show vlan brief", "show vlan",
              "show interfaces switchport")),
    Scenario("dell10g", DELL10G, "cisco_ios", "tengigabitethernet 1/0/1",
             "tengigabitethernet 1/0/2", "tengigabitethernet 0/0/1",
             ("show running-config", "show vlan", "show vlan brief",
              "show interfaces status", "show interfaces switchport")),
)


def file_name(prefix: str, command: str) -> str:
    """``cisco_ios`` + ``show vlan brief`` ->
    ``cisco_ios_show_vlan_brief.txt``."""
    return f"{prefix}_{command.replace(' ', '_').replace('-', '_')}.txt"


def capture(switch: EmulatedSwitch, scenario: Scenario,
            directory: Path) -> list[str]:
    """Configure ``switch`` and write its outputs; returns log lines."""
    import netmiko  # type: ignore[import-untyped]

    log: list[str] = []
    connection = netmiko.ConnectHandler(
        **switch.netmiko(scenario.netmiko_type))
    try:
        connection.enable()
        answer = connection.send_config_set(scenario.commands(),
                                            cmd_verify=False)
        if "Invalid input" in answer:
            log.append(f"{scenario.prefix}: configuration refused:\n"
                       f"{answer}")
        for command in scenario.shows:
            output = str(connection.send_command(command))
            if not output.strip():
                log.append(f"{scenario.prefix}: '{command}' not "
                           f"implemented (empty answer), not written")
                continue
            path = directory / file_name(scenario.prefix, command)
            path.write_text(output if output.endswith("\n")
                            else output + "\n")
            log.append(f"{scenario.prefix}: '{command}' -> {path.name}")
    finally:
        connection.disconnect()
    return log


def main(argv: list[str]) -> int:
    directory = Path(argv[0]) if argv else DEFAULT_DIRECTORY
    directory.mkdir(parents=True, exist_ok=True)
    models = sorted({scenario.model for scenario in SCENARIOS})
    with running_emulators(*models) as switches:
        for scenario in SCENARIOS:
            for line in capture(switches[scenario.model], scenario,
                                directory):
                print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
