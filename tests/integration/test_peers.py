"""Smoke tests of the peer harness: a real Keystone and a real Ironic.

They prove that the ``cloud`` fixture gives what other integration tests
rely on: real tokens, Ironic's real owner/lessee scoping, the openstack
CLI environment, the ESI-Leap service user's elevated access, immediate
revocation, and an Ironic that can be stopped and started again.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.integration.peers.cloud import Cloud
from tests.integration.peers.cloud import Project
from tests.integration.peers.cloud import User

#: The session's ``cloud`` fixture may install Keystone and Ironic first
#: (pip alone may take 900 s on a cold cache): a longer pytest-timeout.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(1500)]

OPENSTACK = Path(sys.executable).parent / "openstack"


@pytest.fixture(scope="module")
def world(cloud: Cloud) -> dict[str, Any]:
    """Owner project A with node ``a_node`` leased to project B, owner
    project C with ``c_node``; a member user in each project."""
    a, b, c = (cloud.new_project(p) for p in ("owner-a", "lessee-b",
                                                "owner-c"))
    return {
        "a": a, "b": b, "c": c,
        "a_member": cloud.new_user(a, ["member"]),
        "b_member": cloud.new_user(b, ["member"]),
        "b_reader": cloud.new_user(b, ["reader"]),
        "c_member": cloud.new_user(c, ["member"]),
        "a_node": cloud.create_node(a, lessee=b),
        "c_node": cloud.create_node(c),
    }


def _get(cloud: Cloud, user: User, path: str) -> Any:
    return cloud.ironic_api(user).get(path, raise_exc=False)


def test_keystone_issues_a_token_for_a_new_user(cloud: Cloud) -> None:
    project = cloud.new_project("tok")
    user = cloud.new_user(project, ["member"])
    session = cloud.session(user)
    token = session.get_token()
    assert token
    access = session.auth.get_access(session)
    assert access.project_id == project.id
    assert {"member", "reader"} <= set(access.role_names)
    wrong = cloud.session(User(user.name, "not-the-password",
                               project.id, project.name, ()))
    with pytest.raises(Exception, match="401|Unauthorized|authenticate"):
        wrong.get_token()


def test_ironic_rejects_requests_without_a_token(cloud: Cloud) -> None:
    resp = requests.get(cloud.ironic_url + "/v1/nodes", timeout=10)
    assert resp.status_code == 401
    assert cloud.keystone_url in resp.headers["WWW-Authenticate"]
    bad = requests.get(cloud.ironic_url + "/v1/nodes", timeout=10,
                       headers={"X-Auth-Token": "not-a-token"})
    assert bad.status_code == 401
    # The root document stays public.
    assert requests.get(cloud.ironic_url + "/", timeout=10).ok


def test_member_sees_own_node_and_not_anothers(
        cloud: Cloud, world: dict[str, Any]) -> None:
    conn = cloud.conn(world["a_member"])
    listed = {n.id for n in conn.baremetal.nodes()}
    assert listed == {world["a_node"]}
    node = conn.baremetal.get_node(world["a_node"])
    assert node.owner == world["a"].id
    assert node.provision_state == "available"
    assert node.power_state == "power off"
    resp = _get(cloud, world["a_member"], f"/v1/nodes/{world['c_node']}")
    assert resp.status_code == 404


def test_lessee_member_can_power_on_its_leased_node(
        cloud: Cloud, world: dict[str, Any]) -> None:
    conn = cloud.conn(world["b_member"])
    assert {n.id for n in conn.baremetal.nodes()} == {world["a_node"]}
    conn.baremetal.set_node_power_state(world["a_node"], "power on",
                                        wait=True, timeout=60)
    assert cloud.node(world["a_node"])["power_state"] == "power on"
    cloud.set_power(world["a_node"], "power off")


def test_lessee_reader_cannot_power_and_stranger_gets_404(
        cloud: Cloud, world: dict[str, Any]) -> None:
    body = {"target": "power on"}
    path = f"/v1/nodes/{world['a_node']}/states/power"
    reader = cloud.ironic_api(world["b_reader"])
    assert reader.put(path, json=body, raise_exc=False).status_code == 403
    stranger = cloud.ironic_api(world["c_member"])
    assert stranger.put(path, json=body, raise_exc=False).status_code == 404


def test_esi_leap_service_user_sees_every_node(
        cloud: Cloud, world: dict[str, Any]) -> None:
    """rbac_service_role_elevated_access: the project-scoped service user
    (service + admin on project service) reads and patches any node."""
    api = cloud.ironic_api(cloud.esi_leap_user)
    listed = {n["uuid"] for n in api.get("/v1/nodes").json()["nodes"]}
    assert {world["a_node"], world["c_node"]} <= listed
    patch = [{"op": "add", "path": "/extra/esi_leap_probe", "value": "1"}]
    resp = api.patch(f"/v1/nodes/{world['c_node']}", json=patch)
    assert resp.json()["extra"]["esi_leap_probe"] == "1"


def test_admin_conn_creates_nodes_for_any_owner(
        cloud: Cloud, world: dict[str, Any]) -> None:
    conn = cloud.admin_conn()
    made = conn.baremetal.create_node(driver="fake-hardware",
                                      owner=world["c"].id)
    try:
        listed = {n.id for n in conn.baremetal.nodes()}
        assert {made.id, world["a_node"], world["c_node"]} <= listed
        assert conn.baremetal.get_node(made.id).owner == world["c"].id
    finally:
        conn.baremetal.delete_node(made.id)


def test_openstack_cli_environment(cloud: Cloud,
                                   world: dict[str, Any]) -> None:
    if not OPENSTACK.exists():
        pytest.fail(f"{OPENSTACK} missing (python-openstackclient)")
    env = cloud.cli_env(world["a_member"])
    assert env["OS_AUTH_URL"] == cloud.keystone_url
    out = subprocess.run(
        [str(OPENSTACK), "baremetal", "node", "list", "-f", "json"],
        env=env, capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    listed = json.loads(out.stdout)
    uuids = [n.get("UUID", n.get("uuid")) for n in listed]
    assert uuids == [world["a_node"]], listed


def test_lease_endpoint_in_catalog(cloud: Cloud) -> None:
    user = cloud.new_user(cloud.new_project("cat"), ["member"])
    for url in ("http://127.0.0.1:1/one", "http://127.0.0.1:1/two"):
        cloud.register_lease_endpoint(url)
        session = cloud.session(user)
        assert session.get_endpoint(service_type="lease",
                                    interface="public") == url
    assert cloud.session(user).get_endpoint(
        service_type="baremetal", interface="public") == cloud.ironic_url


def test_esi_leap_config_names_the_peers(cloud: Cloud,
                                         tmp_path: Path) -> None:
    config = cloud.esi_leap_config()
    assert config["auth_strategy"] == "keystone"
    assert config["keystone__username"] == "esi-leap"
    assert config["ironic__endpoint_override"] == cloud.ironic_url
    assert config["keystone_authtoken__token_cache_time"] == -1
    assert config["keystone_authtoken__www_authenticate_uri"] \
        == cloud.keystone_url
    text = cloud.write_esi_leap_config(tmp_path / "esi-leap.conf").read_text()
    assert "[keystone_authtoken]\n" in text
    assert f"auth_url = {cloud.keystone_url}\n" in text
    # The service user's credentials work.
    assert cloud.session(cloud.esi_leap_user).get_token()


def test_role_revocation_is_immediate_in_ironic(cloud: Cloud) -> None:
    owner: Project = cloud.new_project("revoke")
    node = cloud.create_node(owner)
    user = cloud.new_user(owner, ["member"])
    token = cloud.session(user).get_token()
    headers = {"X-Auth-Token": token,
               "X-OpenStack-Ironic-API-Version": "1.78"}
    url = f"{cloud.ironic_url}/v1/nodes/{node}"
    assert requests.get(url, headers=headers, timeout=10).status_code == 200
    cloud.revoke(user, "member")
    # The same token: Keystone revoked it with the role assignment, and
    # Ironic (token_cache_time = -1) must notice at once.
    assert requests.get(url, headers=headers, timeout=10).status_code == 401


def test_stop_and_start_ironic_keeps_url_and_data(
        cloud: Cloud, world: dict[str, Any]) -> None:
    url = cloud.ironic_url
    cloud.stop_ironic()
    try:
        assert not cloud.ironic_running
        with pytest.raises(requests.ConnectionError):
            requests.get(url + "/", timeout=5)
    finally:
        cloud.start_ironic()
    assert cloud.ironic_url == url
    assert requests.get(url + "/", timeout=10).ok
    node = cloud.conn(world["a_member"]).baremetal.get_node(world["a_node"])
    assert node.owner == world["a"].id
