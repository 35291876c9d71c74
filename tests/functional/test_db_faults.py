"""A refused or frozen database gives 503 + Retry-After, a failing health
check and a few log lines, on PostgreSQL and MariaDB (real servers).

The frozen path is a small TCP proxy in the test that stops forwarding
(like a SIGSTOPped proxy: connections are accepted, nothing answers).
"""

import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from tests import helpers
from tests.conftest import OWNER

SERVERS = pytest.mark.parametrize(
    "fresh_database_url", ["postgresql", "mysql"], indirect=True)
#: Small timeouts so that the tests take seconds.
STATEMENT_TIMEOUT, CONNECT_TIMEOUT, HEALTH_TIMEOUT = 2, 2, 1.0


class FreezableProxy:
    """Forwards TCP to ``target`` until :meth:`freeze`; then accepts and
    holds connections without passing a byte either way."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.flowing = threading.Event()
        self.flowing.set()
        self.closing = False
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = [self.listener]
        threading.Thread(target=self._accept, daemon=True).start()

    def freeze(self) -> None:
        self.flowing.clear()

    def thaw(self) -> None:
        self.flowing.set()

    def close(self) -> None:
        self.closing = True
        self.flowing.set()
        for sock in list(self.sockets):
            try:
                sock.close()
            except OSError:
                pass

    def _accept(self) -> None:
        while not self.closing:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.sockets.append(client)
            threading.Thread(target=self._connect, args=(client,),
                             daemon=True).start()

    def _connect(self, client: socket.socket) -> None:
        self.flowing.wait()
        try:
            upstream = socket.create_connection(self.target)
        except OSError:
            client.close()
            return
        self.sockets.append(upstream)
        for src, dst in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(src, dst),
                             daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        while not self.closing:
            self.flowing.wait()
            try:
                data = src.recv(65536)
                self.flowing.wait()
                if not data:
                    break
                dst.sendall(data)
            except OSError:
                break
        for sock in (src, dst):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass



def _app_on(url: str) -> helpers.ApiClient:
    """The API pointed at ``url`` with short timeouts (no migration)."""
    helpers.configure(url, auth_strategy="noauth",
                      api__default_resource_type="standalone_node",
                      database__statement_timeout=STATEMENT_TIMEOUT,
                      database__connect_timeout=CONNECT_TIMEOUT,
                      database__healthcheck_timeout=HEALTH_TIMEOUT,
                      database__retry_after=7)
    from esi_leap.api import app as api_app
    from esi_leap.conf import CONF
    return helpers.ApiClient(api_app.build_app(CONF))


def _esi_errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records
            if r.name.startswith("esi_leap") and r.levelno >= logging.ERROR]


def _assert_unavailable(response: Any) -> None:
    assert response.status_int == 503, response.body
    assert response.headers["Retry-After"] == "7"
    body = response.json
    assert body["faultcode"] == "Server" and body["debuginfo"] is None
    assert "database" in body["faultstring"]


@pytest.fixture
def migrated(fresh_database_url: str) -> Iterator[str]:
    helpers.configure(fresh_database_url)
    from esi_leap.db import api as db_api
    from esi_leap.db import migration
    migration.upgrade()
    db_api.reset()
    yield fresh_database_url
    db_api.reset()


@pytest.fixture
def proxy(migrated: str) -> Iterator[tuple[FreezableProxy, str]]:
    url = sa.engine.make_url(migrated)
    proxy = FreezableProxy((url.host or "127.0.0.1", url.port or 0))
    try:
        yield proxy, url.set(port=proxy.port).render_as_string(
            hide_password=False)
    finally:
        from esi_leap.db import api as db_api
        proxy.close()
        db_api.reset()


@SERVERS
def test_refused_database_is_503_and_logged_once(fresh_database_url, caplog):
    url = sa.engine.make_url(fresh_database_url).set(
        port=helpers.closed_port())
    client = _app_on(url.render_as_string(hide_password=False)).as_(OWNER)
    caplog.set_level(logging.INFO)
    for _ in range(30):
        started = time.monotonic()
        _assert_unavailable(client.get("/v1/offers"))
        assert time.monotonic() - started < CONNECT_TIMEOUT + 3
    health = client.get("/healthcheck")
    assert health.status_int == 503
    assert b"database: unavailable" in health.body
    errors = _esi_errors(caplog)
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert errors[0].exc_info is None  # one line, no traceback
    assert "refused" in errors[0].getMessage().lower()


@SERVERS
def test_frozen_database_path_times_out(proxy, caplog):
    freezable, url = proxy
    client = _app_on(url).as_(OWNER)
    assert client.get("/v1/offers").status_int == 200
    assert client.get("/healthcheck").status_int == 200
    caplog.set_level(logging.INFO)
    freezable.freeze()
    started = time.monotonic()
    _assert_unavailable(client.get("/v1/offers"))
    # A statement deadline, a reconnection deadline and a few seconds.
    assert time.monotonic() - started < (
        STATEMENT_TIMEOUT + CONNECT_TIMEOUT + 2 + 5)
    started = time.monotonic()
    assert client.get("/healthcheck").status_int == 503
    assert time.monotonic() - started < HEALTH_TIMEOUT + 2
    errors = _esi_errors(caplog)
    assert 1 <= len(errors) <= 3, [r.getMessage() for r in errors]
    assert all(r.exc_info is None for r in errors)
    freezable.thaw()
    deadline = time.monotonic() + 20
    while client.get("/v1/offers").status_int != 200:
        assert time.monotonic() < deadline, "never recovered"
        time.sleep(0.2)
    assert any("works again" in r.getMessage() for r in caplog.records)


def test_manager_logs_a_refused_database_once(caplog):
    """Many reconciler passes against a refused database: one line."""
    from esi_leap.manager import service
    _app_on(f"postgresql+psycopg2://postgres@127.0.0.1:{helpers.closed_port()}/x")
    helpers.override("reconcile_interval", 0.1, group="manager")
    caplog.set_level(logging.INFO)
    manager = service.Manager(host="db-down")
    manager.start()
    try:
        time.sleep(1.5)
    finally:
        manager.stop()
    from esi_leap.db import faults
    assert faults.DATABASE.failures >= 5  # it did keep trying
    errors = _esi_errors(caplog)
    assert len(errors) == 1, [r.getMessage() for r in errors]
    faults.DATABASE.ok()
