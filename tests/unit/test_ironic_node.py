"""The ``ironic_node`` backend against a small fake Ironic over HTTP.

The fake (:class:`FakeIronic`) is a real HTTP server on 127.0.0.1 that
implements only what the backend uses: version discovery, node reads and
lists (filters, ``fields``, ``marker``/``limit`` paging with ``next``
links), JSON-patch updates, power/provision/console state changes that stay
under way until :meth:`FakeIronic.tick`, and VIFs. Every API request must
name microversion 1.65 or later, as Ironic needs for node lessees.
"""

from __future__ import annotations

import dataclasses
import http.server
import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import pytest

from esi_leap.common import exception
from esi_leap.drivers.resource_types import ironic_node
from esi_leap.drivers.resource_types.base import ReleaseStep
from tests import helpers

OWNER = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1"
LESSEE = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb1"
OTHER = "ccccccccccccccccccccccccccccccc1"
LEASE = "12345678-0000-0000-0000-00000000000a"
OTHER_LEASE = "12345678-0000-0000-0000-00000000000b"
NODE = "0d5f2b9e-0000-4000-8000-000000000001"

MIN_VERSION = (1, 65)
MAX_VERSION = (1, 115)

#: Node fields the fake stores, with their empty values (what a JSON-patch
#: ``remove`` of a top-level field leaves).
NODE_DEFAULTS: dict[str, Any] = {
    "name": None, "owner": None, "lessee": None,
    "resource_class": "baremetal", "properties": {},
    "provision_state": "available", "power_state": "power off",
    "target_provision_state": None, "target_power_state": None,
    "maintenance": False, "instance_info": {}, "extra": {},
    "instance_uuid": None, "console_enabled": False, "last_error": None,
    "driver": "fake-hardware",
}
#: Fields a PATCH may not change.
READ_ONLY = {"uuid", "provision_state", "power_state",
             "target_provision_state", "target_power_state",
             "console_enabled", "last_error"}
#: Fields ``GET /v1/nodes`` returns without ``fields``.
LIST_DEFAULT_FIELDS = ("uuid", "name", "instance_uuid", "power_state",
                       "provision_state", "maintenance")
#: Provision states from which ``{"target": "deleted"}`` is accepted.
TEARDOWN_FROM = {"active", "deploy failed", "wait call-back", "error",
                 "rescue", "rescue failed", "unrescue failed",
                 "service failed"}
LIST_QUERY = {"owner", "lessee", "resource_class", "fields", "marker",
              "limit"}


@dataclasses.dataclass
class Seen:
    """One API request the fake received."""

    method: str
    path: str
    query: dict[str, str]
    version: str | None
    body: Any


class HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _error_body(status: int, message: str) -> dict[str, Any]:
    """Ironic's error body: the fault as a JSON *string* in
    ``error_message`` (its ParsableErrorMiddleware)."""
    fault = {"faultcode": "Client" if status < 500 else "Server",
             "faultstring": message, "debuginfo": None}
    return {"error_message": json.dumps(fault)}


def _version(headers: Any) -> str | None:
    value = headers.get("X-OpenStack-Ironic-API-Version")
    if value:
        return str(value)
    for item in (headers.get("OpenStack-API-Version") or "").split(","):
        service, _, number = item.strip().partition(" ")
        if service == "baremetal" and number:
            return number.strip()
    return None


def _parse_version(value: str) -> tuple[int, int]:
    major, _, minor = value.partition(".")
    return int(major), int(minor)


class FakeIronic:
    """Just enough of Ironic's REST API for the ``ironic_node`` backend."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.nodes: dict[str, dict[str, Any]] = {}
        self.vifs: dict[str, list[str]] = {}
        self.console_info: dict[str, dict[str, Any]] = {}
        self.seen: list[Seen] = []
        self.max_limit = 1000
        self.faults: list[tuple[int, str]] = []
        self.clean_fails = False
        #: Nodes a conductor holds: changes get 409.
        self.locked: set[str] = set()
        self._finish: dict[str, list[Callable[[], None]]] = {}
        self.server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
            daemon=True)

    # -- test control --

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def add_node(self, uuid: str, **fields: Any) -> dict[str, Any]:
        node = {"uuid": uuid, **json.loads(json.dumps(NODE_DEFAULTS)),
                **fields}
        with self.lock:
            self.nodes[uuid] = node
        return node

    def fail_next(self, status: int, message: str) -> None:
        """Answer the next API request with ``status`` and ``message``."""
        self.faults.append((status, message))

    def tick(self) -> None:
        """Complete every state change under way."""
        with self.lock:
            finishers = [f for fs in self._finish.values() for f in fs]
            self._finish.clear()
            for finish in finishers:
                finish()

    def api(self, method: str | None = None) -> list[Seen]:
        """API requests received (not version discovery), optionally only
        those of one method."""
        return [s for s in self.seen if method is None or s.method == method]

    def writes(self) -> list[Seen]:
        return [s for s in self.seen if s.method != "GET"]

    def clear(self) -> None:
        self.seen.clear()

    # -- HTTP --

    def _handler_class(self) -> type[http.server.BaseHTTPRequestHandler]:
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, body, headers = fake.handle(
                    self.command, self.path, self.headers, raw)
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if data:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PATCH = do_PUT = do_DELETE = _serve

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def _discovery(self, path: str) -> dict[str, Any] | None:
        v1 = {"id": "v1", "status": "CURRENT", "min_version": "1.1",
              "version": "{}.{}".format(*MAX_VERSION),
              "links": [{"href": f"{self.url}/v1/", "rel": "self"}]}
        if path == "/":
            return {"name": "OpenStack Ironic API", "versions": [v1],
                    "default_version": v1}
        if path.rstrip("/") == "/v1":
            return {"id": "v1", "version": v1, "links": v1["links"]}
        return None

    def handle(self, method: str, target: str, headers: Any,
               raw: bytes) -> tuple[int, Any, dict[str, str]]:
        url = urllib.parse.urlsplit(target)
        if method == "GET":
            discovery = self._discovery(url.path)
            if discovery is not None:
                return 200, discovery, {}
        query = dict(urllib.parse.parse_qsl(url.query,
                                            keep_blank_values=True))
        body = json.loads(raw) if raw else None
        version = _version(headers)
        self.seen.append(Seen(method, url.path, query, version, body))
        try:
            if version is None or not (
                    MIN_VERSION <= _parse_version(version) <= MAX_VERSION):
                raise HttpError(406, f"Version {version} was requested but "
                                     "this call needs 1.65 to 1.115")
            if self.faults:
                raise HttpError(*self.faults.pop(0))
            with self.lock:
                status, answer = self._route(method, url.path, query, body)
        except HttpError as exc:
            return exc.status, _error_body(exc.status, exc.message), {}
        extra = {"Location": f"{self.url}{url.path}"} if status == 202 else {}
        return status, answer, extra

    def _route(self, method: str, path: str, query: dict[str, str],
               body: Any) -> tuple[int, Any]:
        parts = path.strip("/").split("/")
        if parts[:2] != ["v1", "nodes"]:
            raise HttpError(404, f"The resource {path} could not be found.")
        if len(parts) == 2 and method == "GET":
            return 200, self._list(query)
        node = self._node(parts[2])
        rest = parts[3:]
        if method != "GET" and node["uuid"] in self.locked:
            raise HttpError(409, f"Node {node['uuid']} is locked by host "
                                 "fake-conductor, please retry after the "
                                 "current operation is completed.")
        if not rest and method == "GET":
            return 200, self._show(node, query.get("fields"))
        if not rest and method == "PATCH":
            self._patch(node, body)
            return 200, self._show(node, None)
        if rest == ["states", "console"] and method == "GET":
            enabled = node["console_enabled"]
            return 200, {"console_enabled": enabled,
                         "console_info": (self.console_info.get(node["uuid"])
                                          if enabled else None)}
        if len(rest) == 2 and rest[0] == "states" and method == "PUT":
            getattr(self, f"_set_{rest[1]}")(node, body)
            return 202, None
        if rest == ["vifs"] and method == "GET":
            return 200, {"vifs": [{"id": v}
                                  for v in self.vifs.get(node["uuid"], [])]}
        if len(rest) == 2 and rest[0] == "vifs" and method == "DELETE":
            attached = self.vifs.get(node["uuid"], [])
            if rest[1] not in attached:
                raise HttpError(400, f"Unable to detach VIF {rest[1]} from "
                                     f"node {node['uuid']}: not attached")
            attached.remove(rest[1])
            return 204, None
        raise HttpError(405, f"{method} {path} is not allowed")

    def _node(self, ident: str) -> dict[str, Any]:
        for node in self.nodes.values():
            if ident in (node["uuid"], node["name"]):
                return node
        raise HttpError(404, f"Node {ident} could not be found.")

    def _show(self, node: dict[str, Any],
              fields: str | None) -> dict[str, Any]:
        if not fields:
            return json.loads(json.dumps(node))  # type: ignore[no-any-return]
        wanted = fields.split(",")
        bad = [f for f in wanted if f not in node]
        if bad:
            raise HttpError(400, f"Field(s) \"{', '.join(bad)}\" are not "
                                 "valid")
        return {f: json.loads(json.dumps(node[f])) for f in wanted}

    def _list(self, query: dict[str, str]) -> dict[str, Any]:
        unknown = set(query) - LIST_QUERY
        if unknown:
            raise HttpError(400, f"Unknown argument: {sorted(unknown)}")
        matching = [n for n in self.nodes.values()
                    if all(n[k] == query[k] for k in
                           ("owner", "lessee", "resource_class")
                           if k in query)]
        if "marker" in query:
            uuids = [n["uuid"] for n in matching]
            if query["marker"] not in self.nodes:
                raise HttpError(400, f"Marker {query['marker']} not found")
            matching = matching[uuids.index(query["marker"]) + 1:] \
                if query["marker"] in uuids else []
        limit = min(int(query.get("limit") or self.max_limit),
                    self.max_limit)
        page = matching[:limit]
        fields = query.get("fields") or ",".join(LIST_DEFAULT_FIELDS)
        answer: dict[str, Any] = {"nodes": [self._show(n, fields)
                                            for n in page]}
        if len(page) == limit:
            args = {**query, "limit": str(limit),
                    "marker": page[-1]["uuid"]}
            answer["next"] = (f"{self.url}/v1/nodes?"
                              f"{urllib.parse.urlencode(args)}")
        return answer

    def _patch(self, node: dict[str, Any], ops: Any) -> None:
        changed = json.loads(json.dumps(node))
        for op in ops:
            parts = op["path"].strip("/").split("/")
            field = parts[0]
            if field not in changed or field in READ_ONLY:
                raise HttpError(400, f"Cannot patch {op['path']}")
            if len(parts) == 1:
                if op["op"] in ("add", "replace"):
                    changed[field] = op["value"]
                elif op["op"] == "remove":
                    changed[field] = json.loads(json.dumps(
                        NODE_DEFAULTS.get(field)))
                else:
                    raise HttpError(400, f"Unsupported op {op['op']}")
                continue
            container = changed[field]
            if not isinstance(container, dict) or len(parts) != 2:
                raise HttpError(400, f"Cannot patch {op['path']}")
            if op["op"] in ("add", "replace"):
                container[parts[1]] = op["value"]
            elif op["op"] == "remove":
                if parts[1] not in container:
                    raise HttpError(400, "can't remove a non-existent "
                                         f"object '{parts[1]}'")
                del container[parts[1]]
            else:
                raise HttpError(400, f"Unsupported op {op['op']}")
        node.update(changed)

    def _later(self, node: dict[str, Any], finish: Callable[[], None]) -> None:
        self._finish.setdefault(node["uuid"], []).append(finish)

    def _set_power(self, node: dict[str, Any], body: Any) -> None:
        target = body["target"]
        if target not in ("power on", "power off", "rebooting"):
            raise HttpError(400, f"Invalid power state {target}")
        if node["target_power_state"]:
            raise HttpError(409, f"Node {node['uuid']} is locked by host "
                                 "fake-conductor")
        node["target_power_state"] = target

        def finish() -> None:
            node["power_state"] = ("power on" if target == "rebooting"
                                   else target)
            node["target_power_state"] = None
        self._later(node, finish)

    def _set_provision(self, node: dict[str, Any], body: Any) -> None:
        if body["target"] != "deleted":
            raise HttpError(400, f"The fake knows no {body['target']}")
        if node["provision_state"] not in TEARDOWN_FROM:
            raise HttpError(400, "The requested action \"deleted\" can not "
                                 f"be performed on node {node['uuid']} "
                                 "while it is in state "
                                 f"\"{node['provision_state']}\".")
        node["provision_state"] = "deleting"
        node["target_provision_state"] = "available"

        def finish() -> None:
            node["instance_info"], node["instance_uuid"] = {}, None
            node["target_provision_state"] = None
            if self.clean_fails:
                node["provision_state"] = "clean failed"
                node["last_error"] = "cleaning timed out"
            else:
                node["provision_state"] = "available"
        self._later(node, finish)

    def _set_console(self, node: dict[str, Any], body: Any) -> None:
        enabled = bool(body["enabled"])
        if node["console_enabled"] == enabled:
            return

        def finish() -> None:
            node["console_enabled"] = enabled
        self._later(node, finish)


# -- fixtures --


@pytest.fixture
def ironic() -> Iterator[FakeIronic]:
    """A running fake Ironic; ``[ironic]`` points at it without auth."""
    fake = FakeIronic()
    fake.start()
    helpers.configure("sqlite://", ironic__auth_type="none",
                      ironic__endpoint_override=f"{fake.url}/",
                      ironic__timeout=5)
    yield fake
    fake.stop()


@pytest.fixture
def backend(ironic: FakeIronic) -> ironic_node.IronicNodeBackend:
    return ironic_node.IronicNodeBackend()


Clock = helpers.Clock


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock.installed(monkeypatch, ironic_node)


def leased_node(ironic: FakeIronic, **fields: Any) -> dict[str, Any]:
    """NODE, owned by OWNER and held by LEASE for LESSEE."""
    return ironic.add_node(NODE, name="node-1", owner=OWNER, lessee=LESSEE,
                           properties={"cores": 8, "lease_uuid": LEASE},
                           **fields)


def run(steps: list[ReleaseStep], name: str) -> str | None:
    return next(s for s in steps if s.name == name).run()


# -- reads --


def test_to_info_strips_lease_marker_and_capabilities() -> None:
    info = ironic_node.to_info({
        "uuid": NODE, "name": "n1", "owner": OWNER, "lessee": LESSEE,
        "resource_class": "gpu", "maintenance": None,
        "properties": {"cores": 8, "lease_uuid": LEASE,
                       "capabilities": "boot_mode:uefi"},
        "provision_state": "active", "power_state": "power on",
        "target_provision_state": None, "target_power_state": "power off"})
    assert info.properties == {"cores": 8}
    assert info.lease_uuid == LEASE
    assert (info.uuid, info.name, info.owner_id, info.lessee_id) == (
        NODE, "n1", OWNER, LESSEE)
    assert (info.resource_class, info.provision_state, info.power_state,
            info.target_power_state) == ("gpu", "active", "power on",
                                         "power off")
    assert info.maintenance is False


def test_to_info_without_properties() -> None:
    info = ironic_node.to_info({"uuid": NODE, "properties": None})
    assert info.properties == {} and info.lease_uuid is None
    assert info.owner_id is None and info.name is None


def test_get_node_by_uuid_and_by_name(ironic: FakeIronic,
                                      backend: Any) -> None:
    leased_node(ironic, resource_class="gpu")
    by_uuid = backend.get_node(NODE)
    assert (by_uuid.uuid, by_uuid.name, by_uuid.owner_id,
            by_uuid.lessee_id, by_uuid.lease_uuid) == (
        NODE, "node-1", OWNER, LESSEE, LEASE)
    assert by_uuid.properties == {"cores": 8}
    backend._cache.forget()
    by_name = backend.get_node("node-1")
    assert by_name == by_uuid
    assert [s.path for s in ironic.api()] == [f"/v1/nodes/{NODE}",
                                              "/v1/nodes/node-1"]
    for seen in ironic.api():
        assert seen.version == "1.65"
        assert seen.query["fields"].split(",") == list(ironic_node.FIELDS)


def test_unknown_node_is_node_not_found(ironic: FakeIronic,
                                        backend: Any) -> None:
    with pytest.raises(exception.NodeNotFound) as caught:
        backend.get_node("no-such-node")
    assert "no-such-node" in str(caught.value)
    assert "ironic_node" in str(caught.value)


def test_list_nodes_passes_the_filters_to_ironic(ironic: FakeIronic,
                                                 backend: Any) -> None:
    ironic.add_node("00000000-0000-4000-8000-000000000001", owner=OWNER,
                    lessee=LESSEE, resource_class="gpu")
    ironic.add_node("00000000-0000-4000-8000-000000000002", owner=OWNER)
    ironic.add_node("00000000-0000-4000-8000-000000000003", owner=OTHER,
                    lessee=LESSEE, resource_class="gpu")
    owned = backend.list_nodes(owner_id=OWNER)
    assert [n.uuid[-1] for n in owned] == ["1", "2"]
    leased = backend.list_nodes(lessee_id=LESSEE, resource_class="gpu")
    assert [n.uuid[-1] for n in leased] == ["1", "3"]
    everything = backend.list_nodes()
    assert len(everything) == 3
    fields = ",".join(ironic_node.FIELDS)
    assert [s.query for s in ironic.api()] == [
        {"owner": OWNER, "fields": fields},
        {"lessee": LESSEE, "resource_class": "gpu", "fields": fields},
        {"fields": fields}]
    assert {s.path for s in ironic.api()} == {"/v1/nodes"}


@pytest.mark.parametrize("count", [5, 4])
def test_list_nodes_follows_next_links(ironic: FakeIronic, backend: Any,
                                       count: int) -> None:
    ironic.max_limit = 2
    uuids = [f"00000000-0000-4000-8000-00000000000{i}" for i in range(count)]
    for uuid in uuids:
        ironic.add_node(uuid, owner=OWNER)
    found = backend.list_nodes(owner_id=OWNER)
    assert [n.uuid for n in found] == uuids
    markers = [s.query.get("marker") for s in ironic.api()]
    # Pages of two; with 4 nodes the third page is empty and has no next.
    assert markers == [None, uuids[1], uuids[3]]
    assert all(s.query["owner"] == OWNER for s in ironic.api())


def test_get_nodes_fetches_few_one_by_one_and_many_by_listing(
        ironic: FakeIronic, backend: Any) -> None:
    uuids = [f"00000000-0000-4000-8000-0000000000{i:02d}" for i in range(30)]
    for uuid in uuids:
        ironic.add_node(uuid, owner=OWNER)
    missing = "00000000-0000-4000-8000-0000000000ff"
    few = backend.get_nodes(uuids[:3] + [missing])
    assert set(few) == set(uuids[:3])
    assert len(ironic.api()) == 4
    backend._cache.forget()
    ironic.clear()
    many = backend.get_nodes(uuids + [missing])
    assert set(many) == set(uuids)
    assert [s.path for s in ironic.api()] == ["/v1/nodes"]


def test_reads_are_cached_for_node_cache_ttl(ironic: FakeIronic,
                                             backend: Any,
                                             clock: Clock) -> None:
    helpers.override("node_cache_ttl", 10, group="ironic")
    leased_node(ironic)
    backend.get_node(NODE)
    backend.get_node(NODE)
    backend.get_node("node-1")  # the name is cached with the uuid
    assert len(ironic.api()) == 1
    backend.list_nodes(owner_id=OWNER)
    backend.list_nodes(owner_id=OWNER)
    assert len(ironic.api()) == 2
    backend.list_nodes(owner_id=OTHER)  # other filters, other entry
    assert len(ironic.api()) == 3
    clock.advance(9)
    backend.get_node(NODE)
    assert len(ironic.api()) == 3
    clock.advance(2)
    backend.get_node(NODE)
    backend.list_nodes(owner_id=OWNER)
    assert len(ironic.api()) == 5


def test_zero_ttl_asks_every_time(ironic: FakeIronic, backend: Any) -> None:
    helpers.override("node_cache_ttl", 0, group="ironic")
    leased_node(ironic)
    backend.get_node(NODE)
    backend.get_node(NODE)
    assert len(ironic.api()) == 2


def test_a_write_drops_cached_reads(ironic: FakeIronic,
                                    backend: Any) -> None:
    ironic.add_node(NODE, name="node-1", owner=OWNER)
    assert backend.get_node(NODE).lessee_id is None
    assert backend.list_nodes(lessee_id=LESSEE) == []
    backend.set_lease(NODE, LEASE, LESSEE)
    ironic.clear()
    after = backend.get_node(NODE)
    assert (after.lessee_id, after.lease_uuid) == (LESSEE, LEASE)
    assert [n.uuid for n in backend.list_nodes(lessee_id=LESSEE)] == [NODE]
    assert len(ironic.api()) == 2
    # A release step drops them too.
    steps = backend.release_steps(NODE, LEASE)
    run(steps, "remove_lessee")
    assert backend.get_node(NODE).lessee_id is None


# -- outages and errors --



def test_ironic_not_listening_is_peer_unavailable_at_once(
        ironic: FakeIronic, clock: Clock) -> None:
    helpers.override("endpoint_override",
                     f"http://127.0.0.1:{helpers.closed_port()}/",
                     group="ironic")
    helpers.override("outage_backoff", 5, group="ironic")
    backend = ironic_node.IronicNodeBackend()
    started = time.perf_counter()
    with pytest.raises(exception.PeerUnavailable) as caught:
        backend.get_node(NODE)
    assert time.perf_counter() - started < 5
    assert caught.value.kwargs["peer"] == "Ironic"
    # Within the backoff the next read does not even try.
    started = time.perf_counter()
    with pytest.raises(exception.PeerUnavailable) as again:
        backend.list_nodes()
    assert time.perf_counter() - started < 0.5
    assert "moments ago" in str(again.value)


def test_within_outage_backoff_reads_fail_without_a_request(
        ironic: FakeIronic, backend: Any, clock: Clock) -> None:
    helpers.override("outage_backoff", 5, group="ironic")
    helpers.override("node_cache_ttl", 0, group="ironic")
    leased_node(ironic)
    ironic.fail_next(503, "No free conductor workers available")
    with pytest.raises(exception.PeerUnavailable):
        backend.get_node(NODE)
    assert len(ironic.api()) == 1
    for read in (lambda: backend.get_node(NODE), backend.list_nodes,
                 lambda: backend.get_console(NODE)):
        with pytest.raises(exception.PeerUnavailable):
            read()
    assert len(ironic.api()) == 1
    # The manager's writes still reach Ironic.
    assert backend.release_steps(NODE, LEASE)
    assert len(ironic.api()) == 2
    clock.advance(5.5)
    assert backend.get_node(NODE).uuid == NODE
    assert len(ironic.api()) == 3


def test_client_error_is_peer_error_with_the_fault_text(
        ironic: FakeIronic, backend: Any) -> None:
    ironic.fail_next(400, "Field(s) \"color\" are not valid")
    with pytest.raises(exception.PeerError) as caught:
        backend.list_nodes()
    message = str(caught.value)
    assert "HTTP 400" in message and "/nodes" in message
    assert "Field(s) \"color\" are not valid" in message
    # The fault's text, not Ironic's JSON envelope around it.
    assert "faultcode" not in message and "debuginfo" not in message
    # A client error is no outage: the next read asks Ironic again.
    assert backend.list_nodes() == []
    assert len(ironic.api()) == 2


def test_conflict_from_ironic_is_conflict(ironic: FakeIronic,
                                          backend: Any) -> None:
    ironic.add_node(NODE, owner=OWNER)
    ironic.locked.add(NODE)
    with pytest.raises(exception.Conflict) as caught:
        backend.set_lease(NODE, LEASE, LESSEE)
    assert f"Node {NODE} is locked by host" in str(caught.value)
    assert ironic.nodes[NODE]["lessee"] is None


# -- set_lease --


def test_set_lease_patches_lessee_and_lease_marker(ironic: FakeIronic,
                                                   backend: Any) -> None:
    ironic.add_node(NODE, owner=OWNER, properties={"cores": 8})
    backend.set_lease(NODE, LEASE, LESSEE)
    patches = ironic.api("PATCH")
    assert len(patches) == 1 and patches[0].path == f"/v1/nodes/{NODE}"
    ops = {(op["op"], op["path"], op.get("value"))
           for op in patches[0].body}
    assert ops == {("add", "/lessee", LESSEE),
                   ("add", "/properties/lease_uuid", LEASE)}
    stored = ironic.nodes[NODE]
    assert stored["lessee"] == LESSEE
    assert stored["properties"] == {"cores": 8, "lease_uuid": LEASE}


def test_set_lease_reads_the_node_fresh(ironic: FakeIronic,
                                        backend: Any) -> None:
    ironic.add_node(NODE, owner=OWNER)
    backend.get_node(NODE)  # cached: not in maintenance
    ironic.nodes[NODE]["maintenance"] = True
    with pytest.raises(exception.NodeInMaintenance):
        backend.set_lease(NODE, LEASE, LESSEE)


def test_set_lease_refuses_a_node_in_maintenance(ironic: FakeIronic,
                                                 backend: Any) -> None:
    ironic.add_node(NODE, owner=OWNER, maintenance=True)
    with pytest.raises(exception.NodeInMaintenance) as caught:
        backend.set_lease(NODE, LEASE, LESSEE)
    assert NODE in str(caught.value)
    assert ironic.writes() == []
    assert ironic.nodes[NODE]["lessee"] is None


def test_set_lease_on_a_missing_node_is_node_not_found(
        ironic: FakeIronic, backend: Any) -> None:
    with pytest.raises(exception.NodeNotFound):
        backend.set_lease(NODE, LEASE, LESSEE)
    assert ironic.writes() == []


# -- release steps --


def test_no_release_steps_for_a_node_held_by_another_lease(
        ironic: FakeIronic, backend: Any) -> None:
    leased_node(ironic)
    assert backend.release_steps(NODE, OTHER_LEASE) == []
    ironic.nodes[NODE]["properties"].pop("lease_uuid")
    assert backend.release_steps(NODE, LEASE) == []
    assert ironic.writes() == []


def test_release_steps_of_a_missing_node_is_node_not_found(
        ironic: FakeIronic, backend: Any) -> None:
    with pytest.raises(exception.NodeNotFound):
        backend.release_steps(NODE, LEASE)


def test_release_steps_in_order(ironic: FakeIronic, backend: Any) -> None:
    leased_node(ironic)
    names = [s.name for s in backend.release_steps(NODE, LEASE)]
    assert names == ["remove_lessee", "power_off", "undeploy",
                     "clear_instance", "detach_vifs", "disable_console",
                     "remove_lease_marker"]
    assert ironic.writes() == []  # listing the steps changes nothing


def test_configured_steps_run_between_the_fixed_ones(
        ironic: FakeIronic, backend: Any) -> None:
    helpers.override("release_steps", ["power_off"], group="ironic")
    leased_node(ironic, provision_state="active", power_state="power on",
                instance_info={"image_source": "x"})
    ironic.vifs[NODE] = ["vif-1"]
    steps = backend.release_steps(NODE, LEASE)
    assert [s.name for s in steps] == ["remove_lessee", "power_off",
                                       "remove_lease_marker"]
    run_all(ironic, steps)
    node = ironic.nodes[NODE]
    assert node["power_state"] == "power off"
    assert node["provision_state"] == "active"  # not undeployed
    assert node["instance_info"] == {"image_source": "x"}
    assert ironic.vifs[NODE] == ["vif-1"]
    assert node["lessee"] is None and "lease_uuid" not in node["properties"]
    touched = {s.path for s in ironic.writes()}
    assert touched == {f"/v1/nodes/{NODE}",
                       f"/v1/nodes/{NODE}/states/power"}


def test_release_steps_invalid_choice_is_refused(ironic: FakeIronic) -> None:
    with pytest.raises(ValueError):
        helpers.override("release_steps", ["reboot"], group="ironic")


def test_no_configured_steps_remove_lease_frees_the_node(
        ironic: FakeIronic, backend: Any) -> None:
    helpers.override("release_steps", [], group="ironic")
    leased_node(ironic, power_state="power on")
    backend.remove_lease(NODE, LEASE)
    node = ironic.nodes[NODE]
    assert node["lessee"] is None
    assert node["properties"] == {"cores": 8}
    assert node["power_state"] == "power on"


def run_all(ironic: FakeIronic, steps: list[ReleaseStep],
            limit: int = 20) -> list[tuple[str, str]]:
    """Run the steps as the manager does: from the first again after a step
    under way, letting the fake finish its work in between."""
    outcomes: list[tuple[str, str]] = []
    for _ in range(limit):
        try:
            for step in steps:
                outcomes.append((step.name, str(step.run())))
            return outcomes
        except exception.StepPending as exc:
            outcomes.append((exc.kwargs["step"], "pending"))
            ironic.tick()
    raise AssertionError(f"the steps never finished: {outcomes}")


def test_full_release_of_a_deployed_node(ironic: FakeIronic,
                                         backend: Any) -> None:
    leased_node(ironic, provision_state="active", power_state="power on",
                instance_info={"image_source": "img"},
                instance_uuid="99999999-0000-4000-8000-000000000009",
                extra={"note": "x"}, console_enabled=True)
    ironic.vifs[NODE] = ["vif-1", "vif-2"]
    steps = backend.release_steps(NODE, LEASE)
    outcomes = run_all(ironic, steps)
    pending = [name for name, outcome in outcomes if outcome == "pending"]
    assert pending == ["power_off", "undeploy", "disable_console"]
    node = ironic.nodes[NODE]
    assert node["lessee"] is None
    assert node["properties"] == {"cores": 8}
    assert (node["power_state"], node["provision_state"]) == (
        "power off", "available")
    assert (node["instance_info"], node["extra"], node["instance_uuid"]) == (
        {}, {}, None)
    assert ironic.vifs[NODE] == []
    assert node["console_enabled"] is False
    # The marker goes last, after everything else.
    last = ironic.writes()[-1]
    assert last.body == [{"op": "remove", "path": "/properties/lease_uuid"}]
    assert all(s.version == "1.65" for s in ironic.api())


def test_remove_lessee(ironic: FakeIronic, backend: Any) -> None:
    leased_node(ironic)
    steps = backend.release_steps(NODE, LEASE)
    assert run(steps, "remove_lessee")
    assert ironic.nodes[NODE]["lessee"] is None
    assert [s.body for s in ironic.writes()] == [
        [{"op": "remove", "path": "/lessee"}]]
    ironic.clear()
    run(steps, "remove_lessee")  # nothing left to do
    assert ironic.writes() == []


def test_power_off_waits_for_ironic(ironic: FakeIronic,
                                    backend: Any) -> None:
    leased_node(ironic, power_state="power on")
    steps = backend.release_steps(NODE, LEASE)
    with pytest.raises(exception.StepPending):
        run(steps, "power_off")
    assert [(s.path, s.body) for s in ironic.writes()] == [
        (f"/v1/nodes/{NODE}/states/power", {"target": "power off"})]
    with pytest.raises(exception.StepPending):  # still under way
        run(steps, "power_off")
    assert len(ironic.writes()) == 1  # not asked twice
    ironic.tick()
    run(steps, "power_off")  # done: no StepPending
    run(steps, "power_off")
    assert len(ironic.writes()) == 1


def test_undeploy_waits_for_ironic(ironic: FakeIronic,
                                   backend: Any) -> None:
    leased_node(ironic, provision_state="active")
    steps = backend.release_steps(NODE, LEASE)
    with pytest.raises(exception.StepPending):
        run(steps, "undeploy")
    assert [(s.path, s.body) for s in ironic.writes()] == [
        (f"/v1/nodes/{NODE}/states/provision", {"target": "deleted"})]
    with pytest.raises(exception.StepPending):  # deleting
        run(steps, "undeploy")
    assert len(ironic.writes()) == 1
    ironic.tick()
    outcome = run(steps, "undeploy")
    assert outcome is not None and "not deployed" in outcome
    assert ironic.nodes[NODE]["provision_state"] == "available"
    assert len(ironic.writes()) == 1


def test_undeploy_of_a_node_in_clean_failed_is_a_conflict(
        ironic: FakeIronic, backend: Any) -> None:
    leased_node(ironic, provision_state="clean failed",
                last_error="cleaning timed out")
    steps = backend.release_steps(NODE, LEASE)
    with pytest.raises(exception.Conflict) as caught:
        run(steps, "undeploy")
    assert NODE in str(caught.value) and "clean failed" in str(caught.value)
    assert "cleaning timed out" in str(caught.value)
    assert ironic.writes() == []


def test_undeploy_whose_cleaning_fails_is_a_conflict(
        ironic: FakeIronic, backend: Any) -> None:
    leased_node(ironic, provision_state="active")
    ironic.clean_fails = True
    steps = backend.release_steps(NODE, LEASE)
    with pytest.raises(exception.StepPending):
        run(steps, "undeploy")
    ironic.tick()
    with pytest.raises(exception.Conflict):
        run(steps, "undeploy")


def test_clear_instance(ironic: FakeIronic, backend: Any) -> None:
    leased_node(ironic, instance_info={"image_source": "img"},
                extra={"note": "x"},
                instance_uuid="99999999-0000-4000-8000-000000000009")
    steps = backend.release_steps(NODE, LEASE)
    outcome = run(steps, "clear_instance")
    assert outcome is not None and "instance_info" in outcome
    [patch] = ironic.writes()
    assert sorted(op["path"] for op in patch.body) == [
        "/extra", "/instance_info", "/instance_uuid"]
    assert all(op["op"] == "remove" for op in patch.body)
    node = ironic.nodes[NODE]
    assert (node["instance_info"], node["extra"], node["instance_uuid"]) == (
        {}, {}, None)
    ironic.clear()
    run(steps, "clear_instance")
    assert ironic.writes() == []


def test_clear_instance_removes_only_what_is_set(ironic: FakeIronic,
                                                 backend: Any) -> None:
    leased_node(ironic,
                instance_uuid="99999999-0000-4000-8000-000000000009")
    run(backend.release_steps(NODE, LEASE), "clear_instance")
    [patch] = ironic.writes()
    assert patch.body == [{"op": "remove", "path": "/instance_uuid"}]


def test_detach_vifs(ironic: FakeIronic, backend: Any) -> None:
    leased_node(ironic)
    ironic.vifs[NODE] = ["vif-1", "vif-2"]
    steps = backend.release_steps(NODE, LEASE)
    assert run(steps, "detach_vifs") == "detached 2 VIF(s)"
    assert [(s.method, s.path) for s in ironic.writes()] == [
        ("DELETE", f"/v1/nodes/{NODE}/vifs/vif-1"),
        ("DELETE", f"/v1/nodes/{NODE}/vifs/vif-2")]
    assert ironic.vifs[NODE] == []
    ironic.clear()
    run(steps, "detach_vifs")
    assert ironic.writes() == []


def test_disable_console_waits_for_ironic(ironic: FakeIronic,
                                          backend: Any) -> None:
    leased_node(ironic, console_enabled=True)
    steps = backend.release_steps(NODE, LEASE)
    with pytest.raises(exception.StepPending):
        run(steps, "disable_console")
    assert [(s.path, s.body) for s in ironic.writes()] == [
        (f"/v1/nodes/{NODE}/states/console", {"enabled": False})]
    ironic.tick()
    run(steps, "disable_console")  # done: no StepPending
    assert len(ironic.writes()) == 1


def test_remove_lease_marker_only_of_this_lease(ironic: FakeIronic,
                                                backend: Any) -> None:
    leased_node(ironic)
    steps = backend.release_steps(NODE, LEASE)
    ironic.nodes[NODE]["properties"]["lease_uuid"] = OTHER_LEASE
    run(steps, "remove_lease_marker")
    assert ironic.writes() == []
    assert ironic.nodes[NODE]["properties"]["lease_uuid"] == OTHER_LEASE
    ironic.nodes[NODE]["properties"]["lease_uuid"] = LEASE
    assert run(steps, "remove_lease_marker") == "the lease marker is removed"
    assert ironic.nodes[NODE]["properties"] == {"cores": 8}
    run(steps, "remove_lease_marker")
    assert len(ironic.writes()) == 1


def test_a_step_on_a_vanished_node_is_node_not_found(
        ironic: FakeIronic, backend: Any) -> None:
    leased_node(ironic)
    steps = backend.release_steps(NODE, LEASE)
    del ironic.nodes[NODE]
    with pytest.raises(exception.NodeNotFound):
        run(steps, "remove_lessee")


# -- console --


@pytest.mark.parametrize("enabled,info,expected", [
    (True, {"type": "socat", "url": "tcp://192.0.2.5:8023"},
     "tcp://192.0.2.5:8023"),
    (False, {"type": "socat", "url": "tcp://192.0.2.5:8023"}, None),
    (True, {"type": "shellinabox", "url": "http://192.0.2.5:8023"}, None),
])
def test_get_console(ironic: FakeIronic, backend: Any, enabled: bool,
                     info: dict[str, str], expected: str | None) -> None:
    leased_node(ironic, console_enabled=enabled)
    ironic.console_info[NODE] = info
    assert backend.get_console(NODE) == expected
    [seen] = ironic.api()
    assert seen.path == f"/v1/nodes/{NODE}/states/console"


def test_get_console_of_a_missing_node(ironic: FakeIronic,
                                       backend: Any) -> None:
    with pytest.raises(exception.NodeNotFound):
        backend.get_console(NODE)
