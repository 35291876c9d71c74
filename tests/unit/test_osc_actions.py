"""``openstack esi network action list|show`` and the wait loop."""

from __future__ import annotations

import pytest
from osc_lib import exceptions

from esi_leap.osc.v1 import actions
from tests.unit import osc_fakes
from tests.unit.osc_fakes import ACTION
from tests.unit.osc_fakes import NETWORK
from tests.unit.osc_fakes import PORT
from tests.unit.osc_fakes import FakeApi
from tests.unit.osc_fakes import fault
from tests.unit.osc_fakes import run_command
from tests.unit.osc_fakes import run_failing

ADMIN_ACTION = dict(ACTION, switch="sw1", switch_port="p1", status="done",
                    attempts=1)


@pytest.fixture
def api() -> FakeApi:
    fake = FakeApi()
    fake.add("GET", "/v1/network_actions",
             (200, {"network_actions": [ADMIN_ACTION]}))
    fake.add("GET", f"/v1/network_actions/{ACTION['uuid']}",
             (200, ADMIN_ACTION))
    return fake


def test_list_filters_by_uuid(api: FakeApi) -> None:
    rows = run_command(actions.ListNetworkAction, [
        "--node", "demo-node-1", "--port", PORT["uuid"], "--network",
        NETWORK["uuid"], "--status", "error", "-f", "json"], api).json()
    assert len(api.received) == 1
    assert api.last().params == {"node": "demo-node-1",
                                 "port": PORT["uuid"],
                                 "network": NETWORK["uuid"],
                                 "status": "error"}
    assert list(rows[0]) == ["UUID", "Kind", "Status", "Node UUID",
                             "Port UUID", "Network UUID", "Mode", "Message"]
    assert rows[0]["Status"] == "done"


def test_list_filters_by_name(api: FakeApi) -> None:
    """The server filters ports and networks by UUID: names and MAC
    addresses are looked up first."""
    api.add("GET", "/v1/networks/blue", (200, NETWORK))
    api.add("GET", "/v1/ports", (200, {"ports": [PORT]}))
    run_command(actions.ListNetworkAction, [
        "--node", "demo-node-1", "--port", "eth0", "--network", "blue"], api)
    assert [(r.method, r.path, r.params) for r in api.received] == [
        ("GET", "/v1/ports", {"node": "demo-node-1"}),
        ("GET", "/v1/networks/blue", {}),
        ("GET", "/v1/network_actions", {"node": "demo-node-1",
                                        "port": PORT["uuid"],
                                        "network": NETWORK["uuid"]})]


def test_list_unknown_network_name(api: FakeApi) -> None:
    api.add("GET", "/v1/networks/nope", fault(404, "Network nope not found."))
    error, _ = run_failing(actions.ListNetworkAction,
                           ["--network", "nope"], api)
    assert str(error) == ("Failed to list network actions: Network nope not "
                          "found. (HTTP 404)")


def test_list_long(api: FakeApi) -> None:
    rows = run_command(actions.ListNetworkAction, ["--long", "-f", "json"],
                       api).json()
    assert api.last().params == {}
    assert rows[0]["Switch"] == "sw1"
    assert rows[0]["Switch Port"] == "p1"
    assert rows[0]["Attempts"] == 1


def test_list_unknown_status(api: FakeApi) -> None:
    with pytest.raises(SystemExit):
        run_command(actions.ListNetworkAction, ["--status", "finished"], api)


def test_show(api: FakeApi) -> None:
    shown = run_command(actions.ShowNetworkAction,
                        [ACTION["uuid"], "-f", "json"], api).json()
    assert shown == ADMIN_ACTION


def test_show_missing(api: FakeApi) -> None:
    api.add("GET", "/v1/network_actions/x",
            fault(404, "Network action x could not be found."))
    error, _ = run_failing(actions.ShowNetworkAction, ["x"], api)
    assert str(error) == ("Failed to show network action x: Network action "
                          "x could not be found. (HTTP 404)")


def test_wait_returns_at_once_when_final(api: FakeApi) -> None:
    client = osc_fakes.client_for(api)
    slept: list[float] = []
    done = dict(ACTION, status="done")
    assert actions.wait_for_action(client, done, sleep=slept.append) == done
    assert slept == [] and api.received == []


def test_wait_read_error_is_a_command_error(api: FakeApi) -> None:
    api.add("GET", "/v1/network_actions/gone", fault(404, "gone"))
    client = osc_fakes.client_for(api)
    with pytest.raises(exceptions.CommandError,
                       match=r"Failed to read network action gone: gone"):
        actions.wait_for_action(client, dict(ACTION, uuid="gone"),
                                sleep=lambda s: None)


def test_wait_error_without_message(api: FakeApi) -> None:
    client = osc_fakes.client_for(api)
    failed = dict(ACTION, status="error", message=None)
    with pytest.raises(actions.ActionFailed, match="failed: no message"):
        actions.wait_for_action(client, failed)
