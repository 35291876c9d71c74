"""The recommended Ironic policy overlay against a real Ironic 39.

``etc/esi-leap/ironic-policy-overlay.yaml`` is what the ``cloud`` fixture
runs Ironic with. Personas per node: owner member, lessee member, lessee
reader, an unrelated project's member. Every call is a real HTTP request
with a real Keystone token; the expected statuses are the contract that
docs/ironic-policy.md describes.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import helpers
from tests.integration.peers import cloud as peers_cloud
from tests.integration.peers import ironic as peers_ironic
from tests.integration.peers import venvs
from tests.integration.peers.cloud import Cloud

#: The session's ``cloud`` fixture may install Keystone and Ironic first
#: (pip alone may take 900 s on a cold cache): a longer pytest-timeout.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(1500)]

OPENSTACK = Path(sys.executable).parent / "openstack"
REDACTED = ("** Redacted - requires baremetal:node:get:driver_info "
            "permission. **")
BMC = {"bmc_address": "10.20.30.40", "ipmi_username": "root",
       "ipmi_password": "bmc-secret-value"}


class Personas:
    """Projects, users and API clients for one owned-and-leased node."""

    def __init__(self, cloud: Cloud) -> None:
        self.cloud = cloud
        self.owner = cloud.new_project("ov-owner")
        self.lessee = cloud.new_project("ov-lessee")
        self.other = cloud.new_project("ov-other")
        self.owner_member = cloud.ironic_api(
            cloud.new_user(self.owner, ["member"]))
        self.lessee_user = cloud.new_user(self.lessee, ["member"])
        self.lessee_member = cloud.ironic_api(self.lessee_user)
        self.lessee_reader = cloud.ironic_api(
            cloud.new_user(self.lessee, ["reader"]))
        self.other_member = cloud.ironic_api(
            cloud.new_user(self.other, ["member"]))

    def node(self, **fields: Any) -> str:
        """A fresh available node owned by ``owner``, leased to
        ``lessee``, with BMC credentials in driver_info."""
        node = self.cloud.create_node(self.owner, lessee=self.lessee,
                                      **fields)
        self.cloud.patch_node(node, driver_info=BMC)
        return node


@pytest.fixture(scope="module")
def who(cloud: Cloud) -> Personas:
    assert cloud.ironic_policy_file is not None
    assert cloud.ironic_policy_file.name == "ironic-policy-overlay.yaml"
    return Personas(cloud)


@pytest.fixture
def node(who: Personas) -> Iterator[str]:
    node = who.node()
    yield node


def _patch(api: Any, node: str, path: str, value: Any,
           op: str = "add") -> Any:
    body = [{"op": op, "path": path, "value": value}]
    return api.patch(f"/v1/nodes/{node}", json=body, raise_exc=False)


def _put(api: Any, node: str, path: str, body: Any) -> Any:
    return api.put(f"/v1/nodes/{node}{path}", json=body, raise_exc=False)


# --------------------------------------------------------------------------
# The overlay as Ironic's policy engine loads it


@pytest.fixture(scope="module")
def policy_report() -> dict[str, Any]:
    """Ironic's rules (default and effective with the overlay), from
    Ironic's own policy code in its venv."""
    try:
        venv = peers_ironic.venv()
    except venvs.PeerInstallError as exc:
        helpers.skip_or_fail(f"cannot install Ironic: {exc}")
    script = Path(peers_ironic.__file__).with_name("policy_report.py")
    out = subprocess.run(
        [str(venv / "bin" / "python"), "-I", str(script),
         str(peers_cloud.OVERLAY)],
        capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    report: dict[str, Any] = json.loads(out.stdout)
    return report


def _kinds() -> dict[str, str]:
    """Overlay rule name -> kind tag from its comment block."""
    kinds, kind = {}, None
    for line in peers_cloud.OVERLAY.read_text().splitlines():
        tag = re.match(r"^# \[(\w+)\]", line)
        if tag:
            kind = tag.group(1)
        rule = re.match(r'^"([^"]+)":', line)
        if rule:
            kinds[rule.group(1)] = kind or ""
            kind = None
    return kinds


def test_overlay_names_only_real_ironic_rules(
        policy_report: dict[str, Any]) -> None:
    kinds = _kinds()
    assert set(kinds) == set(policy_report["file"])
    for name, kind in kinds.items():
        if kind == "persona":
            assert name not in policy_report["rules"], name
        else:
            assert name in policy_report["rules"], f"{name}: no such rule"


def test_restated_rules_equal_ironic_defaults(
        policy_report: dict[str, Any]) -> None:
    rules, file_rules = policy_report["rules"], policy_report["file"]
    for name, kind in _kinds().items():
        if kind == "restated":
            assert file_rules[name] == rules[name]["default"], name
        elif kind in ("widened", "narrowed"):
            assert rules[name]["effective"] != rules[name]["default"], name


def test_rules_left_out_keep_their_defaults(
        policy_report: dict[str, Any]) -> None:
    """oslo.policy applies an override of a deprecated rule name to the
    rules that replaced it; the overlay must not change any rule it does
    not list (e.g. baremetal:node:get:filter_threshold, which decides
    whether driver_info is redacted)."""
    changed = {name: rule["effective"]
               for name, rule in policy_report["rules"].items()
               if name not in policy_report["file"]
               and rule["effective"] != rule["default"]}
    assert changed == {}


# --------------------------------------------------------------------------
# What a lessee member may do


def test_lessee_member_reads_node_but_driver_info_is_redacted(
        who: Personas, node: str) -> None:
    resp = who.lessee_member.get(f"/v1/nodes/{node}", raise_exc=False)
    assert resp.status_code == 200
    body = resp.json()
    assert body["lessee"] == who.lessee.id
    assert body["driver_info"] == {"content": REDACTED}
    assert "10.20.30.40" not in resp.text
    assert "bmc-secret-value" not in resp.text
    listed = who.lessee_member.get("/v1/nodes?fields=uuid,driver_info"
                                   ).json()["nodes"]
    mine = [n for n in listed if n["uuid"] == node]
    assert mine and mine[0]["driver_info"] == {"content": REDACTED}


def test_lessee_member_powers_node(who: Personas, node: str) -> None:
    for target in ("power on", "rebooting", "power off"):
        resp = _put(who.lessee_member, node, "/states/power",
                    {"target": target})
        assert resp.status_code == 202, resp.text
        expected = "power off" if target == "power off" else "power on"
        who.cloud.wait_node(node, power_state=expected)


def test_lessee_member_deploys_and_undeploys(who: Personas,
                                             node: str) -> None:
    api = who.lessee_member
    instance = str(uuid.uuid4())
    resp = api.patch(f"/v1/nodes/{node}", raise_exc=False, json=[
        {"op": "add", "path": "/instance_info/image_source",
         "value": "http://images.invalid/tenant.qcow2"},
        {"op": "add", "path": "/instance_info/root_gb", "value": "10"},
        {"op": "add", "path": "/instance_uuid", "value": instance}])
    assert resp.status_code == 200, resp.text
    assert resp.json()["instance_info"]["image_source"].endswith(
        "tenant.qcow2")
    assert api.get(f"/v1/nodes/{node}/validate").status_code == 200
    resp = _put(api, node, "/states/provision", {"target": "active"})
    assert resp.status_code == 202, resp.text
    data = who.cloud.wait_node(node, provision_state="active")
    assert data["instance_uuid"] == instance
    resp = _put(api, node, "/states/provision", {"target": "deleted"})
    assert resp.status_code == 202, resp.text
    data = who.cloud.wait_node(node, provision_state="available")
    assert data["instance_info"] == {}
    resp = _patch(api, node, "/instance_uuid", None, op="remove")
    assert resp.status_code == 200, resp.text
    assert resp.json()["instance_uuid"] is None


def test_lessee_member_attaches_and_detaches_vif(who: Personas,
                                                 node: str) -> None:
    api = who.lessee_member
    vif = str(uuid.uuid4())
    resp = api.post(f"/v1/nodes/{node}/vifs", json={"id": vif},
                    raise_exc=False)
    assert resp.status_code == 204, resp.text
    listed = api.get(f"/v1/nodes/{node}/vifs").json()["vifs"]
    assert listed == [{"id": vif}]
    # The node has one port: a second VIF has nowhere to go (Ironic's
    # own port bookkeeping, as with Neutron).
    resp = api.post(f"/v1/nodes/{node}/vifs", json={"id": "second"},
                    raise_exc=False)
    assert resp.status_code == 400, resp.text
    resp = api.delete(f"/v1/nodes/{node}/vifs/{vif}", raise_exc=False)
    assert resp.status_code == 204, resp.text
    assert api.get(f"/v1/nodes/{node}/vifs").json()["vifs"] == []


def test_lessee_member_attaches_vif_with_the_cli(who: Personas,
                                                 node: str) -> None:
    env = who.cloud.cli_env(who.lessee_user)
    vif = str(uuid.uuid4())
    out = subprocess.run(
        [str(OPENSTACK), "baremetal", "node", "vif", "attach", node, vif],
        env=env, capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    vifs = who.lessee_member.get(f"/v1/nodes/{node}/vifs").json()["vifs"]
    assert vifs == [{"id": vif}]


def test_lessee_member_enables_and_reads_console(who: Personas,
                                                 node: str) -> None:
    api = who.lessee_member
    resp = _put(api, node, "/states/console", {"enabled": True})
    assert resp.status_code == 202, resp.text
    who.cloud.wait_node(node, console_enabled=True)
    resp = api.get(f"/v1/nodes/{node}/states/console", raise_exc=False)
    assert resp.status_code == 200, resp.text
    assert resp.json()["console_enabled"] is True
    resp = _put(api, node, "/states/console", {"enabled": False})
    assert resp.status_code == 202, resp.text
    who.cloud.wait_node(node, console_enabled=False)


# --------------------------------------------------------------------------
# What a lessee may not do


@pytest.mark.parametrize("path,value", [
    ("/owner", "lessee-takes-it"),
    ("/lessee", "someone-else"),
    ("/driver_info/bmc_address", "10.9.9.9"),
    ("/properties/cpus", 64),
    ("/maintenance", True),
    ("/description", "renamed by lessee"),
    ("/extra/tag", "x"),
    ("/driver", "fake-hardware"),
    ("/console_interface", "no-console"),
    ("/name", "lessee-name"),
])
def test_lessee_member_cannot_patch_protected_fields(
        who: Personas, node: str, path: str, value: Any) -> None:
    before = who.cloud.node(node)
    resp = _patch(who.lessee_member, node, path, value)
    assert resp.status_code == 403, resp.text
    after = who.cloud.node(node)
    assert after["owner"] == before["owner"] == who.owner.id
    assert after["lessee"] == before["lessee"] == who.lessee.id
    assert after["driver_info"] == before["driver_info"]
    assert after["properties"] == before["properties"]
    assert after["maintenance"] is False
    assert after["extra"] == before["extra"]


def test_lessee_member_cannot_use_maintenance_or_clean_steps(
        who: Personas, node: str) -> None:
    api = who.lessee_member
    resp = _put(api, node, "/maintenance", {"reason": "lessee"})
    assert resp.status_code == 403, resp.text
    resp = _put(api, node, "/states/provision",
                {"target": "clean",
                 "clean_steps": [{"interface": "deploy",
                                  "step": "erase_devices"}]})
    assert resp.status_code == 403, resp.text
    assert who.cloud.node(node)["maintenance"] is False


def test_lessee_reader_may_read_but_not_act(who: Personas,
                                            node: str) -> None:
    api = who.lessee_reader
    assert api.get(f"/v1/nodes/{node}", raise_exc=False).status_code == 200
    for path, body in (("/states/power", {"target": "power on"}),
                       ("/states/provision", {"target": "active"}),
                       ("/states/console", {"enabled": True})):
        assert _put(api, node, path, body).status_code == 403, path
    resp = api.post(f"/v1/nodes/{node}/vifs", json={"id": "x"},
                    raise_exc=False)
    assert resp.status_code == 403
    assert _patch(api, node, "/instance_info/a", "b").status_code == 403


def test_unrelated_project_gets_404_everywhere(who: Personas,
                                               node: str) -> None:
    api = who.other_member
    assert api.get(f"/v1/nodes/{node}", raise_exc=False).status_code == 404
    listed = api.get("/v1/nodes").json()["nodes"]
    assert node not in {n["uuid"] for n in listed}
    for path, body in (("/states/power", {"target": "power on"}),
                       ("/states/provision", {"target": "active"}),
                       ("/states/console", {"enabled": True})):
        assert _put(api, node, path, body).status_code == 404, path
    assert _patch(api, node, "/instance_info/a", "b").status_code == 404
    assert _patch(api, node, "/owner", who.other.id).status_code == 404
    resp = api.post(f"/v1/nodes/{node}/vifs", json={"id": "x"},
                    raise_exc=False)
    assert resp.status_code == 404


# --------------------------------------------------------------------------
# The owner


def test_owner_member_sees_driver_info_with_password_masked(
        who: Personas, node: str) -> None:
    body = who.owner_member.get(f"/v1/nodes/{node}").json()
    assert body["driver_info"]["bmc_address"] == "10.20.30.40"
    assert body["driver_info"]["ipmi_password"] == "******"


def test_owner_member_cannot_change_owner(who: Personas,
                                          node: str) -> None:
    resp = _patch(who.owner_member, node, "/owner", who.other.id)
    assert resp.status_code == 403, resp.text
    resp = _patch(who.owner_member, node, "/owner", None, op="remove")
    assert resp.status_code == 403, resp.text
    assert who.cloud.node(node)["owner"] == who.owner.id


def test_owner_member_manages_its_node(who: Personas, node: str) -> None:
    api = who.owner_member
    resp = _patch(api, node, "/lessee", who.other.id, op="replace")
    assert resp.status_code == 200, resp.text
    assert resp.json()["lessee"] == who.other.id
    # The former lessee lost the node at once.
    gone = who.lessee_member.get(f"/v1/nodes/{node}", raise_exc=False)
    assert gone.status_code == 404
    assert _patch(api, node, "/lessee", None, op="remove").status_code \
        == 200
    for path, value in (("/driver_info/bmc_address", "10.1.1.1"),
                        ("/properties/cpus", 8),
                        ("/extra/rack", "r1"),
                        ("/description", "owner's node")):
        resp = _patch(api, node, path, value)
        assert resp.status_code == 200, (path, resp.text)
    assert _put(api, node, "/maintenance", {"reason": "owner"}
                ).status_code == 202
    assert api.delete(f"/v1/nodes/{node}/maintenance",
                      raise_exc=False).status_code == 202
    data = who.cloud.node(node)
    assert data["driver_info"]["bmc_address"] == "10.1.1.1"
    assert data["properties"]["cpus"] == 8
    assert data["lessee"] is None and data["maintenance"] is False


def test_owner_member_deploys_its_node(who: Personas, node: str) -> None:
    resp = _put(who.owner_member, node, "/states/provision",
                {"target": "active"})
    assert resp.status_code == 202, resp.text
    who.cloud.wait_node(node, provision_state="active")
    resp = _put(who.owner_member, node, "/states/provision",
                {"target": "deleted"})
    assert resp.status_code == 202, resp.text
    who.cloud.wait_node(node, provision_state="available")


# --------------------------------------------------------------------------
# Ports: their local_link_connection names the switch port esi-leap drives


LINK = {"switch_id": "aa:bb:cc:00:00:01", "switch_info": "leaf1",
        "port_id": "Ethernet1"}


def _in_maintenance(who: Personas, node: str) -> str:
    """``node`` in maintenance (which the owner member may do), where
    Ironic accepts local_link_connection changes."""
    assert _put(who.owner_member, node, "/maintenance",
                {"reason": "recabling"}).status_code == 202
    return node


def _repoint(api: Any, port: str, port_id: str) -> Any:
    body = [{"op": "replace", "path": "/local_link_connection/port_id",
             "value": port_id}]
    return api.patch(f"/v1/ports/{port}", json=body, raise_exc=False)


@pytest.fixture(scope="module")
def owner_admins(who: Personas, cloud: Cloud) -> list[Any]:
    """The owner project's admin and manager (Ironic 39's defaults let
    both change, create and delete the node's ports)."""
    return [cloud.ironic_api(cloud.new_user(who.owner, [role]))
            for role in ("admin", "manager")]


def test_owner_admins_cannot_repoint_create_or_delete_ports(
        who: Personas, cloud: Cloud, owner_admins: list[Any],
        node: str) -> None:
    port = cloud.create_port(node, local_link_connection=LINK)["uuid"]
    _in_maintenance(who, node)
    for api in (*owner_admins, who.owner_member, who.lessee_member):
        resp = _repoint(api, port, "Ethernet2")
        assert resp.status_code == 403, resp.text
    for api in owner_admins:
        resp = api.post("/v1/ports", json={
            "node_uuid": node, "address": "52:54:00:aa:bb:01",
            "local_link_connection": {**LINK, "port_id": "Ethernet2"}},
            raise_exc=False)
        assert resp.status_code == 403, resp.text
        resp = api.delete(f"/v1/ports/{port}", raise_exc=False)
        assert resp.status_code == 403, resp.text
    link = cloud.ironic_admin().get(f"/v1/ports/{port}").json()[
        "local_link_connection"]
    assert link["port_id"] == "Ethernet1"
    # The cloud admin may.
    assert _repoint(cloud.ironic_admin(), port, "Ethernet3").status_code \
        == 200


def test_without_overlay_owner_admins_repoint_ports(
        who: Personas, cloud: Cloud, owner_admins: list[Any],
        node: str) -> None:
    """The control: under Ironic 39's defaults the owner's admin and
    manager may point a port at any switch port."""
    port = cloud.create_port(node, local_link_connection=LINK)["uuid"]
    _in_maintenance(who, node)
    with cloud.ironic_policy(None):
        for api in owner_admins:
            resp = _repoint(api, port, "Ethernet2")
            assert resp.status_code == 200, resp.text


# --------------------------------------------------------------------------
# The same calls under Ironic's defaults: the overlay is what matters


def test_without_overlay_ironic_defaults_differ(who: Personas,
                                                cloud: Cloud) -> None:
    node = who.node()
    with cloud.ironic_policy(None):
        assert cloud.ironic_policy_file is None
        api = who.lessee_member
        # Ironic's defaults: a lessee *member* may not deploy, network
        # or use the console ...
        assert _put(api, node, "/states/provision",
                    {"target": "active"}).status_code == 403
        assert _put(api, node, "/states/console",
                    {"enabled": True}).status_code == 403
        resp = api.post(f"/v1/nodes/{node}/vifs", json={"id": "x"},
                        raise_exc=False)
        assert resp.status_code == 403
        assert _patch(api, node, "/instance_info/a", "b").status_code \
            == 403
        # ... but may change generic fields such as maintenance.
        resp = _patch(api, node, "/description", "changed by lessee")
        assert resp.status_code == 200, resp.text
    assert cloud.ironic_policy_file is not None
    assert _patch(who.lessee_member, node, "/description",
                  "again").status_code == 403
