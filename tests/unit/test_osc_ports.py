"""``openstack esi port ...``: create, list, and finding a port by UUID,
name or MAC address."""

from __future__ import annotations

import copy

import pytest

from esi_leap.osc.v1 import ports
from tests.unit.osc_fakes import PORT
from tests.unit.osc_fakes import FakeApi
from tests.unit.osc_fakes import fault
from tests.unit.osc_fakes import run_command
from tests.unit.osc_fakes import run_failing

OTHER_NODE = "99999999-2222-3333-4444-555555555555"
TWIN = dict(copy.deepcopy(PORT), uuid="8d2f4a80-5b1e-4c1b-9b8d-af506c7d8e04",
            node_uuid=OTHER_NODE, address="52:54:00:aa:bb:cc", networks=[])


@pytest.fixture
def api() -> FakeApi:
    fake = FakeApi()
    fake.add("POST", "/v1/ports", (201, PORT))

    def listing(rec: object) -> tuple[int, object]:
        node = rec.params.get("node")  # type: ignore[attr-defined]
        found = [p for p in (PORT, TWIN)
                 if node in (None, p["node_uuid"], "demo-node-1")
                 and (node != "demo-node-1" or p is PORT)]
        return 200, {"ports": found}

    fake.add("GET", "/v1/ports", listing)
    fake.add("GET", f"/v1/ports/{PORT['uuid']}", (200, PORT))
    fake.add("DELETE", f"/v1/ports/{PORT['uuid']}", (204, ""))
    return fake


def test_create(api: FakeApi) -> None:
    result = run_command(ports.CreatePort, [
        "eth0", "--node", "demo-node-1", "--switch", "sw1", "--switch-port",
        "p1", "--address", "52:54:00:12:34:56", "--physical-network",
        "physnet1", "-f", "json"], api)
    assert api.last().body == {
        "node": "demo-node-1", "name": "eth0", "switch": "sw1",
        "switch_port": "p1", "address": "52:54:00:12:34:56",
        "physical_network": "physnet1"}
    assert result.json() == PORT


def test_create_minimal(api: FakeApi) -> None:
    run_command(ports.CreatePort, ["eth0", "--node", "n", "--switch", "sw1",
                                   "--switch-port", "p1"], api)
    assert api.last().body == {"node": "n", "name": "eth0", "switch": "sw1",
                               "switch_port": "p1"}


@pytest.mark.parametrize("missing", ["--node", "--switch", "--switch-port"])
def test_create_requires(api: FakeApi, missing: str) -> None:
    argv = ["eth0"]
    for option in ("--node", "--switch", "--switch-port"):
        if option != missing:
            argv += [option, "x"]
    with pytest.raises(SystemExit):
        run_command(ports.CreatePort, argv, api)
    assert api.received == []


def test_create_on_ironic_node_refused(api: FakeApi) -> None:
    api.add("POST", "/v1/ports",
            fault(409, "Ports of ironic_node nodes come from Ironic"))
    error, _ = run_failing(ports.CreatePort, [
        "eth0", "--node", "n", "--switch", "s", "--switch-port", "p"], api)
    assert str(error) == ("Failed to create port eth0 on node n: Ports of "
                          "ironic_node nodes come from Ironic (HTTP 409)")


def test_list(api: FakeApi) -> None:
    rows = run_command(ports.ListPort, ["--node", "demo-node-1", "-f",
                                        "json"], api).json()
    assert api.last().params == {"node": "demo-node-1"}
    assert rows == [{"UUID": PORT["uuid"], "Name": "eth0",
                     "Node UUID": PORT["node_uuid"],
                     "Address": "52:54:00:12:34:56", "Switch": "sw1",
                     "Switch Port": "p1", "Networks": PORT["networks"]}]


def test_list_long_and_table(api: FakeApi) -> None:
    rows = run_command(ports.ListPort, ["--long", "-f", "json"], api).json()
    assert api.last().params == {}
    assert [r["UUID"] for r in rows] == [PORT["uuid"], TWIN["uuid"]]
    assert rows[0]["Source"] == "esi-leap"
    assert rows[0]["Pending Action"] is None
    assert "Refused" in rows[0] and rows[0]["Refused"] is None
    table = run_command(ports.ListPort, [], api).stdout
    assert "blue (vlan 101, native)" in table


@pytest.mark.parametrize("ident,node", [
    (PORT["uuid"], None), ("52:54:00:12:34:56", None),
    ("52:54:00:12:34:56".upper(), None), ("eth0", "demo-node-1")])
def test_show_finds_the_port(api: FakeApi, ident: str,
                             node: str | None) -> None:
    argv = [ident, "-f", "json"] + (["--node", node] if node else [])
    assert run_command(ports.ShowPort, argv, api).json() == PORT


def test_show_ambiguous_name(api: FakeApi) -> None:
    error, _ = run_failing(ports.ShowPort, ["eth0"], api)
    assert str(error) == (f"Several ports match eth0 ({PORT['uuid']}, "
                          f"{TWIN['uuid']}); give --node or the port's UUID")


def test_show_unknown(api: FakeApi) -> None:
    error, _ = run_failing(ports.ShowPort, ["eth9", "--node",
                                            "demo-node-1"], api)
    assert str(error) == "No port eth9 on node demo-node-1"


def test_show_unknown_uuid(api: FakeApi) -> None:
    missing = "00000000-0000-0000-0000-000000000000"
    api.add("GET", f"/v1/ports/{missing}",
            fault(404, f"Port {missing} could not be found."))
    error, _ = run_failing(ports.ShowPort, [missing], api)
    assert str(error) == (f"Failed to show port {missing}: Port {missing} "
                          "could not be found. (HTTP 404)")


def test_show_table_formats_networks(api: FakeApi) -> None:
    out = run_command(ports.ShowPort, [PORT["uuid"]], api).stdout
    assert "| networks         | blue (vlan 101, native)" in out


def test_delete_by_name_uses_the_uuid(api: FakeApi) -> None:
    out = run_command(ports.DeletePort, ["eth0", "--node", "demo-node-1"],
                      api).stdout
    assert api.last().method == "DELETE"
    assert api.last().path == f"/v1/ports/{PORT['uuid']}"
    assert out == "Deleted port eth0\n"


def test_delete_attached(api: FakeApi) -> None:
    api.add("DELETE", f"/v1/ports/{PORT['uuid']}",
            fault(409, "Port eth0 has networks attached"))
    error, out = run_failing(ports.DeletePort, [PORT["uuid"], "nope"], api)
    assert out == ""
    assert str(error) == (
        f"Failed to delete 2 of 2 ports: {PORT['uuid']}: Port eth0 has "
        "networks attached (HTTP 409); nope: No port nope")
