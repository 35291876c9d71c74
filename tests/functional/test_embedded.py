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


def test_the_simulated_switch_isolates_demo_nodes(tmp_path, monkeypatch):
    """The embedded default's networking works out of the box: a demo
    node's port is attached through the real API and manager, and the
    simulated switch's state file shows it."""
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
        CONF.set_override("auth_strategy", "noauth")
        client = helpers.ApiClient(api_app.build_app(CONF)).as_(owner)
        ports = client.get("/v1/nodes/demo-node-1/ports").json["ports"]
        assert [p["name"] for p in ports] == ["eth0"]
        net = client.post("/v1/networks", {"name": "demo"}).json
        assert 100 <= net["vlan"] <= 199
        res = client.post("/v1/nodes/demo-node-1/ports/eth0/networks",
                          {"network": "demo"})
        assert res.status_int == 202, res.text
        service.Manager("embedded-test").reconcile()
        shown = json.loads(open(embedded.switch_state_path(
            str(state))).read())
        assert shown["ports"]["sim-port-1"] == {
            "mode": "access", "native_vlan": net["vlan"],
            "tagged_vlans": []}
    finally:
        CONF.clear_override("auth_strategy")
        fake.reset()
        helpers.configure("sqlite://")
