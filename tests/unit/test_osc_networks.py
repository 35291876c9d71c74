"""``openstack esi network ...``: arguments, requests, output, errors."""

from __future__ import annotations

import copy
import types
from typing import Any

import pytest
from osc_lib import exceptions

from esi_leap.osc.v1 import actions
from esi_leap.osc.v1 import networks
from tests.unit import osc_fakes
from tests.unit.osc_fakes import ACTION
from tests.unit.osc_fakes import NETWORK
from tests.unit.osc_fakes import FakeApi
from tests.unit.osc_fakes import fault
from tests.unit.osc_fakes import run_command
from tests.unit.osc_fakes import run_failing

NODE, PORT_NAME = "demo-node-1", "eth0"
ATTACH_PATH = f"/v1/nodes/{NODE}/ports/{PORT_NAME}/networks"


@pytest.fixture
def api() -> FakeApi:
    return FakeApi()


# -- create ------------------------------------------------------------------


def test_create_minimal_sends_only_the_name(api: FakeApi) -> None:
    api.add("POST", "/v1/networks", (201, NETWORK))
    result = run_command(networks.CreateNetwork, ["blue", "-f", "json"], api)
    assert api.last().body == {"name": "blue"}
    assert result.rc == 0
    assert result.json() == NETWORK  # every field, lists kept as lists


def test_create_all_options(api: FakeApi) -> None:
    api.add("POST", "/v1/networks", (201, NETWORK))
    run_command(networks.CreateNetwork, [
        "blue", "--physical-network", "physnet2", "--vlan", "150",
        "--public", "--project", "p-lessee"], api)
    assert api.last().body == {
        "name": "blue", "physical_network": "physnet2", "vlan": 150,
        "public": True, "project_id": "p-lessee"}


def test_create_vlan_must_be_a_number(api: FakeApi) -> None:
    with pytest.raises(SystemExit):
        run_command(networks.CreateNetwork, ["blue", "--vlan", "ten"], api)
    assert api.received == []


def test_create_table_shows_fields_and_formats_lists(api: FakeApi) -> None:
    api.add("POST", "/v1/networks", (201, NETWORK))
    out = run_command(networks.CreateNetwork, ["blue"], api).stdout
    assert "| shared_with      | p-lessee" in out
    assert "| vlan             | 101" in out
    assert "['p-lessee']" not in out


def test_create_conflict_shows_the_servers_message(api: FakeApi) -> None:
    api.add("POST", "/v1/networks",
            fault(409, "No free VLAN on physical network physnet1"))
    with pytest.raises(exceptions.CommandError) as info:
        run_command(networks.CreateNetwork, ["blue"], api)
    assert str(info.value) == (
        "Failed to create network blue: No free VLAN on physical network "
        "physnet1 (HTTP 409)")


# -- list / show -------------------------------------------------------------


def test_list_columns_and_filters(api: FakeApi) -> None:
    api.add("GET", "/v1/networks", (200, {"networks": [NETWORK]}))
    rows = run_command(networks.ListNetwork, [
        "--project", "p-owner", "--physical-network", "physnet1",
        "--name", "blue", "-f", "json"], api).json()
    assert api.last().params == {"project_id": "p-owner",
                                 "physical_network": "physnet1",
                                 "name": "blue"}
    assert rows == [{"UUID": NETWORK["uuid"], "Name": "blue",
                     "Project ID": "p-owner",
                     "Physical Network": "physnet1", "VLAN": 101,
                     "Public": False}]


def test_list_long(api: FakeApi) -> None:
    api.add("GET", "/v1/networks", (200, {"networks": [NETWORK]}))
    rows = run_command(networks.ListNetwork, ["--long", "-f", "json"],
                       api).json()
    assert api.last().params == {}
    assert list(rows[0]) == [h for h, _ in networks.NETWORK_LONG_COLUMNS]
    assert rows[0]["Shared With"] == ["p-lessee"]
    assert rows[0]["Created At"] == "2030-01-01T00:00:00"


def test_list_value_format(api: FakeApi) -> None:
    api.add("GET", "/v1/networks", (200, {"networks": [NETWORK]}))
    out = run_command(networks.ListNetwork, ["-f", "value", "-c", "Name",
                                             "-c", "VLAN"], api).stdout
    assert out == "blue 101\n"


def test_show_by_name(api: FakeApi) -> None:
    api.add("GET", "/v1/networks/blue", (200, NETWORK))
    shown = run_command(networks.ShowNetwork, ["blue", "-f", "yaml"],
                        api).stdout
    assert "vlan: 101" in shown
    assert "- p-lessee" in shown


def test_show_missing(api: FakeApi) -> None:
    api.add("GET", "/v1/networks/nope",
            fault(404, "Network nope could not be found."))
    with pytest.raises(exceptions.CommandError,
                       match=r"^Failed to show network nope: Network nope "
                             r"could not be found. \(HTTP 404\)$"):
        run_command(networks.ShowNetwork, ["nope"], api)


# -- delete / grant / revoke -------------------------------------------------


def test_delete_several_goes_on_after_a_failure(api: FakeApi) -> None:
    api.add("DELETE", "/v1/networks/a", (204, ""))
    api.add("DELETE", "/v1/networks/b",
            fault(409, "Network b is attached to 1 port"))
    api.add("DELETE", "/v1/networks/c", (204, ""))
    error, out = run_failing(networks.DeleteNetwork, ["a", "b", "c"], api)
    assert [r.path for r in api.received] == [
        "/v1/networks/a", "/v1/networks/b", "/v1/networks/c"]
    assert out == "Deleted network a\nDeleted network c\n"
    assert str(error) == ("Failed to delete 1 of 3 networks: b: "
                          "Network b is attached to 1 port (HTTP 409)")


def test_delete_one(api: FakeApi) -> None:
    api.add("DELETE", "/v1/networks/blue", (204, ""))
    result = run_command(networks.DeleteNetwork, ["blue"], api)
    assert result.stdout == "Deleted network blue\n"


def test_delete_one_failure(api: FakeApi) -> None:
    api.add("DELETE", "/v1/networks/blue", fault(403, "Access was denied"))
    with pytest.raises(exceptions.CommandError,
                       match=r"^Failed to delete network blue: Access was "
                             r"denied \(HTTP 403\)$"):
        run_command(networks.DeleteNetwork, ["blue"], api)


def test_grant_and_revoke(api: FakeApi) -> None:
    api.add("PUT", "/v1/networks/blue/access/p-lessee", (204, ""))
    api.add("DELETE", "/v1/networks/blue/access/p-lessee", (204, ""))
    out = run_command(networks.GrantNetwork, ["blue", "p-lessee"], api)
    assert api.last().method == "PUT"
    assert out.stdout == "Granted project p-lessee access to network blue\n"
    out = run_command(networks.RevokeNetwork, ["blue", "p-lessee"], api)
    assert api.last().method == "DELETE"
    assert out.stdout == ("Revoked project p-lessee's access to network "
                          "blue\n")


def test_grant_needs_a_project(api: FakeApi) -> None:
    with pytest.raises(SystemExit):
        run_command(networks.GrantNetwork, ["blue"], api)


# -- attach / detach ---------------------------------------------------------


@pytest.mark.parametrize("options,mode", [
    ([], "native"), (["--tagged"], "tagged"), (["--mode", "tagged"],
                                               "tagged"),
    (["--mode", "native"], "native"),
])
def test_attach_mode(api: FakeApi, options: list[str], mode: str) -> None:
    api.add("POST", ATTACH_PATH, (202, ACTION, {
        "Location": f"/v1/network_actions/{ACTION['uuid']}"}))
    result = run_command(networks.AttachNetwork,
                         [NODE, PORT_NAME, "blue", "-f", "json", *options],
                         api)
    assert api.last().body == {"network": "blue", "mode": mode}
    assert result.json() == ACTION
    assert len(api.received) == 1  # no --wait: no polling


@pytest.mark.parametrize("options", [
    ["--tagged", "--mode", "native"], ["--mode", "trunk"]])
def test_attach_bad_mode(api: FakeApi, options: list[str]) -> None:
    with pytest.raises(SystemExit):
        run_command(networks.AttachNetwork,
                    [NODE, PORT_NAME, "blue", *options], api)
    assert api.received == []


def test_attach_conflict(api: FakeApi) -> None:
    api.add("POST", ATTACH_PATH,
            fault(409, "An action is already pending on port eth0"))
    with pytest.raises(exceptions.CommandError) as info:
        run_command(networks.AttachNetwork, [NODE, PORT_NAME, "blue"], api)
    assert str(info.value) == (
        f"Failed to attach network blue to port {PORT_NAME} of node {NODE}: "
        "An action is already pending on port eth0 (HTTP 409)")


class FakeTime:
    """A clock that moves only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    clock = FakeTime()
    monkeypatch.setattr(actions, "time", types.SimpleNamespace(
        monotonic=clock.monotonic, sleep=clock.sleep))
    return clock


def _action_sequence(api: FakeApi, statuses: list[str],
                     message: str | None = None) -> None:
    """GET of the action answers the statuses one after another."""
    views = []
    for status in statuses:
        view = copy.deepcopy(ACTION)
        view["status"] = status
        if status == "error":
            view["message"] = message
        views.append(view)

    def answer(rec: Any) -> tuple[int, Any]:
        return 200, views.pop(0) if len(views) > 1 else views[0]

    api.add("GET", f"/v1/network_actions/{ACTION['uuid']}", answer)


def test_attach_wait_polls_until_done(api: FakeApi,
                                      fake_time: FakeTime) -> None:
    api.add("POST", ATTACH_PATH, (202, ACTION))
    _action_sequence(api, ["pending", "running", "done"])
    result = run_command(networks.AttachNetwork,
                         [NODE, PORT_NAME, "blue", "--wait", "-f", "json"],
                         api)
    assert result.json()["status"] == "done"
    assert [r.method for r in api.received] == ["POST", "GET", "GET", "GET"]
    assert fake_time.sleeps == [actions.POLL_INTERVAL] * 3


def test_attach_wait_error_carries_the_switch_message(
        api: FakeApi, fake_time: FakeTime) -> None:
    api.add("POST", ATTACH_PATH, (202, ACTION))
    _action_sequence(api, ["running", "error"],
                     message="sw1: Timed out connecting to 192.0.2.10:22")
    error, out = run_failing(networks.AttachNetwork,
                             [NODE, PORT_NAME, "blue", "--wait"], api)
    assert isinstance(error, actions.ActionFailed)
    assert out == ""
    assert str(error) == (
        f"Network action {ACTION['uuid']} (attach) failed: sw1: Timed out "
        "connecting to 192.0.2.10:22")


def test_attach_wait_times_out(api: FakeApi, fake_time: FakeTime) -> None:
    api.add("POST", ATTACH_PATH, (202, ACTION))
    _action_sequence(api, ["running"])
    with pytest.raises(exceptions.CommandError,
                       match="is still running after 5 s"):
        run_command(networks.AttachNetwork,
                    [NODE, PORT_NAME, "blue", "--timeout", "5"], api)
    assert fake_time.now - 1000.0 == pytest.approx(5.0)


def test_timeout_must_be_positive(api: FakeApi) -> None:
    with pytest.raises(exceptions.CommandError, match="positive"):
        run_command(networks.AttachNetwork,
                    [NODE, PORT_NAME, "blue", "--wait", "--timeout", "0"],
                    api)
    assert api.received == []


def test_detach(api: FakeApi, fake_time: FakeTime) -> None:
    detach = dict(ACTION, kind="detach")
    api.add("DELETE", f"{ATTACH_PATH}/blue", (202, detach))
    result = run_command(networks.DetachNetwork,
                         [NODE, PORT_NAME, "blue", "-f", "json"], api)
    assert result.json()["kind"] == "detach"
    assert api.last().body is None
    assert fake_time.sleeps == []


def test_detach_wait(api: FakeApi, fake_time: FakeTime) -> None:
    api.add("DELETE", f"{ATTACH_PATH}/blue", (202, ACTION))
    _action_sequence(api, ["done"])
    result = run_command(networks.DetachNetwork,
                         [NODE, PORT_NAME, "blue", "--wait", "-f", "value",
                          "-c", "status"], api)
    assert result.stdout == "done\n"


def test_commands_use_the_app_client(api: FakeApi) -> None:
    """The client comes from OSC's client manager attribute ``esi_leap``
    (the plugin's API_NAME)."""
    from esi_leap.osc import plugin
    api.add("GET", "/v1/networks", (200, {"networks": []}))
    app = osc_fakes.FakeApp(osc_fakes.client_for(api))
    assert getattr(app.client_manager, plugin.API_NAME) is not None
    cmd = networks.ListNetwork(app, None)  # type: ignore[arg-type]
    cmd.run(cmd.get_parser("x").parse_args([]))
    assert api.last().path == "/v1/networks"
