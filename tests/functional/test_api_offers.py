"""Offers and claims on the real app."""

import datetime

import pytest
import sqlalchemy as sa

from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.db import models
from esi_leap.manager import service
from tests.conftest import LESSEE
from tests.conftest import OTHER
from tests.conftest import OWNER

WINDOW = {"start_time": "2030-01-01T00:00:00",
          "end_time": "2030-02-01T00:00:00"}


@pytest.fixture
def offer(client, node):
    response = client.as_(OWNER).post(
        "/v1/offers", dict(WINDOW, resource_uuid="node-1", name="my-offer"))
    assert response.status_code == 201, response.text
    return response.json


def test_create_by_node_name_normalises_uuid(offer, node):
    assert offer["resource_uuid"] == node
    assert offer["resource"] == "node-1"
    assert offer["resource_class"] == "baremetal-small"
    assert offer["resource_properties"] == {"cores": 16}
    assert offer["availabilities"] == [["2030-01-01T00:00:00",
                                        "2030-02-01T00:00:00"]]


def test_overlapping_offer_is_409_and_creates_nothing(client, offer, node):
    response = client.as_(OWNER).post("/v1/offers", {
        "resource_uuid": node, "start_time": "2030-01-15T00:00:00",
        "end_time": "2030-03-01T00:00:00"})
    assert response.status_code == 409
    assert node in response.json["faultstring"]
    listed = client.as_(OWNER).get("/v1/offers?status=any").json["offers"]
    assert [o["uuid"] for o in listed] == [offer["uuid"]]


def test_back_to_back_offer_is_fine(client, offer, node):
    response = client.as_(OWNER).post("/v1/offers", {
        "resource_uuid": node, "start_time": "2030-02-01T00:00:00",
        "end_time": "2030-03-01T00:00:00"})
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("body,fragment", [
    ({"resource_uuid": "11111111-2222-3333-4444-555555555555",
      "start_time": "2030-02-01T00:00:00",
      "end_time": "2030-01-01T00:00:00"}, "strictly less"),
    ({"resource_uuid": "node-1", "start_time": "soon"}, "start_time"),
    ({"resource_uuid": "node-1", "resource_type": "bogus"}, "bogus"),
    ({"resource_uuid": "node-1", "uuid": "x"}, "uuid"),
    ({}, "resource_uuid"),
])
def test_bad_offer_input_is_400(client, node, body, fragment):
    response = client.as_(OWNER).post("/v1/offers", body)
    assert response.status_code == 400, response.text
    assert fragment in response.json["faultstring"]


def test_unknown_node_is_404(client, node):
    response = client.as_(OWNER).post("/v1/offers",
                                      {"resource_uuid": "no-such-node"})
    assert response.status_code == 404
    assert "no-such-node" in response.json["faultstring"]


def test_claim_then_conflicting_claim(client, offer):
    lessee = client.as_(LESSEE)
    first = lessee.post(f"/v1/offers/{offer['uuid']}/claim", {
        "start_time": "2030-01-02T00:00:00",
        "end_time": "2030-01-03T00:00:00"})
    assert first.status_code == 201, first.text
    assert first.json["owner_id"] == OWNER
    second = client.as_(OTHER).post(f"/v1/offers/{offer['uuid']}/claim", {
        "start_time": "2030-01-02T12:00:00",
        "end_time": "2030-01-04T00:00:00"})
    assert second.status_code == 409
    assert "no availabilities" in second.json["faultstring"]
    shown = lessee.get(f"/v1/offers/{offer['uuid']}").json
    assert shown["availabilities"] == [
        ["2030-01-01T00:00:00", "2030-01-02T00:00:00"],
        ["2030-01-03T00:00:00", "2030-02-01T00:00:00"]]


def test_every_advertised_window_can_be_claimed(client, offer):
    lessee = client.as_(LESSEE)
    lessee.post(f"/v1/offers/{offer['uuid']}/claim", {
        "start_time": "2030-01-10T00:00:00",
        "end_time": "2030-01-11T00:00:00"})
    windows = lessee.get(f"/v1/offers/{offer['uuid']}").json[
        "availabilities"]
    assert len(windows) == 2
    for start, end in windows:
        claim = lessee.post(f"/v1/offers/{offer['uuid']}/claim",
                            {"start_time": start, "end_time": end})
        assert claim.status_code == 201, claim.text
    assert lessee.get(f"/v1/offers/{offer['uuid']}").json[
        "availabilities"] == []


def test_claim_default_end_stops_at_next_lease(client, offer):
    lessee = client.as_(LESSEE)
    lessee.post(f"/v1/offers/{offer['uuid']}/claim", {
        "start_time": "2030-01-03T00:00:00",
        "end_time": "2030-01-04T00:00:00"})
    claim = lessee.post(f"/v1/offers/{offer['uuid']}/claim",
                        {"start_time": "2030-01-01T00:00:00"})
    assert claim.status_code == 201, claim.text
    assert claim.json["end_time"] == "2030-01-03T00:00:00"


def test_claim_longer_than_max_needs_admin(client, offer):
    body = {"start_time": "2030-01-01T00:00:00",
            "end_time": "2030-01-30T00:00:00"}
    denied = client.as_(LESSEE).post(f"/v1/offers/{offer['uuid']}/claim",
                                     body)
    assert denied.status_code == 403
    assert "max_lease_time" in denied.json["faultstring"]
    allowed = client.as_(OTHER, "admin").post(
        f"/v1/offers/{offer['uuid']}/claim", body)
    assert allowed.status_code == 201, allowed.text


def test_offer_limited_to_a_lessee_is_hidden_from_others(client, node):
    owner = client.as_(OWNER)
    limited = owner.post("/v1/offers", dict(WINDOW, resource_uuid=node,
                                            lessee_id=LESSEE)).json
    assert client.as_(LESSEE).get(
        f"/v1/offers/{limited['uuid']}").status_code == 200
    assert client.as_(OTHER).get(
        f"/v1/offers/{limited['uuid']}").status_code == 404
    assert client.as_(OTHER).post(
        f"/v1/offers/{limited['uuid']}/claim", {}).status_code == 404
    assert client.as_(OTHER).get("/v1/offers").json["offers"] == []


def test_show_by_name_and_ambiguous_name(client, offer, node):
    assert client.as_(LESSEE).get("/v1/offers/my-offer").json["uuid"] == \
        offer["uuid"]
    client.as_(OWNER).post("/v1/offers", {
        "resource_uuid": node, "name": "my-offer",
        "start_time": "2031-01-01T00:00:00",
        "end_time": "2031-02-01T00:00:00"})
    response = client.as_(LESSEE).get("/v1/offers/my-offer")
    assert response.status_code == 409
    assert "uuid" in response.json["faultstring"]


def test_delete_offer_cancels_its_leases(client, offer):
    lease = client.as_(LESSEE).post(f"/v1/offers/{offer['uuid']}/claim",
                                    {"start_time": WINDOW["start_time"]}).json
    assert client.as_(OWNER).delete(
        f"/v1/offers/{offer['uuid']}").status_code == 200
    assert client.as_(OWNER).get(
        f"/v1/offers/{offer['uuid']}").json["status"] == "deleted"
    assert client.as_(LESSEE).get(
        f"/v1/leases/{lease['uuid']}").json["status"] == "deleted"
    again = client.as_(OWNER).delete(f"/v1/offers/{offer['uuid']}")
    assert again.status_code == 409


def test_claiming_a_deleted_offer_is_409(client, offer):
    client.as_(OWNER).delete(f"/v1/offers/{offer['uuid']}")
    response = client.as_(LESSEE).post(f"/v1/offers/{offer['uuid']}/claim",
                                       {})
    assert response.status_code == 409


def test_list_filters(client, offer, node):
    lessee = client.as_(LESSEE)

    def uuids(query):
        response = lessee.get("/v1/offers" + query)
        assert response.status_code == 200, response.text
        return [o["uuid"] for o in response.json["offers"]]

    assert uuids("?resource_class=baremetal-small") == [offer["uuid"]]
    assert uuids("?resource_class=baremetal-large") == []
    assert uuids(f"?resource_uuid={node}") == [offer["uuid"]]
    assert uuids("?resource_uuid=node-1") == [offer["uuid"]]
    assert uuids(f"?project_id={OWNER}") == [offer["uuid"]]
    assert uuids("?start_time=2030-01-05T00:00:00"
                 "&end_time=2030-01-06T00:00:00") == [offer["uuid"]]
    assert uuids("?start_time=2029-12-05T00:00:00"
                 "&end_time=2030-01-06T00:00:00") == []
    assert uuids("?available_start_time=2030-01-05T00:00:00"
                 "&available_end_time=2030-01-06T00:00:00") == [
        offer["uuid"]]
    bad = lessee.get("/v1/offers?start_time=2030-01-05T00:00:00")
    assert bad.status_code == 400
    assert lessee.get("/v1/offers?bogus=1").status_code == 400


def _in_days(days: float) -> str:
    moment = timeutils.utcnow() + datetime.timedelta(days=days)
    return timeutils.format_time(moment) or ""


def test_sub_offer_inside_the_lessees_lease(client, node):
    owner, lessee = client.as_(OWNER), client.as_(LESSEE)
    parent = owner.post("/v1/leases", {
        "resource_uuid": node, "project_id": LESSEE,
        "end_time": _in_days(10)})
    assert parent.status_code == 201, parent.text
    early = lessee.post("/v1/offers", {"resource_uuid": node,
                                       "end_time": _in_days(5)})
    # The node is not the lessee's (nor visible to it) until the lease is
    # fulfilled.
    assert early.status_code == 404
    service.Manager(host="test").reconcile()
    sub = lessee.post("/v1/offers", {"resource_uuid": node,
                                     "end_time": _in_days(5)})
    assert sub.status_code == 201, sub.text
    assert sub.json["parent_lease_uuid"] == parent.json["uuid"]
    outside = lessee.post("/v1/offers", {
        "resource_uuid": node, "start_time": _in_days(6),
        "end_time": _in_days(11)})
    assert outside.status_code == 409
    assert "not inside" in outside.json["faultstring"]
    sublease = client.as_(OTHER).post(
        f"/v1/offers/{sub.json['uuid']}/claim", {"end_time": _in_days(1)})
    assert sublease.status_code == 201, sublease.text
    assert sublease.json["parent_lease_uuid"] == parent.json["uuid"]


@pytest.mark.parametrize("path", ["/v1/offers", "/v1/leases"])
def test_another_owners_node_answers_like_a_missing_node(client, node, path):
    """POST on a node the caller may not see gives the same 404 (status
    and faultstring shape) as a node that does not exist, and creates
    nothing."""
    other = client.as_(OTHER)
    body = {"project_id": OTHER} if path == "/v1/leases" else {}
    missing_uuid = "99999999-2222-3333-4444-555555555555"
    theirs = other.post(path, {"resource_uuid": node, **body})
    missing = other.post(path, {"resource_uuid": missing_uuid, **body})
    assert (theirs.status_code, missing.status_code) == (404, 404)
    assert theirs.json == {
        "faultcode": "Client", "debuginfo": None,
        "faultstring": missing.json["faultstring"].replace(missing_uuid,
                                                           node)}
    by_name = other.post(path, {"resource_uuid": "node-1", **body})
    assert by_name.json["faultstring"] == (
        "Node node-1 of resource type standalone_node not found.")
    model = models.Lease if path == "/v1/leases" else models.Offer
    with db_api.reader() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(
            model)) == 0
