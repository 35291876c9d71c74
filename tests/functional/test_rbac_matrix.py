"""The RBAC matrix (``rbac_matrix.yaml``) run against the real app.

Each row of the matrix names a route, a scenario (what the database holds),
a request and, for every persona, the status decisions.md calls for. Every
(row, persona) pair is one test on a fresh database: the scenario is built
through the API and the manager, the request is sent as the persona, and the
status, the list contents (``visible``) and the effect on the database are
checked. The structure tests make a route without a row fail.
"""

import datetime
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from esi_leap import policies
from esi_leap.api import router
from tests import helpers
from tests.conftest import ADMIN_PROJECT
from tests.conftest import LESSEE
from tests.conftest import OTHER
from tests.conftest import OWNER

MATRIX_FILE = Path(__file__).with_name("rbac_matrix.yaml")
MATRIX: dict[str, Any] = yaml.safe_load(MATRIX_FILE.read_text())
PERSONAS: dict[str, list[str | None]] = MATRIX["personas"]
ROWS: list[dict[str, Any]] = MATRIX["rows"]
PROJECTS = {"OWNER": OWNER, "LESSEE": LESSEE, "OTHER": OTHER,
            "ADMIN_PROJECT": ADMIN_PROJECT}
STATUSES = {200, 201, 202, 204, 300, 401, 403, 404, 409}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
#: The id field of each list's items.
LIST_IDS = {"offers": "uuid", "leases": "uuid", "nodes": "uuid",
            "events": "object_uuid", "networks": "uuid"}
TIME_TOKEN = re.compile(r"^now([+-]\d+)([hd])$")

Objects = dict[str, str]


# -- routes and pending rows --------------------------------------------------

def normalise(route: str) -> tuple[str, str]:
    """``"GET /v1/offers/{offer_ident}"`` -> ``("GET", "/v1/offers/{}")``."""
    method, _, path = route.partition(" ")
    return method, re.sub(r"\{\w+\}", "{}", path)


def server_routes() -> set[tuple[str, str]]:
    """Every (method, path template) the router serves."""
    return {(method, re.sub(r"\{\w+\}", "{}", template))
            for template, methods in router.ROUTES.items()
            for method in methods}


def pending_reason(row: dict[str, Any]) -> str | None:
    """Why the row is skipped, while what it tests is absent; else None."""
    pending = row.get("pending")
    if not pending:
        return None
    fragment = pending.get("until_rule_contains")
    if fragment:
        present = any(fragment in rule.name
                      for rule in policies.list_rules())
    else:
        present = normalise(row["route"]) in server_routes()
    return None if present else pending["reason"]


# -- scenarios ----------------------------------------------------------------

def wire_time(token: str) -> str:
    """``now+25h`` as a wire time."""
    match = TIME_TOKEN.match(token)
    assert match, token
    amount, unit = int(match.group(1)), match.group(2)
    delta = datetime.timedelta(**{"hours" if unit == "h" else "days":
                                  amount})
    moment = datetime.datetime.now(datetime.timezone.utc) + delta
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def expect_json(response: Any, status: int) -> Any:
    assert response.status_code == status, response.text
    return response.json


def owner_api(client: helpers.ApiClient) -> helpers.ApiClient:
    return client.as_(OWNER, "member")


def build_node(client: helpers.ApiClient, node: str) -> Objects:
    return {"node": node}


def _offer(client: helpers.ApiClient, node: str,
           lessee: str | None) -> Objects:
    body: dict[str, Any] = {"resource_uuid": node, "name": "offer-1"}
    if lessee:
        body["lessee_id"] = lessee
    offer = expect_json(owner_api(client).post("/v1/offers", body), 201)
    return {"node": node, "offer": offer["uuid"]}


def build_private_offer(client: helpers.ApiClient, node: str) -> Objects:
    return _offer(client, node, LESSEE)


def build_public_offer(client: helpers.ApiClient, node: str) -> Objects:
    return _offer(client, node, None)


def _lease(client: helpers.ApiClient, node: str,
           window: dict[str, str]) -> Objects:
    body = {"resource_uuid": node, "project_id": LESSEE, "name": "lease-1",
            **window}
    lease = expect_json(owner_api(client).post("/v1/leases", body), 201)
    return {"node": node, "lease": lease["uuid"]}


def build_created_lease(client: helpers.ApiClient, node: str) -> Objects:
    return _lease(client, node, {"start_time": wire_time("now+1d"),
                                 "end_time": wire_time("now+3d")})


def build_active_lease(client: helpers.ApiClient, node: str) -> Objects:
    from esi_leap.manager import lifecycle
    objects = _lease(client, node, {"end_time": wire_time("now+3d")})
    lifecycle.Lifecycle("rbac-matrix").fulfill(objects["lease"])
    lease = expect_json(owner_api(client).get(
        f"/v1/leases/{objects['lease']}"), 200)
    assert lease["status"] == "active", lease
    shown = expect_json(owner_api(client).get(f"/v1/nodes/{node}"), 200)
    assert shown["lessee_id"] == LESSEE, shown
    return objects


def _console_token(client: helpers.ApiClient, node: str,
                   project: str, roles: str) -> None:
    expect_json(client.as_(project, roles).post(
        "/v1/console_auth_tokens", {"node_uuid_or_name": node}), 201)


def build_console_token(client: helpers.ApiClient, node: str) -> Objects:
    _console_token(client, node, ADMIN_PROJECT, "admin")
    return build_node(client, node)


def build_active_lease_console_token(client: helpers.ApiClient,
                                     node: str) -> Objects:
    objects = build_active_lease(client, node)
    _console_token(client, node, LESSEE, "member")
    return objects


def _network(client: helpers.ApiClient, node: str, project: str) -> str:
    """Configure a VLAN pool, cable the node's ``eth0`` to a fake switch
    and create ``project``'s network; return its uuid."""
    helpers.override("vlan_ranges", ["physnet1:100:199"], group="networking")
    helpers.override("quarantine_vlans", ["physnet1:999"], group="networking")
    admin = client.as_(ADMIN_PROJECT, "admin")
    expect_json(admin.post("/v1/switches", {
        "name": "sw-1", "driver": "fake", "physical_network": "physnet1"}),
        201)
    expect_json(admin.post("/v1/ports", {
        "node": node, "name": "eth0", "switch": "sw-1",
        "switch_port": "Ethernet1"}), 201)
    network = expect_json(client.as_(project, "member").post(
        "/v1/networks", {"name": "net-1"}), 201)
    return str(network["uuid"])


def build_owner_network(client: helpers.ApiClient, node: str) -> Objects:
    return {"node": node, "network": _network(client, node, OWNER)}


def build_leased_network(client: helpers.ApiClient, node: str) -> Objects:
    objects = build_active_lease(client, node)
    return {**objects, "network": _network(client, node, LESSEE)}


BUILDERS: dict[str, Callable[[helpers.ApiClient, str], Objects]] = {
    "node": build_node,
    "private_offer": build_private_offer,
    "public_offer": build_public_offer,
    "created_lease": build_created_lease,
    "active_lease": build_active_lease,
    "console_token": build_console_token,
    "active_lease_console_token": build_active_lease_console_token,
    "owner_network": build_owner_network,
    "leased_network": build_leased_network,
}


# -- requests -----------------------------------------------------------------

def fill(value: Any, objects: Objects) -> Any:
    """Put the scenario's objects, project ids and times into a body."""
    if isinstance(value, dict):
        return {key: fill(item, objects) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, objects) for item in value]
    if isinstance(value, str):
        if TIME_TOKEN.match(value):
            return wire_time(value)
        return value.format_map({**objects, **PROJECTS})
    return value


def as_persona(client: helpers.ApiClient,
               persona: str) -> helpers.ApiClient:
    project, roles = PERSONAS[persona]
    if project is None:
        return client.as_(None)
    return client.as_(PROJECTS[project], roles or "")


def snapshot(url: str) -> dict[str, list[str]]:
    """Every row of every table, to tell whether a request changed any."""
    engine = sa.create_engine(url)
    try:
        meta = sa.MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            return {name: sorted(repr(tuple(row)) for row in
                                 conn.execute(sa.select(table)))
                    for name, table in meta.tables.items()
                    if name != "alembic_version"}
    finally:
        engine.dispose()


# -- the matrix ---------------------------------------------------------------

def _case(row: dict[str, Any], persona: str) -> Any:
    marks = []
    xfail = (row.get("xfail") or {}).get(persona)
    if xfail:
        marks.append(pytest.mark.xfail(strict=True, reason=xfail))
    return pytest.param(row["id"], persona, marks=marks,
                        id=f"{row['id']}-{persona}")


ROW_BY_ID = {row["id"]: row for row in ROWS}
CASES = [_case(row, persona) for row in ROWS for persona in PERSONAS]


@pytest.mark.parametrize(("row_id", "persona"), CASES)
def test_matrix(client: helpers.ApiClient, node: str, database: str,
                row_id: str, persona: str) -> None:
    row = ROW_BY_ID[row_id]
    reason = pending_reason(row)
    if reason:
        # A row written before its route: skipped, but never in CI.
        helpers.skip_or_fail(f"pending: {reason}")
    objects = BUILDERS[row["scenario"]](client, node)
    method, _, path = row["request"].partition(" ")
    body = fill(row["body"], objects) if "body" in row else None
    before = snapshot(database)

    response = as_persona(client, persona).request(
        method, fill(path, objects), body)

    expected = row["expect"][persona]
    assert response.status_code == expected, (
        f"{row['request']} as {persona}: {response.status_code} "
        f"{response.text}")
    changed = snapshot(database) != before
    if expected >= 400:
        assert response.json["faultcode"] == "Client", response.text
        assert response.json["faultstring"]
        assert not changed, "a refused request changed the database"
    elif method in WRITE_METHODS:
        assert changed, "a successful write changed nothing"
    if "visible" in row and expected == 200:
        items = response.json[row["list"]]
        seen = {item[LIST_IDS[row["list"]]] for item in items}
        assert seen == {objects[name] for name in row["visible"][persona]}


# -- the matrix itself --------------------------------------------------------

def test_every_route_and_method_has_a_row() -> None:
    covered = {normalise(row["route"]) for row in ROWS}
    missing = server_routes() - covered
    assert not missing, (
        f"routes without a row in {MATRIX_FILE.name}: {sorted(missing)}")


def test_rows_name_routes_the_server_has_unless_pending() -> None:
    for row in ROWS:
        if not row.get("pending"):
            assert normalise(row["route"]) in server_routes(), row["id"]
        method, _, path = row["request"].partition(" ")
        assert method == normalise(row["route"])[0], row["id"]
        assert path.startswith("/"), row["id"]


def test_rows_are_complete() -> None:
    ids = [row["id"] for row in ROWS]
    assert len(ids) == len(set(ids))
    for row in ROWS:
        assert list(row["expect"]) == list(PERSONAS), row["id"]
        assert set(row["expect"].values()) <= STATUSES, row["id"]
        assert row["scenario"] in MATRIX["scenarios"], row["id"]
        assert set(row.get("xfail") or {}) <= set(PERSONAS), row["id"]
        if "visible" in row:
            assert row["list"] in LIST_IDS, row["id"]
            listed = {p for p, s in row["expect"].items() if s == 200}
            assert set(row["visible"]) == listed, row["id"]


def test_every_scenario_has_a_builder() -> None:
    assert set(MATRIX["scenarios"]) == set(BUILDERS)


def test_personas_cover_decisions() -> None:
    """decisions.md's six personas, an alias role per relation, no login."""
    roles = {tuple(value) for value in PERSONAS.values()}
    for project in ("OWNER", "LESSEE"):
        assert (project, "member") in roles
        assert (project, "reader") in roles
    assert ("OTHER", "member") in roles
    assert ("ADMIN_PROJECT", "admin") in roles
    assert ("ADMIN_PROJECT", "esi_leap_admin") in roles
    assert {r for p, r in roles if p == "OWNER"} & {"owner", "esi_leap_owner"}
    assert {r for p, r in roles if p == "LESSEE"} & {"lessee",
                                                     "esi_leap_lessee"}
    assert (None, None) in roles
