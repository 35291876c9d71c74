"""``[api] public_endpoint`` and the ``Host`` header: no hostile host ends
up in OpenAPI ``servers``, ``next`` links, ``Location`` or redirects."""

from typing import Any

import pytest
import webob

from tests import helpers
from tests.conftest import OWNER


@pytest.fixture(autouse=True)
def vlan_pool(database: str) -> None:
    """Networks can be created (physnet1, VLANs 100-110)."""
    helpers.vlan_pool()

def get(app: Any, path: str, host: str | None = None,
        headers: dict[str, str] | None = None) -> webob.Response:
    req = webob.Request.blank(path)
    req.headers["X-Project-Id"] = OWNER
    req.headers["X-Roles"] = "admin"
    if host is not None:
        req.environ["HTTP_HOST"] = host
    for name, value in (headers or {}).items():
        req.headers[name] = value
    return req.get_response(app)


@pytest.fixture
def two_networks(client: helpers.ApiClient) -> None:
    for name in ("a", "b"):
        assert client.as_(OWNER).post(
            "/v1/networks", {"name": name}).status_code == 201


ENDPOINT = "https://esi.example.com:8443/esi-leap"


def urls(app: Any, host: str) -> list[str]:
    """Every URL the API builds from the request, asked with ``host``."""
    found = [get(app, "/v1/openapi.json", host).json["servers"][0]["url"],
             get(app, "/v1/networks?limit=1", host).json["next"],
             get(app, "/", host).json["versions"][0]["links"][0]["href"]]
    redirect = get(app, "/dashboard", host)
    assert redirect.status_code == 301
    found.append(redirect.headers["Location"])
    return found


def test_public_endpoint_replaces_the_host(app, two_networks):
    helpers.override("public_endpoint", ENDPOINT, group="api")
    found = urls(app, "evil.example:666")
    assert found[0] == ENDPOINT
    assert found[1].startswith(ENDPOINT + "/v1/networks?")
    assert found[2] == ENDPOINT + "/v1"
    assert found[3] == ENDPOINT + "/dashboard/"
    assert not any("evil" in url for url in found)


def test_public_endpoint_ignores_forwarded_headers(app, two_networks):
    helpers.override("public_endpoint", ENDPOINT, group="api")
    helpers.override("enable_proxy_headers_parsing", True,
                     group="oslo_middleware")
    response = get(app, "/v1/openapi.json", headers={
        "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"})
    assert response.json["servers"] == [{"url": ENDPOINT}]


def test_location_header_uses_public_endpoint(client, app):
    helpers.override("public_endpoint", ENDPOINT, group="api")
    req = webob.Request.blank("/v1/audits", method="POST", body=b"{}")
    req.headers.update({"X-Project-Id": OWNER, "X-Roles": "admin",
                        "Content-Type": "application/json",
                        "Host": "evil.example"})
    response = req.get_response(app)
    assert response.status_code == 202, response.text
    assert response.headers["Location"].startswith(ENDPOINT + "/v1/audits/")


@pytest.mark.parametrize("host", [
    "localhost", "localhost:7777", "esi.example.com", "10.0.0.1:8080",
    "[::1]:7777", "[fe80::1]", "my_host.internal",
])
def test_valid_hosts_are_echoed_when_unset(app, two_networks, host):
    found = urls(app, host)
    assert found[0] == f"http://{host}"
    assert all(url.startswith(f"http://{host}/") for url in found[1:])


@pytest.mark.parametrize("host", [
    'evil.example"><script>', "evil.example/path", "user@evil.example",
    "evil.example:80:80", "evil example", "evil.example:port",
    "[::1", "a\\b", "", "..", "evil.example#x", "evil.example?x",
])
def test_garbage_host_is_400(app, host):
    response = get(app, "/v1/openapi.json", host)
    assert response.status_code == 400, response.text
    assert response.json["faultcode"] == "Client"
    assert "Host" in response.json["faultstring"]


def test_garbage_forwarded_host_is_400(app):
    helpers.override("enable_proxy_headers_parsing", True,
                     group="oslo_middleware")
    response = get(app, "/v1/openapi.json",
                   headers={"X-Forwarded-Host": "evil.example/<x>"})
    assert response.status_code == 400
    response = get(app, "/v1/openapi.json",
                   headers={"X-Forwarded-Proto": "javascript"})
    assert response.status_code == 400
    assert "scheme" in response.json["faultstring"]
