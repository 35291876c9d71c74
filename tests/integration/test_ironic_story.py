"""The multi-tenant Ironic story against a real Keystone and a real Ironic.

An owner offers a node through esi-leap; a lessee claims it; once the lease
is active the lessee drives the node through Ironic with its own token
(deploy, power, VIF, console); an unrelated project cannot even see it;
when the lease ends the lessee loses access and the manager leaves the node
powered off and clean. With Ironic stopped during an expiry the lease waits
and finishes once Ironic is back.

Ironic runs with the recommended policy overlay
(``etc/esi-leap/ironic-policy-overlay.yaml``); esi-leap runs from a
configuration file with ``auth_strategy = keystone`` and the
``ironic_node`` backend, as docs/ironic.md describes.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration import server
from tests.integration.peers import cloud as peers_cloud

#: The session's ``cloud`` fixture may install Keystone and Ironic first
#: (pip alone may take 900 s on a cold cache): a longer pytest-timeout.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(1500)]

#: Generous limits: they prove behaviour, not speed.
LEASE_TIMEOUT = 60.0
RECOVERY_TIMEOUT = 120.0
CLI_TIMEOUT = 90.0


class Story:
    """The projects, users and esi-leap server the story shares."""

    def __init__(self, cloud: peers_cloud.Cloud, srv: server.EsiLeapServer
                 ) -> None:
        self.cloud = cloud
        self.srv = srv
        self.owner_project = cloud.new_project("owner")
        self.lessee_project = cloud.new_project("lessee")
        self.other_project = cloud.new_project("other")
        self.owner = cloud.new_user(self.owner_project, ["member"])
        self.lessee = cloud.new_user(self.lessee_project, ["member"])
        self.other = cloud.new_user(self.other_project, ["member"])
        self._sessions: dict[str, Any] = {}

    def esi(self, user: peers_cloud.User, method: str, path: str,
            json: Any = None) -> Any:
        """A request to esi-leap with ``user``'s Keystone token."""
        session = self._sessions.get(user.name)
        if session is None:
            session = self._sessions[user.name] = self.cloud.session(user)
        return session.request(self.srv.url + path, method, json=json,
                               raise_exc=False, timeout=30)

    def wait_lease(self, uuid: str, wanted: str,
                   timeout: float = LEASE_TIMEOUT) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            lease = self.esi(self.owner, "GET", f"/v1/leases/{uuid}").json()
            if lease["status"] == wanted:
                return dict(lease)
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"lease {uuid} is {lease['status']!r}, not {wanted!r}, "
                    f"after {timeout:.0f} s; esi-leap log:\n"
                    + self.srv.log_tail())
            time.sleep(0.2)

    def lease_node(self, node: str) -> str:
        """Offer ``node`` as the owner, claim it as the lessee, and wait
        until the lease is active; return the lease uuid."""
        offer = self.esi(self.owner, "POST", "/v1/offers",
                         {"resource_uuid": node})
        assert offer.status_code == 201, offer.text
        # Project ids are shown with their Keystone names.
        assert offer.json()["project"] == self.owner_project.name
        claim = self.esi(self.lessee, "POST",
                         f"/v1/offers/{offer.json()['uuid']}/claim", {})
        assert claim.status_code == 201, claim.text
        uuid = str(claim.json()["uuid"])
        self.wait_lease(uuid, "active")
        return uuid

    def end_soon(self, lease_uuid: str, seconds: float = 2.0) -> None:
        """Move the lease's end a few seconds ahead, as its owner."""
        end = time.strftime("%Y-%m-%dT%H:%M:%S",
                            time.gmtime(time.time() + seconds))
        moved = self.esi(self.owner, "PATCH", f"/v1/leases/{lease_uuid}",
                         {"end_time": end})
        assert moved.status_code == 200, moved.text

    def events(self, lease_uuid: str) -> list[dict[str, Any]]:
        listed = self.esi(self.owner, "GET", "/v1/events").json()["events"]
        return [e for e in listed if e["object_uuid"] == lease_uuid]


def _dbsync(config: Path) -> None:
    exe = server._venv_bin("esi-leap-dbsync")
    assert exe, "esi-leap-dbsync is not installed"
    done = subprocess.run([exe, "--config-file", str(config), "upgrade"],
                          capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def story(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory,
          cloud: peers_cloud.Cloud) -> Iterator[Story]:
    base = tmp_path_factory.mktemp("story")
    config = cloud.write_esi_leap_config(base / "esi-leap.conf", {
        "database__connection": f"sqlite:///{base}/esi-leap.sqlite",
        "api__default_resource_type": "ironic_node",
        "ironic__node_cache_ttl": 1,
        "ironic__outage_backoff": 1,
        "ironic__timeout": 5,
        "manager__reconcile_interval": 0.5,
        "manager__peer_check_interval": 2,
        "keystone__project_cache_ttl": 1,
    })
    _dbsync(config)
    for srv in server.serve_for_module(
            request, tmp_path_factory,
            args=["--config-file", str(config)]):
        cloud.register_lease_endpoint(srv.url)
        yield Story(cloud, srv)


def _deploy(cloud: peers_cloud.Cloud, conn: Any, node: str,
            image: Path) -> None:
    conn.baremetal.patch_node(node, [{
        "op": "add", "path": "/instance_info",
        "value": {"image_source": image.as_uri()}}])
    conn.baremetal.set_node_provision_state(node, "active")
    cloud.wait_node(node, provision_state="active")


def test_lessee_drives_its_node_and_loses_it_clean(
        story: Story, cloud: peers_cloud.Cloud, tmp_path: Path) -> None:
    import openstack.exceptions
    node = cloud.create_node(story.owner_project)
    lease = story.lease_node(node)

    stored = cloud.node(node)
    assert stored["lessee"] == story.lessee_project.id
    assert stored["properties"]["lease_uuid"] == lease

    # The lessee works on its node with its own token.
    lessee = cloud.conn(story.lessee)
    image = tmp_path / "image.qcow2"
    image.write_bytes(b"not really an image")
    _deploy(cloud, lessee, node, image)
    power_on = subprocess.run(
        [server.openstack_executable() or "openstack", "baremetal", "node",
         "power", "on", node],
        env=cloud.cli_env(story.lessee), capture_output=True, text=True,
        timeout=CLI_TIMEOUT, stdin=subprocess.DEVNULL)
    assert power_on.returncode == 0, power_on.stderr
    cloud.wait_node(node, power_state="power on")
    lessee.baremetal.attach_vif_to_node(node, "1f8bd9a6-0b29-4b76-9d47-"
                                              "53d4b6a9c7e1")
    assert lessee.baremetal.list_node_vifs(node)
    lessee.baremetal.enable_node_console(node)
    deadline = time.monotonic() + 30
    while not cloud.node(node)["console_enabled"]:
        assert time.monotonic() < deadline, "console did not enable"
        time.sleep(0.2)

    # esi-leap shows the node to its owner and lessee only.
    for user in (story.owner, story.lessee):
        listed = story.esi(user, "GET", "/v1/nodes").json()["nodes"]
        assert node in [n["uuid"] for n in listed]
    other_list = story.esi(story.other, "GET", "/v1/nodes").json()["nodes"]
    assert node not in [n["uuid"] for n in other_list]
    # An unrelated project cannot see the node in Ironic either.
    with pytest.raises(openstack.exceptions.NotFoundException):
        cloud.conn(story.other).baremetal.get_node(node)
    assert story.esi(story.other, "GET",
                     f"/v1/leases/{lease}").status_code == 404

    # The lease ends: the manager cleans the node up.
    story.end_soon(lease)
    story.wait_lease(lease, "expired")
    clean = cloud.wait_node(node, power_state="power off",
                            provision_state="available")
    assert clean["lessee"] is None
    assert "lease_uuid" not in clean["properties"]
    assert clean["instance_info"] == {}
    assert clean["instance_uuid"] is None
    assert clean["console_enabled"] is False
    assert cloud.ironic_admin().get(
        f"/v1/nodes/{node}/vifs").json()["vifs"] == []
    with pytest.raises(openstack.exceptions.NotFoundException):
        lessee.baremetal.get_node(node)

    steps = [e["event_type"].rsplit(".", 1)[1] for e in story.events(lease)
             if e["event_type"].startswith("esi_leap.lease.release.")]
    for step in ("remove_lessee", "power_off", "undeploy", "clear_instance",
                 "detach_vifs", "disable_console", "remove_lease_marker"):
        assert step in steps


def test_expiry_waits_for_ironic_and_finishes_when_it_is_back(
        story: Story, cloud: peers_cloud.Cloud) -> None:
    node = cloud.create_node(story.owner_project)
    lease = story.lease_node(node)
    cloud.set_power(node, "power on")
    cloud.stop_ironic()
    try:
        story.end_soon(lease, seconds=1)
        story.wait_lease(lease, "wait expire")
        # The API keeps answering: a clear 503 that names Ironic, no hang.
        started = time.monotonic()
        nodes = story.esi(story.owner, "GET", "/v1/nodes")
        assert nodes.status_code == 503
        assert "Ironic" in nodes.json()["faultstring"]
        assert time.monotonic() - started < 20
        # Offers and leases live in esi-leap's database and still list.
        assert story.esi(story.owner, "GET",
                         f"/v1/leases/{lease}").status_code == 200
    finally:
        cloud.start_ironic()
    story.wait_lease(lease, "expired", timeout=RECOVERY_TIMEOUT)
    clean = cloud.wait_node(node, power_state="power off")
    assert clean["lessee"] is None
    assert "lease_uuid" not in clean["properties"]
    errors = [e for e in story.events(lease)
              if e["event_type"] == "esi_leap.lease.delete.error"]
    assert errors, "the failed attempt while Ironic was down is recorded"


def test_lessee_cli_sees_its_lease_through_the_catalog(
        story: Story, cloud: peers_cloud.Cloud) -> None:
    node = cloud.create_node(story.owner_project)
    lease = story.lease_node(node)
    listed = subprocess.run(
        [server.openstack_executable() or "openstack", "esi", "lease",
         "list", "-f", "value", "-c", "UUID"],
        env=cloud.cli_env(story.lessee), capture_output=True, text=True,
        timeout=CLI_TIMEOUT, stdin=subprocess.DEVNULL)
    assert listed.returncode == 0, listed.stderr
    assert lease in listed.stdout.split()


def test_plugin_commands_work_with_keystone_auth(
        story: Story, cloud: peers_cloud.Cloud) -> None:
    """esi-leap's own commands (beside python-esileapclient's) find the
    service in Keystone's catalog and authenticate with a token."""
    def esi(*args: str) -> Any:
        done = subprocess.run(
            [server.openstack_executable() or "openstack", "esi", *args,
             "-f", "json"],
            env=cloud.cli_env(story.lessee), capture_output=True,
            text=True, timeout=CLI_TIMEOUT, stdin=subprocess.DEVNULL)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)
    # This deployment has no VLAN pool: an empty list, through the catalog.
    assert esi("network", "list") == []
    node = cloud.create_node(story.owner_project)
    story.lease_node(node)
    # The node's Ironic ports, as its lessee sees them.
    ports = esi("port", "list", "--node", node)
    assert ports and {p["Node UUID"] for p in ports} == {node}


def test_lease_of_a_node_deleted_in_ironic_ends_in_error(
        story: Story, cloud: peers_cloud.Cloud) -> None:
    node = cloud.create_node(story.owner_project)
    lease = story.lease_node(node)
    cloud.ironic_admin().delete(f"/v1/nodes/{node}")
    ended = story.wait_lease(lease, "error")
    assert ended["expire_time"]
    errors = [e for e in story.events(lease)
              if e["event_type"] == "esi_leap.lease.error"]
    assert errors and node in errors[0]["reason"]


def test_lease_of_a_project_deleted_in_keystone_ends_in_error(
        story: Story, cloud: peers_cloud.Cloud) -> None:
    doomed_project = cloud.new_project("doomed")
    doomed = cloud.new_user(doomed_project, ["member"])
    node = cloud.create_node(story.owner_project)
    offer = story.esi(story.owner, "POST", "/v1/offers",
                      {"resource_uuid": node}).json()
    claim = story.esi(doomed, "POST", f"/v1/offers/{offer['uuid']}/claim",
                      {})
    assert claim.status_code == 201, claim.text
    lease = claim.json()["uuid"]
    story.wait_lease(lease, "active")
    assert cloud.node(node)["lessee"] == doomed_project.id
    # Names resolve to ids: the owner finds its offer by its project name.
    by_name = story.esi(story.owner, "GET",
                        f"/v1/offers?project_id={story.owner_project.name}"
                        "&status=any")
    assert by_name.status_code == 200, by_name.text
    assert offer["uuid"] in [o["uuid"] for o in by_name.json()["offers"]]
    cloud.keystone_admin.call("DELETE", f"/projects/{doomed_project.id}",
                                204)
    story.wait_lease(lease, "error")
    reasons = [e["reason"] for e in story.events(lease)
               if e["event_type"] == "esi_leap.lease.delete.end"]
    assert reasons and doomed_project.id in reasons[0]
    freed = cloud.wait_node(node, power_state="power off")
    assert freed["lessee"] is None
    assert "lease_uuid" not in freed["properties"]
