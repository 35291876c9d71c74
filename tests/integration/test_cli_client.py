"""The real ``openstack esi`` CLI against the real ``esi-leap`` process.

One embedded ``esi-leap`` (SQLite, in-process manager, demo users
admin/owner/lessee, six demo nodes owned by owner-project) serves the whole
module. The ``world`` fixture builds offers and leases through the CLI;
the read-only tests come first, the tests that change the world (update,
delete) after them. Each CLI call costs about a second, so independent
read-only calls run concurrently (:meth:`EsiLeapServer.cli_json_many`).

Demo nodes: odd numbers are ``baremetal-large`` with 32 cpus, even ones
``baremetal-small`` with 16 cpus.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration import server as it_server

pytestmark = pytest.mark.integration

FMT = "%Y-%m-%dT%H:%M:%S"
END_OF_TIME = "9999-12-31T23:59:59.999999"

OFFER_LIST_COLUMNS = ["UUID", "Resource", "Resource Class", "Lessee",
                      "Start Time", "End Time", "Status", "Availabilities"]
OFFER_LONG_COLUMNS = ["UUID", "Resource", "Resource Class",
                      "Resource Properties", "Lessee", "Start Time",
                      "End Time", "Status", "Availabilities", "Project",
                      "Parent Lease UUID"]
OFFER_CREATE_FIELDS = ["uuid", "resource", "resource_class", "lessee",
                       "start_time", "end_time", "status", "availabilities"]
OFFER_SHOW_FIELDS = sorted([
    "availabilities", "end_time", "lessee", "lessee_id", "name",
    "parent_lease_uuid", "project", "project_id", "properties", "resource",
    "resource_class", "resource_properties", "resource_type",
    "resource_uuid", "start_time", "status", "uuid"])
LEASE_LIST_COLUMNS = ["UUID", "Resource", "Resource Class", "Project",
                      "Start Time", "End Time", "Offer UUID", "Status",
                      "Purpose"]
LEASE_LONG_COLUMNS = ["UUID", "Resource", "Resource Class",
                      "Resource Properties", "Project", "Start Time",
                      "End Time", "Expire Time", "Fulfill Time", "Offer UUID",
                      "Owner", "Parent Lease UUID", "Status", "Purpose"]
LEASE_SHORT_FIELDS = ["uuid", "resource", "resource_class", "project",
                      "start_time", "end_time", "offer_uuid", "status",
                      "purpose"]
LEASE_SHOW_FIELDS = sorted([
    "end_time", "expire_time", "fulfill_time", "name", "offer_uuid",
    "owner", "owner_id", "parent_lease_uuid", "project", "project_id",
    "properties", "purpose", "resource", "resource_class",
    "resource_properties", "resource_type", "resource_uuid", "start_time",
    "status", "uuid"])
NODE_LIST_COLUMNS = ["Name", "Owner", "Lessee", "Resource Class",
                     "Provision State", "Maintenance", "Offer UUID",
                     "Lease UUID"]
NODE_LONG_COLUMNS = ["UUID", "Name", "Owner", "Lessee", "Resource Class",
                     "Provision State", "Maintenance", "Properties",
                     "Offer UUID", "Lease UUID", "Future Offers",
                     "Future Leases"]
EVENT_COLUMNS = ["ID", "Event Type", "Event Time", "Object Type",
                 "Object UUID", "Resource Type", "Resource UUID", "Lessee ID",
                 "Owner ID"]

TIME_RE = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                     r"[0-9a-f]{12}$")

#: Fixed windows far from "now" (the demo nodes are free then).
FUTURE_OFFER = ("2030-01-01T00:00:00", "2030-02-01T00:00:00")
FUTURE_CLAIM = ("2031-01-01T00:00:00", "2031-01-10T00:00:00")
DIRECT_LEASE = ("2032-03-01T00:00:00", "2032-03-05T00:00:00")


def fmt(t: datetime.datetime) -> str:
    return t.strftime(FMT)


def uuids(rows: list[dict[str, Any]], key: str = "UUID") -> set[str]:
    return {r[key] for r in rows}


def one_line_error(proc: Any) -> str:
    """The CLI's error: rc 1, nothing on stdout, one line on stderr."""
    assert proc.returncode == 1, it_server.describe(proc)
    assert proc.stdout == "", it_server.describe(proc)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, it_server.describe(proc)
    return str(lines[0])


@dataclasses.dataclass
class World:
    """What the ``world`` fixture made, for the tests to check."""

    srv: it_server.EsiLeapServer
    now: datetime.datetime
    nodes: dict[str, dict[str, Any]]   # name -> `node list --long` row
    offer_future: dict[str, Any]       # demo-node-1, all options
    offer_now: dict[str, Any]          # demo-node-2, spans now
    offer_plain: dict[str, Any]        # demo-node-4, no options
    lease_direct: dict[str, Any]       # demo-node-3 -> lessee, all options
    lease_admin: dict[str, Any]        # demo-node-5 -> admin-project, plain
    claim_now: dict[str, Any]          # offer_now claimed by lessee, plain
    claim_future: dict[str, Any]       # offer_plain claimed with options
    activation_seconds: float = 0.0    # claim -> `lease show` says active

    @property
    def lessee_leases(self) -> set[str]:
        return {self.lease_direct["uuid"], self.claim_now["uuid"],
                self.claim_future["uuid"]}

    @property
    def all_leases(self) -> set[str]:
        return self.lessee_leases | {self.lease_admin["uuid"]}

    @property
    def all_offers(self) -> set[str]:
        return {self.offer_future["uuid"], self.offer_now["uuid"],
                self.offer_plain["uuid"]}


def wait_for_lease_status(srv: it_server.EsiLeapServer, user: str,
                          lease: str, status: str,
                          timeout: float = 20.0) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        shown = srv.cli_json(user, "lease", "show", lease)
        return shown if shown["status"] == status else None
    result: dict[str, Any] = it_server.wait_until(
        check, timeout, interval=0.2, what=f"lease {lease} {status}")
    return result


@pytest.fixture(scope="module")
def srv(request: pytest.FixtureRequest,
        tmp_path_factory: pytest.TempPathFactory
        ) -> Iterator[it_server.EsiLeapServer]:
    yield from it_server.serve_for_module(request, tmp_path_factory)


@pytest.fixture(scope="module")
def world(srv: it_server.EsiLeapServer) -> World:
    now = datetime.datetime.now(datetime.timezone.utc).replace(
        microsecond=0, tzinfo=None)
    long_nodes = srv.cli_json("owner", "node", "list", "--long")
    nodes = {n["Name"]: n for n in long_nodes}
    assert sorted(nodes) == [f"demo-node-{i}" for i in range(1, 7)]

    offer_future, offer_now, offer_plain, lease_direct, lease_admin = (
        srv.cli_json_many([
            ("owner", "offer", "create", "demo-node-1",
             "--start-time", FUTURE_OFFER[0], "--end-time", FUTURE_OFFER[1],
             "--lessee", "lessee-project", "--name", "it-future-offer",
             "--properties", json.dumps({"flavor": "gold", "rank": 1})),
            ("owner", "offer", "create", "demo-node-2",
             "--start-time", fmt(now - datetime.timedelta(hours=1)),
             "--end-time", fmt(now + datetime.timedelta(days=30)),
             "--lessee", "lessee-project", "--name", "it-now-offer"),
            ("owner", "offer", "create", "demo-node-4"),
            ("owner", "lease", "create", "demo-node-3", "lessee-project",
             "--start-time", DIRECT_LEASE[0], "--end-time", DIRECT_LEASE[1],
             "--name", "it-direct-lease", "--purpose", "benchmarking",
             "--properties", json.dumps({"k": "v"})),
            ("owner", "lease", "create", "demo-node-5", "admin-project"),
        ]))

    started = time.monotonic()
    claim_now, claim_future = srv.cli_json_many([
        ("lessee", "offer", "claim", offer_now["uuid"]),
        ("lessee", "offer", "claim", offer_plain["uuid"],
         "--start-time", FUTURE_CLAIM[0], "--end-time", FUTURE_CLAIM[1],
         "--properties", json.dumps({"note": "claimed-future"})),
    ])
    wait_for_lease_status(srv, "lessee", claim_now["uuid"], "active")
    activation = time.monotonic() - started
    wait_for_lease_status(srv, "owner", lease_admin["uuid"], "active")
    return World(srv=srv, now=now, nodes=nodes, offer_future=offer_future,
                 offer_now=offer_now, offer_plain=offer_plain,
                 lease_direct=lease_direct, lease_admin=lease_admin,
                 claim_now=claim_now, claim_future=claim_future,
                 activation_seconds=activation)


# --------------------------------------------------------------------------
# Nodes


def test_node_list(world: World) -> None:
    srv = world.srv
    plain, long_, large, by_owner, by_lessee, as_lessee = srv.cli_json_many([
        ("owner", "node", "list"),
        ("owner", "node", "list", "--long"),
        ("owner", "node", "list", "--resource-class", "baremetal-large"),
        ("admin", "node", "list", "--owner", "owner-project"),
        ("owner", "node", "list", "--lessee", "lessee-project"),
        ("lessee", "node", "list"),
    ])
    assert all(list(row) == NODE_LIST_COLUMNS for row in plain)
    rows = {r["Name"]: r for r in plain}
    assert sorted(rows) == [f"demo-node-{i}" for i in range(1, 7)]
    assert {r["Owner"] for r in plain} == {"owner-project"}
    node2 = rows["demo-node-2"]
    assert node2["Lessee"] == "lessee-project"
    assert node2["Offer UUID"] == world.offer_now["uuid"]
    assert node2["Lease UUID"] == world.claim_now["uuid"]
    assert node2["Resource Class"] == "baremetal-small"
    assert rows["demo-node-5"]["Lessee"] == "admin-project"
    assert rows["demo-node-5"]["Lease UUID"] == world.lease_admin["uuid"]
    assert rows["demo-node-6"]["Lessee"] == ""
    assert rows["demo-node-6"]["Provision State"] == "available"

    assert all(list(row) == NODE_LONG_COLUMNS for row in long_)
    longs = {r["Name"]: r for r in long_}
    assert all(UUID_RE.match(r["UUID"]) for r in long_)
    assert longs["demo-node-1"]["Properties"]["cpus"] == 32
    assert longs["demo-node-2"]["Properties"]["cpus"] == 16
    assert {n: r["UUID"] for n, r in longs.items()} == {
        n: r["UUID"] for n, r in world.nodes.items()}
    assert longs["demo-node-6"] == world.nodes["demo-node-6"]
    assert longs["demo-node-4"]["Offer UUID"] == world.offer_plain["uuid"]
    # The future offer and lease show up as "future" on their nodes.
    assert world.offer_future["uuid"] in json.dumps(
        longs["demo-node-1"]["Future Offers"])
    assert world.lease_direct["uuid"] in json.dumps(
        longs["demo-node-3"]["Future Leases"])

    assert uuids(large, "Name") == {"demo-node-1", "demo-node-3",
                                    "demo-node-5"}
    assert {r["Resource Class"] for r in large} == {"baremetal-large"}
    assert uuids(by_owner, "Name") == set(rows)
    assert uuids(by_lessee, "Name") == {"demo-node-2"}
    # The lessee sees the node it leases now.
    assert "demo-node-2" in uuids(as_lessee, "Name")
    assert "demo-node-6" not in uuids(as_lessee, "Name")


# --------------------------------------------------------------------------
# Offers


def test_offer_create(world: World) -> None:
    future, now_, plain = (world.offer_future, world.offer_now,
                           world.offer_plain)
    for offer in (future, now_, plain):
        assert list(offer) == OFFER_CREATE_FIELDS
        assert UUID_RE.match(offer["uuid"])
        assert offer["status"] == "available"
    assert future["resource"] == "demo-node-1"
    assert future["resource_class"] == "baremetal-large"
    assert future["lessee"] == "lessee-project"
    assert (future["start_time"], future["end_time"]) == FUTURE_OFFER
    assert future["availabilities"] == [list(FUTURE_OFFER)]
    assert now_["resource"] == "demo-node-2"
    assert now_["start_time"] == fmt(world.now - datetime.timedelta(hours=1))
    # No options: starts now, never ends, open to every project.
    assert plain["resource"] == "demo-node-4"
    assert plain["end_time"] == END_OF_TIME
    start = datetime.datetime.fromisoformat(plain["start_time"])
    assert abs((start - world.now).total_seconds()) < 120
    assert plain["lessee"] in ("", None)


def test_offer_show_by_uuid_and_name(world: World) -> None:
    srv = world.srv
    by_uuid, by_name, as_lessee = srv.cli_json_many([
        ("owner", "offer", "show", world.offer_future["uuid"]),
        ("owner", "offer", "show", "it-future-offer"),
        ("lessee", "offer", "show", "it-future-offer"),
    ])
    assert sorted(by_uuid) == OFFER_SHOW_FIELDS
    assert by_name == by_uuid
    assert as_lessee["uuid"] == by_uuid["uuid"]
    assert by_uuid["uuid"] == world.offer_future["uuid"]
    assert by_uuid["name"] == "it-future-offer"
    assert by_uuid["properties"] == {"flavor": "gold", "rank": 1}
    assert by_uuid["resource"] == "demo-node-1"
    assert by_uuid["resource_uuid"] == world.nodes["demo-node-1"]["UUID"]
    assert by_uuid["resource_type"] == "standalone_node"
    assert by_uuid["resource_properties"]["cpus"] == 32
    assert by_uuid["project"] == "owner-project"
    assert by_uuid["project_id"] == srv.project_id("owner")
    assert by_uuid["lessee"] == "lessee-project"
    assert by_uuid["lessee_id"] == srv.project_id("lessee")
    assert by_uuid["status"] == "available"
    assert (by_uuid["start_time"], by_uuid["end_time"]) == FUTURE_OFFER
    assert by_uuid["parent_lease_uuid"] is None


def test_offer_list_filters(world: World) -> None:
    srv = world.srv
    w = world
    avail = (fmt(w.now + datetime.timedelta(days=1)),
             fmt(w.now + datetime.timedelta(days=2)))
    (plain, long_, any_, available, project, by_node, by_class, time_range,
     availability, prop, as_lessee) = srv.cli_json_many([
         ("owner", "offer", "list"),
         ("owner", "offer", "list", "--long"),
         ("owner", "offer", "list", "--status", "any"),
         ("owner", "offer", "list", "--status", "available"),
         ("owner", "offer", "list", "--project", "owner-project"),
         ("owner", "offer", "list", "--resource-uuid",
          w.nodes["demo-node-2"]["UUID"]),
         ("owner", "offer", "list", "--resource-class", "baremetal-small"),
         ("owner", "offer", "list", "--time-range",
          "2030-01-10T00:00:00", "2030-01-12T00:00:00"),
         ("owner", "offer", "list", "--availability-range", *avail),
         ("owner", "offer", "list", "--property", "cpus>=32"),
         ("lessee", "offer", "list"),
     ])
    assert all(list(r) == OFFER_LIST_COLUMNS for r in plain)
    assert uuids(plain) == w.all_offers
    rows = {r["UUID"]: r for r in plain}
    fut = rows[w.offer_future["uuid"]]
    assert fut["Resource"] == "demo-node-1"
    assert fut["Lessee"] == "lessee-project"
    assert (fut["Start Time"], fut["End Time"]) == FUTURE_OFFER
    # The claim took the first days of offer_now out of its availability.
    now_avail = rows[w.offer_now["uuid"]]["Availabilities"]
    assert now_avail[0][0] == w.claim_now["end_time"]

    assert all(list(r) == OFFER_LONG_COLUMNS for r in long_)
    longs = {r["UUID"]: r for r in long_}
    assert {r["Project"] for r in long_} == {"owner-project"}
    assert longs[w.offer_future["uuid"]]["Resource Properties"] == (
        w.nodes["demo-node-1"]["Properties"])

    assert uuids(any_) == w.all_offers
    assert uuids(available) == w.all_offers
    assert {r["Status"] for r in available} == {"available"}
    assert uuids(project) == w.all_offers
    assert uuids(by_node) == {w.offer_now["uuid"]}
    assert uuids(by_class) == {w.offer_now["uuid"], w.offer_plain["uuid"]}
    assert uuids(time_range) == {w.offer_future["uuid"],
                                 w.offer_plain["uuid"]}
    # offer_now is taken then by the claim; offer_future is years away.
    assert uuids(availability) == {w.offer_plain["uuid"]}
    assert uuids(prop) == {w.offer_future["uuid"]}
    assert uuids(as_lessee) == w.all_offers


# --------------------------------------------------------------------------
# Claims and leases


def test_offer_claim(world: World) -> None:
    w = world
    plain, opts = w.claim_now, w.claim_future
    for lease in (plain, opts):
        assert list(lease) == LEASE_SHORT_FIELDS
        assert UUID_RE.match(lease["uuid"])
        assert lease["project"] == "lessee-project"
    assert plain["offer_uuid"] == w.offer_now["uuid"]
    assert plain["resource"] == "demo-node-2"
    assert plain["status"] in ("created", "active")
    start = datetime.datetime.fromisoformat(plain["start_time"])
    assert abs((start - w.now).total_seconds()) < 120
    assert plain["end_time"] > plain["start_time"]

    assert opts["offer_uuid"] == w.offer_plain["uuid"]
    assert opts["resource"] == "demo-node-4"
    assert (opts["start_time"], opts["end_time"]) == FUTURE_CLAIM
    assert opts["status"] == "created"
    shown = w.srv.cli_json("lessee", "lease", "show", opts["uuid"])
    assert shown["properties"] == {"note": "claimed-future"}
    assert shown["owner"] == "owner-project"


def test_claimed_lease_becomes_active(world: World) -> None:
    """The in-process manager fulfils a lease that starts now on one of
    its next passes (it runs every second by default): within 5 s of the
    lease's start on the server's clock (CLI calls are slow, so the wall
    clock is not used). 5 s, not one, because a pass on a loaded 2-core
    CI machine can be late; how fast it really is, the benchmarks say."""
    w = world
    # Wall clock, including the claim and the polling CLI calls.
    assert w.activation_seconds < 60, w.activation_seconds
    shown = w.srv.cli_json("lessee", "lease", "show", w.claim_now["uuid"])
    assert sorted(shown) == LEASE_SHOW_FIELDS
    assert shown["status"] == "active"
    assert shown["fulfill_time"] is not None
    lag = (datetime.datetime.fromisoformat(shown["fulfill_time"])
           - datetime.datetime.fromisoformat(shown["start_time"]))
    assert datetime.timedelta(0) <= lag < datetime.timedelta(seconds=5), lag
    assert shown["expire_time"] is None
    assert shown["resource_uuid"] == w.nodes["demo-node-2"]["UUID"]
    assert shown["project_id"] == w.srv.project_id("lessee")
    assert shown["owner_id"] == w.srv.project_id("owner")


def test_lease_create(world: World) -> None:
    w = world
    srv = w.srv
    direct, admin = w.lease_direct, w.lease_admin
    assert list(direct) == LEASE_SHORT_FIELDS
    assert direct["resource"] == "demo-node-3"
    assert direct["project"] == "lessee-project"
    assert (direct["start_time"], direct["end_time"]) == DIRECT_LEASE
    assert direct["purpose"] == "benchmarking"
    assert direct["offer_uuid"] is None
    assert direct["status"] == "created"
    assert admin["project"] == "admin-project"
    assert admin["resource"] == "demo-node-5"

    by_uuid, by_name = srv.cli_json_many([
        ("owner", "lease", "show", direct["uuid"]),
        ("lessee", "lease", "show", "it-direct-lease"),
    ])
    assert by_name == by_uuid
    assert by_uuid["name"] == "it-direct-lease"
    assert by_uuid["properties"] == {"k": "v"}
    assert by_uuid["purpose"] == "benchmarking"
    assert by_uuid["owner"] == "owner-project"
    assert by_uuid["owner_id"] == srv.project_id("owner")
    assert by_uuid["project_id"] == srv.project_id("lessee")
    assert by_uuid["resource_uuid"] == w.nodes["demo-node-3"]["UUID"]
    assert by_uuid["resource_type"] == "standalone_node"
    assert by_uuid["status"] == "created"
    assert by_uuid["fulfill_time"] is None


def test_lease_list_filters(world: World) -> None:
    w = world
    srv = w.srv
    d, a = w.lease_direct["uuid"], w.lease_admin["uuid"]
    cn, cf = w.claim_now["uuid"], w.claim_future["uuid"]
    (as_lessee, long_, active, created, any_, by_offer, project, owner,
     by_node, by_class, purpose, time_range, prop, all_,
     ) = srv.cli_json_many([
        ("lessee", "lease", "list"),
        ("owner", "lease", "list", "--long"),
        ("owner", "lease", "list", "--status", "active"),
        ("owner", "lease", "list", "--status", "created"),
        ("owner", "lease", "list", "--status", "any"),
        ("owner", "lease", "list", "--offer-uuid", w.offer_now["uuid"]),
        ("lessee", "lease", "list", "--project", "lessee-project"),
        ("owner", "lease", "list", "--owner", "owner-project"),
        ("owner", "lease", "list", "--resource-uuid", "demo-node-2"),
        ("owner", "lease", "list", "--resource-class", "baremetal-large"),
        ("owner", "lease", "list", "--purpose", "benchmarking"),
        ("owner", "lease", "list", "--time-range",
         "2032-03-02T00:00:00", "2032-03-03T00:00:00"),
        ("owner", "lease", "list", "--property", "cpus<32"),
        ("lessee", "lease", "list", "--all"),
    ])
    assert all(list(r) == LEASE_LIST_COLUMNS for r in as_lessee)
    assert uuids(as_lessee) == w.lessee_leases
    rows = {r["UUID"]: r for r in as_lessee}
    assert rows[d]["Purpose"] == "benchmarking"
    assert rows[d]["Project"] == "lessee-project"
    assert rows[cn]["Offer UUID"] == w.offer_now["uuid"]
    assert rows[cn]["Status"] == "active"
    assert rows[cf]["Resource"] == "demo-node-4"

    assert all(list(r) == LEASE_LONG_COLUMNS for r in long_)
    assert uuids(long_) == w.all_leases
    longs = {r["UUID"]: r for r in long_}
    assert {r["Owner"] for r in long_} == {"owner-project"}
    assert longs[cn]["Fulfill Time"] is not None
    assert longs[a]["Project"] == "admin-project"
    assert longs[d]["Resource Properties"]["cpus"] == 32

    assert uuids(active) == {a, cn}
    assert uuids(created) == {d, cf}
    assert uuids(any_) == w.all_leases
    assert uuids(by_offer) == {cn}
    assert uuids(project) == w.lessee_leases
    assert uuids(owner) == w.all_leases
    assert uuids(by_node) == {cn}
    assert uuids(by_class) == {d, a}
    assert uuids(purpose) == {d}
    assert uuids(time_range) == {d}
    assert uuids(prop) == {cn, cf}
    # --all is dropped by the client (no view=all): same as a plain list.
    assert uuids(all_) == w.lessee_leases

    # What --all would ask for, as raw HTTP: an admin sees every lease.
    resp = srv.request("GET", "/v1/leases", "admin", params={"view": "all"})
    assert resp.status == 200, resp.text
    assert uuids(resp.json()["leases"], "uuid") == w.all_leases


def test_lease_list_owner_with_project(world: World) -> None:
    """``--owner <own project> --project <lessee>``: an owner narrows its
    leases to one lessee (ESI-Leap needs lease_admin only when owner_id
    is not the caller's project)."""
    rows = world.srv.cli_json("owner", "lease", "list", "--owner",
                              "owner-project", "--project", "lessee-project")
    assert uuids(rows) == world.lessee_leases
    assert {r["Project"] for r in rows} == {"lessee-project"}


# --------------------------------------------------------------------------
# Errors


def test_errors(world: World) -> None:
    w = world
    srv = w.srv
    offer = w.offer_now["uuid"]
    overlap, foreign, not_mine = srv.cli_many([
        # The plain claim of the world took now..+7 days of this offer.
        ("lessee", "offer", "claim", offer),
        ("lessee", "lease", "show", w.lease_admin["uuid"]),
        ("owner", "lease", "list", "--project", "lessee-project"),
    ], fmt="json")

    line = one_line_error(overlap)
    assert line.startswith(f"Failed to claim offer {offer} : Client Error "
                           f"for url: {srv.url}/v1/offers/{offer}/claim, ")
    assert f"Offer {offer} has no availabilities at given time range" in line
    raw = srv.request("POST", f"/v1/offers/{offer}/claim", "lessee", body={})
    assert raw.status == 409, raw.text
    assert raw.headers["Content-Type"].startswith("application/json")
    # The same message (but for the times, which are "now").
    assert re.sub(TIME_RE, "T", raw.json()["faultstring"]) in re.sub(
        TIME_RE, "T", line)

    line = one_line_error(foreign)
    lease = w.lease_admin["uuid"]
    assert line.startswith(f"No Lease found for {lease}: Client Error"), line
    assert "not found" in line.lower(), line

    # ESI-Leap: another project's leases need the lease_admin policy.
    line = one_line_error(not_mine)
    assert line.startswith("ForbiddenException: 403: Client Error"), line

    # Nothing was created by the failed claim.
    leases = srv.cli_json("lessee", "lease", "list", "--offer-uuid", offer)
    assert uuids(leases) == {w.claim_now["uuid"]}


def test_claim_conflict_message_is_esi_leaps(world: World) -> None:
    """The exact words ESI-Leap uses (and its functional tests check):
    ``Offer <uuid> has no availabilities at given time range <start>,
    <end>`` with the times as ``str(datetime)``."""
    offer = world.offer_now["uuid"]
    start = world.now + datetime.timedelta(days=1)
    end = world.now + datetime.timedelta(days=2)
    proc = world.srv.cli("lessee", "offer", "claim", offer,
                         "--start-time", fmt(start), "--end-time", fmt(end))
    line = one_line_error(proc)
    assert line.endswith(f", Offer {offer} has no availabilities at given "
                         f"time range {start}, {end}."), line


# --------------------------------------------------------------------------
# Changes: these run last and modify the world.


def test_lease_update(world: World) -> None:
    w = world
    srv = w.srv
    lease = w.claim_now["uuid"]
    new_end = fmt(w.now + datetime.timedelta(days=10))
    updated = srv.cli_json("owner", "lease", "update", lease,
                           "--end-time", new_end)
    assert list(updated) == LEASE_SHORT_FIELDS
    assert updated["uuid"] == lease
    assert updated["end_time"] == new_end
    assert updated["start_time"] == w.claim_now["start_time"]
    assert updated["status"] == "active"

    later = fmt(w.now + datetime.timedelta(days=12))
    denied, shown = srv.cli_many([
        ("lessee", "lease", "update", lease, "--end-time", later),
        ("lessee", "lease", "show", lease),
    ], fmt="json")
    line = one_line_error(denied)
    assert line.startswith(f"Failed to update lease {lease} : Client Error"
                           ), line
    assert re.search(r"denied|forbidden|not (allowed|authori[sz]ed)", line,
                     re.I), line
    raw = srv.request("PATCH", f"/v1/leases/{lease}", "lessee",
                      body={"end_time": later})
    assert raw.status == 403, raw.text
    assert shown.returncode == 0, srv.failure(shown)
    assert json.loads(shown.stdout)["end_time"] == new_end


def test_lease_delete(world: World) -> None:
    w = world
    srv = w.srv
    lease = w.claim_future["uuid"]
    proc = srv.cli_ok("lessee", "lease", "delete", lease)
    assert proc.stdout.strip() == f"Deleted lease {lease}"
    shown, default, deleted, any_ = srv.cli_json_many([
        ("lessee", "lease", "show", lease),
        ("lessee", "lease", "list"),
        ("lessee", "lease", "list", "--status", "deleted"),
        ("lessee", "lease", "list", "--status", "any"),
    ])
    assert shown["status"] == "deleted"
    assert lease not in uuids(default)
    assert uuids(deleted) == {lease}
    assert uuids(any_) == w.lessee_leases
    again = srv.cli("lessee", "lease", "delete", lease)
    assert again.returncode == 1, srv.failure(again)


def test_offer_delete(world: World) -> None:
    w = world
    srv = w.srv
    offer = w.offer_future["uuid"]
    denied = srv.cli("lessee", "offer", "delete", offer)
    one_line_error(denied)
    proc = srv.cli_ok("owner", "offer", "delete", "it-future-offer")
    assert proc.stdout.strip() == "Deleted offer it-future-offer"
    shown, default, any_, nodes = srv.cli_json_many([
        ("owner", "offer", "show", offer),
        ("owner", "offer", "list"),
        ("owner", "offer", "list", "--status", "any"),
        ("owner", "node", "list", "--long"),
    ])
    assert shown["status"] == "deleted"
    assert uuids(default) == w.all_offers - {offer}
    assert uuids(any_) == w.all_offers
    node1 = {n["Name"]: n for n in nodes}["demo-node-1"]
    assert offer not in json.dumps(node1["Future Offers"])


# --------------------------------------------------------------------------
# Events (last: every step above left events behind)


def test_event_list(world: World) -> None:
    w = world
    srv = w.srv
    node2 = w.nodes["demo-node-2"]["UUID"]
    everything = srv.cli_json("admin", "event", "list")
    assert everything, "no events"
    assert all(list(e) == EVENT_COLUMNS for e in everything)
    ids = [e["ID"] for e in everything]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    by_type: dict[str, set[str]] = {}
    for e in everything:
        by_type.setdefault(e["Event Type"], set()).add(e["Object UUID"])
    assert w.all_offers <= by_type["esi_leap.offer.create"]
    assert w.all_leases <= by_type["esi_leap.lease.create"]
    assert w.claim_now["uuid"] in by_type["esi_leap.lease.fulfill.end"]

    middle = everything[len(everything) // 2]
    (after_id, lease_creates, on_node2, lessee_events, after_time,
     as_owner) = srv.cli_json_many([
        ("admin", "event", "list", "--last-event-id", str(middle["ID"])),
        ("admin", "event", "list", "--event-type", "esi_leap.lease.create"),
        ("admin", "event", "list", "--resource-uuid", node2),
        ("lessee", "event", "list", "--project", "lessee-project"),
        ("admin", "event", "list", "--last-notification-time",
         middle["Event Time"]),
        ("owner", "event", "list"),
    ])
    assert [e["ID"] for e in after_id] == [i for i in ids if i > middle["ID"]]
    assert {e["Event Type"] for e in lease_creates} == {
        "esi_leap.lease.create"}
    assert uuids(lease_creates, "Object UUID") == by_type[
        "esi_leap.lease.create"]
    assert {e["Resource UUID"] for e in on_node2} == {node2}
    assert {w.offer_now["uuid"], w.claim_now["uuid"]} <= uuids(
        on_node2, "Object UUID")
    lessee_id = srv.project_id("lessee")
    assert lessee_events
    assert all(lessee_id in (e["Lessee ID"], e["Owner ID"])
               for e in lessee_events)
    assert w.lessee_leases <= uuids(lessee_events, "Object UUID")
    assert w.lease_admin["uuid"] not in uuids(lessee_events, "Object UUID")
    assert [e["ID"] for e in after_time] == [
        e["ID"] for e in everything if e["Event Time"] > middle["Event Time"]]
    owner_id = srv.project_id("owner")
    assert uuids(as_owner, "ID") == set(ids)
    assert all(e["Owner ID"] == owner_id for e in as_owner)
