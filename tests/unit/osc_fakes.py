"""Fakes for the OSC plugin's unit tests.

:class:`FakeApi` is a ``requests`` transport adapter: mounted on a real
keystoneauth1 session, it answers the requests the real
:class:`esi_leap.osc.client.Client` sends (no network) from routes the
test registers, and records every request. :func:`run_command` runs one
real command class the way OpenStackClient does (parse, ``run``, format)
with a fake application and returns the exit status and output.
"""

from __future__ import annotations

import argparse
import base64
import http
import io
import json
import re
import urllib.parse
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import requests
from keystoneauth1 import session as ks_session
from keystoneauth1.http_basic import HTTPBasicAuth
from osc_lib.exceptions import CommandError
from requests import adapters

from esi_leap.osc import client as esi_client

ENDPOINT = "http://esi.test:7777"
USER, PASSWORD = "owner", "pw-owner"

NETWORK: dict[str, Any] = {
    "uuid": "0b8e3c44-2f0e-4b7c-9a55-3c6f2f6c0a01", "name": "blue",
    "project_id": "p-owner", "physical_network": "physnet1", "vlan": 101,
    "shared_with": ["p-lessee"], "public": False,
    "created_at": "2030-01-01T00:00:00", "updated_at": None,
}
SWITCH: dict[str, Any] = {
    "uuid": "5a3b9a52-8d0c-4a57-9f0e-2a3a4e1b7c02", "name": "sw1",
    "driver": "generic_switch", "device_type": "netmiko_ovs_linux",
    "switch_id": "aa:bb:cc:dd:ee:ff", "physical_network": "physnet1",
    "connection": {"ip": "192.0.2.10", "port": "22", "username": "admin"},
    "has_password": True, "has_secret": False, "source": "api",
    "created_at": "2030-01-01T00:00:00", "updated_at": None,
}
PORT: dict[str, Any] = {
    "uuid": "7c1f3f7e-4a0d-4b0a-8a7c-9e4f5b6c7d03",
    "node_uuid": "11111111-2222-3333-4444-555555555555", "name": "eth0",
    "address": "52:54:00:12:34:56", "switch": "sw1", "switch_port": "p1",
    "physical_network": "physnet1", "source": "esi-leap",
    "networks": [{"network_uuid": NETWORK["uuid"], "network_name": "blue",
                  "vlan": 101, "mode": "native"}],
    "pending_action": None,
}
ACTION: dict[str, Any] = {
    "uuid": "9d2e4f6a-1b3c-4d5e-8f70-a1b2c3d4e504", "kind": "attach",
    "status": "pending", "node_uuid": PORT["node_uuid"],
    "port_uuid": PORT["uuid"], "switch": None, "switch_port": None,
    "network_uuid": NETWORK["uuid"], "mode": "native", "message": None,
    "project_id": "p-owner", "attempts": 0,
    "created_at": "2030-01-01T00:00:00", "updated_at": "2030-01-01T00:00:00",
}


def fault(status: int, message: str) -> tuple[int, Any]:
    """An esi-leap error answer."""
    code = "Client" if status < 500 else "Server"
    return status, {"faultcode": code, "faultstring": message,
                    "debuginfo": None}


@dataclass
class Recorded:
    """One request the fake received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any

    @property
    def params(self) -> dict[str, str]:
        return {k: v[-1] for k, v in self.query.items()}


@dataclass
class FakeApi(adapters.BaseAdapter):
    """Routes ``(METHOD, path regex)`` to a handler or a fixed answer."""

    routes: list[tuple[str, re.Pattern[str], Any]] = field(
        default_factory=list)
    received: list[Recorded] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    def add(self, method: str, path: str, answer: Any) -> None:
        """``answer``: ``(status, body[, headers])`` or a function of the
        :class:`Recorded` request returning one. ``path`` is a regex
        matched against the whole (unquoted) path. A later route wins
        over an earlier one that matches too."""
        self.routes.insert(0, (method, re.compile(path + "$"), answer))

    def send(self, request: requests.PreparedRequest,  # type: ignore[override]
             **kwargs: Any) -> requests.Response:
        url = urllib.parse.urlsplit(str(request.url))
        raw = request.body
        body = raw.decode() if isinstance(raw, bytes) else str(raw or "")
        rec = Recorded(
            method=str(request.method),
            path=urllib.parse.unquote(url.path),
            query=urllib.parse.parse_qs(url.query),
            headers={k: str(v) for k, v in request.headers.items()},
            body=json.loads(body) if body else None)
        self.received.append(rec)
        for method, pattern, answer in self.routes:
            if method == rec.method and pattern.match(rec.path):
                result = answer(rec) if callable(answer) else answer
                return self._response(request, *result)
        return self._response(request, *fault(
            404, f"The resource {rec.path} could not be found."))

    @staticmethod
    def _response(request: requests.PreparedRequest, status: int,
                  body: Any, headers: dict[str, str] | None = None
                  ) -> requests.Response:
        resp = requests.Response()
        resp.status_code = status
        resp.reason = http.HTTPStatus(status).phrase
        if isinstance(body, (dict, list)):
            resp._content = json.dumps(body).encode()
            resp.headers["Content-Type"] = "application/json"
        else:
            resp._content = (body or "").encode()
            resp.headers["Content-Type"] = "text/plain"
        resp.headers.update(headers or {})
        resp.url = str(request.url)
        resp.request = request
        return resp

    def close(self) -> None:
        pass

    def last(self) -> Recorded:
        return self.received[-1]

    def basic_user(self, rec: Recorded) -> str:
        """The user of the request's Basic credentials."""
        scheme, _, token = rec.headers["Authorization"].partition(" ")
        assert scheme == "Basic"
        return base64.b64decode(token).decode().split(":", 1)[0]


def session_with(api: FakeApi, auth: Any = None) -> ks_session.Session:
    """A real keystoneauth session whose HTTP goes to ``api``."""
    sess = ks_session.Session(auth=auth or HTTPBasicAuth(
        endpoint=ENDPOINT, username=USER, password=PASSWORD))
    sess.session.mount("http://", api)
    sess.session.mount("https://", api)
    return sess


def client_for(api: FakeApi, **kwargs: Any) -> esi_client.Client:
    """The real client on :func:`session_with` (http_basic, ENDPOINT)."""
    return esi_client.Client(session_with(api), **kwargs)


class FakeClientManager:
    def __init__(self, client: esi_client.Client) -> None:
        self.esi_leap = client


class FakeStdin(io.StringIO):
    """Standard input that may claim to be a terminal."""

    def __init__(self, text: str, tty: bool) -> None:
        super().__init__(text)
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


class FakeApp:
    """What a command needs of OpenStackClient's shell."""

    def __init__(self, client: esi_client.Client, stdin: str = "",
                 tty: bool = False) -> None:
        self.client_manager = FakeClientManager(client)
        self.stdin = FakeStdin(stdin, tty)
        self.stdout = io.StringIO()
        self.stderr = io.StringIO()
        self.options = argparse.Namespace(debug=False)


@dataclass
class Result:
    rc: int
    stdout: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_command(cmd_class: type, argv: list[str], api: FakeApi,
                stdin: str = "", tty: bool = False) -> Result:
    """Parse ``argv`` for ``cmd_class`` and run it like OSC does.

    Exceptions (CommandError for failures, SystemExit for bad arguments)
    propagate: OSC prints their message and exits 1 (2 for arguments).
    """
    app = FakeApp(client_for(api), stdin=stdin, tty=tty)
    return _run(app, cmd_class, argv)


def _run(app: FakeApp, cmd_class: type, argv: list[str]) -> Result:
    cmd = cmd_class(app, None)
    parser = cmd.get_parser("openstack esi test")
    parsed = parser.parse_args(argv)
    rc = cmd.run(parsed)
    return Result(rc=rc, stdout=app.stdout.getvalue())


def run_failing(cmd_class: type, argv: list[str], api: FakeApi,
                stdin: str = "") -> tuple[CommandError, str]:
    """Run a command that must fail with a CommandError (OSC: exit 1);
    return the error and what it printed before."""
    app = FakeApp(client_for(api), stdin=stdin)
    try:
        _run(app, cmd_class, argv)
    except CommandError as err:
        return err, app.stdout.getvalue()
    raise AssertionError(f"{cmd_class.__name__} {argv} did not fail")
