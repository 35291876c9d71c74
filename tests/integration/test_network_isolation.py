"""Tenant network isolation, end to end, on a real switch.

One real ``esi-leap`` all-in-one process (API + manager; SQLite; noauth)
runs with a configuration file this module writes: the VLAN pool
``physnet1:100:199``, the quarantine VLAN ``physnet1:999`` and a
``[switch:ovs1]`` section that drives the switch lab's Open vSwitch
(userspace datapath) with networking-generic-switch's ``netmiko_ovs_linux``
device over SSH on loopback. Each node NIC is a veth in its own network
namespace, all in one IP subnet (see :mod:`tests.integration.switchlab`).

Only esi-leap changes the switch. The tests read it (``ovs-vsctl``) and
send packets; every "blocked" check has a positive control in the same
test. The server and the lab are shared by the module; each test first
brings the world to the state it starts from, through esi-leap's API
(:meth:`World.converge`), so any one of them runs alone
(``pytest tests/integration/test_network_isolation.py::test_x``). The
story, in file order (each step is also a test on its own):

1. two owners' four nodes are leased to lessees A and B, two each; each
   lessee creates a network and attaches its nodes' ``eth0`` natively;
2. A's nodes reach each other, B's too, A's cannot reach B's; a lessee
   cannot attach a port of a node it does not hold;
3. A ends one lease: the port carries the quarantine tag on the switch,
   the released node reaches nobody, and frames tagged with the tenants'
   VLANs sent from it reach no tenant; A leases it again and it rejoins;
4. with the switch's sshd stopped, a change ends as a visible error and
   nothing is lost;
5. every change went over the switch's sshd, one session each.
"""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import helpers
from tests.integration import server as it_server
from tests.integration.switchlab import SwitchLab
from tests.integration.switchlab.fixtures import running_lab

pytestmark = pytest.mark.integration

PHYSNET = "physnet1"
POOL = range(100, 200)
QUARANTINE = 999
SWITCH = "ovs1"
#: Lab nodes, which are also the esi-leap node names.
NODES_A = ("a1", "a2")
NODES_B = ("b1", "b2")
ADMIN_PROJECT = "d" * 31 + "1"
OWNER_1 = "a" * 31 + "1"
OWNER_2 = "a" * 31 + "2"
LESSEE_A = "b" * 31 + "1"
LESSEE_B = "b" * 31 + "2"
#: Who owns which node: each lessee gets one node of each owner.
OWNERS = {"a1": OWNER_1, "b1": OWNER_1, "a2": OWNER_2, "b2": OWNER_2}
#: Each tenant's project and nodes.
LESSEES = {"A": LESSEE_A, "B": LESSEE_B}
TENANT_NODES = {"A": NODES_A, "B": NODES_B}
#: Attempts at an unreachable switch, and the first retry delay.
MAX_ATTEMPTS = 3
RETRY_DELAY = 0.5
WAIT = 60.0


# --------------------------------------------------------------------------
# The server


def _config_text(lab: SwitchLab, base: Path) -> str:
    connection = lab.ssh_connection(fast=True)
    direct = {key: connection.pop(key)
              for key in ("ip", "port", "username", "key_file")}
    options = ",".join(f"{k}:{v}" for k, v in sorted(connection.items()))
    sections: dict[str, dict[str, Any]] = {
        "DEFAULT": {"auth_strategy": "noauth", "transport_url": "",
                    "http_basic_auth_user_file": base / "no-users",
                    "debug": "false"},
        "database": {"connection": f"sqlite:///{base}/esi-leap.sqlite"},
        "api": {"host_ip": "127.0.0.1",
                "default_resource_type": "standalone_node"},
        "manager": {"reconcile_interval": 0.2},
        "networking": {"vlan_ranges": f"{PHYSNET}:{POOL[0]}:{POOL[-1]}",
                       "quarantine_vlans": f"{PHYSNET}:{QUARANTINE}",
                       "action_max_attempts": MAX_ATTEMPTS,
                       "action_retry_delay": RETRY_DELAY},
        f"switch:{SWITCH}": {"driver": "generic_switch",
                             "device_type": "netmiko_ovs_linux",
                             "physical_network": PHYSNET,
                             **direct, "options": options},
    }
    lines = []
    for section, values in sections.items():
        lines.append(f"[{section}]")
        lines += [f"{key} = {value}" for key, value in values.items()]
        lines.append("")
    return "\n".join(lines)


def _dbsync(config: Path) -> None:
    exe = it_server._venv_bin("esi-leap-dbsync")
    if not exe:
        helpers.skip_or_fail("esi-leap-dbsync is not installed")
    assert exe is not None
    done = subprocess.run([exe, "--config-file", str(config), "upgrade"],
                          capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


class Api:
    """Raw HTTP to the server as a project (noauth headers)."""

    def __init__(self, srv: it_server.EsiLeapServer, project: str,
                 roles: str = "member") -> None:
        self.srv, self.project, self.roles = srv, project, roles

    def __call__(self, method: str, path: str, body: Any = None,
                 **params: Any) -> it_server.HttpResponse:
        return self.srv.request(
            method, path, body=body, params=params or None,
            headers={"X-Project-Id": self.project, "X-Roles": self.roles})

    def ok(self, method: str, path: str, body: Any = None,
           status: int = 200) -> Any:
        resp = self(method, path, body)
        assert resp.status == status, (
            f"{method} {path} as {self.project}: {resp.status} {resp.text}"
            f"\n--- esi-leap log tail ---\n{self.srv.log_tail(30)}")
        return resp.json()


@dataclasses.dataclass
class World:
    srv: it_server.EsiLeapServer
    lab: SwitchLab
    admin: Api
    lessee: dict[str, Api]                # "A"/"B" -> client
    nodes: dict[str, str]                 # node name -> uuid
    leases: dict[str, str]                # node name -> lease uuid
    networks: dict[str, dict[str, Any]]   # "A"/"B" -> network

    def vlan(self, tenant: str) -> int:
        return int(self.networks[tenant]["vlan"])

    def port(self, node: str) -> str:
        return self.lab.nodes[node].port

    def wait(self, check: Any, what: str, timeout: float = WAIT) -> Any:
        try:
            return it_server.wait_until(check, timeout, interval=0.1,
                                        what=what)
        except TimeoutError as exc:
            raise AssertionError(f"{exc}\n--- esi-leap log tail ---\n"
                                 f"{self.srv.log_tail(40)}") from None

    def wait_lease(self, uuid: str, wanted: str) -> dict[str, Any]:
        def check() -> dict[str, Any] | None:
            lease = self.admin.ok("GET", f"/v1/leases/{uuid}")
            return lease if lease["status"] == wanted else None
        result: dict[str, Any] = self.wait(check, f"lease {uuid} {wanted}")
        return result

    def lease(self, node: str, project: str) -> str:
        lease = self.admin.ok("POST", "/v1/leases", {
            "resource_uuid": self.nodes[node], "project_id": project},
            status=201)
        return str(lease["uuid"])

    def attach(self, tenant: str, node: str,
               network: str | None = None) -> it_server.HttpResponse:
        return self.lessee[tenant](
            "POST", f"/v1/nodes/{self.nodes[node]}/ports/eth0/networks",
            {"network": network or self.networks[tenant]["uuid"],
             "mode": "native"})

    def accepted(self, resp: it_server.HttpResponse) -> dict[str, Any]:
        """A 202 with a pending action and its Location."""
        assert resp.status == 202, resp.text
        action: dict[str, Any] = resp.json()
        assert action["status"] == "pending", action
        location = resp.headers.get("Location", "")
        assert location.endswith(f"/v1/network_actions/{action['uuid']}"), \
            resp.headers
        return action

    def action(self, tenant: str, uuid: str) -> dict[str, Any]:
        result: dict[str, Any] = self.lessee[tenant].ok(
            "GET", f"/v1/network_actions/{uuid}")
        return result

    def finished(self, tenant: str, uuid: str) -> dict[str, Any]:
        """Poll the action until it is done or in error."""
        def check() -> dict[str, Any] | None:
            action = self.action(tenant, uuid)
            return action if action["status"] in ("done", "error") else None
        result: dict[str, Any] = self.wait(check, f"action {uuid} finished")
        return result

    def attachments(self, node: str) -> list[dict[str, Any]]:
        listed = self.admin.ok(
            "GET", f"/v1/nodes/{self.nodes[node]}/ports/eth0/networks")
        return list(listed["networks"])

    def eth0(self, node: str) -> dict[str, Any]:
        ports = self.admin.ok("GET", f"/v1/nodes/{self.nodes[node]}/ports")
        (port,) = [p for p in ports["ports"] if p["name"] == "eth0"]
        return dict(port)

    def hold(self, tenant: str, node: str) -> None:
        """``tenant`` holds ``node`` (an active lease), leasing it anew
        when its lease has ended."""
        status = self.admin.ok(
            "GET", f"/v1/leases/{self.leases[node]}")["status"]
        if status not in ("active", "created"):
            self.leases[node] = self.lease(node, LESSEES[tenant])
        self.wait_lease(self.leases[node], "active")

    def release(self, tenant: str, node: str) -> None:
        """``tenant`` ends its lease of ``node``; the manager frees it."""
        ended = self.lessee[tenant]("DELETE",
                                    f"/v1/leases/{self.leases[node]}")
        assert ended.status in (200, 202, 204), ended.text
        self.wait_lease(self.leases[node], "deleted")

    def change(self, tenant: str, resp: it_server.HttpResponse) -> None:
        """The network action ``resp`` accepted finishes as done."""
        action = self.accepted(resp)
        done = self.finished(tenant, action["uuid"])
        assert done["status"] == "done", done

    def detach(self, tenant: str, node: str,
               network: str) -> it_server.HttpResponse:
        return self.lessee[tenant](
            "DELETE", f"/v1/nodes/{self.nodes[node]}/ports/eth0/networks/"
                      f"{network}")

    def converge(self, attached: bool = True,
                 released: tuple[str, ...] = ()) -> None:
        """Bring the world to the state a test starts from, through
        esi-leap: every node but ``released`` held by its tenant and (when
        ``attached``) natively on its tenant's network only, else on no
        network; the ``released`` nodes' leases ended. Does only what is
        missing, so in file order it costs a few reads."""
        for tenant, names in TENANT_NODES.items():
            own = self.networks[tenant]["uuid"]
            for node in names:
                if node in released:
                    if self.admin.ok("GET", f"/v1/leases/"
                                     f"{self.leases[node]}")["status"] in (
                                         "active", "created"):
                        self.hold(tenant, node)
                        self.release(tenant, node)
                    continue
                self.hold(tenant, node)
                on = [a["network_uuid"] for a in self.attachments(node)]
                for network in on:
                    if not attached or network != own:
                        self.change(tenant,
                                    self.detach(tenant, node, network))
                if attached and own not in on:
                    self.change(tenant, self.attach(tenant, node))

    def assert_access(self, node: str, vlan: int) -> None:
        """On the switch, the node's port is an access port of ``vlan``."""
        state = self.lab.port_state(self.port(node))
        assert (state.tag, state.vlan_mode, state.trunks) == (
            vlan, "access", frozenset()), state
        assert not state.carries_all_vlans


def _build_world(srv: it_server.EsiLeapServer, lab: SwitchLab) -> World:
    admin = Api(srv, ADMIN_PROJECT, "admin")
    lessee = {"A": Api(srv, LESSEE_A), "B": Api(srv, LESSEE_B)}
    switch = admin.ok("GET", f"/v1/switches/{SWITCH}")
    assert (switch["source"], switch["device_type"]) == (
        "config", "netmiko_ovs_linux")
    nodes: dict[str, str] = {}
    for name in (*NODES_A, *NODES_B):
        node = admin.ok("POST", "/v1/nodes", {
            "name": name, "owner": OWNERS[name],
            "resource_class": "baremetal"}, status=201)
        nodes[name] = str(node["uuid"])
        admin.ok("POST", "/v1/ports", {
            "node": nodes[name], "name": "eth0", "switch": SWITCH,
            "switch_port": lab.nodes[name].port}, status=201)
    world = World(srv=srv, lab=lab, admin=admin, lessee=lessee, nodes=nodes,
                  leases={}, networks={})
    for tenant, names, project in (("A", NODES_A, LESSEE_A),
                                   ("B", NODES_B, LESSEE_B)):
        for name in names:
            world.leases[name] = world.lease(name, project)
        world.networks[tenant] = lessee[tenant].ok(
            "POST", "/v1/networks", {"name": f"net-{tenant}"}, status=201)
    for uuid in world.leases.values():
        world.wait_lease(uuid, "active")
    return world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The server, the lab, four leased nodes and two networks (nothing
    attached yet); everything is torn down whatever happens."""
    it_server.require_executables(need_cli=False)
    with running_lab(QUARANTINE, (*NODES_A, *NODES_B)) as lab:
        base = tmp_path_factory.mktemp("isolation")
        config = base / "esi-leap.conf"
        config.write_text(_config_text(lab, base))
        _dbsync(config)
        with it_server.running_server(
                base, args=["--config-file", str(config)]) as srv:
            yield _build_world(srv, lab)


@pytest.fixture
def attached(world: World) -> World:
    """Every node held by its tenant, on its tenant's network."""
    world.converge(attached=True)
    return world


# --------------------------------------------------------------------------
# The story


def test_lessees_attach_and_their_networks_are_isolated(world: World
                                                        ) -> None:
    world.converge(attached=False)
    lab = world.lab
    vlan_a, vlan_b = world.vlan("A"), world.vlan("B")
    assert vlan_a in POOL and vlan_b in POOL and vlan_a != vlan_b
    # Before: every port sits on the quarantine VLAN.
    for node in (*NODES_A, *NODES_B):
        world.assert_access(node, QUARANTINE)

    actions = [(tenant, world.accepted(world.attach(tenant, node)))
               for tenant, names in (("A", NODES_A), ("B", NODES_B))
               for node in names]
    for tenant, action in actions:
        assert action["kind"] == "attach"
        done = world.finished(tenant, action["uuid"])
        assert (done["status"], done["message"]) == ("done", None), done

    for names, tenant in ((NODES_A, "A"), (NODES_B, "B")):
        for node in names:
            world.assert_access(node, world.vlan(tenant))
            assert world.attachments(node) == [{
                "network_uuid": world.networks[tenant]["uuid"],
                "network_name": f"net-{tenant}",
                "vlan": world.vlan(tenant), "mode": "native"}]

    # Same network: reach (positive controls) ...
    assert lab.reaches("a1", "a2")
    assert lab.reaches("b1", "b2")
    # ... different networks: blocked, both ways.
    for a in NODES_A:
        for b in NODES_B:
            assert not lab.reaches(a, b), f"{a} reaches {b}"
            assert not lab.reaches(b, a), f"{b} reaches {a}"


def test_a_lessee_cannot_attach_a_node_it_does_not_hold(attached: World
                                                         ) -> None:
    world = attached
    before = world.admin.ok("GET", "/v1/network_actions")["network_actions"]
    # A's attempt on B's node, to A's own network, and B's to A's node.
    for tenant, node in (("A", "b1"), ("B", "a1")):
        resp = world.attach(tenant, node)
        assert resp.status in (403, 404), resp.text
        assert resp.json()["faultstring"], resp.text
    after = world.admin.ok("GET", "/v1/network_actions")["network_actions"]
    assert len(after) == len(before)
    # Nothing changed, in esi-leap and on the switch.
    assert world.attachments("b1")[0]["network_uuid"] == \
        world.networks["B"]["uuid"]
    world.assert_access("b1", world.vlan("B"))
    world.assert_access("a1", world.vlan("A"))
    # Positive control: B may change its own node (to its own network, where
    # it already is: a conflict, not a refusal of access).
    own = world.attach("B", "b1")
    assert own.status == 409, own.text


def test_a_released_node_is_quarantined_and_reaches_nobody(attached: World
                                                           ) -> None:
    world = attached
    lab = world.lab
    vlan_a, vlan_b = world.vlan("A"), world.vlan("B")
    earlier = {a["uuid"] for a in world.admin.ok(
        "GET", f"/v1/network_actions?node={world.nodes['a1']}")[
            "network_actions"]}
    world.release("A", "a1")

    # On the switch: the quarantine VLAN, as an access port (not merely
    # "not a tenant's VLAN", and not a trunk of every VLAN).
    world.assert_access("a1", QUARANTINE)
    # The others are untouched.
    world.assert_access("a2", vlan_a)
    for node in NODES_B:
        world.assert_access(node, vlan_b)
    assert world.attachments("a1") == []
    assert world.eth0("a1")["pending_action"] is None
    of_a1 = world.admin.ok(
        "GET", f"/v1/network_actions?node={world.nodes['a1']}")
    assert [(a["kind"], a["status"]) for a in of_a1["network_actions"]
            if a["uuid"] not in earlier] == [("quarantine", "done")], of_a1

    # The released node reaches nobody ...
    for other in ("a2", *NODES_B):
        assert not lab.reaches("a1", other), f"a1 reaches {other}"
        assert not lab.reaches(other, "a1"), f"{other} reaches a1"
    # ... while the tenants' own traffic still flows (positive control).
    assert lab.reaches("b1", "b2")

    # VLAN hopping from the released port: frames tagged with either live
    # tenant VLAN (and untagged) reach no tenant ...
    tenants = ["a2", *NODES_B]
    for vid in (vlan_b, vlan_a, None):
        assert lab.tagged_frame_reaches("a1", vid, tenants) == set(), vid
    # ... while the same helper delivers where it must: an untagged frame
    # within B's network, and not beyond it.
    assert lab.tagged_frame_reaches("b1", None, tenants) == {"b2"}

    # A no longer holds the node.
    resp = world.attach("A", "a1")
    assert resp.status in (403, 404), resp.text
    assert world.attachments("a1") == []


def test_the_released_node_can_be_leased_again_and_rejoin(world: World
                                                          ) -> None:
    """A's remaining node still works: once A holds a1 again and attaches
    it, a1 and a2 reach each other (and still not B's nodes)."""
    world.converge(attached=True, released=("a1",))
    world.assert_access("a1", QUARANTINE)
    lab = world.lab
    world.leases["a1"] = world.lease("a1", LESSEE_A)
    world.wait_lease(world.leases["a1"], "active")
    action = world.accepted(world.attach("A", "a1"))
    assert world.finished("A", action["uuid"])["status"] == "done"
    world.assert_access("a1", world.vlan("A"))
    assert lab.reaches("a1", "a2")
    assert not lab.reaches("a1", "b1")


def test_an_unreachable_switch_gives_a_visible_error_and_loses_nothing(
        attached: World) -> None:
    world = attached
    lab = world.lab
    vlan_b = world.vlan("B")
    net_b = world.networks["B"]["uuid"]
    before = world.attachments("b2")
    lab.stop_sshd()
    try:
        resp = world.lessee["B"](
            "DELETE", f"/v1/nodes/{world.nodes['b2']}/ports/eth0/networks/"
                      f"{net_b}")
        action = world.accepted(resp)
        assert action["kind"] == "detach"

        # Pending with the failed attempt's message while it retries ...
        def retrying() -> dict[str, Any] | None:
            seen = world.action("B", action["uuid"])
            if seen["status"] == "pending" and seen["attempts"] >= 1:
                return seen
            assert seen["status"] != "done", seen
            return None
        pending = world.wait(retrying, "a failed attempt")
        assert f"attempt 1 of {MAX_ATTEMPTS} failed" in pending["message"]
        assert "unreachable" in pending["message"], pending
        # ... then error, with the switch's message.
        failed = world.finished("B", action["uuid"])
        assert failed["status"] == "error", failed
        assert failed["attempts"] == MAX_ATTEMPTS, failed
        assert failed["message"].startswith(
            f"gave up after {MAX_ATTEMPTS} attempts"), failed
        assert SWITCH in failed["message"], failed
        # Nothing lost: the attachment is still listed, no action hangs.
        assert world.attachments("b2") == before
        assert world.eth0("b2")["pending_action"] is None
    finally:
        lab.start_sshd()
    # The switch was not changed, and B's network still works.
    world.assert_access("b2", vlan_b)
    assert lab.reaches("b1", "b2")

    # Positive control: the same detach succeeds once the switch answers,
    # and the port goes to the quarantine VLAN.
    retried = world.accepted(world.lessee["B"](
        "DELETE", f"/v1/nodes/{world.nodes['b2']}/ports/eth0/networks/"
                  f"{net_b}"))
    assert world.finished("B", retried["uuid"])["status"] == "done"
    assert world.attachments("b2") == []
    world.assert_access("b2", QUARANTINE)
    assert not lab.reaches("b1", "b2")


def test_the_switch_sessions_came_from_esi_leap(attached: World) -> None:
    """Every change goes over the lab's sshd (the switch is changed only
    through esi-leap's generic_switch driver): one session per change
    when changes come one at a time, and over the module's whole life no
    session that was neither a change nor an audit's read-back."""
    world = attached
    assert world.lab.workdir is not None
    log = world.lab.workdir / "ssh" / "sshd.log"

    def logins() -> int:
        return log.read_text().count("Accepted publickey")

    def done() -> int:
        changes = world.admin.ok("GET", "/v1/network_actions")[
            "network_actions"]
        return len([a for a in changes if a["status"] == "done"])

    before, done_before = logins(), done()
    net_b = world.networks["B"]["uuid"]
    world.change("B", world.detach("B", "b2", net_b))
    world.assert_access("b2", QUARANTINE)
    world.change("B", world.attach("B", "b2"))
    world.assert_access("b2", world.vlan("B"))
    assert (done() - done_before, logins() - before) == (2, 2)
    # Batched changes may share a session; none went unused.
    audits = len(world.admin.ok("GET", "/v1/audits")["audits"])
    assert 2 <= logins() <= done() + audits
