"""The switch audit on a real switch: drift made out of band is found,
remediated and resolved, with packets as the proof.

The same world as :mod:`tests.integration.test_network_isolation` (a real
``esi-leap`` all-in-one driving the switch lab's Open vSwitch over SSH with
networking-generic-switch's ``netmiko_ovs_linux``): lessee A's nodes a1, a2
on A's network, lessee B's b1, b2 on B's. Drift is made the way a rogue
admin would: ``ovs-vsctl`` on the switch, never through esi-leap. The tests
share the server and the lab; each starts from a clean switch (the
``clean`` fixture undoes any drift and audits again when findings other
than matches are open), so any one of them runs alone
(``pytest tests/integration/test_switch_audit_ovs.py::test_x``).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration import server as it_server
from tests.integration.switchlab.fixtures import running_lab
from tests.integration.test_network_isolation import LESSEE_A
from tests.integration.test_network_isolation import LESSEE_B
from tests.integration.test_network_isolation import NODES_A
from tests.integration.test_network_isolation import NODES_B
from tests.integration.test_network_isolation import QUARANTINE
from tests.integration.test_network_isolation import SWITCH
from tests.integration.test_network_isolation import World
from tests.integration.test_network_isolation import _build_world
from tests.integration.test_network_isolation import _config_text
from tests.integration.test_network_isolation import _dbsync

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Four leased nodes, each lessee's two on its own network."""
    it_server.require_executables(need_cli=False)
    with running_lab(QUARANTINE, (*NODES_A, *NODES_B)) as lab:
        base = tmp_path_factory.mktemp("audit")
        config = base / "esi-leap.conf"
        config.write_text(_config_text(lab, base)
                          + "\n[audit]\ninterval = 0\n")
        _dbsync(config)
        with it_server.running_server(
                base, args=["--config-file", str(config)]) as srv:
            built = _build_world(srv, lab)
            for tenant, names in (("A", NODES_A), ("B", NODES_B)):
                for node in names:
                    action = built.accepted(built.attach(tenant, node))
                    done = built.finished(tenant, action["uuid"])
                    assert done["status"] == "done", done
            yield built


#: The switch port a test adds behind esi-leap's back.
ROGUE = "swt-rogue"


@pytest.fixture
def clean(world: World) -> World:
    """The world with every node port as esi-leap set it (an access port
    of its tenant's VLAN), no rogue port, and no open finding but
    matches: drift left by another test is undone on the switch and an
    audit resolves its findings."""
    lab = world.lab
    drifted = ROGUE in lab.vsctl("list-ports", lab.bridge).split()
    if drifted:
        lab.vsctl("del-port", lab.bridge, ROGUE)
    for tenant, names in (("A", NODES_A), ("B", NODES_B)):
        for node in names:
            state = lab.port_state(world.port(node))
            if (state.tag, state.vlan_mode, state.trunks) != (
                    world.vlan(tenant), "access", frozenset()):
                lab.set_port(world.port(node), world.vlan(tenant))
                drifted = True
    if drifted or any(f["kind"] != "match" for f in open_findings(world)):
        run_audit(world)
    assert {f["kind"] for f in open_findings(world)} <= {"match"}
    return world


def run_audit(world: World) -> dict[str, Any]:
    started = world.admin.ok("POST", "/v1/audits", {}, status=202)

    def finished() -> dict[str, Any] | None:
        audit = world.admin.ok("GET", f"/v1/audits/{started['uuid']}")
        return audit if audit["status"] in ("done", "error") else None
    audit: dict[str, Any] = world.wait(finished, "the audit")
    assert audit["status"] == "done", audit
    return audit


def open_findings(world: World, **filters: str) -> list[dict[str, Any]]:
    query = "&".join(f"{k}={v}" for k, v in
                     {"status": "open", **filters}.items())
    return list(world.admin.ok("GET", f"/v1/findings?{query}")["findings"])


def verification(world: World, tenant: str) -> Any:
    net = world.networks[tenant]["uuid"]
    return world.lessee[tenant]("GET", f"/v1/networks/{net}/verification")


def test_a_clean_switch_matches_and_networks_verify(world: World) -> None:
    audit = run_audit(world)
    assert audit["summary"]["switches"][SWITCH]["status"] == "read"
    found = open_findings(world)
    assert sorted((f["switch_port"], f["kind"]) for f in found) == sorted(
        (world.port(n), "match") for n in (*NODES_A, *NODES_B))
    for tenant in ("A", "B"):
        body = verification(world, tenant).json()
        assert (body["status"], body["foreign_ports"]) == ("verified", 0)
        assert [p["observed"] for p in body["ports"]] == ["carried"] * 2


def test_an_out_of_band_tag_change_is_a_critical_breach(world: World
                                                        ) -> None:
    lab = world.lab
    vlan_a, vlan_b = world.vlan("A"), world.vlan("B")
    rogue = world.port("a1")
    lab.vsctl("set", "port", rogue, f"tag={vlan_b}")
    # The breach is real: A's node now reaches B's nodes.
    assert lab.reaches("a1", "b1")
    audit = run_audit(world)
    assert audit["summary"]["severities"].get("critical") == 1
    (breach,) = open_findings(world, kind="extra_vlan")
    assert (breach["severity"], breach["switch"], breach["switch_port"],
            breach["vlan"]) == ("critical", SWITCH, rogue, vlan_b)
    assert breach["node_uuid"] == world.nodes["a1"]
    assert breach["lease_uuid"] == world.leases["a1"]
    assert breach["project_id"] == LESSEE_A
    assert breach["foreign_project_ids"] == [LESSEE_B]
    assert breach["foreign_networks"] == {world.networks["B"]["uuid"]:
                                          LESSEE_B}
    for name in (rogue, LESSEE_A, LESSEE_B):
        assert name in breach["message"]
    (missing,) = open_findings(world, kind="missing_vlan")
    assert (missing["switch_port"], missing["vlan"]) == (rogue, vlan_a)

    # B sees a foreign port on its VLAN, and nothing that names it.
    seen_by_b = verification(world, "B")
    body = seen_by_b.json()
    assert (body["status"], body["foreign_ports"]) == ("breach", 1)
    for foreign in (SWITCH, rogue, LESSEE_A, world.nodes["a1"],
                    world.networks["A"]["uuid"], f'"vlan": {vlan_a}',
                    f'"vlan":{vlan_a}'):
        assert foreign not in seen_by_b.text
    # A's own port is seen off its network.
    body_a = verification(world, "A").json()
    assert body_a["status"] == "incomplete"
    assert sorted(p["observed"] for p in body_a["ports"]) == [
        "carried", "missing"]
    # Both tenants got an event, neither naming the other.
    for tenant, other in (("A", LESSEE_B), ("B", LESSEE_A)):
        events = world.lessee[tenant].ok(
            "GET", "/v1/events?event_type=esi_leap.finding.open")["events"]
        assert events, tenant
        assert other not in json.dumps(events)


def test_remediation_restores_isolation_and_resolves_the_finding(
        world: World) -> None:
    lab = world.lab
    # The breach of the test before: B's VLAN on a1, found by an audit.
    lab.vsctl("set", "port", world.port("a1"), f"tag={world.vlan('B')}")
    latest = run_audit(world)
    plan = world.admin.ok("GET", f"/v1/audits/{latest['uuid']}/remediation")
    (change,) = plan["changes"]
    assert change["switch_port"] == world.port("a1")
    assert change["target"] == {"native_vlan": world.vlan("A"),
                                "tagged_vlans": []}
    assert any(c.startswith("ovs-vsctl") for c in change["commands"])
    # A dry run: the switch still carries B's VLAN on a1.
    assert lab.port_state(world.port("a1")).tag == world.vlan("B")
    applied = world.admin.ok(
        "POST", f"/v1/audits/{latest['uuid']}/remediation", status=202)
    (action,) = applied["network_actions"]
    assert action["kind"] == "restore"
    done = world.wait(lambda: (lambda a: a if a["status"] in (
        "done", "error") else None)(world.admin.ok(
            "GET", f"/v1/network_actions/{action['uuid']}")), "restore")
    assert done["status"] == "done", done
    world.assert_access("a1", world.vlan("A"))
    assert not lab.reaches("a1", "b1")
    assert lab.reaches("a1", "a2")
    audit = run_audit(world)
    assert sorted(audit["summary"]["resolved_findings"]) == sorted(
        change["findings"])
    assert open_findings(world, kind="extra_vlan") == []
    assert verification(world, "B").json()["status"] == "verified"


def test_a_port_left_without_a_tag_is_flagged(world: World) -> None:
    lab = world.lab
    port = world.port("b2")
    lab.vsctl("clear", "port", port, "tag")
    lab.vsctl("clear", "port", port, "vlan_mode")
    assert lab.port_state(port).carries_all_vlans
    run_audit(world)
    (flagged,) = open_findings(world, kind="extra_vlan")
    assert (flagged["switch_port"], flagged["severity"],
            flagged["vlan"]) == (port, "critical", None)
    assert flagged["observed"]["allowed_vlans"] == "all"
    # Put it back through the remediation, as an operator would.
    latest = flagged["last_audit_uuid"]
    world.admin.ok("POST", f"/v1/audits/{latest}/remediation", status=202)
    world.wait(lambda: not lab.port_state(port).carries_all_vlans,
               "the port restored")
    world.assert_access("b2", world.vlan("B"))


def test_a_stopped_switch_is_unreadable(world: World) -> None:
    lab = world.lab
    lab.stop_sshd()
    try:
        audit = run_audit(world)
    finally:
        lab.start_sshd()
    assert audit["summary"]["switches"][SWITCH]["status"] == "unreadable"
    (unreadable,) = open_findings(world, kind="unreadable")
    assert unreadable["switch"] == SWITCH
    assert unreadable["switch_port"] is None
    assert open_findings(world, kind="match") == []
    run_audit(world)
    assert open_findings(world, kind="unreadable") == []


def test_a_foreign_port_on_a_tenant_vlan_is_unmanaged(world: World) -> None:
    lab = world.lab
    rogue = ROGUE
    lab.vsctl("add-port", lab.bridge, rogue, "--", "set", "interface",
              rogue, "type=internal", "--", "set", "port", rogue,
              f"tag={world.vlan('A')}")
    try:
        # Open vSwitch creates the internal port's device, down, a moment
        # later.
        world.wait(lambda: subprocess.run(
            ["ip", "-n", lab.switch_namespace, "link", "set", rogue, "up"],
            capture_output=True, check=False).returncode == 0,
            "the rogue port up")
        run_audit(world)
        (found,) = open_findings(world, kind="unmanaged_port")
        assert (found["switch_port"], found["severity"]) == (
            rogue, "critical")
        assert found["foreign_project_ids"] == [LESSEE_A]
        assert verification(world, "A").json()["foreign_ports"] == 1
    finally:
        lab.vsctl("del-port", lab.bridge, rogue)
    audit = run_audit(world)
    assert open_findings(world, kind="unmanaged_port") == []
    assert audit["summary"]["resolved_findings"]
