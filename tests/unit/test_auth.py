"""The authentication middlewares and the context they build."""

import base64
import json
import logging
from collections.abc import Iterable
from pathlib import Path
from wsgiref.types import StartResponse
from wsgiref.types import WSGIApplication
from wsgiref.types import WSGIEnvironment

import pytest
import webob
from keystonemiddleware import auth_token
from oslo_config import cfg

from esi_leap.api import auth
from esi_leap.common import users_file
from esi_leap.conf import auth as auth_conf

ROUNDS = 4
KEYSTONE_URI = "http://keystone.example/identity/v3"


def app(environ: WSGIEnvironment,
        start_response: StartResponse) -> Iterable[bytes]:
    """Echo the request context (or its absence)."""
    context = environ.get(auth.CONTEXT_KEY)
    body = None if context is None else {
        "project_id": context.project_id,
        "user_id": context.user_id,
        "roles": context.roles,
        "system_scope": context.system_scope,
        "request_id": context.request_id,
    }
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(body).encode()]


def make_conf(**overrides: object) -> cfg.ConfigOpts:
    conf = cfg.ConfigOpts()
    auth_conf.register_opts(conf)
    for group, opts in auth_token.list_opts():
        conf.register_opts(opts, group=group)
    conf([], project="esi-leap", default_config_files=[])
    for name, value in overrides.items():
        group = "pecan" if name == "auth_enable" else None
        conf.set_override(name, value, group=group)
    conf.set_override("www_authenticate_uri", KEYSTONE_URI,
                      group="keystone_authtoken")
    return conf


def assert_fault(response: webob.Response, status: int) -> str:
    assert response.status_int == status
    assert response.content_type == "application/json"
    body = response.json
    assert set(body) == {"faultcode", "faultstring", "debuginfo"}
    assert body["faultcode"] == ("Client" if status < 500 else "Server")
    assert body["debuginfo"] is None
    assert body["faultstring"]
    faultstring: str = body["faultstring"]
    return faultstring


def basic(user: str, password: str) -> str:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return f"Basic {token}"


@pytest.fixture
def users_path(tmp_path: Path) -> Path:
    path = tmp_path / "htpasswd"
    path.write_text(users_file.make_entry(
        "alice", "a-secret", "p1", "project-one", ["member"],
        rounds=ROUNDS) + "\n")
    return path


# -- noauth -------------------------------------------------------------------

def test_noauth_without_project_is_401() -> None:
    wrapped = auth.wrap(app, make_conf(auth_strategy="noauth"))
    response = webob.Request.blank(
        "/v1/leases", headers={"X-Roles": "admin"}).get_response(wrapped)
    assert "X-Project-Id" in assert_fault(response, 401)


def test_noauth_builds_context_with_expanded_roles() -> None:
    wrapped = auth.wrap(app, make_conf(auth_strategy="noauth"))
    request = webob.Request.blank("/v1/leases", headers={
        "X-Project-Id": "p1", "X-Roles": "Admin, esi_leap_owner",
        "X-User-Id": "u1"})
    request.environ["openstack.request_id"] = "req-123"
    response = request.get_response(wrapped)
    assert response.status_int == 200
    assert response.json == {
        "project_id": "p1", "user_id": "u1",
        "roles": ["admin", "esi_leap_owner", "member", "reader"],
        "system_scope": None, "request_id": "req-123"}


def test_noauth_warns_at_start(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="esi_leap.api.auth"):
        auth.wrap(app, make_conf(auth_strategy="noauth"))
    assert "UNSAFE" in caplog.text


def test_auth_enable_false_means_noauth(
        caplog: pytest.LogCaptureFixture) -> None:
    conf = make_conf(auth_strategy="keystone", auth_enable=False)
    with caplog.at_level(logging.WARNING, logger="esi_leap.api.auth"):
        wrapped = auth.wrap(app, conf)
    assert "auth_enable = False is deprecated" in caplog.text
    response = webob.Request.blank("/v1/leases", headers={
        "X-Project-Id": "p1"}).get_response(wrapped)
    assert response.status_int == 200


# -- public paths -------------------------------------------------------------

@pytest.mark.parametrize("strategy", ["noauth", "http_basic", "keystone"])
@pytest.mark.parametrize("path", ["/", "/v1", "/v1/", "/healthcheck"])
def test_public_paths_need_no_credentials(
        strategy: str, path: str, users_path: Path) -> None:
    conf = make_conf(auth_strategy=strategy,
                     http_basic_auth_user_file=str(users_path))
    response = webob.Request.blank(path).get_response(auth.wrap(app, conf))
    assert response.status_int == 200
    assert response.json is None


@pytest.mark.parametrize("strategy", ["noauth", "http_basic", "keystone"])
@pytest.mark.parametrize("path", ["/v1/offers", "/v1x", "/healthcheck/x",
                                  "//"])
def test_other_paths_need_credentials(
        strategy: str, path: str, users_path: Path) -> None:
    conf = make_conf(auth_strategy=strategy,
                     http_basic_auth_user_file=str(users_path))
    response = webob.Request.blank(path).get_response(auth.wrap(app, conf))
    assert_fault(response, 401)


# -- http_basic ---------------------------------------------------------------

@pytest.fixture
def basic_app(users_path: Path) -> WSGIApplication:
    conf = make_conf(auth_strategy="http_basic",
                     http_basic_auth_user_file=str(users_path))
    return auth.wrap(app, conf)


def test_basic_good_credentials(basic_app: WSGIApplication) -> None:
    response = webob.Request.blank("/v1/offers", headers={
        "Authorization": basic("alice", "a-secret"),
        "X-Project-Id": "spoofed", "X-Roles": "admin",
    }).get_response(basic_app)
    assert response.status_int == 200
    assert response.json["project_id"] == "p1"
    assert response.json["user_id"] == "alice"
    assert response.json["roles"] == ["member", "reader"]


@pytest.mark.parametrize("header", [
    None,
    basic("alice", "wrong"),
    basic("mallory", "a-secret"),
    "Basic not-base64!",
    "Basic " + base64.b64encode(b"no-colon").decode(),
    "Bearer abc",
])
def test_basic_bad_credentials(basic_app: WSGIApplication,
                               header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = webob.Request.blank(
        "/v1/offers", headers=headers).get_response(basic_app)
    assert_fault(response, 401)
    assert response.headers["WWW-Authenticate"] == 'Basic realm="esi-leap"'


def test_basic_broken_users_file_is_500(users_path: Path) -> None:
    users = users_file.UsersFile.load(str(users_path))
    users_path.write_text("garbage line that is much longer\n")
    wrapped = auth.BasicAuthMiddleware(app, users)
    response = webob.Request.blank("/v1/offers", headers={
        "Authorization": basic("alice", "a-secret")}).get_response(wrapped)
    message = assert_fault(response, 500)
    assert str(users_path) not in message


def test_basic_missing_users_file_fails_at_start(tmp_path: Path) -> None:
    conf = make_conf(auth_strategy="http_basic",
                     http_basic_auth_user_file=str(tmp_path / "missing"))
    with pytest.raises(users_file.UsersFileError):
        auth.wrap(app, conf)


# -- keystone -----------------------------------------------------------------

def keystone_request(**headers: str) -> webob.Request:
    environ = {"HTTP_X_IDENTITY_STATUS": "Confirmed"}
    environ.update({f"HTTP_{k.upper()}": v for k, v in headers.items()})
    return webob.Request.blank("/v1/leases", environ)


def test_keystone_project_token() -> None:
    wrapped = auth.KeystoneContextMiddleware(app)
    response = keystone_request(
        x_project_id="p1", x_user_id="u1",
        x_roles="member").get_response(wrapped)
    assert response.status_int == 200
    assert response.json["project_id"] == "p1"
    assert response.json["user_id"] == "u1"
    assert response.json["roles"] == ["member", "reader"]


@pytest.mark.parametrize("status", ["Invalid", None])
def test_keystone_unconfirmed_is_401(status: str | None) -> None:
    request = keystone_request(x_project_id="p1", x_roles="admin")
    if status is None:
        del request.environ["HTTP_X_IDENTITY_STATUS"]
    else:
        request.environ["HTTP_X_IDENTITY_STATUS"] = status
    response = request.get_response(auth.KeystoneContextMiddleware(app))
    assert_fault(response, 401)


def test_keystone_invalid_service_token_is_401() -> None:
    request = keystone_request(x_project_id="p1", x_roles="member",
                               x_service_identity_status="Invalid")
    response = request.get_response(auth.KeystoneContextMiddleware(app))
    assert_fault(response, 401)


def test_keystone_system_admin() -> None:
    response = keystone_request(
        openstack_system_scope="all", x_user_id="u1",
        x_roles="admin").get_response(auth.KeystoneContextMiddleware(app))
    assert response.status_int == 200
    assert response.json["system_scope"] == "all"
    assert response.json["project_id"] is None
    assert response.json["roles"] == ["admin", "member", "reader"]


@pytest.mark.parametrize("headers", [
    {"openstack_system_scope": "all", "x_roles": "reader"},
    {"x_domain_id": "default", "x_roles": "admin"},
])
def test_keystone_other_scopes_are_403(headers: dict[str, str]) -> None:
    response = keystone_request(**headers).get_response(
        auth.KeystoneContextMiddleware(app))
    assert_fault(response, 403)


def test_keystone_wrap_without_token_is_401() -> None:
    wrapped = auth.wrap(app, make_conf(auth_strategy="keystone"))
    response = webob.Request.blank("/v1/leases", headers={
        "X-Project-Id": "spoofed", "X-Roles": "admin",
        "X-Identity-Status": "Confirmed"}).get_response(wrapped)
    assert_fault(response, 401)
    assert response.headers["WWW-Authenticate"] == (
        f'Keystone uri="{KEYSTONE_URI}"')
