"""``/v1/console_auth_tokens`` on the real app and database (noauth).

Who may: admins; members of the node's lessee project (the node is held
by an active lease); members of the owner project while the node is not
leased to someone else. Readers get 403, unrelated projects 404.
"""

import hashlib
import logging
import time

import pytest
import sqlalchemy as sa
import webob

from esi_leap.console import tokens
from esi_leap.db import api as db_api
from esi_leap.db import console_tokens as db_tokens
from esi_leap.db import leases as db_leases
from esi_leap.db import models
from esi_leap.manager import service
from tests import helpers
from tests.conftest import ADMIN_PROJECT
from tests.conftest import LESSEE
from tests.conftest import OTHER
from tests.conftest import OWNER

PATH = "/v1/console_auth_tokens"


def rows() -> list[models.ConsoleAuthToken]:
    with db_api.reader() as session:
        return list(session.scalars(sa.select(models.ConsoleAuthToken)
                                    .order_by(models.ConsoleAuthToken.id)))


def create(client, project, node, roles="member", **body):
    return client.as_(project, roles).post(
        PATH, {"node_uuid_or_name": node, **body})


@pytest.fixture
def leased(client, node):
    """``node`` held by LESSEE through an active lease (the manager ran)."""
    lease = client.as_(OWNER).post("/v1/leases", {
        "resource_uuid": node, "project_id": LESSEE}).json
    service.Manager(host="test").reconcile()
    assert db_leases.lease_get(lease["uuid"]).status == "active"
    return node


def test_create_returns_esi_leap_body_and_stores_only_the_hash(client,
                                                               node):
    before = int(time.time())
    response = create(client, OWNER, node)
    assert response.status_code == 201, response.text
    body = response.json
    assert set(body) == {"node_uuid", "token", "access_url"}
    assert body["node_uuid"] == node
    token = body["token"]
    assert len(token) >= 40
    # host_address 0.0.0.0 is replaced by the host the request came to.
    assert body["access_url"] == f"ws://localhost:6083/?token={token}"
    [row] = rows()
    assert row.node_uuid == node
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (row.token_hash, str(row.expires))
    assert before + 600 <= row.expires <= int(time.time()) + 600


def test_create_by_name_and_each_token_is_new(client, node):
    first = create(client, OWNER, "node-1").json
    second = create(client, OWNER, node).json
    assert first["node_uuid"] == second["node_uuid"] == node
    assert first["token"] != second["token"]
    assert len(rows()) == 2
    assert tokens.verify(first["token"]) == node
    assert tokens.verify(second["token"]) == node


@pytest.mark.parametrize("ttl", ["30", 30, " 30 "])
def test_token_ttl_as_string_or_integer(client, node, ttl):
    response = create(client, OWNER, node, token_ttl=ttl)
    assert response.status_code == 201, response.text
    [row] = rows()
    assert abs(row.expires - (int(time.time()) + 30)) <= 2


def test_default_ttl_comes_from_config(client, node):
    helpers.override("token_ttl", 90, group="serialconsoleproxy")
    assert create(client, OWNER, node).status_code == 201
    [row] = rows()
    assert abs(row.expires - (int(time.time()) + 90)) <= 2


@pytest.mark.parametrize("ttl", ["0", 0, "-5", -1, "abc", "1.5", 1.5, "",
                                 "3601", 3601, True, [600], {"a": 1}])
def test_bad_ttl_is_400_and_creates_nothing(client, node, ttl):
    response = create(client, OWNER, node, token_ttl=ttl)
    assert response.status_code == 400, (ttl, response.text)
    assert response.json["faultcode"] == "Client"
    assert "token_ttl" in response.json["faultstring"]
    assert rows() == []


def test_max_token_ttl_is_configurable(client, node):
    helpers.override("max_token_ttl", 7200, group="serialconsoleproxy")
    assert create(client, OWNER, node, token_ttl="7200").status_code == 201
    response = create(client, OWNER, node, token_ttl="7201")
    assert response.status_code == 400
    assert "7200" in response.json["faultstring"]


@pytest.mark.parametrize("body", [
    {}, {"node_uuid_or_name": ""}, {"node_uuid_or_name": 5},
    {"node_uuid_or_name": "node-1", "bogus": "x"}, [], "node-1"])
def test_bad_body_is_400(client, node, body):
    response = client.as_(OWNER).post(PATH, body)
    assert response.status_code == 400, response.text
    assert rows() == []


def test_not_json_is_400(app, node):
    req = webob.Request.blank(PATH, method="POST", body=b"{not json",
                              headers={"X-Project-Id": OWNER,
                                       "X-Roles": "member",
                                       "Content-Type": "application/json"})
    response = req.get_response(app)
    assert response.status_code == 400
    assert rows() == []


def test_unknown_node_is_404(client, node):
    response = create(client, ADMIN_PROJECT, "no-such-node", roles="admin")
    assert response.status_code == 404
    assert response.json["faultcode"] == "Client"
    response = client.as_(ADMIN_PROJECT, "admin").delete(
        f"{PATH}/no-such-node")
    assert response.status_code == 404


def test_without_credentials_is_401(client, node):
    assert client.post(PATH, {"node_uuid_or_name": node}).status_code == 401
    assert client.delete(f"{PATH}/{node}").status_code == 401


# -- personas -------------------------------------------------------------

@pytest.mark.parametrize("project,roles,status", [
    (ADMIN_PROJECT, "admin", 201),
    (OWNER, "member", 201),
    (OWNER, "esi_leap_owner", 201),
    (OWNER, "reader", 403),
    (LESSEE, "member", 404),
    (OTHER, "member", 404),
    (OTHER, "reader", 404),
])
def test_personas_on_an_unleased_node(client, node, project, roles, status):
    response = create(client, project, node, roles=roles)
    assert response.status_code == status, response.text
    assert len(rows()) == (1 if status == 201 else 0)
    if status == 404:
        # Hidden exactly like a node that does not exist.
        missing = create(client, project, "no-such-node", roles=roles)
        assert missing.status_code == 404
        assert missing.json["faultstring"].replace("no-such-node", node) \
            == response.json["faultstring"]


@pytest.mark.parametrize("project,roles,status", [
    (ADMIN_PROJECT, "admin", 201),
    (LESSEE, "member", 201),
    (LESSEE, "esi_leap_lessee", 201),
    (LESSEE, "reader", 403),
    (OWNER, "member", 403),
    (OWNER, "reader", 403),
    (OTHER, "member", 404),
])
def test_personas_on_a_leased_node(client, leased, project, roles, status):
    response = create(client, project, leased, roles=roles)
    assert response.status_code == status, response.text
    assert len(rows()) == (1 if status == 201 else 0)


def test_owner_refusal_on_leased_node_says_why(client, leased):
    response = create(client, OWNER, leased)
    assert "leased to another project" in response.json["faultstring"]


@pytest.mark.parametrize("project,roles,status", [
    (ADMIN_PROJECT, "admin", 200),
    (LESSEE, "member", 200),
    (LESSEE, "reader", 403),
    (OWNER, "member", 403),
    (OTHER, "member", 404),
])
def test_delete_personas_on_a_leased_node(client, leased, project, roles,
                                          status):
    token = create(client, LESSEE, leased).json["token"]
    response = client.as_(project, roles).delete(f"{PATH}/{leased}")
    assert response.status_code == status, response.text
    assert (tokens.verify(token) is None) == (status == 200)


# -- delete and revocation --------------------------------------------------

def test_delete_revokes_every_token_of_the_node_only(client, node):
    from esi_leap.db import nodes as db_nodes
    db_nodes.node_create({"uuid": "99999999-2222-3333-4444-555555555555",
                          "name": "node-2", "owner_id": OWNER,
                          "properties": {}})
    mine = [create(client, OWNER, node).json["token"] for _ in range(3)]
    other = create(client, OWNER, "node-2").json["token"]
    response = client.as_(OWNER).delete(f"{PATH}/node-1")
    assert response.status_code == 200
    assert response.body == b"null"
    assert all(tokens.verify(t) is None for t in mine)
    assert tokens.verify(other) is not None
    # Deleting again is fine.
    assert client.as_(OWNER).delete(f"{PATH}/{node}").status_code == 200


def test_db_api_for_the_manager_and_reconciler(node):
    now = int(time.time())
    db_tokens.create(node, "a" * 64, now + 100)
    db_tokens.create(node, "b" * 64, now - 1)
    db_tokens.create("other-node", "c" * 64, now)
    assert db_tokens.find_valid("a" * 64, now).node_uuid == node
    assert db_tokens.find_valid("b" * 64, now) is None
    assert db_tokens.find_valid("c" * 64, now) is None  # expires == now
    assert db_tokens.find_valid("d" * 64, now) is None
    assert db_tokens.delete_expired(now) == 2
    assert [r.token_hash for r in rows()] == ["a" * 64]
    assert db_tokens.delete_for_node(node) == 1
    assert db_tokens.delete_for_node(node) == 0


def test_expired_token_no_longer_verifies(client, node):
    token = create(client, OWNER, node, token_ttl=1).json["token"]
    assert tokens.verify(token) == node
    with db_api.writer() as session:
        session.execute(sa.update(models.ConsoleAuthToken)
                        .values(expires=int(time.time()) - 1))
    assert tokens.verify(token) is None
    assert tokens.verify("") is None
    assert tokens.verify(None) is None


def test_token_is_never_logged(client, node, caplog):
    caplog.set_level(logging.DEBUG)
    token = create(client, OWNER, node).json["token"]
    client.as_(OWNER).delete(f"{PATH}/{node}")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert node in text  # it did log something about the node
    assert token not in text
    assert hashlib.sha256(token.encode()).hexdigest() not in text


# -- access_url -------------------------------------------------------------

def test_access_url_uses_host_address_and_port(client, node):
    helpers.override("host_address", "console.example.com",
                     group="serialconsoleproxy")
    helpers.override("port", 16083, group="serialconsoleproxy")
    body = create(client, OWNER, node).json
    assert body["access_url"] == (
        f"ws://console.example.com:16083/?token={body['token']}")


def test_access_url_replaces_wildcard_by_request_host(client, node):
    helpers.override("host_address", "::", group="serialconsoleproxy")
    body = client.as_(OWNER).post(
        PATH, {"node_uuid_or_name": node},
        headers={"Host": "esi.example.org:7777"}).json
    assert body["access_url"] == (
        f"ws://esi.example.org:6083/?token={body['token']}")


@pytest.mark.parametrize("host_address,host_header,expected", [
    ("0.0.0.0", "[2001:db8::1]:7777", "ws://[2001:db8::1]:6083/"),
    ("::", "10.1.2.3", "ws://10.1.2.3:6083/"),
    ("2001:db8::5", "esi.example.org", "ws://[2001:db8::5]:6083/"),
])
def test_access_url_hosts(client, node, host_address, host_header,
                          expected):
    helpers.override("host_address", host_address,
                     group="serialconsoleproxy")
    body = client.as_(OWNER).post(
        PATH, {"node_uuid_or_name": node},
        headers={"Host": host_header}).json
    assert body["access_url"] == f"{expected}?token={body['token']}"


@pytest.mark.parametrize("public,expected", [
    ("wss://console.example.com", "wss://console.example.com/?token="),
    ("wss://gw.example.com:8443/console/",
     "wss://gw.example.com:8443/console/?token="),
])
def test_access_url_from_public_url(client, node, public, expected):
    helpers.override("public_url", public, group="serialconsoleproxy")
    body = create(client, OWNER, node).json
    assert body["access_url"] == expected + body["token"]


def test_v1_document_advertises_console_auth_tokens(client):
    resources = client.get("/v1").json["resources"]
    assert resources["console_auth_tokens"]["links"][0]["href"].endswith(
        "/v1/console_auth_tokens")
