"""Authentication and policy on the real app (noauth mode)."""

import logging

from tests.conftest import LESSEE
from tests.conftest import OTHER
from tests.conftest import OWNER


def test_noauth_without_project_is_401_with_fault_body(client):
    response = client.get("/v1/offers")
    assert response.status_code == 401
    assert response.json["faultcode"] == "Client"
    assert response.json["faultstring"]


def test_version_documents_need_no_credentials(client):
    assert client.get("/").status_code == 200
    v1 = client.get("/v1")
    assert v1.status_code == 300
    assert "offers" in v1.json["resources"]


def test_lessee_gets_404_on_another_projects_lease(client, node):
    owner = client.as_(OWNER)
    lease = owner.post("/v1/leases", {"resource_uuid": node,
                                      "project_id": LESSEE}).json
    outsider = client.as_(OTHER)
    for method in ("get", "delete"):
        response = getattr(outsider, method)(f"/v1/leases/{lease['uuid']}")
        assert response.status_code == 404, response.text
    patch = outsider.patch(f"/v1/leases/{lease['uuid']}",
                           {"end_time": "2099-01-01T00:00:00"})
    assert patch.status_code == 404
    # Nothing changed.
    assert owner.get(f"/v1/leases/{lease['uuid']}").json["status"] == \
        "created"


def test_deprecated_owner_role_offers_its_node_with_warning(client, node,
                                                            caplog):
    caplog.set_level(logging.WARNING)
    response = client.as_(OWNER, "esi_leap_owner").post(
        "/v1/offers", {"resource_uuid": node})
    assert response.status_code == 201, response.text
    assert any("esi_leap_owner" in r.getMessage() and "deprecated" in
               r.getMessage() for r in caplog.records)


def test_reader_may_read_but_not_write(client, node):
    offer = client.as_(OWNER).post("/v1/offers",
                                   {"resource_uuid": node}).json
    reader = client.as_(OWNER, "reader")
    assert reader.get(f"/v1/offers/{offer['uuid']}").status_code == 200
    assert reader.delete(f"/v1/offers/{offer['uuid']}").status_code == 403
    assert reader.post("/v1/offers", {"resource_uuid": node}).status_code \
        == 403
    assert client.as_(OWNER).get(
        f"/v1/offers/{offer['uuid']}").json["status"] == "available"


def test_unrelated_project_may_not_offer_or_lease_a_node(client, node):
    # The node is invisible to it: the same 404 as a missing node.
    other = client.as_(OTHER)
    assert other.post("/v1/offers", {"resource_uuid": node}).status_code \
        == 404
    assert other.post("/v1/leases", {"resource_uuid": node,
                                     "project_id": OTHER}).status_code == 404


def test_lessee_may_not_update_its_lease_end(client, node):
    lease = client.as_(OWNER).post("/v1/leases", {
        "resource_uuid": node, "project_id": LESSEE}).json
    response = client.as_(LESSEE).patch(f"/v1/leases/{lease['uuid']}",
                                        {"end_time": "2099-01-01T00:00:00"})
    assert response.status_code == 403


def test_view_all_needs_admin(client):
    assert client.as_(LESSEE).get("/v1/leases?view=all").status_code == 403
    assert client.as_(OTHER, "admin").get("/v1/leases?view=all")\
        .status_code == 200


def test_request_id_healthcheck_and_cors(client, app):
    response = client.as_(LESSEE).get("/v1/offers")
    assert response.headers["x-openstack-request-id"].startswith("req-")
    assert client.get("/healthcheck").status_code == 200
    from tests import helpers
    helpers.override("allowed_origin", ["https://dash.example.com"],
                     group="cors")
    from esi_leap.api import app as api_app
    from esi_leap.conf import CONF
    cors_client = helpers.ApiClient(api_app.build_app(CONF))
    preflight = cors_client.request(
        "OPTIONS", "/v1/offers",
        headers={"Origin": "https://dash.example.com",
                 "Access-Control-Request-Method": "GET"})
    assert preflight.headers["Access-Control-Allow-Origin"] == \
        "https://dash.example.com"


def test_unknown_path_and_method(client):
    assert client.as_(LESSEE).get("/v1/nothing").status_code == 404
    response = client.as_(LESSEE).request("PUT", "/v1/offers")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, POST"
    assert response.json["faultcode"] == "Client"
