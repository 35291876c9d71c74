"""A switch refuses a change, its driver reports success, the audit
catches it.

networking-generic-switch's ``netmiko_ovs_linux`` device sends
``ovs-vsctl set port P tag=N`` and returns the switch's output without
looking at it, so on a port the switch does not have it reports success
although Open vSwitch answered ``ovs-vsctl: no row "P" in table Port``
(esi-leap's own ``generic_switch`` driver scans for that line; see
test_generic_switch_ovs.py). Here the manager applies the attachment
through NGS's own ``plug_port_to_network``, trusting it as a deployment
driving NGS would; esi-leap records the port as attached, and the audit,
which reads the real switch back, reports that the port is not there.

In-process API, database, manager applier and auditor; a real Open vSwitch
over SSH (the switch lab).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from esi_leap.audit import runner
from esi_leap.drivers.switches import base
from esi_leap.drivers.switches.generic_switch import GenericSwitchDriver
from esi_leap.manager import network_actions
from tests import helpers
from tests.conftest import ADMIN_PROJECT
from tests.conftest import OWNER
from tests.integration.switchlab import SwitchLab
from tests.integration.switchlab.fixtures import running_lab

pytestmark = pytest.mark.integration

SWITCH = "ovs1"
GHOST = "swt-ghost"
QUARANTINE = 999


class NgsOutputs:
    """What networking-generic-switch's device returned, per port."""

    def __init__(self) -> None:
        self.by_port: dict[str, str] = {}


class TrustingSession(base.SwitchSession):
    """Applies a change with NGS's ``plug_port_to_network`` and believes
    whatever it returns, as NGS's callers do."""

    def __init__(self, device: Any, outputs: NgsOutputs) -> None:
        self.device, self.outputs = device, outputs

    def apply(self, change: base.PortChange) -> None:
        output = self.device.plug_port_to_network(
            change.port, change.target.native_vlan)
        self.outputs.by_port[change.port] = str(output or "")


class TrustingDriver(GenericSwitchDriver):
    outputs = NgsOutputs()

    @contextlib.contextmanager
    def session(self) -> Iterator[base.SwitchSession]:
        yield TrustingSession(self.device(), self.outputs)


@pytest.fixture
def lab() -> Iterator[SwitchLab]:
    with running_lab(QUARANTINE, ("n1",)) as started:
        yield started


def test_the_audit_catches_a_change_the_switch_refused(
        client: helpers.ApiClient, node: str, lab: SwitchLab,
        monkeypatch: pytest.MonkeyPatch) -> None:
    helpers.override("vlan_ranges", ["physnet1:100:199"], group="networking")
    helpers.override("quarantine_vlans", [f"physnet1:{QUARANTINE}"],
                     group="networking")
    admin = client.as_(ADMIN_PROJECT, "admin")
    owner = client.as_(OWNER)
    res = admin.post("/v1/switches", {
        "name": SWITCH, "driver": "generic_switch",
        "device_type": "netmiko_ovs_linux", "physical_network": "physnet1",
        "connection": lab.ssh_connection(fast=True)})
    assert res.status_int == 201, res.text
    res = admin.post("/v1/ports", {"node": node, "name": "eth0",
                                   "switch": SWITCH, "switch_port": GHOST})
    assert res.status_int == 201, res.text
    net = owner.post("/v1/networks", {"name": "net"}).json
    res = owner.post(f"/v1/nodes/{node}/ports/eth0/networks",
                     {"network": net["uuid"]})
    assert res.status_int == 202, res.text
    monkeypatch.setattr(network_actions.switch_drivers, "get_driver",
                        TrustingDriver)
    assert network_actions.run_switch(SWITCH, "test-manager") == 1

    # The switch refused, networking-generic-switch reported success ...
    assert f'no row "{GHOST}"' in TrustingDriver.outputs.by_port[GHOST]
    action = admin.get(f"/v1/network_actions/{res.json['uuid']}").json
    assert action["status"] == "done"
    attached = owner.get(f"/v1/nodes/{node}/ports/eth0/networks").json
    assert [a["vlan"] for a in attached["networks"]] == [net["vlan"]]
    monkeypatch.undo()

    # ... and the audit, reading the switch back, says so.
    started = admin.post("/v1/audits", {})
    assert started.status_int == 202, started.text
    assert runner.run_pending("test-manager") == started.json["uuid"]
    found = admin.get("/v1/findings?status=open").json["findings"]
    ghost = [f for f in found if f["switch_port"] == GHOST]
    assert [(f["kind"], f["severity"]) for f in ghost] == [
        ("unreadable", "major")]
    assert "not on the switch" in ghost[0]["message"]
    assert str(net["vlan"]) in ghost[0]["message"]
    assert ghost[0]["node_uuid"] == node
    assert not [f for f in found if f["kind"] == "match"
                and f["switch_port"] == GHOST]
