"""The OpenAPI document (``GET /v1/openapi.json``) against the real API.

The document is read from the real application. It must describe exactly
the routes of :data:`esi_leap.api.router.ROUTES`, be valid OpenAPI 3.1,
and every response of a scenario that touches every route (offers, a
claim, leases, nodes, a network, attachments, a switch and ports, an
audit with findings, verification and remediation, and errors) must
validate against the schema the document gives for its path, method and
status. Every request of this module, the ``Lab`` fixture's included,
goes through :class:`CheckedClient`, which validates as it goes.
"""

import copy
import datetime
import json
import re
from collections.abc import Iterator
from typing import Any
from typing import NamedTuple

import jsonschema
import pytest
import referencing.exceptions
import webob
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from esi_leap.api import router
from esi_leap.audit import runner
from esi_leap.drivers.switches import fake
from tests import helpers
from tests.conftest import ADMIN_PROJECT
from tests.conftest import LESSEE
from tests.conftest import OTHER
from tests.conftest import OWNER
from tests.functional.test_network_attachments import QUARANTINE
from tests.functional.test_network_attachments import SWITCH
from tests.functional.test_network_attachments import Lab
from tests.functional.test_network_attachments import lab  # noqa: F401

# ruff: noqa: F811 - the ``lab`` fixture is an argument of the tests

DOCUMENT_PATH = "/v1/openapi.json"
DOCUMENT_URI = "urn:esi-leap:openapi"
JSON = "application/json"
#: jsonschema has no type hints: validators are ``Any`` here.
Validator: Any = jsonschema.Draft202012Validator
ADMIN_HEADERS = {"X-Project-Id": ADMIN_PROJECT, "X-Roles": "admin"}


def pointer(*parts: str) -> str:
    """A JSON pointer to ``parts`` (RFC 6901 escaping)."""
    return "".join("/" + p.replace("~", "~0").replace("/", "~1")
                   for p in parts)


def read_document(app: Any, headers: dict[str, str] | None = None
                  ) -> webob.Response:
    req = webob.Request.blank(DOCUMENT_PATH)
    for key, value in (headers or {}).items():
        req.headers[key] = value
    return req.get_response(app)


class Checked(NamedTuple):
    """One response validated against the document."""

    method: str
    template: str
    status: int
    body: Any
    validator: Any


class Checker:
    """Validates responses against the document's schema for their path
    template, method and status; remembers what it checked."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.registry: Registry[Any] = Registry().with_resource(
            DOCUMENT_URI,
            DRAFT202012.create_resource(document))
        self.checked: list[Checked] = []
        self._templates = [
            (re.compile("^" + re.sub(r"\{\w+\}", "[^/]+",
                                     re.escape(t).replace(r"\{", "{")
                                     .replace(r"\}", "}")) + "$"), t)
            for t in document["paths"]]

    def template(self, path: str) -> str:
        """The one path template of the document ``path`` matches."""
        path = path.split("?", 1)[0]
        found = [t for pattern, t in self._templates if pattern.match(path)]
        assert len(found) == 1, f"{path} matches {found} in the document"
        return str(found[0])

    def validator(self, template: str, method: str,
                  status: int) -> Any:
        """A validator of the body the document declares, or None when
        the response has no content."""
        responses = self.document["paths"][template][method.lower()][
            "responses"]
        assert str(status) in responses, (
            f"{method} {template} answered {status}, which the document "
            f"does not declare ({sorted(responses)})")
        if "content" not in responses[str(status)]:
            return None
        ref = DOCUMENT_URI + "#" + pointer(
            "paths", template, method.lower(), "responses", str(status),
            "content", JSON, "schema")
        return Validator({"$ref": ref}, registry=self.registry,
                         format_checker=Validator.FORMAT_CHECKER)

    def check(self, method: str, path: str,
              response: webob.Response) -> None:
        """Assert ``response`` is what the document says."""
        template = self.template(path)
        operation = self.document["paths"][template].get(method.lower())
        assert operation is not None, f"{method} {template} not documented"
        status = response.status_int
        validator = self.validator(template, method, status)
        declared = operation["responses"][str(status)]
        for header in declared.get("headers", {}):
            assert response.headers.get(header), (
                f"{method} {path}: no {header} header")
        body = None
        if validator is None:
            assert response.body == b"", f"{method} {path}: {response.text}"
        else:
            assert response.content_type == JSON, response.content_type
            body = json.loads(response.body)
            errors = sorted(validator.iter_errors(body), key=str)
            assert not errors, (
                f"{method} {path} {status}: "
                + "; ".join(f"{list(e.absolute_path)}: {e.message}"
                            for e in errors[:5]))
        self.checked.append(Checked(method, template, status, body,
                                    validator))

    def covered(self) -> set[tuple[str, str]]:
        return {(c.method, c.template) for c in self.checked}


class CheckedClient(helpers.ApiClient):
    """An :class:`tests.helpers.ApiClient` whose every response is
    validated against the document."""

    def __init__(self, app: Any, checker: Checker,
                 project_id: str | None = None,
                 roles: str = "member") -> None:
        super().__init__(app, project_id, roles)
        self.checker = checker

    def as_(self, project_id: str | None,
            roles: str = "member") -> "CheckedClient":
        return CheckedClient(self.app, self.checker, project_id, roles)

    def request(self, method: str, path: str, body: Any = None,
                headers: dict[str, str] | None = None) -> webob.Response:
        response = super().request(method, path, body, headers)
        self.checker.check(method, path, response)
        return response


@pytest.fixture
def document(app: Any) -> dict[str, Any]:
    """The document, as the real application serves it."""
    res = read_document(app, ADMIN_HEADERS)
    assert res.status_int == 200, res.text
    assert res.content_type == JSON
    return dict(res.json)


@pytest.fixture
def checker(document: dict[str, Any]) -> Checker:
    return Checker(document)


@pytest.fixture
def client(app: Any, checker: Checker) -> CheckedClient:
    """Overrides the conftest client: ``lab`` validates every request."""
    return CheckedClient(app, checker)


def routes() -> set[tuple[str, str]]:
    return {(method, template) for template, methods in router.ROUTES.items()
            for method in methods}


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str,
                                                           dict[str, Any]]]:
    for template, item in document["paths"].items():
        for method, operation in item.items():
            yield method.upper(), template, operation


# -- (a) the document and the route table -------------------------------------

def test_every_route_is_documented_and_nothing_else(
        document: dict[str, Any]) -> None:
    documented = {(m, t) for m, t, _ in operations(document)}
    assert documented == routes()
    assert (("GET", DOCUMENT_PATH)) in documented


def test_path_parameters_are_those_of_the_template(
        document: dict[str, Any]) -> None:
    for method, template, operation in operations(document):
        named = {p["name"] for p in operation.get("parameters", [])
                 if p["in"] == "path"}
        assert named == set(re.findall(r"\{(\w+)\}", template)), (
            method, template)


def test_query_parameters_are_those_the_server_accepts(
        client: CheckedClient, document: dict[str, Any]) -> None:
    """An unknown query parameter is refused with the list of the known
    ones: that list must be the document's."""
    admin = client.as_(ADMIN_PROJECT, "admin")
    with_query = 0
    for method, template, operation in operations(document):
        documented = {p["name"] for p in operation.get("parameters", [])
                      if p["in"] == "query"}
        if not documented:
            continue
        with_query += 1
        path = re.sub(r"\{\w+\}", "x", template)
        res = admin.request(method, path + "?no_such_parameter=1")
        assert res.status_int == 400, (method, path, res.text)
        known = re.search(r"Known arguments: (.*)\.$",
                          res.json["faultstring"])
        assert known, res.json["faultstring"]
        assert set(known.group(1).split(", ")) == documented, (method,
                                                               template)
    assert with_query >= 10


# -- (b) a valid OpenAPI 3.1 document -----------------------------------------

def _schemas(value: Any) -> Iterator[dict[str, Any]]:
    """Every schema object in (a part of) the document."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "schema" and isinstance(item, dict):
                yield item
            elif key == "schemas" and isinstance(item, dict):
                yield from item.values()
            else:
                yield from _schemas(item)
    elif isinstance(value, list):
        for item in value:
            yield from _schemas(item)


def test_every_schema_is_a_valid_draft_2020_12_schema(
        document: dict[str, Any]) -> None:
    found = list(_schemas(document))
    assert len(found) > 100
    for schema in found:
        Validator.check_schema(schema)
    broken = copy.deepcopy(document)
    broken["components"]["schemas"]["Offer"]["properties"]["uuid"][
        "type"] = "text"
    with pytest.raises(jsonschema.SchemaError):
        for schema in _schemas(broken):
            Validator.check_schema(schema)


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    try:
        import openapi_spec_validator
    except ImportError:
        helpers.skip_or_fail("openapi-spec-validator is not installed")
    assert document["openapi"].startswith("3.1.")
    openapi_spec_validator.validate(document)
    # The validator is not vacuous: it refuses a broken document.
    broken = copy.deepcopy(document)
    broken["paths"]["/v1/offers"]["get"]["responses"]["200"]["content"][
        JSON]["schema"] = {"$ref": "#/components/schemas/NoSuchSchema"}
    with pytest.raises(Exception, match="NoSuchSchema"):
        openapi_spec_validator.validate(broken)


def _refs(value: Any) -> Iterator[str]:
    """Every ``$ref`` in (a part of) the document."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$ref" and isinstance(item, str):
                yield item
            else:
                yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


def test_the_references_all_resolve(checker: Checker) -> None:
    """Every ``$ref`` of the document, however deep, lands on a schema
    (validating one value would follow only the references that value
    reaches)."""
    resolver = checker.registry.resolver(base_uri=DOCUMENT_URI)
    refs = set(_refs(checker.document))
    assert len(refs) >= 40, refs
    for ref in refs:
        resolved = resolver.lookup(ref).contents
        assert isinstance(resolved, dict) and resolved, ref
    # Every component schema is used: none is left over.
    named = {"#/components/schemas/" + name
             for name in checker.document["components"]["schemas"]}
    assert named == {ref for ref in refs
                     if ref.startswith("#/components/schemas/")}
    # The check is not vacuous: a dangling reference does not resolve.
    with pytest.raises(referencing.exceptions.Unresolvable):
        resolver.lookup("#/components/schemas/NoSuchSchema")


def test_only_bodiless_answers_accept_null(checker: Checker) -> None:
    """Each declared response body validates a JSON ``null`` exactly when
    the document declares ``null`` (the DELETEs that answer ``null``):
    a body schema that accepted anything would be caught here."""
    nulls = []
    for method, template, operation in operations(checker.document):
        for status, answer in operation["responses"].items():
            if status == "default" or "content" not in answer:
                continue
            validator = checker.validator(template, method, int(status))
            declared = answer["content"][JSON]["schema"]
            assert validator.is_valid(None) == (
                declared == {"type": "null"}), (method, template, status)
            if declared == {"type": "null"}:
                nulls.append((method, template))
                assert not validator.is_valid({}), (method, template)
    assert len(nulls) >= 4, nulls


def test_errors_have_the_fault_body(document: dict[str, Any]) -> None:
    fault = document["components"]["schemas"]["Fault"]
    assert fault["required"] == ["faultcode", "faultstring", "debuginfo"]
    for method, template, operation in operations(document):
        responses = operation["responses"]
        assert "default" in responses
        for status, answer in responses.items():
            if status == "default" or int(status) >= 400:
                assert answer["content"][JSON]["schema"] == {
                    "$ref": "#/components/schemas/Fault"}, (method, template)
        if template in ("/", "/v1", DOCUMENT_PATH):
            continue
        assert {"401", "403"} <= set(responses), (method, template)


def test_servers_name_this_server(app: Any) -> None:
    res = read_document(app, {**ADMIN_HEADERS, "Host": "api.example:5000"})
    assert res.json["servers"] == [{"url": "http://api.example:5000"}]


def test_the_document_needs_no_credentials(app: Any) -> None:
    res = read_document(app)
    assert res.status_int == 200, res.text
    assert res.json["paths"]


# -- (c) real responses -------------------------------------------------------

def wire_time(days: float) -> str:
    moment = (datetime.datetime.now(datetime.timezone.utc)
              + datetime.timedelta(days=days))
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def expect(response: webob.Response, status: int) -> Any:
    assert response.status_int == status, response.text
    return response.json if response.body else None


def _switches_and_ports(lab: Lab) -> None:
    """The Lab registered switch leaf-1 and ports eth0, eth1 (p1, p2)."""
    admin, owner = lab.admin, lab.client.as_(OWNER)
    assert "next" in expect(admin.get("/v1/switches?limit=1"), 200)
    expect(admin.get(f"/v1/switches/{SWITCH}"), 200)
    expect(admin.patch(f"/v1/switches/{SWITCH}", {"connection": {
        "ports": "p1,p2,p3", "default_vlan": str(QUARANTINE)}}), 200)
    lab.add_switch("leaf-2", {})
    expect(admin.delete("/v1/switches/leaf-2"), 204)
    expect(admin.get("/v1/ports"), 200)
    ports = expect(owner.get(f"/v1/nodes/{lab.node}/ports"), 200)["ports"]
    assert ports and ports[0]["switch"] is None  # for admins only
    expect(admin.get(f"/v1/ports/{ports[0]['uuid']}"), 200)
    spare = expect(admin.post("/v1/ports", {
        "node": lab.node, "name": "eth2", "switch": SWITCH,
        "switch_port": "p3"}), 201)
    expect(admin.delete(f"/v1/ports/{spare['uuid']}"), 204)


def _nodes(lab: Lab) -> None:
    admin, owner = lab.admin, lab.client.as_(OWNER)
    expect(owner.get("/v1/nodes"), 200)
    expect(owner.get(f"/v1/nodes/{lab.node}"), 200)
    made = expect(admin.post("/v1/nodes", {"owner": OTHER, "name": "spare",
                                           "properties": {"cores": 8}}),
                  201)
    expect(admin.patch(f"/v1/nodes/{made['uuid']}", {"maintenance": True}),
           200)
    assert expect(admin.delete(f"/v1/nodes/{made['uuid']}"), 200) is None


def _offers_and_leases(lab: Lab) -> None:
    owner, lessee = lab.client.as_(OWNER), lab.client.as_(LESSEE)
    admin = lab.admin
    offer = expect(owner.post("/v1/offers", {
        "resource_uuid": lab.node, "name": "offer-1",
        "end_time": wire_time(4)}), 201)
    expect(owner.get("/v1/offers"), 200)
    expect(lessee.get(f"/v1/offers/{offer['uuid']}"), 200)
    window = {"start_time": wire_time(1), "end_time": wire_time(2)}
    lease = expect(lessee.post(f"/v1/offers/{offer['uuid']}/claim",
                               window), 201)
    # 409: the window is booked now.
    expect(lessee.post(f"/v1/offers/{offer['uuid']}/claim", window), 409)
    expect(owner.get("/v1/leases"), 200)
    expect(lessee.get(f"/v1/leases/{lease['uuid']}"), 200)
    expect(admin.patch(f"/v1/leases/{lease['uuid']}",
                       {"end_time": wire_time(3)}), 200)
    other = expect(owner.post("/v1/leases", {
        "resource_uuid": lab.node, "project_id": OTHER,
        "start_time": wire_time(5), "end_time": wire_time(6)}), 201)
    expect(owner.delete(f"/v1/leases/{other['uuid']}"), 200)
    spare = expect(owner.post("/v1/offers", {
        "resource_uuid": lab.node, "start_time": wire_time(10),
        "end_time": wire_time(11)}), 201)
    expect(owner.delete(f"/v1/offers/{spare['uuid']}"), 200)
    expect(admin.get("/v1/events"), 200)
    assert expect(owner.get("/v1/events"), 200)["events"]
    expect(admin.post("/v1/console_auth_tokens",
                      {"node_uuid_or_name": lab.node}), 201)
    expect(admin.delete(f"/v1/console_auth_tokens/{lab.node}"), 200)


def _networks(lab: Lab) -> dict[str, Any]:
    """Networks and attachments; returns the owner's network ``blue``,
    on eth0 (p1)."""
    owner, lessee = lab.client.as_(OWNER), lab.client.as_(LESSEE)
    blue, red = lab.network(OWNER, "blue"), lab.network(OWNER, "red")
    expect(owner.get("/v1/networks?limit=1"), 200)
    expect(owner.get(f"/v1/networks/{blue['uuid']}"), 200)
    expect(owner.put(f"/v1/networks/{blue['uuid']}/access/{LESSEE}"), 204)
    shared = expect(lessee.get("/v1/networks"), 200)["networks"]
    assert [n["shared_with"] for n in shared] == [[]]
    expect(owner.delete(f"/v1/networks/{blue['uuid']}/access/{LESSEE}"),
           204)
    green = lab.network(OWNER, "green")
    expect(owner.delete(f"/v1/networks/{green['uuid']}"), 204)
    expect(lab.attach(OWNER, "eth0", blue["uuid"]), 202)
    tagged = expect(lab.attach(OWNER, "eth1", red["uuid"], "tagged"), 202)
    lab.run()
    expect(owner.get(f"/v1/nodes/{lab.node}/ports/eth0/networks"), 200)
    expect(owner.get("/v1/network_actions"), 200)
    expect(lab.admin.get("/v1/network_actions?limit=1"), 200)
    expect(owner.get(f"/v1/network_actions/{tagged['uuid']}"), 200)
    expect(lab.detach(OWNER, "eth1", "red"), 202)
    lab.run()
    return blue


def _audit(lab: Lab, blue: dict[str, Any]) -> None:
    """Another project's VLAN on p1 behind esi-leap's back; an audit
    finds it, remediation restores the port."""
    admin = lab.admin
    foreign = lab.network(OTHER, "foreign")
    fake.set_port(SWITCH, "p1", {"mode": "access",
                                 "native_vlan": foreign["vlan"],
                                 "tagged_vlans": []})
    queued = expect(admin.post("/v1/audits", {}), 202)
    assert runner.run_pending("test-manager") == queued["uuid"]
    expect(admin.get("/v1/audits"), 200)
    done = expect(admin.get(f"/v1/audits/{queued['uuid']}"), 200)
    assert done["status"] == "done" and done["summary"], done
    found = expect(admin.get("/v1/findings?status=open"), 200)["findings"]
    assert {f["kind"] for f in found} >= {"extra_vlan", "match"}
    expect(admin.get(f"/v1/findings/{found[0]['uuid']}"), 200)
    verified = expect(lab.client.as_(OWNER, "reader").get(
        f"/v1/networks/{blue['uuid']}/verification"), 200)
    # p1 carries the foreign VLAN instead of blue's.
    assert verified["status"] == "incomplete"
    assert [p["observed"] for p in verified["ports"]] == ["missing"]
    plan = expect(admin.get(f"/v1/audits/{queued['uuid']}/remediation"),
                  200)
    assert plan["changes"], plan
    applied = expect(admin.post(
        f"/v1/audits/{queued['uuid']}/remediation"), 202)
    assert applied["network_actions"], applied


def _errors(lab: Lab) -> None:
    owner = lab.client.as_(OWNER)
    expect(owner.get("/v1/offers/no-such-offer"), 404)
    expect(owner.post("/v1/offers", {"resource_uuid": lab.node,
                                     "colour": "blue"}), 400)
    expect(lab.client.as_(OWNER, "reader").post(
        "/v1/offers", {"resource_uuid": lab.node}), 403)
    expect(lab.client.get("/v1/offers"), 401)
    expect(lab.admin.get("/v1/audits/00000000-0000-4000-8000-000000000000/"
                         "remediation"), 404)


def drive(lab: Lab) -> None:
    """A scenario through every route; each response is validated."""
    expect(lab.client.get("/"), 200)
    expect(lab.client.get("/v1"), 300)
    expect(lab.admin.get(DOCUMENT_PATH), 200)
    _switches_and_ports(lab)
    _nodes(lab)
    _offers_and_leases(lab)
    blue = _networks(lab)
    _audit(lab, blue)
    _errors(lab)


def test_real_responses_match_the_document(lab: Lab,
                                           checker: Checker) -> None:
    drive(lab)
    assert checker.covered() == routes()
    statuses = {c.status for c in checker.checked}
    assert {200, 201, 202, 204, 300, 400, 401, 403, 404, 409} <= statuses
    assert any(c.body and "next" in c.body for c in checker.checked)


def _renamed(body: dict[str, Any], key: str) -> dict[str, Any]:
    """``body`` with ``key`` renamed (same value, same place)."""
    return {(k + "_renamed" if k == key else k): v for k, v in body.items()}


def _mutants(body: Any) -> Iterator[tuple[str, Any]]:
    """``body`` with one field renamed, for every field at the top and of
    the first item of each top-level list."""
    if not isinstance(body, dict):
        return
    for key, value in body.items():
        yield key, _renamed(body, key)
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for inner in value[0]:
                mutant = copy.copy(body)
                mutant[key] = [_renamed(value[0], inner), *value[1:]]
                yield f"{key}[0].{inner}", mutant


def test_a_renamed_field_fails_validation(lab: Lab,
                                          checker: Checker) -> None:
    """Every checked body would fail were any of its fields renamed."""
    drive(lab)
    mutated = 0
    for checked in checker.checked:
        if checked.validator is None:
            continue
        for field, mutant in _mutants(checked.body):
            mutated += 1
            assert not checked.validator.is_valid(mutant), (
                f"{checked.method} {checked.template} {checked.status}: "
                f"renaming {field} still validates")
    assert mutated > 500
    # One by hand: a real offer whose uuid is renamed id.
    offer = next(c for c in checker.checked
                 if (c.method, c.template, c.status)
                 == ("POST", "/v1/offers", 201))
    assert offer.validator is not None and offer.validator.is_valid(
        offer.body)
    body = dict(offer.body)
    body["id"] = body.pop("uuid")
    messages = {e.message for e in offer.validator.iter_errors(body)}
    assert "'uuid' is a required property" in messages
    assert any("'id' was unexpected" in m for m in messages)
