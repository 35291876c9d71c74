"""Switch audits end to end on the fake switch driver: the real API,
database, manager applier and auditor; drift is made behind esi-leap's
back with :func:`esi_leap.drivers.switches.fake.set_port`."""

import datetime
import json
from typing import Any

import pytest

from esi_leap.audit import runner
from esi_leap.common import timeutils
from esi_leap.drivers.switches import fake
from tests import helpers
from tests.conftest import OTHER
from tests.conftest import OWNER
from tests.functional.test_network_attachments import QUARANTINE
from tests.functional.test_network_attachments import SWITCH
from tests.functional.test_network_attachments import Lab
from tests.functional.test_network_attachments import lab  # noqa: F401

# ruff: noqa: F811 - the ``lab`` fixture is an argument of the tests


def audit(lab: Lab, **body: Any) -> dict[str, Any]:
    """Start an audit through the API and run it as a manager would."""
    res = lab.admin.post("/v1/audits", body)
    assert res.status_int == 202, res.text
    assert runner.run_pending("test-manager") == res.json["uuid"]
    shown = lab.admin.get(f"/v1/audits/{res.json['uuid']}").json
    assert shown["status"] == "done", shown
    return dict(shown)


def findings(lab: Lab, **filters: str) -> list[dict[str, Any]]:
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    res = lab.admin.get(f"/v1/findings?{query}")
    assert res.status_int == 200, res.text
    return list(res.json["findings"])


def by_port(found: list[dict[str, Any]]) -> dict[str, list[str]]:
    ports: dict[str, list[str]] = {}
    for f in found:
        ports.setdefault(f["switch_port"], []).append(f["kind"])
    return {k: sorted(v) for k, v in ports.items()}


def events_of(lab: Lab, project: str) -> list[dict[str, Any]]:
    res = lab.client.as_(project, "reader").get(
        "/v1/events?event_type=esi_leap.finding.open")
    return list(res.json["events"])


@pytest.fixture
def attached(lab: Lab) -> dict[str, Any]:
    """eth0 (p1) on the owner's network; eth1 (p2) and the unmanaged p3
    on the quarantine VLAN, where the switch's untouched ports are."""
    res = lab.admin.patch(f"/v1/switches/{SWITCH}", {"connection": {
        "ports": "p1,p2,p3", "default_vlan": str(QUARANTINE)}})
    assert res.status_int == 200, res.text
    net = lab.network(OWNER, "blue")
    assert lab.attach(OWNER, "eth0", net["uuid"]).status_int == 202
    lab.run()
    return net


def test_a_switch_as_intended_matches(lab: Lab,
                                      attached: dict[str, Any]) -> None:
    done = audit(lab)
    assert done["summary"]["switches"][SWITCH]["status"] == "read"
    assert done["summary"]["ports_checked"] == 2
    assert by_port(findings(lab, status="open")) == {
        "p1": ["match"], "p2": ["match"]}
    assert done["summary"]["severities"] == {}


def test_an_untouched_port_is_not_quarantined(lab: Lab) -> None:  # noqa
    audit(lab)
    found = {f["switch_port"]: f for f in findings(lab, status="open")}
    assert found["p1"]["kind"] == "not_quarantined"
    assert found["p1"]["severity"] == "major"
    assert found["p1"]["observed"]["native_vlan"] == fake.FACTORY_VLAN
    assert found["p1"]["expected"]["native_vlan"] == QUARANTINE
    assert "p3" not in found  # unmanaged, but on no tenant VLAN


def _breach(lab: Lab, net: dict[str, Any]) -> dict[str, Any]:
    """Put p1 (the owner's) on another project's network's VLAN."""
    other = lab.network(OTHER, "red")
    fake.set_port(SWITCH, "p1", {"mode": "access",
                                 "native_vlan": other["vlan"],
                                 "tagged_vlans": []})
    return other


def test_another_tenants_vlan_is_a_critical_breach_naming_both(
        lab: Lab, attached: dict[str, Any]) -> None:
    audit(lab)
    other = _breach(lab, attached)
    done = audit(lab)
    assert done["summary"]["severities"]["critical"] == 1
    extra = findings(lab, kind="extra_vlan", status="open")
    assert len(extra) == 1
    breach = extra[0]
    assert (breach["severity"], breach["switch"], breach["switch_port"],
            breach["vlan"]) == ("critical", SWITCH, "p1", other["vlan"])
    assert breach["project_id"] == OWNER
    assert breach["foreign_project_ids"] == [OTHER]
    assert breach["foreign_networks"] == {other["uuid"]: OTHER}
    assert OWNER in breach["message"] and OTHER in breach["message"]
    assert breach["uuid"] in done["summary"]["new_findings"]
    missing = findings(lab, kind="missing_vlan", status="open")
    assert [m["vlan"] for m in missing] == [attached["vlan"]]
    # The match of p1 is resolved; the events name nobody else.
    assert findings(lab, kind="match", status="resolved")[0][
        "switch_port"] == "p1"
    owner_events = events_of(lab, OWNER)
    other_events = events_of(lab, OTHER)
    assert owner_events and other_events
    owner_text = json.dumps(owner_events)
    other_text = json.dumps(other_events)
    assert OTHER not in owner_text and str(other["vlan"]) not in owner_text
    assert SWITCH not in owner_text and "p1" not in owner_text
    assert OWNER not in other_text and lab.node not in other_text
    assert SWITCH not in other_text and "p1" not in other_text


def test_remediation_restores_the_port_and_resolves_the_findings(
        lab: Lab, attached: dict[str, Any]) -> None:
    _breach(lab, attached)
    first = audit(lab)
    plan = lab.admin.get(f"/v1/audits/{first['uuid']}/remediation").json
    assert [(c["switch_port"], c["target"]) for c in plan["changes"]] == [
        ("p1", {"native_vlan": attached["vlan"], "tagged_vlans": []})]
    assert plan["changes"][0]["commands"]
    assert fake.port_states(SWITCH)["p1"]["native_vlan"] != attached["vlan"]
    applied = lab.admin.post(f"/v1/audits/{first['uuid']}/remediation")
    assert applied.status_int == 202, applied.text
    actions = applied.json["network_actions"]
    assert [a["kind"] for a in actions] == ["restore"]
    lab.run()
    assert lab.action(actions[0]["uuid"])["status"] == "done"
    assert fake.port_states(SWITCH)["p1"]["native_vlan"] == attached["vlan"]
    second = audit(lab)
    assert sorted(second["summary"]["resolved_findings"]) == sorted(
        plan["changes"][0]["findings"])
    assert by_port(findings(lab, status="open")) == {
        "p1": ["match"], "p2": ["match"]}
    resolved = findings(lab, kind="extra_vlan")[0]
    assert resolved["status"] == "resolved"
    assert resolved["resolved_audit_uuid"] == second["uuid"]


def test_an_unmanaged_port_on_a_tenant_vlan_is_flagged(
        lab: Lab, attached: dict[str, Any]) -> None:
    fake.set_port(SWITCH, "p3", {"mode": "trunk", "native_vlan": 1,
                                 "tagged_vlans": [attached["vlan"]]})
    audit(lab)
    found = findings(lab, kind="unmanaged_port")
    assert [(f["switch_port"], f["severity"]) for f in found] == [
        ("p3", "critical")]
    assert found[0]["foreign_project_ids"] == [OWNER]
    plan = lab.admin.get(
        f"/v1/audits/{found[0]['last_audit_uuid']}/remediation").json
    assert plan["changes"] == []
    assert plan["skipped"][0]["switch_port"] == "p3"


def test_a_port_carrying_every_vlan_is_critical(
        lab: Lab, attached: dict[str, Any]) -> None:
    fake.set_port(SWITCH, "p2", {"mode": "trunk", "native_vlan": None,
                                 "tagged_vlans": "all"})
    audit(lab)
    found = [f for f in findings(lab, status="open")
             if f["switch_port"] == "p2"]
    assert [(f["kind"], f["severity"]) for f in found] == [
        ("not_quarantined", "critical")]


def test_an_unreachable_switch_is_unreadable_never_a_match(
        lab: Lab, attached: dict[str, Any]) -> None:
    _breach(lab, attached)
    audit(lab)
    res = lab.admin.patch(f"/v1/switches/{SWITCH}", {
        "connection": {"ports": "p1,p2,p3", "default_vlan": str(QUARANTINE),
                       "unreachable": "true"}})
    assert res.status_int == 200, res.text
    done = audit(lab)
    assert done["summary"]["switches"][SWITCH]["status"] == "unreadable"
    open_now = findings(lab, status="open")
    kinds = sorted(f["kind"] for f in open_now)
    # No match survives; what was wrong stays open, unverified.
    assert "match" not in kinds
    assert "unreadable" in kinds and "extra_vlan" in kinds
    unreadable = [f for f in open_now if f["kind"] == "unreadable"][0]
    assert unreadable["switch_port"] is None
    assert "does not answer" in unreadable["message"]


def test_busy_ports_are_skipped(lab: Lab,
                                attached: dict[str, Any]) -> None:
    audit(lab)
    assert lab.detach(OWNER, "eth0", attached["uuid"]).status_int == 202
    done = audit(lab)  # the detach is pending: p1 is not judged
    assert done["summary"]["ports_skipped"] == 1
    assert [f["switch_port"] for f in findings(lab, status="open")
            if f["kind"] == "match"] == ["p1", "p2"]


def test_the_api_checks_its_input_and_callers(lab: Lab) -> None:  # noqa
    assert lab.client.as_(OWNER).post("/v1/audits", {}).status_int == 403
    assert lab.client.as_(OWNER).get("/v1/findings").status_int == 403
    bad = lab.admin.post("/v1/audits", {"switches": ["nope"]})
    assert bad.status_int == 400 and "nope" in bad.text
    assert lab.admin.post("/v1/audits", {"x": 1}).status_int == 400
    assert lab.admin.get("/v1/findings?severity=huge").status_int == 400
    assert lab.admin.get("/v1/audits?status=odd").status_int == 400
    first = lab.admin.post("/v1/audits", {"switches": [SWITCH]})
    assert first.status_int == 202
    again = lab.admin.post("/v1/audits", {})
    assert again.status_int == 409 and first.json["uuid"] in again.text
    assert lab.admin.get(
        f"/v1/audits/{first.json['uuid']}/remediation").status_int == 409
    assert lab.admin.get("/v1/audits/nope").status_int == 404
    assert len(lab.admin.get("/v1/audits").json["audits"]) == 1


def test_verification_shows_own_ports_and_counts_foreign_ones(
        lab: Lab, attached: dict[str, Any]) -> None:
    owner = lab.client.as_(OWNER, "reader")
    path = f"/v1/networks/{attached['uuid']}/verification"
    assert owner.get(path).json["status"] == "unverified"
    audit(lab)
    clean = owner.get(path).json
    assert clean["status"] == "verified"
    assert [(p["port_uuid"] is not None, p["observed"])
            for p in clean["ports"]] == [(True, "carried")]
    assert clean["foreign_ports"] == 0
    intruder = lab.network(OTHER, "red")
    fake.set_port(SWITCH, "p3", {"mode": "trunk", "native_vlan": intruder[
        "vlan"], "tagged_vlans": [attached["vlan"]]})
    audit(lab)
    breach = owner.get(path)
    assert breach.json["status"] == "breach"
    assert breach.json["foreign_ports"] == 1
    for foreign in (SWITCH, "p3", OTHER, intruder["uuid"],
                    f'"vlan":{intruder["vlan"]}'):
        assert foreign not in breach.text
    assert lab.client.as_(OTHER).get(path).status_int == 404


def test_periodic_audits_and_history(lab: Lab) -> None:
    helpers.override("interval", 60, group="audit")
    lab.manager.start_audit(timeutils.utcnow())
    lab.manager._audit.result(timeout=30)  # type: ignore[union-attr]
    listed = lab.admin.get("/v1/audits?trigger=periodic").json["audits"]
    assert [a["status"] for a in listed] == ["done"]
    # Not due again within the interval.
    assert not runner.periodic_due(timeutils.utcnow())
    runner.purge_history(timeutils.utcnow() + datetime.timedelta(days=31))
    assert lab.admin.get("/v1/audits").json["audits"] == []
    assert lab.admin.get("/v1/findings?status=open").json["findings"]
