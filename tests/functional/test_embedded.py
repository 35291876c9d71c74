"""The embedded default's set-up: state dir, users, demo nodes."""

import json
import os
import stat

from esi_leap.cmd import embedded
from esi_leap.common import users_file
from esi_leap.conf import CONF
from esi_leap.db import nodes as db_nodes
from tests import helpers


def test_prepare_creates_private_credentials_and_demo_nodes(tmp_path,
                                                            monkeypatch):
    state = tmp_path / "state"
    monkeypatch.setenv("ESI_LEAP_STATE_DIR", str(state))
    monkeypatch.setenv("ESI_LEAP_PORT", "7999")
    helpers.configure("sqlite://")
    result = embedded.prepare()
    try:
        assert result["state_dir"] == str(state)
        assert CONF.database.connection.endswith("esi-leap.sqlite")
        assert CONF.api.port == 7999 and CONF.api.host_ip == "127.0.0.1"
        creds_path = embedded.credentials_path(str(state))
        for path in (creds_path, str(state / "users")):
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        creds = json.loads(open(creds_path).read())
        assert set(creds) == {"admin", "owner", "lessee"}
        users = users_file.UsersFile.load(str(state / "users"))
        owner = users.authenticate("owner", creds["owner"]["password"])
        assert owner is not None and "member" in owner.roles
        nodes = db_nodes.node_list()
        assert len(nodes) == CONF.embedded.demo_nodes
        assert {n.owner_id for n in nodes} == {creds["owner"]["project_id"]}
        # A second start keeps users, passwords and nodes.
        again = embedded.prepare()
        assert again["credentials"] == creds
        assert len(db_nodes.node_list()) == len(nodes)
        banner = embedded.banner("http://127.0.0.1:7999", str(state))
        assert creds_path in banner
        assert creds["owner"]["password"] not in banner
    finally:
        helpers.configure("sqlite://")


def test_demo_env_prints_http_basic_variables(tmp_path, monkeypatch, capsys):
    state = tmp_path / "state"
    monkeypatch.setenv("ESI_LEAP_STATE_DIR", str(state))
    monkeypatch.setenv("OS_PROJECT_NAME", "stray")
    helpers.configure("sqlite://")
    creds = embedded.ensure_users(str(state))
    monkeypatch.setattr("sys.argv", ["esi-leap-demo-env", "lessee"])
    assert embedded.print_env_main() == 0
    out = capsys.readouterr().out
    assert "unset OS_PROJECT_NAME" in out
    assert "OS_AUTH_TYPE=http_basic" in out
    assert f"OS_PASSWORD={creds['lessee']['password']}" in out
    monkeypatch.setattr("sys.argv", ["esi-leap-demo-env", "nobody"])
    assert embedded.print_env_main() == 2


def _read_back_simulated_switch(ports: list[str]) -> dict[str, tuple]:
    """What the simulated switch's state file says each port carries, as
    (mode, native VLAN, tagged VLANs): the in-memory state is dropped
    first, so the file a person would read is what is checked."""
    from esi_leap.drivers.switches import fake
    from esi_leap.networking import switches

    fake.reset()
    driver = fake.FakeSwitchDriver(switches.get_config(embedded.DEMO_SWITCH))
    return {name: (port.mode, port.native_vlan, sorted(port.allowed_vlans
                                                       or ()))
            for name, port in driver.read_ports(ports).items()}


def _reconcile_until(manager, done) -> None:
    """Run the manager's passes until ``done()`` (at most 20)."""
    for _ in range(20):
        manager.reconcile()
        if done():
            return
    raise AssertionError("the manager did not finish the work")


def test_the_simulated_switch_isolates_demo_nodes(tmp_path, monkeypatch):
    """The embedded default isolates its demo nodes out of the box.

    Every demo node has its own port on the simulated switch, and every
    port starts on the quarantine VLAN. Through the real API and manager:
    the owner attaches demo-node-1 to its network and a lessee, once it
    holds demo-node-2, attaches that node to its own network. Each port
    then carries its own project's VLAN only, every other demo node's
    port stays quarantined, and neither project can put a node it does
    not hold, or a network it cannot see, on the switch. The switch is
    read back from its state file, as a person would read it.
    """
    from esi_leap.api import app as api_app
    from esi_leap.drivers.switches import fake
    from esi_leap.manager import service

    state = tmp_path / "state"
    monkeypatch.setenv("ESI_LEAP_STATE_DIR", str(state))
    helpers.configure("sqlite://")
    fake.reset()
    try:
        creds = embedded.prepare()["credentials"]
        embedded.prepare()  # a second start adds no second switch
        owner = creds["owner"]["project_id"]
        lessee = creds["lessee"]["project_id"]
        CONF.set_override("auth_strategy", "noauth")
        client = helpers.ApiClient(api_app.build_app(CONF))
        admin = client.as_(creds["admin"]["project_id"], "admin")
        as_owner, as_lessee = client.as_(owner), client.as_(lessee)
        manager = service.Manager("embedded-test")
        quarantine = int(embedded.DEMO_QUARANTINE_VLAN.split(":")[1])

        # One port per demo node, each on its own switch port.
        switches = admin.get("/v1/switches").json["switches"]
        assert [s["name"] for s in switches] == [embedded.DEMO_SWITCH]
        nodes = {n["name"]: n["uuid"]
                 for n in admin.get("/v1/nodes").json["nodes"]}
        assert len(nodes) == CONF.embedded.demo_nodes >= 3
        cabled = {}
        for name, uuid in nodes.items():
            ports = admin.get(f"/v1/nodes/{uuid}/ports").json["ports"]
            assert [(p["name"], p["switch"]) for p in ports] == [
                ("eth0", embedded.DEMO_SWITCH)], (name, ports)
            cabled[name] = ports[0]["switch_port"]
        assert len(set(cabled.values())) == len(nodes), cabled
        before = _read_back_simulated_switch(list(cabled.values()))
        assert before == {p: ("access", quarantine, [])
                          for p in cabled.values()}

        # The owner's network on demo-node-1.
        blue = as_owner.post("/v1/networks", {"name": "demo"}).json
        assert 100 <= blue["vlan"] <= 199
        res = as_owner.post("/v1/nodes/demo-node-1/ports/eth0/networks",
                            {"network": "demo"})
        assert res.status_int == 202, res.text
        # The lessee holds demo-node-2 and puts its own network on it.
        lease = as_owner.post("/v1/leases", {
            "resource_uuid": nodes["demo-node-2"], "project_id": lessee})
        assert lease.status_int == 201, lease.text
        _reconcile_until(manager, lambda: as_lessee.get(
            f"/v1/leases/{lease.json['uuid']}").json["status"] == "active")
        red = as_lessee.post("/v1/networks", {"name": "red"}).json
        assert 100 <= red["vlan"] <= 199 and red["vlan"] != blue["vlan"]
        res = as_lessee.post("/v1/nodes/demo-node-2/ports/eth0/networks",
                             {"network": "red"})
        assert res.status_int == 202, res.text

        # Refused, and nothing queued: the lessee on nodes it does not
        # hold (404: it cannot see them), on its own node with the owner's
        # network it cannot see (404), and the owner on the node it has
        # leased out (403).
        queued = len(admin.get("/v1/network_actions").json[
            "network_actions"])
        for caller, node, network, status in (
                (as_lessee, "demo-node-1", "red", 404),
                (as_lessee, "demo-node-3", "red", 404),
                (as_lessee, "demo-node-2", blue["uuid"], 404),
                (as_owner, "demo-node-2", "demo", 403)):
            res = caller.post(f"/v1/nodes/{node}/ports/eth0/networks",
                              {"network": network})
            assert res.status_int == status, (node, res.text)
        assert len(admin.get("/v1/network_actions").json[
            "network_actions"]) == queued

        _reconcile_until(manager, lambda: not any(
            a["status"] == "pending" for a in admin.get(
                "/v1/network_actions").json["network_actions"]))
        after = _read_back_simulated_switch(list(cabled.values()))
        expected = {port: ("access", quarantine, [])
                    for port in cabled.values()}
        expected[cabled["demo-node-1"]] = ("access", blue["vlan"], [])
        expected[cabled["demo-node-2"]] = ("access", red["vlan"], [])
        assert after == expected
        # Each project sees its own node on its own network only.
        assert [n["network_uuid"] for n in as_owner.get(
            "/v1/nodes/demo-node-1/ports/eth0/networks").json[
                "networks"]] == [blue["uuid"]]
        assert [n["network_uuid"] for n in as_lessee.get(
            "/v1/nodes/demo-node-2/ports/eth0/networks").json[
                "networks"]] == [red["uuid"]]
    finally:
        CONF.clear_override("auth_strategy")
        fake.reset()
        helpers.configure("sqlite://")
