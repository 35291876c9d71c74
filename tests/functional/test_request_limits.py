"""Size limits on the real app: URL (414), headers (431), body (413) and
stored free-form ``properties`` (400, nothing stored)."""

import http.client
import io
import json
from typing import Any

import pytest
import webob

from tests import helpers
from tests.conftest import LESSEE
from tests.conftest import OWNER
from tests.functional.test_list_streaming import server  # noqa: F401

# ruff: noqa: F811 - the ``server`` fixture is an argument of the tests


def raw(app: Any, method: str, path: str, body: bytes = b"",
        headers: dict[str, str] | None = None,
        environ: dict[str, Any] | None = None) -> webob.Response:
    req = webob.Request.blank(path, method=method, environ=environ or {})
    req.headers["X-Project-Id"] = OWNER
    req.headers["X-Roles"] = "member"
    if body:
        req.body = body
        req.content_type = "application/json"
    for name, value in (headers or {}).items():
        req.headers[name] = value
    return req.get_response(app)


def assert_fault(response: webob.Response, status: int,
                 fragment: str) -> None:
    assert response.status_code == status, response.text
    assert response.json["faultcode"] == "Client"
    assert fragment in response.json["faultstring"]
    assert response.json["debuginfo"] is None


def test_long_url_is_414(app):
    helpers.override("max_url_length", 300, group="api")
    assert raw(app, "GET", "/v1/offers?name=" + "a" * 250).status_code \
        == 200
    response = raw(app, "GET", "/v1/offers?name=" + "a" * 300)
    assert_fault(response, 414, "max_url_length")


def test_url_length_counts_what_was_sent(app):
    helpers.override("max_url_length", 300, group="api")
    # 100 characters that are 300 once percent-encoded.
    response = raw(app, "GET", "/v1/offers?name=" + "%41" * 100)
    assert_fault(response, 414, "300 bytes")


def test_default_url_limit_refuses_five_megabytes(app):
    response = raw(app, "GET", "/v1/offers?name=" + "a" * 5_000_000)
    assert_fault(response, 414, "8192")


def test_big_header_is_431(app):
    helpers.override("max_header_size", 4096, group="api")
    assert raw(app, "GET", "/v1/offers",
               headers={"X-Pad": "a" * 3000}).status_code == 200
    response = raw(app, "GET", "/v1/offers",
                   headers={"X-Pad": "a" * 5000})
    assert_fault(response, 431, "max_header_size")


def test_many_small_headers_add_up(app):
    helpers.override("max_header_size", 4096, group="api")
    headers = {f"X-Pad-{i}": "a" * 100 for i in range(50)}
    assert_fault(raw(app, "GET", "/v1/offers", headers=headers), 431,
                 "4096")


def test_default_header_limit_refuses_ten_megabytes(app):
    response = raw(app, "GET", "/v1/offers",
                   headers={"X-Pad": "a" * 10_000_000})
    assert_fault(response, 431, "65536")


def test_big_body_is_413_before_it_is_read(app, node):
    helpers.override("max_request_body_size", 2048, group="api")
    body = json.dumps({"resource_uuid": node, "name": "x" * 3000}).encode()

    class Unreadable(io.BytesIO):
        def read(self, *args: Any) -> bytes:
            raise AssertionError("the body was read")

    response = raw(app, "POST", "/v1/offers", headers={
        "Content-Type": "application/json",
        "Content-Length": str(len(body))},
        environ={"wsgi.input": Unreadable()})
    assert_fault(response, 413, "max_request_body_size")
    assert raw(app, "GET", "/v1/offers").json["offers"] == []


def test_chunked_body_over_the_limit_is_413(app, node):
    helpers.override("max_request_body_size", 2048, group="api")
    body = json.dumps({"resource_uuid": node, "name": "x" * 3000}).encode()
    response = raw(app, "POST", "/v1/offers", headers={
        "Content-Type": "application/json",
        "Transfer-Encoding": "chunked"},
        environ={"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": ""})
    assert_fault(response, 413, "2048")
    assert raw(app, "GET", "/v1/offers").json["offers"] == []


def test_chunked_body_under_the_limit_is_read(app, node):
    body = json.dumps({"resource_uuid": node}).encode()
    response = raw(app, "POST", "/v1/offers", headers={
        "Content-Type": "application/json",
        "Transfer-Encoding": "chunked"},
        environ={"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": ""})
    assert response.status_code == 201, response.text


def test_bad_content_length_is_400(app):
    response = raw(app, "POST", "/v1/offers", headers={
        "Content-Type": "application/json", "Content-Length": "12x"})
    assert_fault(response, 400, "Content-Length")


def test_ten_megabyte_properties_are_refused_by_default(app, node):
    body = json.dumps({"resource_uuid": node,
                       "properties": {"blob": "a" * 10_000_000}}).encode()
    assert_fault(raw(app, "POST", "/v1/offers", body), 413, "1048576")


@pytest.mark.parametrize("method,path,body", [
    ("POST", "/v1/offers", {"resource_uuid": "node-1"}),
    ("POST", "/v1/nodes", {"owner": OWNER, "name": "n2"}),
])
def test_big_properties_are_400_and_not_stored(client, node, method, path,
                                               body):
    helpers.override("max_properties_size", 1000, group="api")
    admin = client.as_(OWNER, "admin")
    fitting = dict(body, properties={"blob": "a" * 900})
    too_big = dict(body, properties={"blob": "a" * 1000})
    response = admin.request(method, path, too_big)
    assert_fault(response, 400, "max_properties_size")
    assert "1000 bytes" in response.json["faultstring"]
    listed = path.rsplit("/", 1)[1]
    assert len(admin.get(path).json[listed]) == (1 if listed == "nodes"
                                                 else 0)
    assert admin.request(method, path, fitting).status_code == 201


def test_big_properties_on_claim_and_lease_are_400(client, node):
    helpers.override("max_properties_size", 100, group="api")
    owner = client.as_(OWNER)
    offer = owner.post("/v1/offers", {"resource_uuid": node}).json
    lessee = client.as_(LESSEE)
    claim = lessee.post(f"/v1/offers/{offer['uuid']}/claim",
                        {"properties": {"a": "b" * 200}})
    assert_fault(claim, 400, "properties")
    lease = owner.post("/v1/leases", {"resource_uuid": node,
                                      "project_id": LESSEE,
                                      "properties": {"a": "b" * 200}})
    assert_fault(lease, 400, "properties")
    assert client.as_(OWNER, "admin").get(
        "/v1/leases?status=any").json["leases"] == []


def test_node_update_with_big_properties_changes_nothing(client, node):
    helpers.override("max_properties_size", 100, group="api")
    admin = client.as_(OWNER, "admin")
    response = admin.patch(f"/v1/nodes/{node}",
                           {"properties": {"a": "b" * 200}})
    assert_fault(response, 400, "properties")
    assert admin.get(f"/v1/nodes/{node}").json["properties"] == {
        "cores": 16}


@pytest.mark.parametrize("method,target,headers,body,status", [
    ("GET", "/v1/offers?name=" + "a" * 9000, {}, b"", 414),
    ("GET", "/v1/offers", {"X-Pad": "a" * 70000}, b"", 431),
    ("POST", "/v1/offers", {"Content-Type": "application/json"},
     b'{"name": "' + b"a" * 1_100_000 + b'"}', 413),
])
def test_limits_hold_under_the_embedded_server(server, method, target,
                                               headers, body, status):
    conn = http.client.HTTPConnection(*server, timeout=30)
    conn.request(method, target, body=body or None, headers={
        "X-Project-Id": OWNER, "X-Roles": "member", **headers})
    response = conn.getresponse()
    assert response.status == status
    fault = json.loads(response.read())
    assert fault["faultcode"] == "Client"
    conn.close()
