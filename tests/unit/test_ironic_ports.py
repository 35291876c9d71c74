"""Ironic's ports through the ``ironic_node`` backend, and through the API.

Extends the fake Ironic of :mod:`tests.unit.test_ironic_node` with
``GET /v1/ports`` (``node_uuid`` filter, ``detail``, ``marker``/``limit``
paging with ``next`` links; ``name`` only from microversion 1.88, as in
Ironic).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest

from esi_leap.common import exception
from esi_leap.db import nodes as db_nodes
from esi_leap.drivers import resource_types
from esi_leap.drivers.resource_types import ironic_node
from esi_leap.networking import ports as node_ports
from esi_leap.networking import switches
from tests import helpers
from tests.conftest import ADMIN_PROJECT
from tests.conftest import LESSEE
from tests.conftest import OTHER
from tests.conftest import OWNER
from tests.switch_corpus import UNSAFE_PORTS
from tests.unit.test_ironic_node import NODE
from tests.unit.test_ironic_node import FakeIronic
from tests.unit.test_ironic_node import HttpError
from tests.unit.test_ironic_node import _parse_version
from tests.unit.test_ironic_node import _version

OTHER_NODE = "0d5f2b9e-0000-4000-8000-000000000002"
PORT_QUERY = {"node_uuid", "node", "detail", "fields", "marker", "limit",
              "address"}
#: Ironic's port fields at 1.65 (``name`` came with 1.88).
PORT_DEFAULTS: dict[str, Any] = {
    "address": None, "node_uuid": None, "portgroup_uuid": None,
    "local_link_connection": {}, "pxe_enabled": True,
    "physical_network": None, "internal_info": {}, "extra": {},
    "is_smartnic": False, "name": None,
}


class FakeIronicWithPorts(FakeIronic):
    """The fake Ironic, with ports."""

    def __init__(self) -> None:
        super().__init__()
        self.ports: dict[str, dict[str, Any]] = {}
        self._version: str | None = None

    def add_port(self, uuid: str, node_uuid: str, address: str,
                 **fields: Any) -> dict[str, Any]:
        port = {**PORT_DEFAULTS, "uuid": uuid, "node_uuid": node_uuid,
                "address": address, **fields}
        with self.lock:
            self.ports[uuid] = port
        return port

    def handle(self, method: str, target: str, headers: Any,
               raw: bytes) -> tuple[int, Any, dict[str, str]]:
        self._version = _version(headers)
        return super().handle(method, target, headers, raw)

    def _route(self, method: str, path: str, query: dict[str, str],
               body: Any) -> tuple[int, Any]:
        if path.rstrip("/") == "/v1/ports" and method == "GET":
            return 200, self._port_list(query)
        return super()._route(method, path, query, body)

    def _port_view(self, port: dict[str, Any]) -> dict[str, Any]:
        shown = dict(port)
        if _parse_version(self._version or "1.1") < (1, 88):
            shown.pop("name")
        return shown

    def _port_list(self, query: dict[str, str]) -> dict[str, Any]:
        unknown = set(query) - PORT_QUERY
        if unknown:
            raise HttpError(400, f"Unknown argument: {sorted(unknown)}")
        if "detail" in query and "fields" in query:
            raise HttpError(400, "Can't fetch a subset of fields with "
                                 "'detail' set")
        node = query.get("node_uuid")
        if node is not None and node not in self.nodes:
            raise HttpError(404, f"Node {node} could not be found.")
        matching = [p for p in self.ports.values()
                    if node is None or p["node_uuid"] == node]
        if "marker" in query:
            uuids = [p["uuid"] for p in matching]
            matching = matching[uuids.index(query["marker"]) + 1:]
        limit = min(int(query.get("limit") or self.max_limit),
                    self.max_limit)
        page = matching[:limit]
        if query.get("detail", "").lower() == "true":
            shown = [self._port_view(p) for p in page]
        else:
            shown = [{"uuid": p["uuid"], "address": p["address"]}
                     for p in page]
        answer: dict[str, Any] = {"ports": shown}
        if len(page) == limit:
            args = {**query, "limit": str(limit), "marker": page[-1]["uuid"]}
            answer["next"] = (f"{self.url}/v1/ports?"
                              f"{urllib.parse.urlencode(args)}")
        return answer


def llc(switch_info: str | None = None, switch_id: str | None = None,
        port_id: str | None = None) -> dict[str, str]:
    return {k: v for k, v in (("switch_info", switch_info),
                              ("switch_id", switch_id),
                              ("port_id", port_id)) if v is not None}


@pytest.fixture
def ironic(database: str) -> Iterator[FakeIronicWithPorts]:
    """A running fake Ironic with ports; ``[ironic]`` points at it and the
    database is migrated (for the switch registry)."""
    fake = FakeIronicWithPorts()
    fake.start()
    helpers.override("auth_type", "none", group="ironic")
    helpers.override("endpoint_override", f"{fake.url}/", group="ironic")
    helpers.override("timeout", 5, group="ironic")
    helpers.override("vlan_ranges", ["physnet1:100:199",
                                     "physnet2:200:299"],
                     group="networking")
    helpers.override("quarantine_vlans", ["physnet1:999", "physnet2:998"],
                     group="networking")
    resource_types.reset()
    yield fake
    fake.stop()
    resource_types.reset()


@pytest.fixture
def backend(ironic: FakeIronicWithPorts) -> ironic_node.IronicNodeBackend:
    return ironic_node.IronicNodeBackend()


@pytest.fixture
def cabled(ironic: FakeIronicWithPorts) -> None:
    """NODE (OWNER's, leased to LESSEE) with two ports, OTHER_NODE (OTHER's)
    with one; switches leaf1 (by name) and leaf2 (by MAC)."""
    ironic.add_node(NODE, name="node-1", owner=OWNER, lessee=LESSEE)
    ironic.add_node(OTHER_NODE, name="node-2", owner=OTHER)
    switches.create({"name": "leaf1", "driver": "fake",
                     "physical_network": "physnet2"})
    switches.create({"name": "leaf2", "driver": "fake",
                     "switch_id": "aa:bb:cc:00:00:02"})
    ironic.add_port("11111111-0000-4000-8000-000000000001", NODE,
                    "52:54:00:00:00:01",
                    local_link_connection=llc("leaf1", None, "Ethernet1"))
    ironic.add_port("11111111-0000-4000-8000-000000000002", NODE,
                    "52:54:00:00:00:02", physical_network="physnet1",
                    local_link_connection=llc(
                        "unknown-host", "AA:BB:CC:00:00:02", "Ethernet2"))
    ironic.add_port("11111111-0000-4000-8000-000000000003", OTHER_NODE,
                    "52:54:00:00:00:03",
                    local_link_connection=llc(None, None, "Ethernet3"))


# -- the backend --------------------------------------------------------------

def test_to_port_info_maps_local_link_connection() -> None:
    info = ironic_node.to_port_info({
        "uuid": "p-1", "node_uuid": NODE, "address": "52:54:00:AA:00:01",
        "physical_network": "physnet1",
        "local_link_connection": {"switch_info": "leaf1",
                                  "switch_id": "aa:bb:cc:00:00:01",
                                  "port_id": "Ethernet7"}})
    assert info.uuid == "p-1" and info.node_uuid == NODE
    assert info.name == info.address == "52:54:00:AA:00:01"
    assert (info.switch_info, info.switch_id, info.switch_port) == (
        "leaf1", "aa:bb:cc:00:00:01", "Ethernet7")
    assert info.physical_network == "physnet1"
    assert info.source == "ironic"


def test_to_port_info_without_local_link_connection() -> None:
    info = ironic_node.to_port_info({"uuid": "p-1", "node_uuid": NODE,
                                     "address": "52:54:00:00:00:01",
                                     "local_link_connection": None,
                                     "name": "nic-1"})
    assert info.name == "nic-1"
    assert (info.switch_info, info.switch_id, info.switch_port,
            info.physical_network) == (None, None, None, None)


def test_list_ports_of_a_node(ironic: FakeIronicWithPorts, backend: Any,
                              cabled: None) -> None:
    found = backend.list_ports(NODE)
    assert [p.uuid[-1] for p in found] == ["1", "2"]
    first = found[0]
    assert first.name == first.address == "52:54:00:00:00:01"
    assert (first.switch_info, first.switch_port) == ("leaf1", "Ethernet1")
    [seen] = ironic.api()
    assert seen.path == "/v1/ports"
    assert seen.query == {"detail": "True", "node_uuid": NODE}
    assert seen.version == "1.65"


def test_list_every_port_follows_next_links(ironic: FakeIronicWithPorts,
                                            backend: Any,
                                            cabled: None) -> None:
    ironic.max_limit = 2
    found = backend.list_ports()
    assert [p.uuid[-1] for p in found] == ["1", "2", "3"]
    assert [s.query.get("marker") for s in ironic.api()] == [
        None, "11111111-0000-4000-8000-000000000002"]
    assert all(s.query["detail"] == "True" for s in ironic.api())


def test_names_from_ironic_with_a_newer_microversion(
        ironic: FakeIronicWithPorts, backend: Any) -> None:
    helpers.override("api_version", "1.88", group="ironic")
    ironic.add_node(NODE, owner=OWNER)
    ironic.add_port("p-1", NODE, "52:54:00:00:00:01", name="eno1")
    ironic.add_port("p-2", NODE, "52:54:00:00:00:02")
    assert [p.name for p in backend.list_ports(NODE)] == [
        "eno1", "52:54:00:00:00:02"]


def test_port_lists_are_cached_for_node_cache_ttl(
        ironic: FakeIronicWithPorts, backend: Any, cabled: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    helpers.override("node_cache_ttl", 30, group="ironic")
    clock = helpers.Clock.installed(monkeypatch, ironic_node)
    first = backend.list_ports(NODE)
    assert backend.list_ports(NODE) == first
    assert len(ironic.api()) == 1
    backend.list_ports()  # another list: asked once
    backend.list_ports()
    assert len(ironic.api()) == 2
    clock.advance(31)
    backend.list_ports(NODE)
    assert len(ironic.api()) == 3


def test_ironic_down_is_peer_unavailable(ironic: FakeIronicWithPorts,
                                         backend: Any) -> None:
    ironic.fail_next(503, "conductor gone")
    with pytest.raises(exception.PeerUnavailable, match="conductor gone"):
        backend.list_ports(NODE)


# -- resolved against the switches --------------------------------------------

def test_ports_of_a_deleted_node_say_the_node_is_gone(
        ironic: FakeIronicWithPorts, backend: Any) -> None:
    with pytest.raises(exception.NodeNotFound):
        backend.list_ports("0d5f2b9e-dead-4000-8000-000000000009")


def test_node_ports_resolve_switches_and_physical_networks(
        ironic: FakeIronicWithPorts, backend: Any, cabled: None) -> None:
    helpers.override("default_physical_network", "physnet1",
                     group="networking")
    first, second = node_ports.node_ports(backend, NODE)
    # switch_info names leaf1; the port has no physical network: leaf1's.
    assert (first.switch, first.switch_port, first.physical_network) == (
        "leaf1", "Ethernet1", "physnet2")
    # switch_info names no switch, switch_id is leaf2's MAC (other case);
    # the port's own physical network wins.
    assert (second.switch, second.switch_port, second.physical_network) == (
        "leaf2", "Ethernet2", "physnet1")
    assert first.source == second.source == "ironic"
    [third] = node_ports.node_ports(backend, OTHER_NODE)
    # No switch known; the default physical network.
    assert (third.switch, third.physical_network) == (None, "physnet1")


def test_find_port_by_uuid_name_or_mac(ironic: FakeIronicWithPorts,
                                       backend: Any, cabled: None) -> None:
    uuid = "11111111-0000-4000-8000-000000000002"
    for ident in (uuid, "52:54:00:00:00:02", "52:54:00:00:00:02".upper()):
        assert node_ports.find_port(backend, NODE, ident).uuid == uuid
    with pytest.raises(exception.PortNotFound):
        node_ports.find_port(backend, NODE,
                             "11111111-0000-4000-8000-000000000003")


# -- through the API (default resource type ironic_node) ----------------------

@pytest.fixture
def api(ironic: FakeIronicWithPorts, cabled: None,
        client: helpers.ApiClient) -> helpers.ApiClient:
    helpers.override("default_resource_type", "ironic_node", group="api")
    return client


def uuids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [p["uuid"][-1] for p in response.json["ports"]]


def test_admin_lists_every_ironic_port(api: helpers.ApiClient) -> None:
    admin = api.as_(ADMIN_PROJECT, "admin")
    response = admin.get("/v1/ports")
    assert uuids(response) == ["1", "2", "3"]
    first = response.json["ports"][0]
    assert first == {
        "uuid": "11111111-0000-4000-8000-000000000001", "node_uuid": NODE,
        "name": "52:54:00:00:00:01", "address": "52:54:00:00:00:01",
        "switch": "leaf1", "switch_port": "Ethernet1",
        "physical_network": "physnet2", "source": "ironic", "networks": [],
        "pending_action": None, "refused": None}
    shown = admin.get("/v1/ports/11111111-0000-4000-8000-000000000003")
    assert shown.status_code == 200, shown.text
    assert (shown.json["node_uuid"], shown.json["switch"],
            shown.json["switch_port"]) == (OTHER_NODE, None, "Ethernet3")


def test_owner_and_lessee_see_their_node_only(api: helpers.ApiClient,
                                              ironic: FakeIronicWithPorts
                                              ) -> None:
    for project in (OWNER, LESSEE):
        response = api.as_(project, "reader").get("/v1/ports")
        assert uuids(response) == ["1", "2"]
        assert all(p["switch"] is None and p["switch_port"] is None
                   for p in response.json["ports"])
    assert uuids(api.as_(OTHER).get("/v1/ports")) == ["3"]
    # Non-admins' lists ask Ironic for their nodes' ports only.
    asked = {s.query.get("node_uuid") for s in ironic.api()
             if s.path == "/v1/ports"}
    assert None not in asked


def test_node_ports_and_show_are_hidden_from_others(api: helpers.ApiClient
                                                    ) -> None:
    assert uuids(api.as_(OWNER).get("/v1/nodes/node-1/ports")) == ["1", "2"]
    assert uuids(api.as_(LESSEE).get(f"/v1/ports?node={NODE}")) == ["1", "2"]
    assert api.as_(OTHER).get("/v1/nodes/node-1/ports").status_code == 404
    assert api.as_(OTHER).get(f"/v1/ports?node={NODE}").status_code == 404
    port = "/v1/ports/11111111-0000-4000-8000-000000000001"
    assert api.as_(LESSEE, "reader").get(port).status_code == 200
    response = api.as_(OTHER).get(port)
    assert response.status_code == 404
    assert "11111111-0000-4000-8000-000000000001" in (
        response.json["faultstring"])


def test_ironic_ports_cannot_be_registered_or_deleted(
        api: helpers.ApiClient) -> None:
    admin = api.as_(ADMIN_PROJECT, "admin")
    response = admin.post("/v1/ports", {
        "node": "node-1", "name": "eth9", "switch": "leaf1",
        "switch_port": "Ethernet9"})
    assert response.status_code == 400
    assert "Ironic" in response.json["faultstring"]
    response = admin.delete("/v1/ports/11111111-0000-4000-8000-000000000001")
    assert response.status_code == 400
    assert "ironic" in response.json["faultstring"]


def test_ironic_down_is_a_clear_503(api: helpers.ApiClient,
                                    ironic: FakeIronicWithPorts) -> None:
    ironic.fail_next(500, "database is locked")
    response = api.as_(ADMIN_PROJECT, "admin").get("/v1/ports")
    assert response.status_code == 503
    assert "Ironic" in response.json["faultstring"]


def test_standalone_ports_work_while_ironic_is_down(
        api: helpers.ApiClient, ironic: FakeIronicWithPorts) -> None:
    db_nodes.node_create({"uuid": "33333333-0000-4000-8000-000000000001",
                          "name": "box-1", "owner_id": OWNER})
    ironic.fail_next(503, "conductor gone")
    admin = api.as_(ADMIN_PROJECT, "admin")
    response = admin.post("/v1/ports", {"node": "box-1", "name": "eth0",
                                        "switch": "leaf1",
                                        "switch_port": "Ethernet5"})
    assert response.status_code == 201, response.text
    assert response.json["source"] == "esi-leap"
    owner = api.as_(OWNER)
    shown = owner.get("/v1/nodes/box-1/ports")
    assert [p["name"] for p in shown.json["ports"]] == ["eth0"]
    # Ironic might have node-1: not "not found", but Ironic's outage.
    response = owner.get("/v1/nodes/node-1/ports")
    assert response.status_code == 503
    assert "Ironic" in response.json["faultstring"]


# -- switch values from local_link_connection (issue 14) ----------------------

def _port_with(port_id: Any = "Ethernet1", switch_info: Any = "leaf1",
               switch_id: Any = None) -> dict[str, Any]:
    link = {k: v for k, v in (("port_id", port_id),
                              ("switch_info", switch_info),
                              ("switch_id", switch_id)) if v is not None}
    return {"uuid": "p-1", "node_uuid": NODE, "address": "52:54:00:00:00:09",
            "local_link_connection": link}


@pytest.mark.parametrize("value", [pytest.param(v, id=n)
                                   for n, v in UNSAFE_PORTS if v])
def test_unsafe_port_id_gives_a_refused_port(
        value: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("WARNING")
    info = ironic_node.to_port_info(_port_with(value))
    assert info.refused and "port_id" in info.refused
    # Nothing of the link is kept: nothing of it can reach a switch.
    assert (info.switch_info, info.switch_id, info.switch_port) == (
        None, None, None)
    logged = [r.getMessage() for r in caplog.records
              if "is refused" in r.getMessage()]
    assert len(logged) == 1
    assert logged[0].isascii() and logged[0].isprintable()
    if value:
        assert value not in logged[0] or value.isascii() and \
            value.isprintable()


@pytest.mark.parametrize(("fields", "word"), [
    ({"switch_info": "leaf1\ninterface Fa0/2"}, "switch_info"),
    ({"switch_info": None, "switch_id": "aa:bb;reload"}, "switch_id"),
    ({"port_id": ["Ethernet1"]}, "port_id"),
])
def test_unsafe_switch_info_or_id_gives_a_refused_port(
        fields: dict[str, Any], word: str) -> None:
    info = ironic_node.to_port_info(_port_with(**fields))
    assert info.refused and word in info.refused
    assert info.switch_port is None


def test_refused_port_is_logged_once(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("WARNING")
    for _ in range(3):
        ironic_node.to_port_info({**_port_with("Fa0/1;x"), "uuid": "p-9"})
    assert len([r for r in caplog.records
                if "is refused" in r.getMessage()]) == 1


def test_device_type_pattern_refuses_at_resolution(
        ironic: FakeIronicWithPorts, backend: Any) -> None:
    ironic.add_node(NODE, owner=OWNER)
    switches.create({"name": "ovs1", "driver": "generic_switch",
                     "device_type": "netmiko_ovs_linux"})
    ironic.add_port("p-1", NODE, "52:54:00:00:00:01",
                    local_link_connection=llc("ovs1", None, "Ethernet1/1"))
    [port] = node_ports.node_ports(backend, NODE)
    assert port.switch == "ovs1" and port.switch_port is None
    assert port.refused and "netmiko_ovs_linux" in port.refused


def _attach(api: helpers.ApiClient, node: str, port: str,
            project: str = LESSEE) -> Any:
    caller = api.as_(project)
    if caller.get("/v1/networks/net-a").status_code == 404:
        created = caller.post("/v1/networks", {
            "name": "net-a", "physical_network": "physnet2"})
        assert created.status_code == 201, created.text
    return caller.post(f"/v1/nodes/{node}/ports/{port}/networks",
                       {"network": "net-a"})


def test_refused_port_is_shown_and_cannot_be_attached(
        api: helpers.ApiClient, ironic: FakeIronicWithPorts) -> None:
    helpers.override("node_cache_ttl", 0, group="ironic")
    uuid = "11111111-0000-4000-8000-000000000001"
    ironic.ports[uuid]["local_link_connection"] = llc(
        "leaf1", None, "FastEthernet0/1\ninterface FastEthernet0/2")
    admin = api.as_(ADMIN_PROJECT, "admin")
    shown = admin.get(f"/v1/ports/{uuid}").json
    assert "port_id" in shown["refused"] and shown["switch_port"] is None
    lessee_view = api.as_(LESSEE).get(f"/v1/ports/{uuid}").json
    assert "ask an administrator" in lessee_view["refused"]
    response = _attach(api, "node-1", uuid)
    assert response.status_code == 409, response.text
    assert "refused" in response.json["faultstring"]
    assert admin.get("/v1/network_actions").json["network_actions"] == []


def test_second_binding_of_a_switch_port_is_refused(
        api: helpers.ApiClient, ironic: FakeIronicWithPorts,
        caplog: pytest.LogCaptureFixture) -> None:
    """node-2's owner points its port at node-1's switch port: neither
    can be attached (no evidence tells them apart), the clash is logged
    CRITICAL, and registering a port on it is 409."""
    helpers.override("node_cache_ttl", 0, group="ironic")
    ironic.ports["11111111-0000-4000-8000-000000000003"][
        "local_link_connection"] = llc("leaf1", None, "Ethernet1")
    admin = api.as_(ADMIN_PROJECT, "admin")
    listed = {p["uuid"][-1]: p for p in admin.get("/v1/ports").json["ports"]}
    assert "bound to another node port" in listed["3"]["refused"]
    assert "bound to another node port" in listed["1"]["refused"]
    assert listed["2"]["refused"] is None
    assert any(r.levelname == "CRITICAL" and "Ethernet1" in r.getMessage()
               for r in caplog.records)
    response = _attach(api, "node-1", "11111111-0000-4000-8000-000000000001")
    assert response.status_code == 409
    db_nodes.node_create({"uuid": "33333333-0000-4000-8000-000000000001",
                          "name": "box-1", "owner_id": OWNER})
    response = admin.post("/v1/ports", {"node": "box-1", "name": "eth0",
                                        "switch": "leaf1",
                                        "switch_port": "Ethernet1"})
    assert response.status_code == 409
    assert "already bound" in response.json["faultstring"]


def test_the_port_that_was_attached_first_keeps_its_switch_port(
        api: helpers.ApiClient, ironic: FakeIronicWithPorts) -> None:
    helpers.override("node_cache_ttl", 0, group="ironic")
    first = "11111111-0000-4000-8000-000000000001"
    response = _attach(api, "node-1", first)
    assert response.status_code == 202, response.text
    ironic.ports["11111111-0000-4000-8000-000000000003"][
        "local_link_connection"] = llc("leaf1", None, "Ethernet1")
    admin = api.as_(ADMIN_PROJECT, "admin")
    listed = {p["uuid"][-1]: p for p in admin.get("/v1/ports").json["ports"]}
    assert listed["1"]["refused"] is None
    assert "bound to another" in listed["3"]["refused"]
    response = _attach(api, "node-2",
                       "11111111-0000-4000-8000-000000000003", OTHER)
    assert response.status_code == 409, response.text
    assert "refused" in response.json["faultstring"]


def test_a_double_binding_is_a_critical_finding(
        api: helpers.ApiClient, ironic: FakeIronicWithPorts) -> None:
    from esi_leap.audit import runner
    helpers.override("node_cache_ttl", 0, group="ironic")
    ironic.ports["11111111-0000-4000-8000-000000000003"][
        "local_link_connection"] = llc("leaf1", None, "Ethernet1")
    admin = api.as_(ADMIN_PROJECT, "admin")
    started = admin.post("/v1/audits", {})
    assert started.status_code == 202, started.text
    assert runner.run_pending("test-manager") == started.json["uuid"]
    found = admin.get("/v1/findings?kind=double_binding").json["findings"]
    assert len(found) == 1, found
    [finding] = found
    assert finding["severity"] == "critical"
    assert (finding["switch"], finding["switch_port"]) == ("leaf1",
                                                           "Ethernet1")
    assert "11111111-0000-4000-8000-000000000001" in finding["message"]
    assert "11111111-0000-4000-8000-000000000003" in finding["message"]
    plan = admin.get(f"/v1/audits/{started.json['uuid']}/remediation")
    assert plan.status_code == 200, plan.text
    assert all(c["switch_port"] != "Ethernet1" for c in plan.json["changes"])
    assert any(s["switch_port"] == "Ethernet1" and "several node ports"
               in s["reason"] for s in plan.json["skipped"])
    # Fixed in Ironic: the next audit resolves it.
    ironic.ports["11111111-0000-4000-8000-000000000003"][
        "local_link_connection"] = llc("leaf1", None, "Ethernet3")
    again = admin.post("/v1/audits", {})
    assert runner.run_pending("test-manager") == again.json["uuid"]
    assert admin.get("/v1/findings?kind=double_binding&status=open").json[
        "findings"] == []


def test_release_leaves_a_refused_switch_port_alone(
        api: helpers.ApiClient, ironic: FakeIronicWithPorts,
        backend: Any) -> None:
    """Quarantine (node release) takes only the ports esi-leap may
    drive: node-2's port naming node-1's switch port is left out; with
    Ironic down the check falls back to the ports it can read."""
    helpers.override("node_cache_ttl", 0, group="ironic")
    ironic.ports["11111111-0000-4000-8000-000000000003"][
        "local_link_connection"] = llc("leaf1", None, "Ethernet1")
    [other] = node_ports.node_ports(backend, OTHER_NODE)
    assert other.switch_port == "Ethernet1" and other.refused is None
    assert node_ports.usable([other]) == []
    with pytest.raises(exception.Conflict, match="bound to another"):
        node_ports.check_usable(other)
    ironic.fail_next(503, "conductor gone")
    assert node_ports.usable([other]) == [other]


def test_a_registered_port_keeps_its_switch_port(
        api: helpers.ApiClient, ironic: FakeIronicWithPorts) -> None:
    """Without attachments on either, a port registered through esi-leap
    holds the switch port an Ironic port also names."""
    helpers.override("node_cache_ttl", 0, group="ironic")
    db_nodes.node_create({"uuid": "33333333-0000-4000-8000-000000000001",
                          "name": "box-1", "owner_id": OWNER})
    admin = api.as_(ADMIN_PROJECT, "admin")
    registered = admin.post("/v1/ports", {"node": "box-1", "name": "eth0",
                                          "switch": "leaf1",
                                          "switch_port": "Ethernet7"})
    assert registered.status_code == 201, registered.text
    ironic.ports["11111111-0000-4000-8000-000000000003"][
        "local_link_connection"] = llc("leaf1", None, "Ethernet7")
    listed = {p["uuid"]: p for p in admin.get("/v1/ports").json["ports"]}
    assert listed[registered.json["uuid"]]["refused"] is None
    assert "bound to another" in listed[
        "11111111-0000-4000-8000-000000000003"]["refused"]
