"""The real ``openstack esi audit|finding`` and ``openstack esi network
verify`` CLI against the real ``esi-leap`` process.

One embedded ``esi-leap`` (demo users admin/owner/lessee, demo nodes each
with port ``eth0`` on the simulated switch ``sim-switch``, whose ports
start on the quarantine VLAN 999) serves the module, with periodic audits
off so that only the tests start audits. The story, in file order; each
test also runs alone (the module fixtures ``first_audit`` and ``blue``
make what it needs):

1. an audit of the fresh install finds every port matching;
2. the owner attaches a network through the CLI; its verification is
   ``incomplete`` until an audit has seen the VLAN, ``verified`` after;
3. a second fake switch, ``it-drift``, starts with a quarantined node port
   carrying the owner's VLAN and an unmanaged port carrying the lessee's:
   both are critical findings, the owner's network is ``breach``; the
   remediation fixes the node port (the unmanaged one is skipped) and the
   next audit finds the owner's network ``verified`` again;
4. a switch that does not answer is reported unreadable.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration import server as it_server

pytestmark = pytest.mark.integration

SIM_SWITCH = "sim-switch"
DRIFT_SWITCH = "it-drift"
DOWN_SWITCH = "it-down"
PHYSNET = "physnet1"
QUARANTINE_VLAN = 999
NODE = "demo-node-1"
DRIFT_NODE = "demo-node-2"
WAIT = ("--wait", "--timeout", "60")

AUDIT_FIELDS = sorted([
    "uuid", "status", "trigger", "project_id", "switches", "created_at",
    "started_at", "finished_at", "message", "ports_checked",
    "ports_skipped", "severities", "kinds", "switches_read",
    "unreadable_switches", "new_findings", "resolved_findings"])
AUDIT_COLUMNS = ["UUID", "Status", "Trigger", "Switches", "Created At",
                 "Finished At", "Message"]
FINDING_COLUMNS = ["UUID", "Severity", "Kind", "Status", "Switch",
                   "Switch Port", "VLAN", "Message"]
VERIFY_FIELDS = sorted([
    "network_uuid", "network_name", "vlan", "physical_network", "status",
    "audited_at", "ports", "shared_ports", "foreign_ports",
    "carried_ports", "missing_ports", "unknown_ports"])


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    """The CLI's error: rc 1, nothing on stdout, one line on stderr."""
    assert proc.returncode == 1, it_server.describe(proc)
    assert proc.stdout == "", it_server.describe(proc)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, it_server.describe(proc)
    return str(lines[0])


@pytest.fixture(scope="module")
def srv(request: pytest.FixtureRequest,
        tmp_path_factory: pytest.TempPathFactory
        ) -> Iterator[it_server.EsiLeapServer]:
    yield from it_server.serve_for_module(
        request, tmp_path_factory, options={
            "audit": {"interval": 0},
            "networking": {"action_retry_delay": 0.2}})


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("it-audit-files")


@pytest.fixture(scope="module")
def sim_ports(srv: it_server.EsiLeapServer) -> list[dict[str, Any]]:
    """The demo nodes' ports on the simulated switch (admin's view)."""
    rows = srv.cli_json("admin", "port", "list", "--long")
    ports = [r for r in rows if r["Switch"] == SIM_SWITCH]
    assert ports, rows
    return ports


@pytest.fixture(scope="module")
def first_audit(srv: it_server.EsiLeapServer) -> dict[str, Any]:
    """An audit of every switch of the fresh install, waited for."""
    audit: dict[str, Any] = srv.cli_json("admin", "audit", "start", *WAIT)
    return audit


@pytest.fixture(scope="module")
def blue(srv: it_server.EsiLeapServer,
         first_audit: dict[str, Any]) -> dict[str, Any]:
    """The owner's network ``it-audit-blue``, attached natively to
    ``NODE``'s ``eth0`` after the first audit (no audit has seen it yet):
    the network and the attach action."""
    net = srv.cli_json("owner", "network", "create", "it-audit-blue")
    action = srv.cli_json("owner", "network", "attach", NODE, "eth0",
                          "it-audit-blue", *WAIT)
    assert action["status"] == "done", action
    return {"network": net, "action": action}


def start_audit(srv: it_server.EsiLeapServer, *switches: str
                ) -> dict[str, Any]:
    args = [a for s in switches for a in ("--switch", s)]
    audit: dict[str, Any] = srv.cli_json("admin", "audit", "start", *args,
                                         *WAIT)
    assert audit["status"] == "done", audit
    return audit


# --------------------------------------------------------------------------
# 1. A fresh install


def test_fresh_install_audit_matches(
        first_audit: dict[str, Any],
        sim_ports: list[dict[str, Any]]) -> None:
    audit = first_audit
    assert sorted(audit) == AUDIT_FIELDS
    assert audit["status"] == "done", audit
    assert audit["trigger"] == "api"
    assert audit["switches"] == []
    assert audit["finished_at"] and audit["started_at"]
    assert audit["switches_read"] == {SIM_SWITCH: len(sim_ports)}
    assert audit["unreadable_switches"] == {}
    assert audit["ports_checked"] == len(sim_ports)
    assert audit["kinds"] == {"match": len(sim_ports)}
    assert audit["severities"] == {}  # matches are not problems
    assert audit["new_findings"] == []


def test_audit_list_and_show(srv: it_server.EsiLeapServer,
                             first_audit: dict[str, Any]) -> None:
    uuid = first_audit["uuid"]
    rows, long_rows, done, periodic, shown = srv.cli_json_many([
        ("admin", "audit", "list"),
        ("admin", "audit", "list", "--long", "--limit", "1"),
        ("admin", "audit", "list", "--status", "done", "--trigger", "api"),
        ("admin", "audit", "list", "--trigger", "periodic"),
        ("admin", "audit", "show", uuid),
    ])
    assert all(list(r) == AUDIT_COLUMNS for r in rows)
    assert uuid in {r["UUID"] for r in rows}
    assert len(long_rows) == 1
    assert long_rows[0]["Ports Checked"] is not None
    assert uuid in {r["UUID"] for r in done}
    assert periodic == []
    assert shown == first_audit
    table = srv.cli_ok("admin", "audit", "show", uuid).stdout
    assert f"| switches_read       | {SIM_SWITCH} (" in table
    assert "| switches            | (all)" in table
    assert "| severities          | none" in table
    assert "summary" not in table


def test_fresh_install_findings(srv: it_server.EsiLeapServer,
                                first_audit: dict[str, Any],
                                sim_ports: list[dict[str, Any]]) -> None:
    uuid = first_audit["uuid"]
    seen, problems, on_node, plan = srv.cli_json_many([
        ("admin", "finding", "list", "--audit", uuid, "--long"),
        ("admin", "finding", "list", "--switch", SIM_SWITCH, "--status",
         "open", "--severity", "critical"),
        ("admin", "finding", "list", "--node", NODE, "--kind", "match"),
        ("admin", "audit", "remediation", "show", uuid),
    ])
    assert len(seen) == len(sim_ports)
    assert {(r["Kind"], r["Severity"], r["Status"]) for r in seen} == {
        ("match", "info", "open")}
    assert {r["Switch Port"] for r in seen} == {
        p["Switch Port"] for p in sim_ports}
    assert problems == []
    assert len(on_node) == 1 and list(on_node[0]) == FINDING_COLUMNS
    assert plan == []
    finding = srv.cli_json("admin", "finding", "show", on_node[0]["UUID"])
    assert finding["kind"] == "match"
    assert finding["first_audit_uuid"] == uuid
    assert finding["observed"]["native_vlan"] == QUARANTINE_VLAN
    assert finding["expected"]["native_vlan"] == QUARANTINE_VLAN


def test_admin_only_and_bad_choices(srv: it_server.EsiLeapServer,
                                    first_audit: dict[str, Any]) -> None:
    started, listed, bad_kind, bad_status, unknown = srv.cli_many([
        ("owner", "audit", "start"),
        ("lessee", "audit", "list"),
        ("admin", "finding", "list", "--kind", "vlan_leak"),
        ("admin", "audit", "list", "--status", "finished"),
        ("admin", "audit", "start", "--switch", "no-such-switch"),
    ])
    line = one_line_error(started)
    assert line.startswith("Failed to start an audit: "), line
    assert line.endswith("(HTTP 403)"), line
    line = one_line_error(listed)
    assert line.startswith("Failed to list audits: "), line
    assert line.endswith("(HTTP 403)"), line
    for proc in (bad_kind, bad_status):
        assert proc.returncode == 2, it_server.describe(proc)
        assert "invalid choice" in proc.stderr
    line = one_line_error(unknown)
    assert "no-such-switch" in line and line.endswith("(HTTP 400)"), line
    missing = srv.cli("admin", "audit", "show",
                      "00000000-0000-4000-8000-000000000000")
    assert one_line_error(missing).endswith("(HTTP 404)")


# --------------------------------------------------------------------------
# 2. Attach a network; the audit verifies it


def test_attached_network_is_verified(srv: it_server.EsiLeapServer,
                                      blue: dict[str, Any]) -> None:
    net, action = blue["network"], blue["action"]
    before = srv.cli_json("owner", "network", "verify", "it-audit-blue")
    assert sorted(before) == VERIFY_FIELDS
    # The last audit saw the port on the quarantine VLAN only.
    assert before["status"] == "incomplete", before
    assert [p["observed"] for p in before["ports"]] == ["missing"]

    audit = start_audit(srv)
    assert audit["kinds"].get("match") == audit["ports_checked"]
    after = srv.cli_json("owner", "network", "verify", net["uuid"])
    assert after["status"] == "verified", after
    assert after["network_uuid"] == net["uuid"]
    assert after["vlan"] == net["vlan"]
    assert after["audited_at"] == audit["finished_at"]
    assert after["foreign_ports"] == 0 and after["shared_ports"] == 0
    assert after["carried_ports"] == 1 and after["missing_ports"] == 0
    (port,) = after["ports"]
    assert port["node_uuid"] == action["node_uuid"]
    assert port["port_uuid"] == action["port_uuid"]
    assert port["mode"] == "native"
    assert port["observed"] == "carried"
    table = srv.cli_ok("owner", "network", "verify", "it-audit-blue")
    assert "| status           | verified" in table.stdout
    assert f"of node {action['node_uuid']} (native): carried" \
        in table.stdout
    value = srv.cli_ok("owner", "network", "verify", "it-audit-blue", "-c",
                       "status", fmt="value")
    assert value.stdout == "verified\n"


def test_verify_is_for_those_who_see_the_network(
        srv: it_server.EsiLeapServer, blue: dict[str, Any]) -> None:
    owner, lessee = srv.cli_many([
        ("owner", "network", "verify", "it-audit-blue"),
        ("lessee", "network", "verify", "it-audit-blue")])
    # The network exists and its owner may verify it ...
    assert owner.returncode == 0, it_server.describe(owner)
    # ... the lessee, who cannot see it, gets the answer of a missing one.
    line = one_line_error(lessee)
    assert line.startswith("Failed to verify network it-audit-blue: "), line
    assert line.endswith("(HTTP 404)"), line


# --------------------------------------------------------------------------
# 3. Drift on a switch, remediation


def _drift_state(path: Path, owner_vlan: int, lessee_vlan: int) -> None:
    """The fake switch's state file before it is first opened: d1 (a
    node port that should be quarantined) also carries the owner's VLAN,
    d2 (no node port) carries the lessee's."""
    path.write_text(json.dumps({"ports": {
        "d1": {"mode": "trunk", "native_vlan": QUARANTINE_VLAN,
               "tagged_vlans": [owner_vlan]},
        "d2": {"mode": "access", "native_vlan": lessee_vlan,
               "tagged_vlans": []},
    }}))


@pytest.mark.usefixtures("blue")
def test_drift_breach_and_remediation(srv: it_server.EsiLeapServer,
                                      files: Path) -> None:
    # The simulated switch's audit has seen blue's port (the test before
    # did that; alone, this does).
    start_audit(srv, SIM_SWITCH)
    blue = srv.cli_json("owner", "network", "show", "it-audit-blue")
    green = srv.cli_json("lessee", "network", "create", "it-audit-green")
    state = files / "drift.json"
    _drift_state(state, blue["vlan"], green["vlan"])
    srv.cli_json("admin", "switch", "create", DRIFT_SWITCH, "--driver",
                 "fake", "--physical-network", PHYSNET, "--connection",
                 "ports=d1,d2", "--connection", f"state_file={state}")
    d1 = srv.cli_json("admin", "port", "create", "it-d1", "--node",
                      DRIFT_NODE, "--switch", DRIFT_SWITCH, "--switch-port",
                      "d1")

    audit = start_audit(srv, DRIFT_SWITCH)
    assert audit["switches"] == [DRIFT_SWITCH]
    assert audit["switches_read"] == {DRIFT_SWITCH: 2}
    assert audit["severities"].get("critical") == 2, audit
    assert len(audit["new_findings"]) == 2
    critical, blue_verdict, green_verdict, plan = srv.cli_json_many([
        ("admin", "finding", "list", "--switch", DRIFT_SWITCH,
         "--severity", "critical", "--status", "open", "--long"),
        ("owner", "network", "verify", "it-audit-blue"),
        ("lessee", "network", "verify", "it-audit-green"),
        ("admin", "audit", "remediation", "show", audit["uuid"], "--long"),
    ])
    kinds = {r["Switch Port"]: r["Kind"] for r in critical}
    assert kinds == {"d1": "not_quarantined", "d2": "unmanaged_port"}
    assert {r["UUID"] for r in critical} == set(audit["new_findings"])
    by_port = {r["Switch Port"]: r for r in critical}
    assert by_port["d1"]["Port UUID"] == d1["uuid"]
    assert by_port["d1"]["Foreign Project IDs"] == [blue["project_id"]]
    assert blue_verdict["status"] == "breach", blue_verdict
    assert blue_verdict["foreign_ports"] == 1
    # The owner's attached port is still fine.
    assert [p["observed"] for p in blue_verdict["ports"]] == ["carried"]
    assert green_verdict["status"] == "breach", green_verdict
    assert green_verdict["ports"] == []

    plan_by_port = {r["Switch Port"]: r for r in plan}
    assert set(plan_by_port) == {"d1", "d2"}
    fix = plan_by_port["d1"]
    assert fix["Skipped"] is None
    assert fix["Port UUID"] == d1["uuid"]
    assert fix["Target"]["native_vlan"] == QUARANTINE_VLAN
    assert fix["Target"]["tagged_vlans"] == []
    assert fix["Findings"] == [by_port["d1"]["UUID"]]
    assert isinstance(fix["Commands"], list)
    assert plan_by_port["d2"]["Skipped"], plan_by_port["d2"]
    assert plan_by_port["d2"]["Target"] is None

    denied = srv.cli("owner", "audit", "remediate", audit["uuid"])
    assert one_line_error(denied).endswith("(HTTP 403)")
    rows = srv.cli_json("admin", "audit", "remediate", audit["uuid"], *WAIT)
    done = [r for r in rows if r["Network Action"]]
    assert [(r["Switch Port"], r["Status"]) for r in done] == [("d1",
                                                                "done")]
    assert [r["Switch Port"] for r in rows if r["Skipped"]] == ["d2"]

    again = start_audit(srv, DRIFT_SWITCH)
    assert by_port["d1"]["UUID"] in again["resolved_findings"]
    blue_after, resolved = srv.cli_json_many([
        ("owner", "network", "verify", "it-audit-blue"),
        ("admin", "finding", "list", "--switch", DRIFT_SWITCH, "--status",
         "resolved"),
    ])
    assert blue_after["status"] == "verified", blue_after
    assert blue_after["foreign_ports"] == 0
    assert by_port["d1"]["UUID"] in {r["UUID"] for r in resolved}
    resolved_one = srv.cli_json("admin", "finding", "show",
                                by_port["d1"]["UUID"])
    assert resolved_one["status"] == "resolved"
    assert resolved_one["resolved_audit_uuid"] == again["uuid"]


# --------------------------------------------------------------------------
# 4. A switch that does not answer


def test_unreadable_switch(srv: it_server.EsiLeapServer) -> None:
    srv.cli_json("admin", "switch", "create", DOWN_SWITCH, "--driver",
                 "fake", "--physical-network", PHYSNET, "--connection",
                 "unreachable=true")
    audit = start_audit(srv, DOWN_SWITCH)
    assert list(audit["unreadable_switches"]) == [DOWN_SWITCH]
    assert "does not answer" in audit["unreadable_switches"][DOWN_SWITCH]
    assert audit["switches_read"] == {}
    table = srv.cli_ok("admin", "audit", "show", audit["uuid"]).stdout
    assert f"| unreadable_switches | {DOWN_SWITCH} (" in table
    srv.cli_ok("admin", "switch", "delete", DOWN_SWITCH)
