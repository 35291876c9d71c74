"""``openstack esi node create|show|set|delete`` against the real
embedded server (standalone nodes), beside python-esileapclient's
``openstack esi node list``."""

from __future__ import annotations

import subprocess

import pytest

from tests.integration import server as it_server
from tests.integration.server import esi_leap_server  # noqa: F401
from tests.integration.test_cli_networks import one_line_error

pytestmark = pytest.mark.integration


def test_an_admin_manages_a_standalone_node(
        esi_leap_server: it_server.EsiLeapServer) -> None:  # noqa: F811
    srv = esi_leap_server
    owner = srv.cli_json("admin", "node", "show", "demo-node-1")["owner"]
    created = srv.cli_json(
        "admin", "node", "create", "cli-node", "--owner", owner,
        "--resource-class", "baremetal-large", "--properties",
        '{"cores": 64}', "--maintenance")
    assert (created["name"], created["resource_class"],
            created["properties"]) == ("cli-node", "baremetal-large",
                                       {"cores": 64})
    assert created["maintenance"] == "True"
    shown = srv.cli_json("owner", "node", "show", created["uuid"])
    assert shown["name"] == "cli-node"
    # esileapclient's list sees it too.
    listed = srv.cli_json("admin", "node", "list")
    assert "cli-node" in {row["Name"] for row in listed}
    changed = srv.cli_json("admin", "node", "set", "cli-node", "--name",
                           "cli-node-2", "--no-maintenance")
    assert (changed["name"], changed["maintenance"]) == ("cli-node-2",
                                                          "False")
    srv.cli_ok("admin", "node", "delete", "cli-node-2")
    gone = srv.cli("admin", "node", "show", "cli-node-2")
    assert "not found" in one_line_error(gone).lower()


def test_node_commands_refuse_bad_input_and_callers(
        esi_leap_server: it_server.EsiLeapServer) -> None:  # noqa: F811
    srv = esi_leap_server
    bad = srv.cli("admin", "node", "create", "x", "--owner", "owner",
                  "--properties", "[1, 2]")
    assert "JSON object" in one_line_error(bad)
    nothing = srv.cli("admin", "node", "set", "demo-node-1")
    assert "Nothing to change" in one_line_error(nothing)
    refused = srv.cli("owner", "node", "create", "x", "--owner", "owner")
    assert "403" in one_line_error(refused)
    missing_owner = srv.cli("admin", "node", "create", "x")
    assert missing_owner.returncode == 2
    assert srv.cli_json("admin", "node", "show", "demo-node-1")[
        "name"] == "demo-node-1"


def test_bash_completion_knows_every_esi_group(
        esi_leap_server: it_server.EsiLeapServer) -> None:  # noqa: F811
    """``openstack complete`` (OSC's bash completion script) offers the
    plugin's commands beside python-esileapclient's."""
    srv = esi_leap_server
    assert srv.openstack
    done = subprocess.run([srv.openstack, "complete"], capture_output=True,
                          text=True, timeout=120, check=False,
                          env=it_server.without_os_vars())
    assert done.returncode == 0, done.stderr
    words = {}
    for line in done.stdout.splitlines():
        name, _, value = line.strip().partition("=")
        if name.startswith("cmds_esi"):
            words[name] = set(value.strip("'").split())
    assert {"audit", "finding", "network", "node", "port", "switch",
            "offer", "lease", "event"} <= words["cmds_esi"]
    assert words["cmds_esi_node"] == {"create", "delete", "list", "set",
                                      "show"}
    assert {"start", "list", "show", "remediate"} <= words["cmds_esi_audit"]
