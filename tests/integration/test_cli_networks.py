"""The real ``openstack esi network|switch|port`` CLI (this project's OSC
plugin) against the real ``esi-leap`` process.

One embedded ``esi-leap`` (SQLite, in-process manager, demo users
admin/owner/lessee, demo nodes owned by owner-project) serves the module,
with the VLAN pool ``physnet1:100:199``, the quarantine VLAN
``physnet1:999`` and a Fernet key for switch secrets. The ``world``
fixture registers a ``fake`` switch that knows ports p1-p3 only, three
ports cabled to it (one on the missing port p9, whose changes fail), and
two networks, all through the CLI. Read-only tests come first, the ones
that attach, detach and delete after them.

Each CLI call costs about a second, so independent read-only calls run
concurrently (:meth:`EsiLeapServer.cli_json_many`).
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration import server as it_server

pytestmark = pytest.mark.integration

PHYSNET = "physnet1"
POOL = range(100, 200)
SWITCH = "it-switch"
SWITCH_PASSWORD = "it-Sw1tch-pa55word"
SWITCH_SECRET = "it-3nable-s3cret"
NODE = "demo-node-1"
BAD_NODE = "demo-node-2"
WAIT = ("--wait", "--timeout", "60")

NETWORK_COLUMNS = ["UUID", "Name", "Project ID", "Physical Network", "VLAN",
                   "Public"]
NETWORK_FIELDS = sorted(["uuid", "name", "project_id", "physical_network",
                         "vlan", "shared_with", "public", "created_at",
                         "updated_at"])
ACTION_FIELDS = sorted(["uuid", "kind", "status", "node_uuid", "port_uuid",
                        "switch", "switch_port", "network_uuid", "mode",
                        "message", "project_id", "attempts", "created_at",
                        "updated_at"])
PORT_COLUMNS = ["UUID", "Name", "Node UUID", "Address", "Switch",
                "Switch Port", "Networks"]
SWITCH_COLUMNS = ["UUID", "Name", "Driver", "Device Type",
                  "Physical Network", "Source"]


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    """The CLI's error: rc 1, nothing on stdout, one line on stderr."""
    assert proc.returncode == 1, it_server.describe(proc)
    assert proc.stdout == "", it_server.describe(proc)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, it_server.describe(proc)
    return str(lines[0])


def names(rows: list[dict[str, Any]], key: str = "Name") -> set[str]:
    return {r[key] for r in rows}


def fernet_key_file(directory: Path) -> str:
    """A private file with a new Fernet key (switch secrets at rest)."""
    from cryptography import fernet
    path = directory / "switch-secrets.key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(fernet.Fernet.generate_key().decode() + "\n")
    return str(path)


def private_file(directory: Path, name: str, text: str) -> str:
    path = directory / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return str(path)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("it-net-files")


@pytest.fixture(scope="module")
def srv(request: pytest.FixtureRequest,
        tmp_path_factory: pytest.TempPathFactory, files: Path
        ) -> Iterator[it_server.EsiLeapServer]:
    yield from it_server.serve_for_module(
        request, tmp_path_factory, options={"networking": {
            "vlan_ranges": f"{PHYSNET}:100:199",
            "quarantine_vlans": f"{PHYSNET}:999",
            "secret_key_file": fernet_key_file(files),
            # A port change the switch refuses fails at once; one it
            # cannot reach would be retried: keep retries short anyway.
            "action_retry_delay": 0.2,
        }})


def settle(srv: it_server.EsiLeapServer, port_uuid: str,
           timeout: float = 30.0) -> dict[str, Any]:
    """Wait until ``port_uuid`` has no pending network action (a new
    port may first go to quarantine); return the port."""
    def check() -> dict[str, Any] | None:
        resp = srv.request("GET", f"/v1/ports/{port_uuid}", "admin")
        assert resp.status == 200, resp.text
        port: dict[str, Any] = resp.json()
        return None if port["pending_action"] else port
    result: dict[str, Any] = it_server.wait_until(
        check, timeout, interval=0.2, what=f"port {port_uuid} settled")
    return result


@dataclasses.dataclass
class World:
    srv: it_server.EsiLeapServer
    files: Path
    switch: dict[str, Any]        # `switch create` output
    debug_create: subprocess.CompletedProcess[str]  # with --debug
    eth0: dict[str, Any]          # NODE, p1
    eth1: dict[str, Any]          # NODE, p2
    bad: dict[str, Any]           # BAD_NODE, p9 (the switch refuses it)
    blue: dict[str, Any]          # owner's network, from the pool
    red: dict[str, Any]           # owner's network, physnet given


@pytest.fixture(scope="module")
def world(srv: it_server.EsiLeapServer, files: Path) -> World:
    pw_file = private_file(files, "sw-password", SWITCH_PASSWORD + "\n")
    secret_file = private_file(files, "sw-secret", SWITCH_SECRET + "\n")
    debug_create = srv.cli(
        "admin", "--debug", "switch", "create", SWITCH, "--driver", "fake",
        "--physical-network", PHYSNET, "--switch-id", "02:00:00:00:00:01",
        "--connection", "ports=p1,p2,p3", "--connection", "ip=192.0.2.1",
        "--password-file", pw_file, "--secret-file", secret_file,
        fmt="json")
    # `--debug` puts the log on stderr; the JSON is on stdout.
    assert debug_create.returncode == 0, srv.failure(debug_create)
    switch = json.loads(debug_create.stdout)

    eth0, eth1, bad = srv.cli_json_many([
        ("admin", "port", "create", "it-eth0", "--node", NODE, "--switch",
         SWITCH, "--switch-port", "p1", "--address", "52:54:00:00:00:a1"),
        ("admin", "port", "create", "it-eth1", "--node", NODE, "--switch",
         SWITCH, "--switch-port", "p2", "--address", "52:54:00:00:00:a2",
         "--physical-network", PHYSNET),
        ("admin", "port", "create", "it-bad", "--node", BAD_NODE,
         "--switch", SWITCH, "--switch-port", "p9"),
    ])
    blue, red = srv.cli_json_many([
        ("owner", "network", "create", "it-blue"),
        ("owner", "network", "create", "it-red", "--physical-network",
         PHYSNET),
    ])
    for port in (eth0, eth1):
        settle(srv, port["uuid"])
    return World(srv=srv, files=files, switch=switch,
                 debug_create=debug_create, eth0=eth0, eth1=eth1, bad=bad,
                 blue=blue, red=red)


# --------------------------------------------------------------------------
# The plugin next to python-esileapclient


def test_no_command_registered_twice() -> None:
    ours = {ep.name for ep in importlib.metadata.entry_points(
        group="openstack.esi_leap.v1")}
    theirs = {ep.name for ep in importlib.metadata.entry_points(
        group="openstack.lease.v1")}
    if not ours:
        pytest.fail("esi-leap's OSC entry points are not installed "
                    "(openstack.esi_leap.v1); pip install -e the project")
    assert not ours & theirs
    assert {"esi_network_attach", "esi_network_action_show",
            "esi_switch_set", "esi_port_create"} <= ours
    assert {"esi_offer_create", "esi_lease_list"} <= theirs


def test_both_plugins_answer(srv: it_server.EsiLeapServer) -> None:
    """The same OS_* environment (http_basic + OS_ENDPOINT, as
    ``esi-leap-demo-env`` prints) serves both plugins."""
    offers, networks = srv.cli_json_many([
        ("owner", "offer", "list"), ("owner", "network", "list")])
    assert offers == [] and isinstance(networks, list)


# --------------------------------------------------------------------------
# Switches


def test_switch_create(world: World) -> None:
    sw = world.switch
    assert sw["name"] == SWITCH
    assert sw["driver"] == "fake"
    assert sw["physical_network"] == PHYSNET
    assert sw["switch_id"] == "02:00:00:00:00:01"
    assert sw["connection"]["ports"] == "p1,p2,p3"
    assert sw["connection"]["ip"] == "192.0.2.1"
    assert sw["has_password"] is True
    assert sw["has_secret"] is True
    assert sw["source"] == "api"


def test_switch_secrets_never_printed(world: World) -> None:
    """Not in the output, nor in ``--debug``'s request/response log."""
    proc = world.debug_create
    # --debug is on (the HTTP library logs the call); keystoneauth's
    # curl-style request log, which would show the body, is left out.
    assert "POST /v1/switches" in proc.stderr, it_server.describe(proc)
    assert "START with options" in proc.stderr
    for text in (proc.stdout, proc.stderr):
        assert SWITCH_PASSWORD not in text
        assert SWITCH_SECRET not in text
    shown, listed = world.srv.cli_many([
        ("admin", "switch", "show", SWITCH),
        ("admin", "switch", "list", "--long")], fmt="yaml")
    for proc in (shown, listed):
        assert proc.returncode == 0, world.srv.failure(proc)
        assert SWITCH_PASSWORD not in proc.stdout
        assert SWITCH_SECRET not in proc.stdout


def test_switch_show_and_list(world: World) -> None:
    srv = world.srv
    shown, rows, long_rows = srv.cli_json_many([
        ("admin", "switch", "show", SWITCH),
        ("admin", "switch", "list"),
        ("admin", "switch", "list", "--long"),
    ])
    assert shown["uuid"] == world.switch["uuid"]
    assert "password" not in shown and "secret" not in shown
    assert all(list(r) == SWITCH_COLUMNS for r in rows)
    assert SWITCH in names(rows)
    mine = {r["Name"]: r for r in long_rows}[SWITCH]
    assert mine["Has Password"] is True
    assert mine["Connection"]["ports"] == "p1,p2,p3"


def test_switch_admin_only(world: World) -> None:
    listed, created = world.srv.cli_many([
        ("owner", "switch", "list"),
        ("owner", "switch", "create", "it-owner-switch", "--driver",
         "fake")])
    line = one_line_error(listed)
    assert line.startswith("Failed to list switches: "), line
    assert line.endswith("(HTTP 403)"), line
    line = one_line_error(created)
    assert line.startswith("Failed to create switch it-owner-switch: "), line
    assert line.endswith("(HTTP 403)"), line


def test_switch_set_and_delete(world: World) -> None:
    srv = world.srv
    srv.cli_json("admin", "switch", "create", "it-spare", "--driver",
                 "fake", "--physical-network", PHYSNET)
    updated = srv.cli_json("admin", "switch", "set", "it-spare",
                           "--connection", "ports=p7", "--switch-id",
                           "02:00:00:00:00:07")
    assert updated["connection"] == {"ports": "p7"}
    assert updated["switch_id"] == "02:00:00:00:00:07"
    assert updated["has_password"] is False
    nothing = srv.cli("admin", "switch", "set", "it-spare")
    assert "Nothing to change" in one_line_error(nothing)
    deleted = srv.cli_ok("admin", "switch", "delete", "it-spare")
    assert deleted.stdout == "Deleted switch it-spare\n"
    gone = srv.cli("admin", "switch", "show", "it-spare")
    line = one_line_error(gone)
    assert line.startswith("Failed to show switch it-spare: "), line
    assert line.endswith("(HTTP 404)"), line


def test_switch_in_use_cannot_be_deleted(world: World) -> None:
    line = one_line_error(world.srv.cli("admin", "switch", "delete", SWITCH))
    assert line.startswith(f"Failed to delete switch {SWITCH}: "), line
    assert line.endswith("(HTTP 409)"), line


# --------------------------------------------------------------------------
# Ports


def test_port_create(world: World) -> None:
    eth0, eth1 = world.eth0, world.eth1
    assert eth0["name"] == "it-eth0"
    assert eth0["switch"] == SWITCH and eth0["switch_port"] == "p1"
    assert eth0["address"] == "52:54:00:00:00:a1"
    assert eth0["source"] == "esi-leap"
    assert eth0["physical_network"] == PHYSNET  # the switch's
    assert eth1["physical_network"] == PHYSNET
    assert eth0["node_uuid"] == eth1["node_uuid"]


def test_port_list_and_show(world: World) -> None:
    srv = world.srv
    (on_node, long_rows, by_name, by_mac, by_uuid, as_owner, as_lessee
     ) = srv.cli_json_many([
        ("admin", "port", "list", "--node", NODE),
        ("admin", "port", "list", "--long"),
        ("admin", "port", "show", "it-eth0", "--node", NODE),
        ("owner", "port", "show", "52:54:00:00:00:A1"),
        ("owner", "port", "show", world.eth1["uuid"]),
        ("owner", "port", "list"),
        ("lessee", "port", "list"),
    ])
    assert all(list(r) == PORT_COLUMNS for r in on_node)
    assert {"it-eth0", "it-eth1"} <= names(on_node)
    assert "it-bad" not in names(on_node)
    assert {"it-eth0", "it-eth1", "it-bad"} <= names(long_rows)
    long_eth0 = {r["Name"]: r for r in long_rows}["it-eth0"]
    assert long_eth0["Source"] == "esi-leap"
    assert long_eth0["Physical Network"] == PHYSNET
    assert by_name["uuid"] == by_mac["uuid"] == world.eth0["uuid"]
    assert by_uuid["name"] == "it-eth1"
    # The owner sees its nodes' ports; the lessee holds no node.
    assert {"it-eth0", "it-eth1", "it-bad"} <= names(as_owner)
    assert not {"it-eth0", "it-eth1", "it-bad"} & names(as_lessee)


def test_port_create_admin_only(world: World) -> None:
    proc = world.srv.cli("owner", "port", "create", "it-x", "--node", NODE,
                         "--switch", SWITCH, "--switch-port", "p3")
    line = one_line_error(proc)
    assert line.startswith(f"Failed to create port it-x on node {NODE}: ")
    assert line.endswith("(HTTP 403)"), line


# --------------------------------------------------------------------------
# Networks


def test_network_create(world: World) -> None:
    blue, red = world.blue, world.red
    owner_project = world.srv.project_id("owner")
    for net in (blue, red):
        assert set(NETWORK_FIELDS) <= set(net), sorted(net)
        assert net["project_id"] == owner_project
        assert net["physical_network"] == PHYSNET
        assert net["vlan"] in POOL
        assert net["public"] is False
        assert net["shared_with"] == []
    assert blue["vlan"] != red["vlan"]


def test_network_list_and_show(world: World) -> None:
    srv = world.srv
    rows, long_rows, by_name, filtered, shown, red, as_lessee = (
        srv.cli_json_many([
            ("owner", "network", "list"),
            ("owner", "network", "list", "--long"),
            ("owner", "network", "list", "--name", "it-blue"),
            ("owner", "network", "list", "--physical-network", "physnet9"),
            ("owner", "network", "show", "it-blue"),
            ("owner", "network", "show", world.red["uuid"]),
            ("lessee", "network", "list"),
        ]))
    assert all(list(r) == NETWORK_COLUMNS for r in rows)
    assert {"it-blue", "it-red"} <= names(rows)
    assert {r["Name"]: r for r in long_rows}["it-blue"]["Shared With"] == []
    assert names(by_name) == {"it-blue"}
    assert by_name[0]["VLAN"] == world.blue["vlan"]
    assert filtered == []
    assert shown["uuid"] == world.blue["uuid"]
    assert shown["vlan"] == world.blue["vlan"]
    assert red["name"] == "it-red"
    assert not {"it-blue", "it-red"} & names(as_lessee)
    proc = srv.cli_ok("owner", "network", "show", "it-blue", "-c", "vlan",
                      fmt="value")
    assert proc.stdout.strip() == str(world.blue["vlan"])


def test_network_admin_options(world: World) -> None:
    srv = world.srv
    denied = srv.cli("owner", "network", "create", "it-denied", "--vlan",
                     "150")
    line = one_line_error(denied)
    assert line.startswith("Failed to create network it-denied: "), line
    assert line.endswith("(HTTP 403)"), line
    public = srv.cli_json("admin", "network", "create", "it-public",
                          "--public", "--project", "owner-project")
    assert public["public"] is True
    assert public["project_id"] == srv.project_id("owner")
    seen = srv.cli_json("lessee", "network", "show", "it-public")
    assert seen["uuid"] == public["uuid"]
    assert srv.cli_ok("admin", "network", "delete", "it-public"
                      ).stdout == "Deleted network it-public\n"


def test_network_grant_and_revoke(world: World) -> None:
    srv = world.srv
    lessee = srv.project_id("lessee")
    before = srv.cli("lessee", "network", "show", "it-red")
    line = one_line_error(before)
    assert line.endswith("(HTTP 404)"), line
    granted = srv.cli_ok("owner", "network", "grant", "it-red",
                         "lessee-project")
    assert granted.stdout == ("Granted project lessee-project access to "
                              "network it-red\n")
    seen, owner_view = srv.cli_json_many([
        ("lessee", "network", "show", "it-red"),
        ("owner", "network", "show", "it-red")])
    assert seen["uuid"] == world.red["uuid"]
    assert owner_view["shared_with"] == [lessee]
    revoked = srv.cli_ok("owner", "network", "revoke", "it-red", lessee)
    assert revoked.stdout.startswith("Revoked project")
    after = srv.cli("lessee", "network", "show", "it-red")
    assert one_line_error(after).endswith("(HTTP 404)")


def test_errors_show_the_servers_message(world: World) -> None:
    srv = world.srv
    missing, not_owner, bad_mode = srv.cli_many([
        ("owner", "network", "show", "it-nope"),
        ("lessee", "network", "delete", "it-blue"),
        ("owner", "network", "attach", NODE, "it-eth0", "it-blue",
         "--mode", "trunk"),
    ])
    line = one_line_error(missing)
    assert line.startswith("Failed to show network it-nope: "), line
    assert "it-nope" in line.partition(": ")[2], line
    assert line.endswith("(HTTP 404)"), line
    line = one_line_error(not_owner)
    assert line.startswith("Failed to delete network it-blue: "), line
    assert line.endswith("(HTTP 404)") or line.endswith("(HTTP 403)"), line
    assert bad_mode.returncode == 2, it_server.describe(bad_mode)
    assert "invalid choice" in bad_mode.stderr


def test_bad_credentials(world: World) -> None:
    proc = world.srv.cli("owner", "network", "list", password="wrong")
    line = one_line_error(proc)
    assert line.startswith("Failed to list networks: "), line
    assert line.endswith("(HTTP 401)"), line


# --------------------------------------------------------------------------
# Attach and detach (these change the world)


def test_attach_native_wait(world: World) -> None:
    srv = world.srv
    action = srv.cli_json("owner", "network", "attach", NODE, "it-eth0",
                          "it-blue", *WAIT)
    assert set(ACTION_FIELDS) <= set(action), sorted(action)
    assert action["status"] == "done", action
    assert action["kind"] == "attach"
    assert action["mode"] == "native"
    assert action["port_uuid"] == world.eth0["uuid"]
    assert action["network_uuid"] == world.blue["uuid"]
    assert action["switch"] is None  # only admins see the switch
    port, shown, listed, admin_view = srv.cli_json_many([
        ("owner", "port", "show", world.eth0["uuid"]),
        ("owner", "network", "action", "show", action["uuid"]),
        ("owner", "network", "action", "list", "--node", NODE,
         "--status", "done"),
        ("admin", "network", "action", "show", action["uuid"]),
    ])
    assert port["networks"] == [{
        "network_uuid": world.blue["uuid"], "network_name": "it-blue",
        "vlan": world.blue["vlan"], "mode": "native"}]
    assert port["pending_action"] is None
    assert shown["status"] == "done"
    assert action["uuid"] in {r["UUID"] for r in listed}
    assert {r["Status"] for r in listed} == {"done"}
    assert admin_view["switch"] == SWITCH
    assert admin_view["switch_port"] == "p1"


def test_attach_tagged_without_wait(world: World) -> None:
    srv = world.srv
    action = srv.cli_json("owner", "network", "attach", NODE,
                          "52:54:00:00:00:a1", "it-red", "--tagged")
    assert action["status"] in ("pending", "running", "done"), action
    assert action["mode"] == "tagged"

    def done() -> dict[str, Any] | None:
        shown = srv.cli_json("owner", "network", "action", "show",
                             action["uuid"])
        return shown if shown["status"] in ("done", "error") else None
    final = it_server.wait_until(done, 60, interval=0.5,
                                 what="tagged attach done")
    assert final["status"] == "done", final
    port = srv.cli_json("owner", "port", "show", "it-eth0", "--node", NODE)
    modes = {n["network_name"]: n["mode"] for n in port["networks"]}
    assert modes == {"it-blue": "native", "it-red": "tagged"}
    table = srv.cli_ok("owner", "port", "show", "it-eth0", "--node", NODE)
    assert f"it-red (vlan {world.red['vlan']}, tagged)" in table.stdout


def test_attach_wait_reports_the_switch_error(world: World) -> None:
    """p9 does not exist on the fake switch: the action ends in error and
    ``--wait`` exits 1 with the switch's message."""
    srv = world.srv
    settle(srv, world.bad["uuid"], timeout=60)
    proc = srv.cli("owner", "network", "attach", BAD_NODE, "it-bad",
                   "it-blue", *WAIT)
    line = one_line_error(proc)
    assert line.startswith("Network action "), line
    assert "(attach) failed: " in line, line
    assert "p9" in line, line
    failed = srv.cli_json("owner", "network", "action", "list", "--port",
                          world.bad["uuid"], "--status", "error")
    assert failed and all(r["Status"] == "error" for r in failed)
    assert any("p9" in (r["Message"] or "") for r in failed)


def test_network_in_use_cannot_be_deleted(world: World) -> None:
    line = one_line_error(world.srv.cli("owner", "network", "delete",
                                        "it-blue"))
    assert line.startswith("Failed to delete network it-blue: "), line
    assert line.endswith("(HTTP 409)"), line


def test_detach_wait_and_delete(world: World) -> None:
    srv = world.srv
    for net in ("it-red", "it-blue"):
        action = srv.cli_json("owner", "network", "detach", NODE, "it-eth0",
                              net, *WAIT)
        assert action["kind"] == "detach"
        assert action["status"] == "done", action
    port = srv.cli_json("owner", "port", "show", world.eth0["uuid"])
    assert port["networks"] == []
    proc = srv.cli_ok("owner", "network", "delete", "it-red", "it-blue")
    assert proc.stdout == "Deleted network it-red\nDeleted network it-blue\n"
    rows = srv.cli_json("owner", "network", "list")
    assert not {"it-red", "it-blue"} & names(rows)


def test_port_delete(world: World) -> None:
    srv = world.srv
    proc = srv.cli_ok("admin", "port", "delete", "it-eth1", "--node", NODE)
    assert proc.stdout == "Deleted port it-eth1\n"
    rows = srv.cli_json("admin", "port", "list", "--node", NODE)
    assert "it-eth1" not in names(rows)


# --------------------------------------------------------------------------
# A server with a configuration file: the switch ``fake1`` comes from a
# ``[switch:fake1]`` section (fake driver), as a deployment would have it.

CFG_SWITCH = "fake1"
CFG_PASSWORD = "cfg-Sw1tch-pa55"


def _config_text(base: Path, state: Path) -> str:
    sections: dict[str, dict[str, Any]] = {
        "DEFAULT": {"auth_strategy": "http_basic",
                    "http_basic_auth_user_file": state / "users",
                    "transport_url": "fake://"},
        "database": {"connection": f"sqlite:///{base}/esi-leap.sqlite"},
        "api": {"host_ip": "127.0.0.1", "api_workers": 1,
                "default_resource_type": "standalone_node"},
        "networking": {"vlan_ranges": f"{PHYSNET}:100:199",
                       "quarantine_vlans": f"{PHYSNET}:999"},
        f"switch:{CFG_SWITCH}": {"driver": "fake",
                                 "physical_network": PHYSNET,
                                 "ip": "192.0.2.99",
                                 "password": CFG_PASSWORD},
    }
    lines = []
    for section, values in sections.items():
        lines.append(f"[{section}]")
        lines += [f"{key} = {value}" for key, value in values.items()]
        lines.append("")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def cfg_srv(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[it_server.EsiLeapServer]:
    """esi-leap with a configuration file (no demo data): the embedded
    default's users file format for http_basic, one admin-made node."""
    it_server.require_executables()
    from esi_leap.cmd import embedded
    base = tmp_path_factory.mktemp("esi-leap-cfg")
    state = base / "state"  # EsiLeapServer reads credentials.json here
    embedded.ensure_users(str(state))
    config = base / "esi-leap.conf"
    config.write_text(_config_text(base, state))
    exe = it_server._venv_bin("esi-leap-dbsync")
    assert exe, "esi-leap-dbsync is not installed"
    done = subprocess.run([exe, "--config-file", str(config), "upgrade"],
                          capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    with it_server.running_server(
            base, args=["--config-file", str(config)]) as srv:
        resp = srv.request("POST", "/v1/nodes", "admin",
                           body={"name": "cfg-node",
                                 "owner": "owner-project"})
        assert resp.status == 201, resp.text
        yield srv


def test_configured_switch_is_listed_read_only(
        cfg_srv: it_server.EsiLeapServer) -> None:
    srv = cfg_srv
    rows, shown = srv.cli_json_many([
        ("admin", "switch", "list", "--long"),
        ("admin", "switch", "show", CFG_SWITCH)])
    row = {r["Name"]: r for r in rows}[CFG_SWITCH]
    assert row["Source"] == "config"
    assert row["Driver"] == "fake"
    assert row["Has Password"] is True
    assert shown["source"] == "config"
    assert shown["connection"].get("ip") == "192.0.2.99"
    assert CFG_PASSWORD not in json.dumps(rows) + json.dumps(shown)
    changed, deleted = srv.cli_many([
        ("admin", "switch", "set", CFG_SWITCH, "--device-type",
         "netmiko_ovs_linux"),
        ("admin", "switch", "delete", CFG_SWITCH)])
    line = one_line_error(changed)
    assert line.startswith(f"Failed to update switch {CFG_SWITCH}: "), line
    assert line.endswith("(HTTP 409)"), line
    line = one_line_error(deleted)
    assert line.startswith(f"Failed to delete switch {CFG_SWITCH}: "), line
    assert line.endswith("(HTTP 409)"), line


def test_attach_and_detach_on_a_configured_switch(
        cfg_srv: it_server.EsiLeapServer) -> None:
    srv = cfg_srv
    port = srv.cli_json("admin", "port", "create", "cfg-eth0", "--node",
                        "cfg-node", "--switch", CFG_SWITCH, "--switch-port",
                        "Ethernet1/1")
    assert port["switch"] == CFG_SWITCH
    assert port["physical_network"] == PHYSNET
    net = srv.cli_json("owner", "network", "create", "cfg-net")
    assert net["vlan"] in POOL
    settle(srv, port["uuid"])
    attached = srv.cli_json("owner", "network", "attach", "cfg-node",
                            "cfg-eth0", "cfg-net", *WAIT)
    assert attached["status"] == "done", attached
    shown, actions = srv.cli_json_many([
        ("owner", "port", "show", "cfg-eth0"),
        ("admin", "network", "action", "list", "--network", "cfg-net",
         "--long")])
    assert [(n["network_name"], n["vlan"], n["mode"])
            for n in shown["networks"]] == [("cfg-net", net["vlan"],
                                             "native")]
    row = {r["UUID"]: r for r in actions}[attached["uuid"]]
    assert (row["Switch"], row["Switch Port"]) == (CFG_SWITCH, "Ethernet1/1")
    detached = srv.cli_json("owner", "network", "detach", "cfg-node",
                            "cfg-eth0", "cfg-net", *WAIT)
    assert detached["status"] == "done", detached
    assert srv.cli_json("owner", "port", "show", port["uuid"]
                        )["networks"] == []
