"""Direct leases, moving a lease's end, lists, pagination, quotas."""

import datetime

import pytest

from esi_leap.common import timeutils
from esi_leap.db import nodes as db_nodes
from esi_leap.manager import service
from tests import helpers
from tests.conftest import LESSEE
from tests.conftest import OTHER
from tests.conftest import OWNER


def in_days(days: float) -> str:
    moment = timeutils.utcnow() + datetime.timedelta(days=days)
    return timeutils.format_time(moment) or ""


@pytest.fixture
def lease(client, node):
    response = client.as_(OWNER).post("/v1/leases", {
        "resource_uuid": node, "project_id": LESSEE, "name": "l1",
        "purpose": "tests", "start_time": in_days(1),
        "end_time": in_days(3)})
    assert response.status_code == 201, response.text
    return response.json


def test_direct_lease_defaults(client, node):
    response = client.as_(OWNER).post("/v1/leases", {
        "resource_uuid": node, "project_id": LESSEE})
    assert response.status_code == 201, response.text
    body = response.json
    start = timeutils.parse(body["start_time"], "s")
    end = timeutils.parse(body["end_time"], "e")
    assert end - start == datetime.timedelta(days=7)
    assert body["owner_id"] == OWNER and body["project_id"] == LESSEE
    assert body["status"] == "created"


def test_missing_lessee_is_400(client, node):
    response = client.as_(OWNER).post("/v1/leases", {"resource_uuid": node})
    assert response.status_code == 400
    assert "project_id" in response.json["faultstring"]


def test_overlapping_direct_lease_is_409(client, lease, node):
    response = client.as_(OWNER).post("/v1/leases", {
        "resource_uuid": node, "project_id": OTHER,
        "start_time": in_days(2), "end_time": in_days(4)})
    assert response.status_code == 409
    assert lease["uuid"] in response.json["faultstring"]


def test_owner_extends_and_shortens(client, lease):
    owner = client.as_(OWNER)
    longer = owner.patch(f"/v1/leases/{lease['uuid']}",
                         {"end_time": in_days(5)})
    assert longer.status_code == 200, longer.text
    shorter = owner.patch(f"/v1/leases/{lease['uuid']}",
                          {"end_time": in_days(2)})
    assert shorter.status_code == 200, shorter.text
    assert shorter.json["end_time"] < longer.json["end_time"]


@pytest.mark.parametrize("body,code,fragment", [
    ({"end_time": "2000-01-01T00:00:00"}, 400, "strictly less"),
    ({"end_time": "nope"}, 400, "end_time"),
    ({"name": "x"}, 400, "Only the end_time"),
    ({"end_time": "2020-01-01T00:00:00", "name": "x"}, 400,
     "Only the end_time"),
])
def test_bad_patches(client, lease, body, code, fragment):
    response = client.as_(OWNER).patch(f"/v1/leases/{lease['uuid']}", body)
    assert response.status_code == code, response.text
    assert fragment in response.json["faultstring"]


def test_extension_into_another_lease_is_409(client, lease, node):
    client.as_(OWNER).post("/v1/leases", {
        "resource_uuid": node, "project_id": OTHER,
        "start_time": in_days(4), "end_time": in_days(6)})
    response = client.as_(OWNER).patch(f"/v1/leases/{lease['uuid']}",
                                       {"end_time": in_days(5)})
    assert response.status_code == 409


def test_extension_beyond_max_needs_admin(client, lease):
    response = client.as_(OWNER).patch(f"/v1/leases/{lease['uuid']}",
                                       {"end_time": in_days(40)})
    assert response.status_code == 403
    admin = client.as_(OTHER, "admin").patch(
        f"/v1/leases/{lease['uuid']}", {"end_time": in_days(40)})
    assert admin.status_code == 200, admin.text


def test_moving_the_end_into_the_past_is_refused(client, node):
    lease = client.as_(OWNER).post("/v1/leases", {
        "resource_uuid": node, "project_id": LESSEE,
        "start_time": in_days(-2), "end_time": in_days(2)}).json
    response = client.as_(OWNER).patch(f"/v1/leases/{lease['uuid']}",
                                       {"end_time": in_days(-1)})
    assert response.status_code == 400
    assert "past" in response.json["faultstring"]


def test_list_scoping(client, lease):
    assert [x["uuid"] for x in client.as_(LESSEE).get("/v1/leases")
            .json["leases"]] == [lease["uuid"]]
    assert [x["uuid"] for x in client.as_(OWNER).get("/v1/leases")
            .json["leases"]] == [lease["uuid"]]
    assert client.as_(OTHER).get("/v1/leases").json["leases"] == []
    assert client.as_(OTHER).get(
        f"/v1/leases?project_id={LESSEE}").status_code == 403
    assert client.as_(OTHER, "admin").get(
        f"/v1/leases?project_id={LESSEE}").json["leases"][0]["uuid"] == \
        lease["uuid"]


def test_list_filters(client, lease, node):
    lessee = client.as_(LESSEE)

    def uuids(query):
        response = lessee.get("/v1/leases" + query)
        assert response.status_code == 200, response.text
        return [x["uuid"] for x in response.json["leases"]]

    assert uuids("?purpose=tests") == [lease["uuid"]]
    assert uuids("?purpose=other") == []
    assert uuids(f"?resource_uuid={node}") == [lease["uuid"]]
    assert uuids("?resource_class=baremetal-small") == [lease["uuid"]]
    assert uuids("?status=active") == []
    assert uuids("?status=any") == [lease["uuid"]]
    assert uuids(f"?start_time={in_days(2)}&end_time={in_days(2.5)}") == [
        lease["uuid"]]
    assert uuids(f"?start_time={in_days(5)}&end_time={in_days(6)}") == []


def test_pagination_sort_and_next_link(client, database):
    for i in range(5):
        db_nodes.node_create({"uuid": f"00000000-0000-0000-0000-00000000000"
                                      f"{i}", "name": f"n{i}",
                              "owner_id": OWNER, "maintenance": False})
        client.as_(OWNER).post("/v1/offers", {
            "resource_uuid": f"n{i}", "name": f"offer-{4 - i}"})
    lessee = client.as_(LESSEE)
    everything = lessee.get("/v1/offers").json
    assert len(everything["offers"]) == 5 and "next" not in everything
    seen = []
    url = "/v1/offers?limit=2&sort_key=name"
    while url:
        page = lessee.get(url).json
        seen += [o["name"] for o in page["offers"]]
        url = page.get("next", "").replace("http://localhost", "")
    assert seen == [f"offer-{i}" for i in range(5)]
    desc = lessee.get("/v1/offers?sort_key=name&sort_dir=desc").json
    assert [o["name"] for o in desc["offers"]] == [
        f"offer-{i}" for i in reversed(range(5))]
    assert lessee.get("/v1/offers?sort_key=bogus").status_code == 400
    assert lessee.get("/v1/offers?limit=0").status_code == 400
    assert lessee.get("/v1/offers?marker=nope").status_code == 400


def test_quota_on_open_leases(client, database):
    helpers.override("max_leases_per_project", 1, group="quota")
    for i in range(2):
        db_nodes.node_create({"uuid": f"10000000-0000-0000-0000-00000000000"
                                      f"{i}", "name": f"q{i}",
                              "owner_id": OWNER, "maintenance": False})
    owner = client.as_(OWNER)
    first = owner.post("/v1/leases", {"resource_uuid": "q0",
                                      "project_id": LESSEE})
    assert first.status_code == 201
    second = owner.post("/v1/leases", {"resource_uuid": "q1",
                                       "project_id": LESSEE})
    assert second.status_code == 409
    assert "quota" in second.json["faultstring"]
    admin = client.as_(OTHER, "admin").post(
        "/v1/leases", {"resource_uuid": "q1", "project_id": LESSEE})
    assert admin.status_code == 201


def test_events_are_scoped_to_the_callers_project(client, lease):
    service.Manager(host="test").reconcile()
    lessee_events = client.as_(LESSEE).get(
        f"/v1/events?lessee_or_owner_id={OTHER}").json["events"]
    assert lessee_events and all(
        LESSEE in (e["lessee_id"], e["owner_id"]) for e in lessee_events)
    assert client.as_(OTHER).get("/v1/events").json["events"] == []
    after = lessee_events[0]["id"]
    later = client.as_(LESSEE).get(
        f"/v1/events?last_event_id={after}").json["events"]
    assert all(e["id"] > after for e in later)
