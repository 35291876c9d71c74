"""Whole lists are read in keyset chunks and streamed; a database failure
in the middle of a list aborts the answer instead of ending the JSON."""

import datetime
import http.client
import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
import webob
from oslo_db import exception as db_exc

from esi_leap.cmd import wsgi_server
from esi_leap.db import offers as db_offers
from tests import helpers
from tests.conftest import LESSEE
from tests.conftest import OWNER

COUNT = 7


def make_nodes(count: int) -> list[str]:
    from esi_leap.db import nodes
    uuids = []
    for i in range(count):
        uuid = f"00000000-0000-0000-0000-{i:012d}"
        nodes.node_create({"uuid": uuid, "name": f"n{i}",
                           "resource_class": "small", "properties": {},
                           "owner_id": OWNER, "maintenance": False})
        uuids.append(uuid)
    return uuids


@pytest.fixture
def offers(client: helpers.ApiClient) -> list[str]:
    """COUNT offers (some without a name, names and times repeating)."""
    created = []
    start = datetime.datetime(2030, 1, 1)
    for i, node in enumerate(make_nodes(COUNT)):
        body: dict[str, Any] = {
            "resource_uuid": node,
            "start_time": (start + datetime.timedelta(
                days=i % 3)).isoformat(),
            "end_time": "2031-01-01T00:00:00"}
        if i % 3:
            body["name"] = f"offer-{i % 2}"
        response = client.as_(OWNER).post("/v1/offers", body)
        assert response.status_code == 201, response.text
        created.append(response.json["uuid"])
    return created


def uuids(response: webob.Response, key: str) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["uuid"] for item in response.json[key]]


QUERIES = ["", "?sort_key=name", "?sort_key=name&sort_dir=desc",
           "?sort_key=start_time&sort_dir=desc", "?sort_key=created_at",
           "?sort_key=uuid&sort_dir=desc"]


@helpers.ALL_BACKENDS
def test_chunked_lists_equal_whole_ones(client, offers):
    owner = client.as_(OWNER)
    whole = {q: uuids(owner.get("/v1/offers" + q), "offers")
             for q in QUERIES}
    assert sorted(whole[""]) == sorted(offers)
    helpers.override("list_chunk_size", 3, group="api")
    for query, expected in whole.items():
        response = owner.get("/v1/offers" + query)
        assert "Content-Length" not in response.headers, query
        assert uuids(response, "offers") == expected, query


def test_chunked_list_starts_at_the_marker(client, offers):
    owner = client.as_(OWNER)
    ordered = uuids(owner.get("/v1/offers?sort_key=name"), "offers")
    helpers.override("list_chunk_size", 2, group="api")
    after = uuids(owner.get(f"/v1/offers?sort_key=name&marker={ordered[1]}"),
                  "offers")
    assert after == ordered[2:]


def test_list_of_exactly_one_chunk_is_not_streamed(client, offers):
    helpers.override("list_chunk_size", COUNT + 1, group="api")
    response = client.as_(OWNER).get("/v1/offers")
    assert response.headers["Content-Length"] == str(len(response.body))
    assert len(response.json["offers"]) == COUNT
    helpers.override("list_chunk_size", COUNT, group="api")
    assert len(client.as_(OWNER).get("/v1/offers").json["offers"]) == COUNT


def test_leases_and_events_stream_whole(client, offers):
    admin = client.as_(OWNER, "admin")
    for offer in offers:
        claimed = client.as_(LESSEE).post(f"/v1/offers/{offer}/claim", {
            "start_time": "2030-06-01T00:00:00",
            "end_time": "2030-06-02T00:00:00"})
        assert claimed.status_code == 201, claimed.text
    leases = uuids(admin.get("/v1/leases?status=any"), "leases")
    events = admin.get("/v1/events").json["events"]
    assert len(leases) == COUNT and len(events) >= 2 * COUNT
    helpers.override("list_chunk_size", 2, group="api")
    assert uuids(admin.get("/v1/leases?status=any"), "leases") == leases
    assert admin.get("/v1/events").json["events"] == events
    last = events[3]["id"]
    assert admin.get(f"/v1/events?last_event_id={last}").json[
        "events"] == events[4:]


def test_bad_query_is_still_an_ordinary_400(client, offers):
    helpers.override("list_chunk_size", 2, group="api")
    response = client.as_(OWNER).get("/v1/offers?sort_key=nope")
    assert response.status_code == 400
    assert "sort_key" in response.json["faultstring"]


@pytest.fixture
def db_breaks_after_first_chunk(offers: list[str], database: str,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The offers table disappears once the first chunk has been read:
    every later chunk meets a real database error."""
    helpers.override("list_chunk_size", 2, group="api")
    real = db_offers.offer_list
    calls = []

    def offer_list(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            engine = sa.create_engine(database)
            with engine.begin() as conn:
                conn.exec_driver_sql("ALTER TABLE offers RENAME TO gone")
            engine.dispose()
        return real(*args, **kwargs)

    monkeypatch.setattr(db_offers, "offer_list", offer_list)


def test_db_failure_mid_stream_raises_out_of_the_app(
        app, db_breaks_after_first_chunk):
    req = webob.Request.blank("/v1/offers")
    req.headers.update({"X-Project-Id": OWNER, "X-Roles": "member"})
    started = []
    received = []
    body = app(req.environ, lambda status, headers, exc=None:
               started.append(status))
    with pytest.raises(db_exc.DBError):
        for piece in body:
            received.append(piece)
    assert started == ["200 OK"]
    text = b"".join(received)
    assert text.startswith(b'{"offers":[{')
    with pytest.raises(ValueError):
        json.loads(text)


@pytest.fixture
def server(app: Any) -> Iterator[tuple[str, int]]:
    """The app behind the real front end (waitress, as ``esi-leap`` runs
    it)."""
    sock = socket.create_server(("127.0.0.1", 0))
    srv = wsgi_server.make(app, sock, threads=2, header_timeout=20,
                           max_connections=10)
    stop = threading.Event()
    thread = threading.Thread(target=wsgi_server.serve,
                              args=(srv, stop.is_set), daemon=True)
    thread.start()
    yield sock.getsockname()[:2]
    stop.set()
    thread.join(10)
    srv.close()


def test_db_failure_mid_stream_drops_the_connection(
        server, db_breaks_after_first_chunk):
    conn = http.client.HTTPConnection(*server, timeout=30)
    conn.request("GET", "/v1/offers", headers={"X-Project-Id": OWNER,
                                               "X-Roles": "member"})
    response = conn.getresponse()
    assert response.status == 200
    with pytest.raises(http.client.IncompleteRead) as caught:
        response.read()
    partial = caught.value.partial
    assert partial.startswith(b'{"offers":[{')
    with pytest.raises(ValueError):
        json.loads(partial)
    conn.close()


def test_networks_audits_and_findings_stream_whole(client, database):
    helpers.vlan_pool()
    admin = client.as_(OWNER, "admin")
    for name in ("b", "a", "c", "a", "d"):
        assert admin.post("/v1/networks", {"name": name}).status_code == 201
    from esi_leap.db import api as db_api
    from esi_leap.db import models
    with db_api.writer() as session:
        for i in range(3):
            session.add(models.Audit(
                uuid=f"00000000-0000-0000-0000-aaaaaaaaaaa{i}",
                status="done", trigger="api", project_id=None,
                scope={"switches": []}, summary={}, active=None))
    paths = {"networks": ["/v1/networks", "/v1/networks?sort_key=name"],
             "audits": ["/v1/audits"], "findings": ["/v1/findings"],
             "network_actions": ["/v1/network_actions"]}
    whole = {p: admin.get(p).json[key] for key, ps in paths.items()
             for p in ps}
    assert len(whole["/v1/networks"]) == 5
    assert len(whole["/v1/audits"]) == 3
    helpers.override("list_chunk_size", 2, group="api")
    for key, ps in paths.items():
        for path in ps:
            assert admin.get(path).json[key] == whole[path], path
