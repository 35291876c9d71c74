"""Test helpers: databases on every backend, configuration, an API client.

Real databases, not mocks: SQLite always; PostgreSQL and MariaDB when they
answer on 127.0.0.1 (they must in CI: a missing one fails there instead of
skipping).
"""

import contextlib
import json
import os
import socket
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
import webob

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

SERVER_URLS = {
    "postgresql": "postgresql+psycopg2://postgres@127.0.0.1:5432/{name}",
    "mysql": "mysql+pymysql://root@127.0.0.1:3306/{name}",
}
ADMIN_URLS = {
    "postgresql": "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres",
    "mysql": "mysql+pymysql://root@127.0.0.1:3306/",
}


def skip_or_fail(reason: str) -> None:
    """Skip outside CI; in CI a missing peer is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: required peers must be present)")
    pytest.skip(reason)


def _admin_engine(backend: str) -> sa.Engine:
    return sa.create_engine(ADMIN_URLS[backend], isolation_level="AUTOCOMMIT")


@contextlib.contextmanager
def scratch_database(backend: str, directory: Any) -> Iterator[str]:
    """A URL to a new empty database of ``backend`` (``sqlite``,
    ``postgresql`` or ``mysql``), dropped afterwards. SQLite files go in
    ``directory``."""
    if backend == "sqlite":
        yield f"sqlite:///{directory}/esi-leap-test.sqlite"
        return
    name = f"esi_leap_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = _admin_engine(backend)
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
    except Exception as exc:  # noqa: BLE001 - any failure means no server
        skip_or_fail(f"{backend} is not reachable: {exc}")
    try:
        yield SERVER_URLS[backend].format(name=name)
    finally:
        from esi_leap.db import api as db_api
        db_api.reset()
        with admin.connect() as conn:
            if backend == "postgresql":
                conn.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE datname = '{name}'")
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        admin.dispose()


@pytest.fixture
def fresh_database_url(request: pytest.FixtureRequest,
                       tmp_path: Any) -> Iterator[str]:
    """A new empty database of the backend in ``request.param`` (default
    ``sqlite``); see :func:`scratch_database`."""
    with scratch_database(getattr(request, "param", "sqlite"),
                          tmp_path) as url:
        yield url


ALL_BACKENDS = pytest.mark.parametrize(
    "fresh_database_url", ["sqlite", "postgresql", "mysql"], indirect=True)


_overrides: list[tuple[str, str | None]] = []


def override(name: str, value: Any, group: str | None = None) -> None:
    """Set a config option for this test; the next configure() undoes it."""
    from esi_leap.conf import CONF
    CONF.set_override(name, value, group=group)
    _overrides.append((name, group))


def configure(database_url: str, **overrides: Any) -> None:
    """Point CONF at ``database_url`` and reset every cached singleton."""
    from esi_leap.common import notify
    from esi_leap.common import policy
    from esi_leap.common import projects
    from esi_leap.conf import CONF
    from esi_leap.db import api as db_api
    from esi_leap.drivers import resource_types
    from esi_leap.manager import rpcapi

    CONF([], project="esi-leap", default_config_files=[])
    while _overrides:
        name, group = _overrides.pop()
        CONF.clear_override(name, group=group)
    override("connection", database_url, group="database")
    # Tests start audits themselves (audit__interval=N turns them on).
    override("interval", 0, group="audit")
    for key, value in overrides.items():
        group, _, name = key.rpartition("__")
        override(name, value, group=group or None)
    for module in (db_api, policy, projects, resource_types, notify, rpcapi):
        module.reset()
    rpcapi.set_local_waker(None)


class ApiClient:
    """Calls the real WSGI app in-process, as a given caller (noauth)."""

    def __init__(self, app: Any, project_id: str | None = None,
                 roles: str = "member") -> None:
        self.app, self.project_id, self.roles = app, project_id, roles

    def as_(self, project_id: str | None, roles: str = "member"
            ) -> "ApiClient":
        return ApiClient(self.app, project_id, roles)

    def request(self, method: str, path: str, body: Any = None,
                headers: dict[str, str] | None = None) -> webob.Response:
        req = webob.Request.blank(path, method=method)
        if self.project_id is not None:
            req.headers["X-Project-Id"] = self.project_id
            req.headers["X-Roles"] = self.roles
        if body is not None:
            req.body = json.dumps(body).encode()
            req.content_type = "application/json"
        for key, value in (headers or {}).items():
            req.headers[key] = value
        return req.get_response(self.app)

    def get(self, path: str, **kw: Any) -> webob.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> webob.Response:
        return self.request("POST", path, body if body is not None else {},
                            **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> webob.Response:
        return self.request("PUT", path, body, **kw)

    def patch(self, path: str, body: Any, **kw: Any) -> webob.Response:
        return self.request("PATCH", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> webob.Response:
        return self.request("DELETE", path, **kw)


class Clock:
    """A ``time.monotonic`` that tests move forward (backoff and caches)."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.real = time.monotonic

    def __call__(self) -> float:
        return self.real() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    @classmethod
    def installed(cls, monkeypatch: pytest.MonkeyPatch,
                  module: Any) -> "Clock":
        """A clock that replaces ``module.time.monotonic``."""
        clock = cls()
        monkeypatch.setattr(module.time, "monotonic", clock)
        return clock


def closed_port() -> int:
    """A loopback TCP port that nothing listens on (connections are
    refused)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    sock.close()
    return port


def vlan_pool() -> None:
    """Let networks be created: physnet1 (the default), VLANs 100-110,
    quarantine VLAN 999."""
    override("vlan_ranges", ["physnet1:100:110"], group="networking")
    override("quarantine_vlans", ["physnet1:999"], group="networking")
    override("default_physical_network", "physnet1", group="networking")
