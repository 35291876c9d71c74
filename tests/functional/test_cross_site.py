"""Cross-site request forgery defences and the basic challenge, on the real
app (see docs/security.md)."""

from pathlib import Path
from typing import Any

import pytest
import webob

from tests import helpers
from tests.conftest import LESSEE
from tests.conftest import OWNER

BASIC_ALICE = "Basic YWxpY2U6c2VjcmV0"  # alice:secret


@pytest.fixture
def basic_app(database: str, tmp_path: Path) -> Any:
    """The real app with ``auth_strategy = http_basic`` (alice, OWNER)."""
    from esi_leap.api import app as api_app
    from esi_leap.common import users_file
    from esi_leap.conf import CONF
    users = tmp_path / "users"
    users.write_text(users_file.make_entry(
        "alice", "secret", OWNER, "alice-project", ["member"],
        rounds=4) + "\n")
    users.chmod(0o600)
    helpers.override("auth_strategy", "http_basic")
    helpers.override("http_basic_auth_user_file", str(users))
    return api_app.build_app(CONF)



@pytest.fixture(autouse=True)
def vlan_pool(database: str) -> None:
    """Networks can be created (physnet1, VLANs 100-110)."""
    helpers.vlan_pool()

def send(app: Any, method: str, path: str, body: bytes | None = None,
         headers: dict[str, str] | None = None,
         project: str = OWNER) -> webob.Response:
    req = webob.Request.blank(path, method=method)
    req.headers["X-Project-Id"] = project
    req.headers["X-Roles"] = "member"
    if body is not None:
        req.body = body
    for name, value in (headers or {}).items():
        req.headers[name] = value
    return req.get_response(app)


def networks(app: Any) -> list[Any]:
    response = send(app, "GET", "/v1/networks")
    assert response.status_code == 200, response.text
    return list(response.json["networks"])


@pytest.mark.parametrize("content_type", [
    "text/plain", "text/plain;charset=UTF-8",
    "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
    "application/xml", "application/json-patch", None,
])
def test_body_without_json_content_type_is_415(app, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = send(app, "POST", "/v1/networks", b'{"name": "forged"}',
                    headers)
    assert response.status_code == 415, response.text
    assert response.json["faultcode"] == "Client"
    assert "application/json" in response.json["faultstring"]
    assert networks(app) == []


@pytest.mark.parametrize("content_type", [
    "application/json", "application/json; charset=utf-8",
    "Application/JSON;charset=UTF-8",
])
def test_json_body_is_accepted(app, content_type):
    response = send(app, "POST", "/v1/networks", b'{"name": "mine"}',
                    {"Content-Type": content_type})
    assert response.status_code == 201, response.text


def test_put_and_patch_bodies_need_json_too(client, app, node):
    admin = client.as_(OWNER, "admin")
    response = send(app, "PATCH", f"/v1/nodes/{node}",
                    b'{"name": "renamed"}', {"Content-Type": "text/plain",
                                             "X-Roles": "admin"})
    assert response.status_code == 415
    assert admin.get(f"/v1/nodes/{node}").json["name"] == "node-1"
    net = client.as_(OWNER).post("/v1/networks", {"name": "n"}).json
    response = send(app, "PUT", f"/v1/networks/{net['uuid']}/access/"
                    f"{LESSEE}", b"x=1",
                    {"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 415


@pytest.fixture
def offer(client: helpers.ApiClient, node: str) -> Any:
    response = client.as_(OWNER).post("/v1/offers", {"resource_uuid": node})
    assert response.status_code == 201, response.text
    return response.json


def leases(client: helpers.ApiClient) -> list[Any]:
    return list(client.as_(OWNER, "admin").get(
        "/v1/leases?status=any").json["leases"])


@pytest.mark.parametrize("content_type", [
    "text/plain", "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=----x",
])
def test_bodiless_claim_with_form_type_is_415(app, client, offer,
                                              content_type):
    response = send(app, "POST", f"/v1/offers/{offer['uuid']}/claim",
                    headers={"Content-Type": content_type},
                    project=LESSEE)
    assert response.status_code == 415, response.text
    assert leases(client) == []


@pytest.mark.parametrize("origin", [
    "http://evil.example", "https://localhost", "http://localhost:8080",
    "null", "http://localhost.evil.example",
])
def test_bodiless_claim_from_another_origin_is_403(app, client, offer,
                                                   origin):
    response = send(app, "POST", f"/v1/offers/{offer['uuid']}/claim",
                    headers={"Origin": origin}, project=LESSEE)
    assert response.status_code == 403, response.text
    assert "Origin" in response.json["faultstring"]
    assert leases(client) == []


@pytest.mark.parametrize("origin", [
    None, "http://localhost", "HTTP://LOCALHOST:80",
])
def test_bodiless_claim_as_clients_send_it_works(app, client, offer,
                                                 origin):
    headers = {"Origin": origin} if origin else {}
    response = send(app, "POST", f"/v1/offers/{offer['uuid']}/claim",
                    headers=headers, project=LESSEE)
    assert response.status_code == 201, response.text


def test_cors_allowed_origin_may_send_bodiless_posts(app, client, offer):
    helpers.override("allowed_origin", ["https://dash.example"],
                     group="cors")
    response = send(app, "POST", f"/v1/offers/{offer['uuid']}/claim",
                    headers={"Origin": "https://dash.example"},
                    project=LESSEE)
    assert response.status_code == 201, response.text


def test_own_origin_follows_public_endpoint(app, client, offer):
    helpers.override("public_endpoint", "https://esi.example:8443",
                     group="api")
    claim = f"/v1/offers/{offer['uuid']}/claim"
    refused = send(app, "POST", claim, project=LESSEE,
                   headers={"Origin": "http://localhost"})
    assert refused.status_code == 403
    accepted = send(app, "POST", claim, project=LESSEE,
                    headers={"Origin": "https://esi.example:8443"})
    assert accepted.status_code == 201, accepted.text


def test_python_esileapclient_claim_works(app, offer):
    """openstacksdk (python-esileapclient) sends ``json={}``."""
    response = send(app, "POST", f"/v1/offers/{offer['uuid']}/claim", b"{}",
                    {"Content-Type": "application/json"}, project=LESSEE)
    assert response.status_code == 201, response.text


def test_bodiless_delete_is_unaffected(app, client, offer):
    response = send(app, "DELETE", f"/v1/offers/{offer['uuid']}",
                    headers={"Origin": "http://evil.example"})
    assert response.status_code == 200, response.text


def test_bodiless_put_grant_works_and_is_guarded(app, client):
    net = client.as_(OWNER).post("/v1/networks", {"name": "n"}).json
    path = f"/v1/networks/{net['uuid']}/access/{LESSEE}"
    refused = send(app, "PUT", path, headers={"Origin": "http://evil.test"})
    assert refused.status_code == 403
    assert send(app, "PUT", path).status_code in (200, 201, 204)


@pytest.mark.parametrize("path", ["/v1/offers", "/favicon.ico"])
def test_401_without_credentials_has_no_basic_challenge(basic_app, path):
    response = webob.Request.blank(path).get_response(basic_app)
    assert response.status_code == 401
    assert "WWW-Authenticate" not in response.headers
    assert response.json["faultcode"] == "Client"


def test_noauth_401_has_no_basic_challenge(app):
    response = webob.Request.blank("/v1/offers").get_response(app)
    assert response.status_code == 401
    assert "WWW-Authenticate" not in response.headers


def test_401_for_bad_basic_credentials_keeps_the_challenge(basic_app):
    response = webob.Request.blank("/v1/offers", headers={
        "Authorization": "Basic YWxpY2U6d3Jvbmc="}).get_response(basic_app)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="esi-leap"'


def test_basic_credentials_still_work(basic_app):
    response = webob.Request.blank("/v1/offers", headers={
        "Authorization": BASIC_ALICE}).get_response(basic_app)
    assert response.status_code == 200, response.text


def test_text_plain_post_with_cached_basic_credentials_is_refused(
        basic_app):
    """The attack the review found: a same-site page's text/plain POST."""
    req = webob.Request.blank("/v1/networks", method="POST",
                              body=b'{"name": "forged"}')
    req.headers["Content-Type"] = "text/plain;charset=UTF-8"
    req.headers["Authorization"] = BASIC_ALICE
    req.headers["Origin"] = "http://localhost"
    assert req.get_response(basic_app).status_code == 415
    listed = webob.Request.blank("/v1/networks", headers={
        "Authorization": BASIC_ALICE}).get_response(basic_app)
    assert listed.json["networks"] == []


def test_dashboard_sends_json_content_type() -> None:
    """The dashboard's one request function sets the JSON content type
    whenever it sends a body (and never a form type)."""
    from esi_leap import dashboard
    api_js = (Path(dashboard.__file__).parent / "static"
              / "api.js").read_text()
    assert 'headers["Content-Type"] = "application/json"' in api_js
    assert "JSON.stringify(body)" in api_js
    assert "x-www-form-urlencoded" not in api_js
