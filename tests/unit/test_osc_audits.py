"""``openstack esi audit|finding ...`` and ``openstack esi network
verify``: arguments, requests, output in every format, errors."""

from __future__ import annotations

import configparser
import copy
import csv
import importlib
import io
import re
from pathlib import Path
from typing import Any

import pytest

from esi_leap.osc.v1 import audits
from tests.unit.osc_fakes import ACTION
from tests.unit.osc_fakes import NETWORK
from tests.unit.osc_fakes import PORT
from tests.unit.osc_fakes import FakeApi
from tests.unit.osc_fakes import Recorded
from tests.unit.osc_fakes import fault
from tests.unit.osc_fakes import run_command
from tests.unit.osc_fakes import run_failing

REPO = Path(__file__).resolve().parents[2]
AUDIT_UUID = "3f6d2a1c-5b4e-4c3d-9a8b-7c6d5e4f3a01"
FINDING_UUID = "8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c02"
RESOLVED_UUID = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c03"
NODE_UUID = PORT["node_uuid"]

SUMMARY: dict[str, Any] = {
    "switches": {
        "leaf1": {"status": "read", "ports": 48, "message": ""},
        "leaf2": {"status": "unreadable", "ports": 0,
                  "message": "SSH connection timed out"},
    },
    "ports_checked": 47, "ports_skipped": 1,
    "kinds": {"match": 44, "missing_vlan": 2, "extra_vlan": 1},
    "severities": {"info": 44, "minor": 0, "major": 2, "critical": 1},
    "new_findings": [FINDING_UUID], "resolved_findings": [RESOLVED_UUID],
}
AUDIT: dict[str, Any] = {
    "uuid": AUDIT_UUID, "status": "done", "trigger": "api",
    "project_id": "p-admin", "switches": [],
    "created_at": "2030-01-01T00:00:00", "started_at": "2030-01-01T00:00:01",
    "finished_at": "2030-01-01T00:00:09", "message": None,
    "summary": SUMMARY,
}
# The server shows an unfinished audit's summary as {}.
PENDING = dict(AUDIT, status="pending", started_at=None, finished_at=None,
               summary={})
RUNNING = dict(PENDING, status="running",
               started_at="2030-01-01T00:00:01")
FAILED = dict(AUDIT, status="error", message="database is locked",
              summary=None)
FINDING: dict[str, Any] = {
    "uuid": FINDING_UUID, "kind": "extra_vlan", "severity": "critical",
    "status": "open", "switch": "leaf1", "switch_port": "Ethernet1/3",
    "port_uuid": PORT["uuid"], "node_uuid": NODE_UUID,
    "lease_uuid": None, "project_id": "p-lessee",
    "network_uuid": NETWORK["uuid"], "vlan": 101,
    "message": "Ethernet1/3 carries VLAN 101 of another project",
    "expected": {"mode": "access", "native_vlan": 999,
                 "tagged_vlans": [], "networks": {}},
    "observed": {"mode": "trunk", "native_vlan": 999,
                 "allowed_vlans": [101, 999], "admin_up": True},
    "foreign_project_ids": ["p-owner"],
    "foreign_networks": {NETWORK["uuid"]: "p-owner"},
    "first_audit_uuid": AUDIT_UUID, "last_audit_uuid": AUDIT_UUID,
    "resolved_audit_uuid": None, "created_at": "2030-01-01T00:00:09",
    "last_seen_at": "2030-01-01T00:00:09", "resolved_at": None,
}
CHANGE: dict[str, Any] = {
    "switch": "leaf1", "switch_port": "Ethernet1/3",
    "port_uuid": PORT["uuid"], "node_uuid": NODE_UUID,
    "findings": [FINDING_UUID],
    "observed": {"mode": "trunk", "native_vlan": 999,
                 "allowed_vlans": [101, 999], "admin_up": True},
    "target": {"native_vlan": 999, "tagged_vlans": []},
    "commands": ["interface Ethernet1/3", "switchport mode access",
                 "switchport access vlan 999"],
}
SKIPPED: dict[str, Any] = {"switch": "leaf2", "switch_port": "Ethernet1/1",
                           "reason": "switch unreadable"}
REMEDIATION: dict[str, Any] = {"audit_uuid": AUDIT_UUID,
                               "changes": [CHANGE], "skipped": [SKIPPED]}
FIX_ACTION = dict(ACTION, kind="remediate", switch="leaf1",
                  switch_port="Ethernet1/3", network_uuid=None, mode=None)
VERIFICATION: dict[str, Any] = {
    "network_uuid": NETWORK["uuid"], "network_name": "blue", "vlan": 101,
    "physical_network": "physnet1", "status": "breach",
    "audited_at": "2030-01-01T00:00:09",
    "ports": [
        {"port_uuid": PORT["uuid"], "node_uuid": NODE_UUID,
         "port_name": "eth0", "mode": "native", "observed": "carried",
         "observed_at": "2030-01-01T00:00:09"},
        {"port_uuid": "c0ffee00-0000-4000-8000-000000000001",
         "node_uuid": NODE_UUID, "port_name": None, "mode": "tagged",
         "observed": "missing", "observed_at": "2030-01-01T00:00:09"},
        {"port_uuid": "c0ffee00-0000-4000-8000-000000000002",
         "node_uuid": NODE_UUID, "port_name": "eth2", "mode": "native",
         "observed": "unknown", "observed_at": None},
    ],
    "shared_ports": 0, "foreign_ports": 1,
}


@pytest.fixture(autouse=True)
def fast_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audits, "POLL_INTERVAL", 0.001)


@pytest.fixture
def api() -> FakeApi:
    fake = FakeApi()
    fake.add("GET", "/v1/audits", (200, {"audits": [AUDIT, PENDING]}))
    fake.add("GET", f"/v1/audits/{AUDIT_UUID}", (200, AUDIT))
    fake.add("GET", "/v1/findings", (200, {"findings": [FINDING]}))
    fake.add("GET", f"/v1/findings/{FINDING_UUID}", (200, FINDING))
    return fake


def requests_of(api: FakeApi) -> list[tuple[str, str, dict[str, str]]]:
    return [(r.method, r.path, r.params) for r in api.received]


def sequence(*answers: tuple[int, Any]) -> Any:
    """A route handler giving ``answers`` in turn, then the last again."""
    left = list(answers)

    def answer(rec: Recorded) -> tuple[int, Any]:
        return left.pop(0) if len(left) > 1 else left[0]
    return answer


# -- audit start --------------------------------------------------------------


def test_start_every_switch(api: FakeApi) -> None:
    api.add("POST", "/v1/audits", (202, PENDING))
    shown = run_command(audits.StartAudit, ["-f", "json"], api).json()
    assert requests_of(api) == [("POST", "/v1/audits", {})]
    assert api.last().body == {}
    assert shown["status"] == "pending"
    assert shown["switches"] == []
    assert shown["ports_checked"] is None  # no summary yet
    assert shown["severities"] is None
    assert "summary" not in shown


def test_start_some_switches(api: FakeApi) -> None:
    api.add("POST", "/v1/audits",
            (202, dict(PENDING, switches=["leaf1", "leaf2"])))
    out = run_command(audits.StartAudit, [
        "--switch", "leaf1", "--switch", "leaf2"], api).stdout
    assert api.last().body == {"switches": ["leaf1", "leaf2"]}
    assert "| switches            | leaf1, leaf2" in out


def test_start_table_says_all_switches(api: FakeApi) -> None:
    api.add("POST", "/v1/audits", (202, PENDING))
    out = run_command(audits.StartAudit, [], api).stdout
    assert "| switches            | (all)" in out


def test_start_conflict(api: FakeApi) -> None:
    api.add("POST", "/v1/audits",
            fault(409, "Audit 42 is already running."))
    error, out = run_failing(audits.StartAudit, [], api)
    assert str(error) == ("Failed to start an audit: Audit 42 is already "
                          "running. (HTTP 409)")
    assert out == ""


def test_start_wait_polls_until_done(api: FakeApi) -> None:
    api.add("POST", "/v1/audits", (202, PENDING))
    api.add("GET", f"/v1/audits/{AUDIT_UUID}",
            sequence((200, RUNNING), (200, RUNNING), (200, AUDIT)))
    result = run_command(audits.StartAudit, ["--wait", "-f", "json"], api)
    assert result.rc == 0
    assert [r[:2] for r in requests_of(api)] == [
        ("POST", "/v1/audits")] + [("GET", f"/v1/audits/{AUDIT_UUID}")] * 3
    shown = result.json()
    assert shown["status"] == "done"
    assert shown["severities"] == SUMMARY["severities"]


def test_start_wait_error_shows_the_audit_then_fails(api: FakeApi) -> None:
    api.add("POST", "/v1/audits", (202, PENDING))
    api.add("GET", f"/v1/audits/{AUDIT_UUID}", (200, FAILED))
    error, out = run_failing(audits.StartAudit,
                             ["--timeout", "5", "-f", "yaml"], api)
    assert str(error) == (f"Audit {AUDIT_UUID} ended in error: database is "
                          "locked")
    lines = out.splitlines()
    assert "status: error" in lines
    assert "message: database is locked" in lines


def test_start_wait_gives_up(api: FakeApi) -> None:
    api.add("POST", "/v1/audits", (202, PENDING))
    api.add("GET", f"/v1/audits/{AUDIT_UUID}", (200, RUNNING))
    error, out = run_failing(audits.StartAudit, ["--timeout", "0.05"], api)
    assert str(error).startswith(
        f"Audit {AUDIT_UUID} is still running after 0.05 s; ")
    assert f"openstack esi audit show {AUDIT_UUID}" in str(error)
    assert out == ""
    assert len(api.received) > 2


def test_start_timeout_must_be_positive(api: FakeApi) -> None:
    error, _ = run_failing(audits.StartAudit, ["--timeout", "0"], api)
    assert str(error) == "--timeout must be positive"
    assert api.received == []


def test_wait_read_error_is_a_command_error(api: FakeApi) -> None:
    api.add("POST", "/v1/audits", (202, PENDING))
    api.add("GET", f"/v1/audits/{AUDIT_UUID}", fault(500, "db down"))
    error, _ = run_failing(audits.StartAudit, ["--wait"], api)
    assert str(error) == (f"Failed to read audit {AUDIT_UUID}: db down "
                          "(HTTP 500)")


# -- audit list / show --------------------------------------------------------


def test_list_columns_and_filters(api: FakeApi) -> None:
    rows = run_command(audits.ListAudit, [
        "--status", "done", "--trigger", "periodic", "--limit", "5",
        "--marker", AUDIT_UUID, "-f", "json"], api).json()
    assert api.last().params == {"status": "done", "trigger": "periodic",
                                 "limit": "5", "marker": AUDIT_UUID}
    assert [list(r) for r in rows] == [[h for h, _ in
                                        audits.AUDIT_COLUMNS]] * 2
    assert rows[0]["UUID"] == AUDIT_UUID
    assert rows[0]["Switches"] == []
    assert rows[1]["Status"] == "pending"


def test_list_long_flattens_the_summary(api: FakeApi) -> None:
    rows = run_command(audits.ListAudit, ["--long", "-f", "json"],
                       api).json()
    assert api.last().params == {}
    assert rows[0]["Ports Checked"] == 47
    assert rows[0]["Severities"] == SUMMARY["severities"]
    assert rows[0]["Unreadable Switches"] == {
        "leaf2": "SSH connection timed out"}
    assert rows[1]["Severities"] is None


def test_list_csv_and_value(api: FakeApi) -> None:
    text = run_command(audits.ListAudit, ["--long", "-f", "csv"],
                       api).stdout
    parsed = list(csv.DictReader(io.StringIO(text)))
    # csv and value print the machine-readable values, as cliff does.
    assert [r["UUID"] for r in parsed] == [AUDIT_UUID, AUDIT_UUID]
    assert parsed[0]["Ports Checked"] == "47"
    assert parsed[1]["Severities"] == ""
    value = run_command(audits.ListAudit, ["-f", "value", "-c", "UUID",
                                           "-c", "Status"], api).stdout
    assert value == f"{AUDIT_UUID} done\n{AUDIT_UUID} pending\n"


@pytest.mark.parametrize("argv", [
    ["--status", "finished"], ["--trigger", "cron"], ["--limit", "0"],
    ["--limit", "ten"]])
def test_list_bad_arguments(api: FakeApi, argv: list[str],
                            capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        run_command(audits.ListAudit, argv, api)
    assert info.value.code == 2
    assert "invalid" in capsys.readouterr().err
    assert api.received == []


def test_show_table_is_readable(api: FakeApi) -> None:
    out = run_command(audits.ShowAudit, [AUDIT_UUID], api).stdout
    assert "| severities          | critical 1, major 2, info 44" in out
    assert ("| kinds               | match 44, missing_vlan 2, "
            "extra_vlan 1") in out
    assert ("| unreadable_switches | leaf2 (SSH connection timed out)"
            in out)
    assert "| switches_read       | leaf1 (48 ports)" in out
    assert f"| new_findings        | {FINDING_UUID}" in out
    assert "summary" not in out


def test_show_json_keeps_every_value(api: FakeApi) -> None:
    shown = run_command(audits.ShowAudit, [AUDIT_UUID, "-f", "json"],
                        api).json()
    expected = {k: v for k, v in AUDIT.items() if k != "summary"}
    expected.update(
        ports_checked=47, ports_skipped=1,
        severities=SUMMARY["severities"], kinds=SUMMARY["kinds"],
        switches_read={"leaf1": 48},
        unreadable_switches={"leaf2": "SSH connection timed out"},
        new_findings=[FINDING_UUID], resolved_findings=[RESOLVED_UUID])
    assert shown == expected


def test_show_many_new_findings_are_cut_in_tables(api: FakeApi) -> None:
    many = [f"00000000-0000-4000-8000-{i:012d}" for i in range(25)]
    audit = copy.deepcopy(AUDIT)
    audit["summary"]["new_findings"] = many
    api.add("GET", f"/v1/audits/{AUDIT_UUID}", (200, audit))
    out = run_command(audits.ShowAudit, [AUDIT_UUID], api).stdout
    assert many[audits.UUIDS_SHOWN - 1] in out
    assert many[audits.UUIDS_SHOWN] not in out
    assert f"... and {25 - audits.UUIDS_SHOWN} more" in out
    shown = run_command(audits.ShowAudit, [AUDIT_UUID, "-f", "json"],
                        api).json()
    assert shown["new_findings"] == many


def test_show_no_findings_table(api: FakeApi) -> None:
    audit = copy.deepcopy(AUDIT)
    audit["summary"].update(severities={}, kinds={"match": 3})
    del audit["summary"]["switches"]["leaf2"]
    api.add("GET", f"/v1/audits/{AUDIT_UUID}", (200, audit))
    out = run_command(audits.ShowAudit, [AUDIT_UUID], api).stdout
    assert "| severities          | none" in out
    assert "| kinds               | match 3" in out


def test_show_without_summary(api: FakeApi) -> None:
    api.add("GET", f"/v1/audits/{AUDIT_UUID}", (200, FAILED))
    shown = run_command(audits.ShowAudit, [AUDIT_UUID, "-f", "json"],
                        api).json()
    assert shown["status"] == "error"
    for key in ("ports_checked", "severities", "switches_read",
                "unreadable_switches", "new_findings"):
        assert shown[key] is None, key


def test_show_missing(api: FakeApi) -> None:
    api.add("GET", "/v1/audits/nope", fault(404, "Audit nope not found."))
    error, _ = run_failing(audits.ShowAudit, ["nope"], api)
    assert str(error) == ("Failed to show audit nope: Audit nope not "
                          "found. (HTTP 404)")


def test_list_answer_without_a_list(api: FakeApi) -> None:
    api.add("GET", "/v1/audits", (200, {"items": []}))
    error, _ = run_failing(audits.ListAudit, [], api)
    assert "has no 'audits' list" in str(error)


# -- remediation --------------------------------------------------------------


def test_remediation_show(api: FakeApi) -> None:
    api.add("GET", f"/v1/audits/{AUDIT_UUID}/remediation",
            (200, REMEDIATION))
    rows = run_command(audits.ShowRemediation, [AUDIT_UUID, "-f", "json"],
                       api).json()
    assert requests_of(api) == [
        ("GET", f"/v1/audits/{AUDIT_UUID}/remediation", {})]
    assert rows == [
        {"Switch": "leaf1", "Switch Port": "Ethernet1/3",
         "Node UUID": NODE_UUID, "Target": CHANGE["target"],
         "Commands": CHANGE["commands"], "Skipped": None},
        {"Switch": "leaf2", "Switch Port": "Ethernet1/1",
         "Node UUID": None, "Target": None, "Commands": None,
         "Skipped": "switch unreadable"}]


def test_remediation_show_long_table(api: FakeApi) -> None:
    api.add("GET", f"/v1/audits/{AUDIT_UUID}/remediation",
            (200, REMEDIATION))
    out = run_command(audits.ShowRemediation, [AUDIT_UUID, "--long"],
                      api).stdout
    lines = out.splitlines()
    # One command per line of the cell.
    assert any("interface Ethernet1/3" in line for line in lines)
    assert any("switchport access vlan 999" in line
               and "interface" not in line for line in lines)
    assert "native_vlan=999, tagged_vlans=none" in out
    assert ("mode=trunk, native_vlan=999, allowed_vlans=101,999, "
            "admin_up=True") in out
    assert FINDING_UUID in out
    assert "switch unreadable" in out


def test_remediation_show_nothing_to_do(api: FakeApi) -> None:
    api.add("GET", f"/v1/audits/{AUDIT_UUID}/remediation",
            (200, {"audit_uuid": AUDIT_UUID, "changes": [],
                   "skipped": []}))
    result = run_command(audits.ShowRemediation, [AUDIT_UUID, "-f", "json"],
                         api)
    assert result.json() == []


def test_remediate(api: FakeApi) -> None:
    api.add("POST", f"/v1/audits/{AUDIT_UUID}/remediation",
            (202, {"network_actions": [FIX_ACTION], "skipped": [SKIPPED]}))
    rows = run_command(audits.Remediate, [AUDIT_UUID, "-f", "json"],
                       api).json()
    assert requests_of(api) == [
        ("POST", f"/v1/audits/{AUDIT_UUID}/remediation", {})]
    assert [list(r) for r in rows] == [[h for h, _ in
                                        audits.REMEDIATE_COLUMNS]] * 2
    assert rows[0]["Network Action"] == FIX_ACTION["uuid"]
    assert rows[0]["Status"] == "pending"
    assert rows[0]["Switch Port"] == "Ethernet1/3"
    assert rows[0]["Skipped"] is None
    assert rows[1]["Network Action"] is None
    assert rows[1]["Skipped"] == "switch unreadable"


def test_remediate_wait(api: FakeApi) -> None:
    second = dict(FIX_ACTION, uuid="9d2e4f6a-1b3c-4d5e-8f70-a1b2c3d4e599")
    api.add("POST", f"/v1/audits/{AUDIT_UUID}/remediation",
            (202, {"network_actions": [FIX_ACTION, second],
                   "skipped": []}))
    api.add("GET", f"/v1/network_actions/{FIX_ACTION['uuid']}",
            sequence((200, dict(FIX_ACTION, status="running")),
                     (200, dict(FIX_ACTION, status="done"))))
    api.add("GET", f"/v1/network_actions/{second['uuid']}",
            (200, dict(second, status="done")))
    rows = run_command(audits.Remediate, [AUDIT_UUID, "--wait", "-f",
                                          "json"], api).json()
    assert [r["Status"] for r in rows] == ["done", "done"]
    reads = [r.path for r in api.received if r.method == "GET"]
    # The second action is read once: it was done at the first look.
    assert reads.count(f"/v1/network_actions/{second['uuid']}") == 1
    assert reads.count(f"/v1/network_actions/{FIX_ACTION['uuid']}") == 2


def test_remediate_wait_failure(api: FakeApi) -> None:
    api.add("POST", f"/v1/audits/{AUDIT_UUID}/remediation",
            (202, {"network_actions": [FIX_ACTION], "skipped": []}))
    api.add("GET", f"/v1/network_actions/{FIX_ACTION['uuid']}",
            (200, dict(FIX_ACTION, status="error",
                       message="% Invalid input")))
    error, out = run_failing(audits.Remediate,
                             [AUDIT_UUID, "--wait", "-f", "json"], api)
    assert str(error) == (f"1 of 1 network actions failed: "
                          f"{FIX_ACTION['uuid']}: % Invalid input")
    assert '"Status": "error"' in out


def test_remediate_wait_gives_up(api: FakeApi) -> None:
    api.add("POST", f"/v1/audits/{AUDIT_UUID}/remediation",
            (202, {"network_actions": [FIX_ACTION], "skipped": []}))
    api.add("GET", f"/v1/network_actions/{FIX_ACTION['uuid']}",
            (200, FIX_ACTION))
    error, _ = run_failing(audits.Remediate,
                           [AUDIT_UUID, "--timeout", "0.05"], api)
    assert str(error).startswith("Network actions still unfinished after "
                                 f"0.05 s: {FIX_ACTION['uuid']}")


def test_remediate_forbidden(api: FakeApi) -> None:
    api.add("POST", f"/v1/audits/{AUDIT_UUID}/remediation",
            fault(403, "Access was denied to this resource."))
    error, _ = run_failing(audits.Remediate, [AUDIT_UUID], api)
    assert str(error) == (f"Failed to remediate audit {AUDIT_UUID}: Access "
                          "was denied to this resource. (HTTP 403)")


# -- findings -----------------------------------------------------------------


def test_finding_list_filters_by_uuid(api: FakeApi) -> None:
    rows = run_command(audits.ListFinding, [
        "--switch", "leaf1", "--severity", "critical", "--kind",
        "extra_vlan", "--status", "open", "--node", NODE_UUID,
        "--network", NETWORK["uuid"], "--audit", AUDIT_UUID, "--limit",
        "10", "-f", "json"], api).json()
    assert requests_of(api) == [("GET", "/v1/findings", {
        "switch": "leaf1", "severity": "critical", "kind": "extra_vlan",
        "status": "open", "node_uuid": NODE_UUID,
        "network_uuid": NETWORK["uuid"], "audit_uuid": AUDIT_UUID,
        "limit": "10"})]
    assert rows == [{
        "UUID": FINDING_UUID, "Severity": "critical", "Kind": "extra_vlan",
        "Status": "open", "Switch": "leaf1", "Switch Port": "Ethernet1/3",
        "VLAN": 101, "Message": FINDING["message"]}]


def test_finding_list_looks_names_up(api: FakeApi) -> None:
    api.add("GET", "/v1/nodes/demo-node-1",
            (200, {"uuid": NODE_UUID, "name": "demo-node-1"}))
    api.add("GET", "/v1/networks/blue", (200, NETWORK))
    run_command(audits.ListFinding, ["--node", "demo-node-1",
                                     "--network", "blue"], api)
    assert requests_of(api) == [
        ("GET", "/v1/nodes/demo-node-1", {}),
        ("GET", "/v1/networks/blue", {}),
        ("GET", "/v1/findings", {"node_uuid": NODE_UUID,
                                 "network_uuid": NETWORK["uuid"]})]


def test_finding_list_unknown_node(api: FakeApi) -> None:
    api.add("GET", "/v1/nodes/nope", fault(404, "Node nope not found."))
    error, _ = run_failing(audits.ListFinding, ["--node", "nope"], api)
    assert str(error) == ("Failed to list findings: Node nope not found. "
                          "(HTTP 404)")


def test_finding_list_long(api: FakeApi) -> None:
    rows = run_command(audits.ListFinding, ["--long", "-f", "json"],
                       api).json()
    assert list(rows[0]) == [h for h, _ in audits.FINDING_LONG_COLUMNS]
    assert rows[0]["Foreign Project IDs"] == ["p-owner"]
    assert rows[0]["Node UUID"] == NODE_UUID
    out = run_command(audits.ListFinding, ["--long"], api).stdout
    assert "p-owner" in out and "['p-owner']" not in out


@pytest.mark.parametrize("argv", [
    ["--severity", "high"], ["--kind", "vlan_leak"],
    ["--status", "closed"], ["--limit", "-1"]])
def test_finding_list_bad_choices(api: FakeApi, argv: list[str],
                                  capsys: pytest.CaptureFixture[str]
                                  ) -> None:
    with pytest.raises(SystemExit) as info:
        run_command(audits.ListFinding, argv, api)
    assert info.value.code == 2
    assert "invalid" in capsys.readouterr().err
    assert api.received == []


def test_finding_show(api: FakeApi) -> None:
    shown = run_command(audits.ShowFinding, [FINDING_UUID, "-f", "json"],
                        api).json()
    assert shown == FINDING
    out = run_command(audits.ShowFinding, [FINDING_UUID], api).stdout
    assert ("| expected            | mode=access, native_vlan=999, "
            "tagged_vlans=none, networks=none") in out
    assert ("| observed            | mode=trunk, native_vlan=999, "
            "allowed_vlans=101,999, admin_up=True") in out
    assert f"| foreign_networks    | {NETWORK['uuid']}=p-owner" in out


def test_finding_show_missing(api: FakeApi) -> None:
    api.add("GET", "/v1/findings/nope", fault(404, "Finding nope not "
                                                   "found."))
    error, _ = run_failing(audits.ShowFinding, ["nope"], api)
    assert str(error) == ("Failed to show finding nope: Finding nope not "
                          "found. (HTTP 404)")


# -- network verify -----------------------------------------------------------


def test_verify_json(api: FakeApi) -> None:
    api.add("GET", "/v1/networks/blue/verification", (200, VERIFICATION))
    result = run_command(audits.VerifyNetwork, ["blue", "-f", "json"], api)
    assert result.rc == 0  # a breach is a result, not a failure
    assert result.json() == dict(VERIFICATION, carried_ports=1,
                                 missing_ports=1, unknown_ports=1)


def test_verify_table(api: FakeApi) -> None:
    api.add("GET", f"/v1/networks/{NETWORK['uuid']}/verification",
            (200, VERIFICATION))
    out = run_command(audits.VerifyNetwork, [NETWORK["uuid"]], api).stdout
    assert "| status           | breach" in out
    assert "| foreign_ports    | 1" in out
    assert (f"eth0 of node {NODE_UUID} (native): carried at "
            "2030-01-01T00:00:09") in out
    assert (f"c0ffee00-0000-4000-8000-000000000001 of node {NODE_UUID} "
            "(tagged): missing") in out
    assert re.search(rf"eth2 of node {NODE_UUID} \(native\): unknown +\|",
                     out), out


def test_verify_value(api: FakeApi) -> None:
    api.add("GET", "/v1/networks/blue/verification",
            (200, dict(VERIFICATION, status="verified")))
    out = run_command(audits.VerifyNetwork, ["blue", "-f", "value", "-c",
                                             "status"], api).stdout
    assert out == "verified\n"


def test_verify_not_visible(api: FakeApi) -> None:
    api.add("GET", "/v1/networks/red/verification",
            fault(404, "Network red could not be found."))
    error, _ = run_failing(audits.VerifyNetwork, ["red"], api)
    assert str(error) == ("Failed to verify network red: Network red could "
                          "not be found. (HTTP 404)")


# -- the plugin's registration and the server's vocabulary --------------------


def test_commands_are_registered() -> None:
    parser = configparser.ConfigParser()
    parser.read(REPO / "setup.cfg")
    entries = dict(
        line.split(" = ") for line in
        parser["entry_points"]["openstack.esi_leap.v1"].strip().splitlines())
    ours = {name: target for name, target in entries.items()
            if target.startswith("esi_leap.osc.v1.audits:")}
    assert set(ours) == {
        "esi_audit_start", "esi_audit_list", "esi_audit_show",
        "esi_audit_remediation_show", "esi_audit_remediate",
        "esi_finding_list", "esi_finding_show", "esi_network_verify"}
    for target in ours.values():
        module, _, cls = target.partition(":")
        assert hasattr(importlib.import_module(module), cls), target


def test_choices_match_the_server() -> None:
    from esi_leap.audit import model
    from esi_leap.db import audits as db_audits
    assert audits.KINDS == model.KINDS
    assert audits.SEVERITIES == model.SEVERITIES
    assert audits.TRIGGERS == tuple(db_audits.TRIGGERS)
    assert set(audits.AUDIT_STATUSES) == set(db_audits.STATUSES)
    assert set(audits.FINDING_STATUSES) == set(db_audits.FINDING_STATUSES)


def test_wait_for_audit_returns_at_once_when_final(api: FakeApi) -> None:
    from tests.unit import osc_fakes
    slept: list[float] = []
    assert audits.wait_for_audit(osc_fakes.client_for(api), AUDIT,
                                 sleep=slept.append) == AUDIT
    assert slept == [] and api.received == []


def test_poll_uses_the_clock() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    assert not audits.poll(lambda: False, lambda: None, timeout=3,
                           interval=1, clock=lambda: now[0], sleep=sleep)
    assert slept == [1, 1, 1]
