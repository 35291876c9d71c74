"""The OSC plugin's REST client: endpoint, requests, errors, secrets."""

from __future__ import annotations

import logging
import socket
import types

import pytest
from keystoneauth1 import access
from keystoneauth1 import fixture as ks_fixture
from keystoneauth1.identity import access as access_plugin

from esi_leap.osc import client as esi_client
from esi_leap.osc import plugin
from tests.unit import osc_fakes
from tests.unit.osc_fakes import FakeApi


@pytest.mark.parametrize("endpoint,expected", [
    ("http://h:7777", "http://h:7777/v1"),
    ("http://h:7777/", "http://h:7777/v1"),
    ("http://h:7777/v1", "http://h:7777/v1"),
    ("http://h/lease/", "http://h/lease/v1"),
    ("http://h/lease/v1/", "http://h/lease/v1"),
])
def test_versioned_url(endpoint: str, expected: str) -> None:
    assert esi_client.versioned_url(endpoint) == expected


def test_http_basic_endpoint_and_credentials() -> None:
    """OS_AUTH_TYPE=http_basic + OS_ENDPOINT: the plugin's endpoint, /v1
    added, Basic credentials sent."""
    api = FakeApi()
    api.add("GET", "/v1/networks", (200, {"networks": []}))
    client = osc_fakes.client_for(api)
    assert client.list_networks() == []
    assert client.base_url == "http://esi.test:7777/v1"
    rec = api.last()
    assert api.basic_user(rec) == osc_fakes.USER
    assert rec.headers["Accept"] == "application/json"


def _catalog_session(api: FakeApi) -> object:
    token = ks_fixture.V3Token()
    for region, host in (("R1", "r1"), ("R2", "r2")):
        token.add_service("lease").add_standard_endpoints(
            public=f"http://{host}-public:7777",
            internal=f"http://{host}-internal:7777/v1", region=region)
    auth_ref = access.create(body=token, auth_token="tok-123")
    return osc_fakes.session_with(
        api, auth=access_plugin.AccessInfoPlugin(auth_ref))


@pytest.mark.parametrize("interface,region,expected", [
    ("public", "R1", "http://r1-public:7777/v1"),
    ("internal", "R2", "http://r2-internal:7777/v1"),
])
def test_catalog_endpoint(interface: str, region: str, expected: str
                          ) -> None:
    """Keystone auth: service type ``lease`` from the catalog, for the
    interface and region OSC was given; the token is sent."""
    api = FakeApi()
    api.add("GET", "/v1/switches", (200, {"switches": []}))
    client = esi_client.Client(_catalog_session(api), interface=interface,
                               region_name=region)
    client.list_switches()
    assert client.base_url == expected
    assert api.last().headers["X-Auth-Token"] == "tok-123"


def test_catalog_without_lease_service() -> None:
    token = ks_fixture.V3Token()
    token.add_service("identity").add_standard_endpoints(
        public="http://keystone:5000/v3")
    sess = osc_fakes.session_with(FakeApi(), auth=access_plugin.
                                  AccessInfoPlugin(access.create(
                                      body=token, auth_token="t")))
    client = esi_client.Client(sess)
    with pytest.raises(esi_client.EndpointError, match="service type 'lease'"):
        client.list_networks()


def test_make_client_uses_endpoint_override() -> None:
    """An explicit override (clouds.yaml ``lease_endpoint_override``, the
    ``none`` auth type) wins over the catalog, like the ESI SDK."""
    api = FakeApi()
    api.add("GET", "/v1/ports", (200, {"ports": []}))
    sess = _catalog_session(api)
    asked = []

    def get_endpoint(service_type: str) -> str | None:
        asked.append(service_type)
        return "http://override:9999/"

    instance = types.SimpleNamespace(
        session=sess, interface="public", region_name="R1",
        _cli_options=types.SimpleNamespace(get_endpoint=get_endpoint))
    client = plugin.make_client(instance)
    client.list_ports()
    assert asked == ["lease"]
    assert client.base_url == "http://override:9999/v1"

    instance._cli_options = types.SimpleNamespace(
        get_endpoint=lambda service_type: None)
    client = plugin.make_client(instance)
    client.list_ports()
    assert client.base_url == "http://r1-public:7777/v1"


def test_query_params_body_and_quoting() -> None:
    api = FakeApi()
    api.add("GET", "/v1/network_actions", (200, {"network_actions": []}))
    api.add("POST", "/v1/nodes/[^/]+/ports/[^/]+/networks",
            (202, osc_fakes.ACTION,
             {"Location": "/v1/network_actions/x"}))
    client = osc_fakes.client_for(api)
    client.list_actions(node="n1", port=None, network="blue", status=None)
    assert api.last().params == {"node": "n1", "network": "blue"}

    assert client.attach("node 1", "52:54:00:12:34:56", "blue",
                         "tagged") == osc_fakes.ACTION
    rec = api.last()
    assert rec.path == "/v1/nodes/node 1/ports/52:54:00:12:34:56/networks"
    assert rec.body == {"network": "blue", "mode": "tagged"}


@pytest.mark.parametrize("status,body,message", [
    (409, {"faultcode": "Client", "faultstring": "VLAN pool exhausted",
           "debuginfo": None}, "VLAN pool exhausted (HTTP 409)"),
    (401, {"error": {"code": 401, "title": "Unauthorized",
                     "message": "The request you have made requires "
                                "authentication."}},
     "The request you have made requires authentication. (HTTP 401)"),
    (502, "Bad gateway from proxy\nmore", "Bad gateway from proxy (HTTP 502)"),
    (503, "<html><body>oops</body></html>",
     "Service Unavailable (HTTP 503)"),
])
def test_errors_carry_the_servers_message(status: int, body: object,
                                          message: str) -> None:
    api = FakeApi()
    api.add("DELETE", "/v1/networks/blue", (status, body))
    client = osc_fakes.client_for(api)
    with pytest.raises(esi_client.ApiError) as info:
        client.delete_network("blue")
    assert str(info.value) == message
    assert info.value.status_code == status
    assert info.value.method == "DELETE"


def test_empty_204_answer() -> None:
    api = FakeApi()
    api.add("PUT", "/v1/networks/blue/access/p2", (204, ""))
    osc_fakes.client_for(api).grant_network("blue", "p2")
    assert api.last().method == "PUT"


def test_list_without_its_key_is_an_error() -> None:
    api = FakeApi()
    api.add("GET", "/v1/networks", (200, {"items": []}))
    with pytest.raises(esi_client.EsiLeapClientError, match="'networks'"):
        osc_fakes.client_for(api).list_networks()


def test_unreachable_server() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # Nothing listens on the port any more (a real connection attempt).
    from keystoneauth1 import session as ks_session
    from keystoneauth1.http_basic import HTTPBasicAuth
    sess = ks_session.Session(auth=HTTPBasicAuth(
        endpoint=f"http://127.0.0.1:{port}", username="u", password="p"))
    client = esi_client.Client(sess)
    with pytest.raises(esi_client.EndpointError,
                       match=f"Cannot reach esi-leap at http://127.0.0.1:"
                             f"{port}/v1"):
        client.list_networks()


def test_switch_secrets_stay_out_of_the_debug_log(
        caplog: pytest.LogCaptureFixture) -> None:
    api = FakeApi()
    api.add("POST", "/v1/switches", (201, osc_fakes.SWITCH))
    api.add("PATCH", "/v1/switches/sw1", (200, osc_fakes.SWITCH))
    api.add("POST", "/v1/networks", (201, osc_fakes.NETWORK))
    client = osc_fakes.client_for(api)
    with caplog.at_level(logging.DEBUG, logger="keystoneauth"):
        client.create_switch({"name": "sw1", "password": "hunter2-pw"})
        client.update_switch("sw1", {"secret": "en4ble-secret"})
        client.create_network({"name": "visible-in-log"})
    assert api.received[0].body["password"] == "hunter2-pw"
    assert api.received[1].body == {"secret": "en4ble-secret"}
    assert "visible-in-log" in caplog.text  # the log is on
    assert "hunter2-pw" not in caplog.text
    assert "en4ble-secret" not in caplog.text


def test_plugin_interface() -> None:
    assert plugin.API_NAME == "esi_leap"
    assert "1" in plugin.API_VERSIONS
    import argparse
    parser = plugin.build_option_parser(argparse.ArgumentParser())
    ns = parser.parse_args(["--os-esi-leap-api-version", "1"])
    assert ns.os_esi_leap_api_version == "1"
    assert parser.parse_args([]).os_esi_leap_api_version == "1"
