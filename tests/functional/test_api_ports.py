"""``/v1/ports`` and ``/v1/nodes/{node}/ports`` for standalone nodes, on
the real app and database (noauth).

Admins register and delete ports; a caller sees the ports of the nodes it
may see (owner and lessee projects) and gets 404 for the others; only
admins see where a port is cabled. Ironic's ports: tests/unit/
test_ironic_ports.py.
"""

import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from esi_leap.conf import CONF
from esi_leap.db import api as db_api
from esi_leap.db import leases as db_leases
from esi_leap.db import models
from esi_leap.db import nodes as db_nodes
from esi_leap.manager import service
from tests import helpers
from tests.conftest import ADMIN_PROJECT
from tests.conftest import LESSEE
from tests.conftest import OTHER
from tests.conftest import OWNER
from tests.switch_corpus import UNSAFE_PORTS

PATH = "/v1/ports"
OTHER_NODE = "22222222-2222-3333-4444-555555555555"
VIEW_KEYS = {"uuid", "node_uuid", "name", "address", "switch",
             "switch_port", "physical_network", "source", "networks",
             "pending_action", "refused"}


@pytest.fixture
def admin(client: helpers.ApiClient, node: str) -> helpers.ApiClient:
    """An admin client; physnet1 and physnet2; switch leaf1 (physnet1);
    ``node`` (OWNER's) and node-2 (OTHER's)."""
    helpers.override("vlan_ranges", ["physnet1:100:199", "physnet2:200:299"],
                     group="networking")
    helpers.override("quarantine_vlans", ["physnet1:999", "physnet2:998"],
                     group="networking")
    admin = client.as_(ADMIN_PROJECT, "admin")
    response = admin.post("/v1/switches", {
        "name": "leaf1", "driver": "fake", "physical_network": "physnet1"})
    assert response.status_code == 201, response.text
    db_nodes.node_create({"uuid": OTHER_NODE, "name": "node-2",
                          "owner_id": OTHER})
    return admin


def register(admin: helpers.ApiClient, **fields: Any) -> dict[str, Any]:
    body = {"node": "node-1", "name": "eth0", "switch": "leaf1",
            "switch_port": "Ethernet1", **fields}
    response = admin.post(PATH, body)
    assert response.status_code == 201, response.text
    return dict(response.json)


def port_rows() -> list[models.Port]:
    with db_api.reader() as session:
        return list(session.scalars(sa.select(models.Port)))


def names(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [p["name"] for p in response.json["ports"]]


# -- register -----------------------------------------------------------------

def test_register_a_port(admin: helpers.ApiClient, node: str) -> None:
    body = register(admin, address="52:54:00:AB:CD:EF")
    assert set(body) == VIEW_KEYS
    assert body["node_uuid"] == node and body["name"] == "eth0"
    assert body["address"] == "52:54:00:ab:cd:ef"
    assert (body["switch"], body["switch_port"]) == ("leaf1", "Ethernet1")
    # No physical network of its own: the switch's.
    assert body["physical_network"] == "physnet1"
    assert body["source"] == "esi-leap"
    assert body["networks"] == [] and body["pending_action"] is None
    [row] = port_rows()
    assert row.uuid == body["uuid"] and row.physical_network is None
    assert admin.get(f"{PATH}/{body['uuid']}").json == body


def test_register_by_node_uuid_switch_uuid_and_own_physnet(
        admin: helpers.ApiClient, node: str) -> None:
    switch = admin.get("/v1/switches/leaf1").json
    body = register(admin, node=node, switch=switch["uuid"],
                    physical_network="physnet2")
    assert body["switch"] == "leaf1"
    assert body["physical_network"] == "physnet2"


def test_register_on_a_configured_switch(admin: helpers.ApiClient,
                                         tmp_path: Path) -> None:
    conf = tmp_path / "esi-leap.conf"
    conf.write_text("[switch:cfg1]\ndriver = fake\n")
    CONF(["--config-file", str(conf)], project="esi-leap",
         default_config_files=[])
    body = register(admin, switch="cfg1")
    assert body["switch"] == "cfg1"
    # Neither the port nor the switch names one; none is the default as
    # two physical networks are configured.
    assert body["physical_network"] is None
    helpers.override("default_physical_network", "physnet2",
                     group="networking")
    assert admin.get(f"{PATH}/{body['uuid']}").json["physical_network"] == (
        "physnet2")


@pytest.mark.parametrize(("fields", "status", "words"), [
    ({"switch": "nope"}, 400, "switch nope is not registered"),
    ({"node": "no-such-node"}, 404, "no-such-node"),
    ({"address": "52:54:00"}, 400, "address must be a MAC"),
    ({"physical_network": "physnet9"}, 400, "physnet9"),
    ({"name": ""}, 400, "name"),
    ({"switch_port": None}, 400, "switch_port"),
    ({"bogus": 1}, 400, "bogus"),
])
def test_bad_registration_stores_nothing(admin: helpers.ApiClient,
                                         fields: dict[str, Any],
                                         status: int, words: str) -> None:
    body = {"node": "node-1", "name": "eth0", "switch": "leaf1",
            "switch_port": "Ethernet1", **fields}
    response = admin.post(PATH, body)
    assert response.status_code == status, response.text
    assert words in response.json["faultstring"]
    assert port_rows() == []


def test_missing_fields_are_400(admin: helpers.ApiClient) -> None:
    for missing in ("node", "name", "switch", "switch_port"):
        body = {"node": "node-1", "name": "eth0", "switch": "leaf1",
                "switch_port": "Ethernet1"}
        del body[missing]
        response = admin.post(PATH, body)
        assert response.status_code == 400
        assert missing in response.json["faultstring"]
    assert port_rows() == []


def test_duplicates_are_409(admin: helpers.ApiClient) -> None:
    first = register(admin)
    same_name = admin.post(PATH, {"node": "node-1", "name": "eth0",
                                  "switch": "leaf1",
                                  "switch_port": "Ethernet2"})
    assert same_name.status_code == 409
    assert first["uuid"] in same_name.json["faultstring"]
    same_cable = admin.post(PATH, {"node": "node-2", "name": "eth0",
                                   "switch": "leaf1",
                                   "switch_port": "Ethernet1"})
    assert same_cable.status_code == 409
    assert "Ethernet1" in same_cable.json["faultstring"]
    assert len(port_rows()) == 1
    # Another node may have a port of the same name on another cable.
    register(admin, node="node-2", switch_port="Ethernet2")


@pytest.mark.parametrize(("project", "roles"), [
    (OWNER, "member"), (OWNER, "owner"), (LESSEE, "member"),
    (OTHER, "member")])
def test_only_admins_register(client: helpers.ApiClient,
                              admin: helpers.ApiClient, project: str,
                              roles: str) -> None:
    response = client.as_(project, roles).post(PATH, {
        "node": "node-1", "name": "eth0", "switch": "leaf1",
        "switch_port": "Ethernet1"})
    assert response.status_code == 403
    assert port_rows() == []


# -- who sees what ------------------------------------------------------------

@pytest.fixture
def cabled(admin: helpers.ApiClient) -> dict[str, dict[str, Any]]:
    """eth0 and eth1 of node-1 (OWNER's), eth0 of node-2 (OTHER's)."""
    return {"a": register(admin),
            "b": register(admin, name="eth1", switch_port="Ethernet2"),
            "c": register(admin, node="node-2",
                          switch_port="Ethernet3")}


def test_lists_by_caller(client: helpers.ApiClient, admin: helpers.ApiClient,
                         cabled: dict[str, Any], node: str) -> None:
    assert sorted(names(admin.get(PATH))) == ["eth0", "eth0", "eth1"]
    owner = client.as_(OWNER, "reader").get(PATH)
    assert {p["uuid"] for p in owner.json["ports"]} == {
        cabled["a"]["uuid"], cabled["b"]["uuid"]}
    assert all(p["switch"] is None and p["switch_port"] is None
               for p in owner.json["ports"])
    assert all(p["physical_network"] == "physnet1"
               for p in owner.json["ports"])
    other = client.as_(OTHER).get(PATH)
    assert [p["uuid"] for p in other.json["ports"]] == [cabled["c"]["uuid"]]
    assert names(client.as_(LESSEE).get(PATH)) == []


def test_node_filter_and_node_ports(client: helpers.ApiClient,
                                    admin: helpers.ApiClient,
                                    cabled: dict[str, Any],
                                    node: str) -> None:
    owner = client.as_(OWNER)
    for path in (f"{PATH}?node=node-1", f"{PATH}?node={node}",
                 "/v1/nodes/node-1/ports", f"/v1/nodes/{node}/ports"):
        assert names(owner.get(path)) == ["eth0", "eth1"], path
        assert names(admin.get(path)) == ["eth0", "eth1"], path
        response = client.as_(OTHER).get(path)
        assert response.status_code == 404, path
        assert "node" in response.json["faultstring"].lower()
    assert admin.get("/v1/nodes/nope/ports").status_code == 404


def test_show_by_caller(client: helpers.ApiClient, admin: helpers.ApiClient,
                        cabled: dict[str, Any]) -> None:
    path = f"{PATH}/{cabled['a']['uuid']}"
    assert admin.get(path).json["switch_port"] == "Ethernet1"
    shown = client.as_(OWNER, "reader").get(path)
    assert shown.status_code == 200
    assert shown.json["switch"] is None and shown.json["name"] == "eth0"
    for caller in (client.as_(OTHER), client.as_(LESSEE)):
        response = caller.get(path)
        assert response.status_code == 404
        assert cabled["a"]["uuid"] in response.json["faultstring"]
    assert admin.get(f"{PATH}/{uuid.uuid4()}").status_code == 404


def test_the_lessee_sees_the_ports_of_a_leased_node(
        client: helpers.ApiClient, cabled: dict[str, Any],
        node: str) -> None:
    lease = client.as_(OWNER).post("/v1/leases", {
        "resource_uuid": node, "project_id": LESSEE}).json
    service.Manager(host="test").reconcile()
    active = db_leases.lease_get(lease["uuid"])
    assert active is not None and active.status == "active"
    for roles in ("member", "reader", "esi_leap_lessee"):
        lessee = client.as_(LESSEE, roles)
        assert names(lessee.get(PATH)) == ["eth0", "eth1"]
        assert names(lessee.get("/v1/nodes/node-1/ports")) == [
            "eth0", "eth1"]
        assert lessee.get(f"{PATH}/{cabled['a']['uuid']}").status_code == 200
        assert lessee.delete(f"{PATH}/{cabled['a']['uuid']}"
                             ).status_code == 403
    assert len(port_rows()) == 3


def test_no_credentials_is_401(client: helpers.ApiClient) -> None:
    assert client.get(PATH).status_code == 401


def test_paging(admin: helpers.ApiClient, cabled: dict[str, Any]) -> None:
    first = admin.get(f"{PATH}?limit=2&sort_key=name")
    assert names(first) == ["eth0", "eth0"]
    rest = admin.get(first.json["next"].replace("http://localhost", ""))
    assert names(rest) == ["eth1"] and "next" not in rest.json
    assert admin.get(f"{PATH}?sort_key=switch").status_code == 400
    assert admin.get(f"{PATH}?owner=x").status_code == 400


# -- networks and actions on a port -------------------------------------------

def attach(port: dict[str, Any], vlan: int, mode: str) -> str:
    """Store a network on ``port`` as the manager would; its uuid."""
    with db_api.writer() as session:
        network = models.Network(uuid=str(uuid.uuid4()), name=f"net{vlan}",
                                 project_id=LESSEE,
                                 physical_network="physnet1", vlan=vlan)
        session.add(network)
        session.flush()
        session.add(models.PortAttachment(
            uuid=str(uuid.uuid4()), network_id=network.id,
            node_uuid=port["node_uuid"], port_uuid=port["uuid"],
            switch="leaf1", switch_port=port["switch_port"], mode=mode,
            project_id=LESSEE))
        return network.uuid


def pending(port: dict[str, Any], status: str = "pending") -> str:
    action = str(uuid.uuid4())
    with db_api.writer() as session:
        session.add(models.NetworkAction(
            uuid=action, kind="attach", status=status,
            node_uuid=port["node_uuid"], port_uuid=port["uuid"],
            switch="leaf1", switch_port=port["switch_port"],
            physical_network="physnet1",
            active_port=(f"leaf1/{port['switch_port']}"
                         if status in ("pending", "running") else None)))
    return action


def test_view_shows_networks_and_pending_action(
        client: helpers.ApiClient, admin: helpers.ApiClient,
        cabled: dict[str, Any]) -> None:
    port = cabled["a"]
    tagged = attach(port, 101, "tagged")
    native = attach(port, 100, "native")
    pending(port, "done")
    action = pending(port)
    for caller in (admin, client.as_(OWNER)):
        body = caller.get(f"{PATH}/{port['uuid']}").json
        assert body["networks"] == [
            {"network_uuid": native, "network_name": "net100", "vlan": 100,
             "mode": "native"},
            {"network_uuid": tagged, "network_name": "net101", "vlan": 101,
             "mode": "tagged"}]
        assert body["pending_action"] == action
    listed = {p["uuid"]: p for p in admin.get(PATH).json["ports"]}
    assert len(listed[port["uuid"]]["networks"]) == 2
    assert listed[cabled["b"]["uuid"]]["networks"] == []
    assert listed[cabled["b"]["uuid"]]["pending_action"] is None


# -- delete -------------------------------------------------------------------

def test_delete(client: helpers.ApiClient, admin: helpers.ApiClient,
                cabled: dict[str, Any]) -> None:
    path = f"{PATH}/{cabled['a']['uuid']}"
    assert client.as_(OWNER).delete(path).status_code == 403
    assert client.as_(OTHER).delete(path).status_code == 404
    assert len(port_rows()) == 3
    response = admin.delete(path)
    assert response.status_code == 204
    assert admin.get(path).status_code == 404
    assert admin.delete(path).status_code == 404
    assert len(port_rows()) == 2


def test_delete_refused_while_attached_or_an_action_is_pending(
        admin: helpers.ApiClient, cabled: dict[str, Any]) -> None:
    port = cabled["a"]
    attach(port, 100, "native")
    response = admin.delete(f"{PATH}/{port['uuid']}")
    assert response.status_code == 409
    assert "net100" in response.json["faultstring"]
    action = pending(cabled["b"])
    response = admin.delete(f"{PATH}/{cabled['b']['uuid']}")
    assert response.status_code == 409
    assert action in response.json["faultstring"]
    assert len(port_rows()) == 3


def test_ports_of_a_deleted_node_are_admin_only(client: helpers.ApiClient,
                                                admin: helpers.ApiClient,
                                                cabled: dict[str, Any]
                                                ) -> None:
    db_nodes.node_delete(OTHER_NODE)
    path = f"{PATH}/{cabled['c']['uuid']}"
    assert client.as_(OTHER).get(path).status_code == 404
    assert admin.get(path).status_code == 200
    assert admin.delete(path).status_code == 204


@helpers.ALL_BACKENDS
def test_register_and_delete_on_every_database(
        admin: helpers.ApiClient) -> None:
    first = register(admin)
    again = admin.post(PATH, {"node": "node-2", "name": "x",
                              "switch": "leaf1", "switch_port": "Ethernet1"})
    assert again.status_code == 409
    assert admin.delete("/v1/switches/leaf1").status_code == 409
    assert admin.delete(f"{PATH}/{first['uuid']}").status_code == 204
    assert admin.delete("/v1/switches/leaf1").status_code == 204
    gone = admin.post(PATH, {"node": "node-1", "name": "eth0",
                             "switch": "leaf1", "switch_port": "Ethernet1"})
    assert gone.status_code == 400
    assert port_rows() == []


# -- switch port names reach a switch's command line (issue 14) -------------

def test_unsafe_switch_ports_are_400_and_store_nothing(
        admin: helpers.ApiClient) -> None:
    """Each value of the corpus (one app and database for all: fast)."""
    for name, value in UNSAFE_PORTS:
        response = admin.post(PATH, {"node": "node-1", "name": "eth0",
                                     "switch": "leaf1",
                                     "switch_port": value})
        assert response.status_code == 400, (name, response.text)
        fault = response.json["faultstring"]
        if "\0" in value:  # no body with a NUL gets past the parser
            assert "NUL character" in fault, (name, fault)
        elif value:  # "" fails the schema's minLength first
            assert "switch port" in fault and "is not allowed" in fault, \
                (name, fault)
        assert fault.isascii() and fault.isprintable(), name
    assert port_rows() == []


def test_the_device_type_pattern_applies(admin: helpers.ApiClient) -> None:
    response = admin.post("/v1/switches", {
        "name": "ovs1", "driver": "generic_switch",
        "device_type": "netmiko_ovs_linux"})
    assert response.status_code == 201, response.text
    response = admin.post(PATH, {"node": "node-1", "name": "eth0",
                                 "switch": "ovs1",
                                 "switch_port": "Ethernet1/1"})
    assert response.status_code == 400
    assert "netmiko_ovs_linux" in response.json["faultstring"]
    register(admin, switch="ovs1", switch_port="veth-n1")


def test_a_stored_secret_connection_option_is_masked(
        admin: helpers.ApiClient) -> None:
    with db_api.writer() as session:
        session.execute(sa.update(models.Switch).where(
            models.Switch.name == "leaf1").values(
                connection={"ip": "192.0.2.1", "passwd": "old-pw",
                            "key_passphrase": "old-kp"}))
    shown = admin.get("/v1/switches/leaf1")
    assert shown.status_code == 200, shown.text
    assert shown.json["connection"] == {
        "ip": "192.0.2.1", "passwd": "******", "key_passphrase": "******"}
    response = admin.patch("/v1/switches/leaf1",
                           {"connection": {"passwd": "x"}})
    assert response.status_code == 400
    assert "write-only" in response.json["faultstring"]
