"""Attaching ports to networks, end to end on the fake switch driver.

The real API, database and manager (one reconcile pass at a time); the
switch is the ``fake`` driver, whose port states the tests read back.
"""

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from esi_leap.common import coordination
from esi_leap.db import api as db_api
from esi_leap.db import models
from esi_leap.drivers.switches import fake
from esi_leap.manager import lifecycle
from esi_leap.manager import service
from tests import helpers
from tests.conftest import ADMIN_PROJECT
from tests.conftest import LESSEE
from tests.conftest import OTHER
from tests.conftest import OWNER

SWITCH = "leaf-1"
QUARANTINE = 999


@pytest.fixture
def lab(client: helpers.ApiClient, node: str,
        monkeypatch: pytest.MonkeyPatch) -> Iterator["Lab"]:
    helpers.override("vlan_ranges", ["physnet1:100:199"], group="networking")
    helpers.override("quarantine_vlans", ["physnet1:999"], group="networking")
    helpers.override("action_retry_delay", 0.0, group="networking")
    helpers.override("action_max_attempts", 2, group="networking")
    fake.reset()
    yield Lab(client, node, helpers.Clock.installed(monkeypatch, lifecycle))
    fake.reset()


class Lab:
    """One node with two ports on a fake switch, and helpers."""

    def __init__(self, client: helpers.ApiClient, node: str,
                 clock: helpers.Clock) -> None:
        self.client, self.node, self.clock = client, node, clock
        self.admin = client.as_(ADMIN_PROJECT, "admin")
        self.add_switch(SWITCH, {"ports": "p1,p2,p3"})
        for name, switch_port in (("eth0", "p1"), ("eth1", "p2")):
            self.add_port(name, SWITCH, switch_port)
        self.manager = service.Manager("test-manager")

    def add_switch(self, name: str, connection: dict[str, str]) -> None:
        res = self.admin.post("/v1/switches", {
            "name": name, "driver": "fake", "physical_network": "physnet1",
            "connection": connection})
        assert res.status_int == 201, res.text

    def add_port(self, name: str, switch: str, switch_port: str) -> None:
        res = self.admin.post("/v1/ports", {
            "node": self.node, "name": name, "switch": switch,
            "switch_port": switch_port})
        assert res.status_int == 201, res.text

    def network(self, project: str, name: str = "net") -> dict[str, Any]:
        res = self.client.as_(project).post("/v1/networks", {"name": name})
        assert res.status_int == 201, res.text
        return dict(res.json)

    def attach(self, project: str, port: str, network: str,
               mode: str = "native", node: str | None = None) -> Any:
        return self.client.as_(project).post(
            f"/v1/nodes/{node or self.node}/ports/{port}/networks",
            {"network": network, "mode": mode})

    def detach(self, project: str, port: str, network: str) -> Any:
        return self.client.as_(project).delete(
            f"/v1/nodes/{self.node}/ports/{port}/networks/{network}")

    def action(self, uuid: str) -> dict[str, Any]:
        return dict(self.admin.get(f"/v1/network_actions/{uuid}").json)

    def run(self, passes: int = 1) -> None:
        """Reconcile ``passes`` times, each after the manager's retry
        delays have passed."""
        for _ in range(passes):
            self.clock.advance(lifecycle.MAX_RETRY_DELAY)
            self.manager.reconcile()

    def port(self, switch_port: str) -> dict[str, Any]:
        return fake.port_states(SWITCH).get(switch_port, {})

    def lease_to(self, project: str) -> str:
        res = self.admin.post("/v1/leases", {
            "resource_uuid": self.node, "project_id": project})
        assert res.status_int == 201, res.text
        self.run()
        lease = self.admin.get(f"/v1/leases/{res.json['uuid']}").json
        assert lease["status"] == "active"
        return str(lease["uuid"])


def test_the_owner_attaches_a_port_and_the_switch_follows(lab: Lab) -> None:
    net = lab.network(OWNER)
    res = lab.attach(OWNER, "eth0", net["uuid"])
    assert res.status_int == 202, res.text
    action = res.json
    assert res.headers["Location"].endswith(
        f"/v1/network_actions/{action['uuid']}")
    assert (action["status"], action["kind"]) == ("pending", "attach")
    assert action["switch"] is None  # switch names are for admins
    assert lab.port("p1") == {}
    lab.run()
    assert lab.action(action["uuid"])["status"] == "done"
    assert lab.port("p1") == {"mode": "access", "native_vlan": net["vlan"],
                              "tagged_vlans": []}
    listed = lab.client.as_(OWNER, "reader").get(
        f"/v1/nodes/{lab.node}/ports/eth0/networks").json["networks"]
    assert listed == [{"network_uuid": net["uuid"], "network_name": "net",
                       "vlan": net["vlan"], "mode": "native"}]
    assert lab.admin.get(
        f"/v1/network_actions/{action['uuid']}").json["switch"] == SWITCH


def test_tagged_networks_keep_the_quarantine_vlan_native(lab: Lab) -> None:
    red, blue = lab.network(OWNER, "red"), lab.network(OWNER, "blue")
    assert lab.attach(OWNER, "eth0", red["uuid"], "tagged").status_int == 202
    lab.run()
    assert lab.attach(OWNER, "eth0", "blue", "tagged").status_int == 202
    lab.run()
    assert lab.port("p1") == {"mode": "trunk", "native_vlan": QUARANTINE,
                              "tagged_vlans": sorted([red["vlan"],
                                                      blue["vlan"]])}
    assert lab.detach(OWNER, "eth0", "red").status_int == 202
    lab.run()
    assert lab.port("p1")["tagged_vlans"] == [blue["vlan"]]
    assert lab.detach(OWNER, "eth0", "blue").status_int == 202
    lab.run()
    assert lab.port("p1") == {"mode": "access", "native_vlan": QUARANTINE,
                              "tagged_vlans": []}


def test_attach_rules(lab: Lab) -> None:
    net = lab.network(OWNER)
    other = lab.network(OTHER, "theirs")
    # One unfinished action per port.
    assert lab.attach(OWNER, "eth0", net["uuid"]).status_int == 202
    res = lab.attach(OWNER, "eth0", net["uuid"], "tagged")
    assert res.status_int == 409 and "pending" in res.json["faultstring"]
    lab.run()
    # Double attach, second native.
    res = lab.attach(OWNER, "eth0", net["uuid"], "tagged")
    assert res.status_int == 409 and "already attached" in res.text
    second = lab.network(OWNER, "second")
    res = lab.attach(OWNER, "eth0", second["uuid"])
    assert res.status_int == 409 and "native network" in res.text
    # Networks the project may not use look missing; bad ports are 404.
    assert lab.attach(OWNER, "eth1", other["uuid"]).status_int == 404
    assert lab.attach(OWNER, "eth9", net["uuid"]).status_int == 404
    # Readers, unrelated projects, bad bodies.
    assert lab.attach(OTHER, "eth1", net["uuid"]).status_int == 404
    res = lab.client.as_(OWNER, "reader").post(
        f"/v1/nodes/{lab.node}/ports/eth1/networks", {"network": "net"})
    assert res.status_int == 403
    res = lab.attach(OWNER, "eth1", net["uuid"], mode="sideways")
    assert res.status_int == 400
    # Nothing of that changed the switch or the journal.
    assert lab.port("p2") == {}
    assert len(lab.admin.get("/v1/network_actions").json[
        "network_actions"]) == 1


def test_a_network_in_use_cannot_be_deleted_or_revoked(lab: Lab) -> None:
    net = lab.network(OWNER)
    lab.attach(OWNER, "eth0", net["uuid"])
    res = lab.client.as_(OWNER).delete(f"/v1/networks/{net['uuid']}")
    assert res.status_int == 409  # pending action
    lab.run()
    assert lab.client.as_(OWNER).delete(
        f"/v1/networks/{net['uuid']}").status_int == 409
    lab.detach(OWNER, "eth0", net["uuid"])
    lab.run()
    assert lab.client.as_(OWNER).delete(
        f"/v1/networks/{net['uuid']}").status_int == 204


def test_lessee_controls_the_ports_and_the_lease_end_quarantines(
        lab: Lab) -> None:
    owner_net = lab.network(OWNER, "owner-net")
    lease = lab.lease_to(LESSEE)
    res = lab.attach(OWNER, "eth0", owner_net["uuid"])
    assert res.status_int == 403 and "leased" in res.json["faultstring"]
    net = lab.network(LESSEE, "mine")
    tagged = lab.network(LESSEE, "mine-tagged")
    assert lab.attach(LESSEE, "eth0", net["uuid"]).status_int == 202
    assert lab.attach(LESSEE, "eth1", tagged["uuid"],
                      "tagged").status_int == 202
    lab.run()
    assert lab.port("p1")["native_vlan"] == net["vlan"]
    assert lab.port("p2")["tagged_vlans"] == [tagged["vlan"]]

    assert lab.client.as_(LESSEE).delete(
        f"/v1/leases/{lease}").status_int == 200
    lab.run()  # the lease waits while the switch works
    shown = lab.admin.get(f"/v1/leases/{lease}").json
    assert shown["status"] in ("wait cancel", "deleted")
    lab.run(3)
    assert lab.admin.get(f"/v1/leases/{lease}").json["status"] == "deleted"
    for switch_port in ("p1", "p2"):
        assert lab.port(switch_port) == {
            "mode": "access", "native_vlan": QUARANTINE, "tagged_vlans": []}
    assert lab.client.as_(LESSEE).get(
        f"/v1/nodes/{lab.node}/ports/eth0/networks").status_int == 404
    assert lab.client.as_(OWNER).get(
        f"/v1/nodes/{lab.node}/ports/eth0/networks").json["networks"] == []
    events = [e["event_type"] for e in lab.admin.get(
        f"/v1/events?resource_uuid={lab.node}").json["events"]]
    assert "esi_leap.lease.release.quarantine_ports" in events
    assert "esi_leap.network_action.quarantine.done" in events


def test_fulfilling_a_lease_first_quarantines_the_owners_networks(
        lab: Lab) -> None:
    net = lab.network(OWNER)
    lab.attach(OWNER, "eth0", net["uuid"])
    lab.run()
    res = lab.admin.post("/v1/leases", {"resource_uuid": lab.node,
                                        "project_id": LESSEE})
    lab.run()
    lease = lab.admin.get(f"/v1/leases/{res.json['uuid']}").json
    assert lease["status"] == "wait fulfill"
    lab.run(2)
    assert lab.admin.get(
        f"/v1/leases/{lease['uuid']}").json["status"] == "active"
    assert lab.port("p1")["native_vlan"] == QUARANTINE


def test_an_unreachable_switch_gives_a_visible_error_and_loses_nothing(
        lab: Lab) -> None:
    lab.add_switch("down", {"unreachable": "true"})
    lab.add_port("eth2", "down", "x1")
    net = lab.network(OWNER)
    action = lab.attach(OWNER, "eth2", net["uuid"]).json
    lab.run()
    shown = lab.action(action["uuid"])
    assert shown["status"] == "pending" and "retrying" in shown["message"]
    lab.run()
    shown = lab.action(action["uuid"])
    assert shown["status"] == "error"
    assert "does not answer" in shown["message"]
    assert shown["attempts"] == 2
    assert lab.client.as_(OWNER).get(
        f"/v1/nodes/{lab.node}/ports/eth2/networks").json["networks"] == []
    # Nothing lost: the network is intact and the port may be tried again.
    assert lab.client.as_(OWNER).get(
        f"/v1/networks/{net['uuid']}").status_int == 200
    assert lab.attach(OWNER, "eth2", net["uuid"]).status_int == 202


def test_a_refused_change_fails_alone_in_its_batch(lab: Lab) -> None:
    lab.add_port("eth2", SWITCH, "p9")  # the switch has no p9
    net = lab.network(OWNER)
    bad = lab.attach(OWNER, "eth2", net["uuid"]).json
    good = lab.attach(OWNER, "eth0", net["uuid"]).json
    lab.run()
    assert lab.action(good["uuid"])["status"] == "done"
    refused = lab.action(bad["uuid"])
    assert refused["status"] == "error"
    assert "Invalid interface p9" in refused["message"]
    assert fake.sessions_opened(SWITCH) == 1


def test_many_changes_on_one_switch_use_one_session(lab: Lab) -> None:
    lab.add_switch("leaf-2", {})
    for index in range(10):
        lab.add_port(f"extra{index}", "leaf-2", f"q{index}")
    net = lab.network(OWNER)
    for index in range(10):
        assert lab.attach(OWNER, f"extra{index}",
                          net["uuid"]).status_int == 202
    lab.run()
    assert fake.sessions_opened("leaf-2") == 1
    assert len(fake.port_states("leaf-2")) == 10


def test_a_port_locked_by_another_manager_is_left_for_later(
        lab: Lab) -> None:
    net = lab.network(OWNER)
    action = lab.attach(OWNER, "eth0", net["uuid"]).json
    with coordination.try_lock(f"switch-port-{SWITCH}-p1") as taken:
        assert taken
        lab.run()
        assert lab.action(action["uuid"])["status"] == "pending"
        assert lab.port("p1") == {}
    lab.run()
    assert lab.action(action["uuid"])["status"] == "done"


def test_a_switch_session_slot_in_use_elsewhere_defers_the_switch(
        lab: Lab) -> None:
    net = lab.network(OWNER)
    action = lab.attach(OWNER, "eth0", net["uuid"]).json
    with coordination.try_lock(f"switch-session-{SWITCH}-0") as taken:
        assert taken
        lab.run()
    with db_api.reader() as session:
        status = session.scalar(sa.select(models.NetworkAction.status).where(
            models.NetworkAction.uuid == action["uuid"]))
    assert status == "pending"


def test_attach_by_name_ignores_other_projects_networks(lab: Lab) -> None:
    theirs = lab.network(OTHER, "web")
    mine = lab.network(OWNER, "web")
    res = lab.attach(OWNER, "eth0", "web")
    assert res.status_int == 202, res.text
    assert res.json["network_uuid"] == mine["uuid"] != theirs["uuid"]
    lab.run()
    assert lab.port("p1")["native_vlan"] == mine["vlan"]
    # A network shared with the owner under the same name, tagged on the
    # same port: detaching "web" still means the owner's own network.
    assert lab.client.as_(OTHER).put(
        f"/v1/networks/{theirs['uuid']}/access/{OWNER}").status_int == 204
    assert lab.attach(OWNER, "eth0", theirs["uuid"],
                      "tagged").status_int == 202
    lab.run()
    res = lab.detach(OWNER, "eth0", "web")
    assert res.status_int == 202, res.text
    assert res.json["network_uuid"] == mine["uuid"]


def test_the_next_lessee_sees_none_of_the_previous_tenants_actions(
        lab: Lab) -> None:
    first = lab.lease_to(LESSEE)
    net = lab.network(LESSEE, "secret-net")
    attached = lab.attach(LESSEE, "eth0", net["uuid"])
    assert attached.status_int == 202, attached.text
    lab.run()
    assert lab.client.as_(LESSEE).delete(
        f"/v1/leases/{first}").status_int == 200
    lab.run(4)
    assert lab.admin.get(f"/v1/leases/{first}").json["status"] == "deleted"
    lab.lease_to(OTHER)

    leaked = (LESSEE, net["uuid"])
    for project in (OTHER, OWNER):
        client = lab.client.as_(project)
        listed = client.get("/v1/network_actions").json["network_actions"]
        assert not [a for a in listed if a["project_id"] in leaked
                    or a["network_uuid"] in leaked], project
        by_node = client.get(f"/v1/network_actions?node={lab.node}").json
        assert by_node["network_actions"] == [], project
        res = client.get(f"/v1/network_actions/{attached.json['uuid']}")
        assert res.status_int == 404, project
    own = lab.client.as_(LESSEE).get("/v1/network_actions").json[
        "network_actions"]
    assert attached.json["uuid"] in [a["uuid"] for a in own]
    every = lab.admin.get("/v1/network_actions").json["network_actions"]
    assert attached.json["uuid"] in [a["uuid"] for a in every]
