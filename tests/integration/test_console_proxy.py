"""The serial console proxy end to end.

A token comes from the real API (in-process WSGI app, test database); the
real proxy (:class:`esi_leap.console.proxy.ConsoleProxy`, in a thread on a
free port) checks it; a local TCP server stands in for Ironic's socat
console (fake hardware has none); a standalone node's ``console_url``
points at it; a real websocket client (the ``websockets`` library, as
``websocat -b`` would) talks through the proxy. One test runs the
``esi-leap-serial-console-proxy`` console script as a subprocess.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from websockets import exceptions as ws_exceptions
from websockets.sync import client as ws_client

from esi_leap.console import proxy as console_proxy
from esi_leap.db import api as db_api
from esi_leap.db import console_tokens as db_tokens
from esi_leap.db import models
from tests.conftest import ADMIN_PROJECT
from tests.conftest import LESSEE
from tests.conftest import OWNER
from tests.integration import server as it_server

pytestmark = pytest.mark.integration

TIMEOUT = 10.0
PATH = "/v1/console_auth_tokens"
BANNER = b"console-ready\r\n"


class FakeConsole:
    """A TCP server like Ironic's socat console: greets each connection,
    then answers every chunk with ``b"echo:" + chunk`` and records it."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.received = bytearray()
        self.connections: list[socket.socket] = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.connections.append(conn)
            threading.Thread(target=self._serve, args=(conn,),
                             daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.sendall(BANNER)
            while True:
                data = conn.recv(65536)
                if not data:
                    return
                with self.lock:
                    self.received.extend(data)
                conn.sendall(b"echo:" + data)
        except OSError:
            return

    def hang_up_all(self) -> None:
        """Close every console connection (the node side ends)."""
        with self.lock:
            for conn in self.connections:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()

    def close(self) -> None:
        self.sock.close()
        self.hang_up_all()


@contextlib.contextmanager
def running_proxy(timeout: float | None = None
                  ) -> Iterator[console_proxy.ConsoleProxy]:
    proxy = console_proxy.ConsoleProxy("127.0.0.1", 0, timeout=timeout,
                                       watch_interval=0.2)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.shutdown()
        thread.join(TIMEOUT)
        assert not thread.is_alive(), "the proxy did not stop"


@pytest.fixture
def console() -> Iterator[FakeConsole]:
    fake = FakeConsole()
    yield fake
    fake.close()


@pytest.fixture
def proxy(database: str) -> Iterator[console_proxy.ConsoleProxy]:
    with running_proxy() as p:
        yield p


@pytest.fixture
def console_node(client: Any, console: FakeConsole) -> str:
    """A standalone node owned by OWNER whose console is ``console``."""
    response = client.as_(ADMIN_PROJECT, "admin").post("/v1/nodes", {
        "name": "console-node", "owner": OWNER,
        "properties": {"console_url": console.url}})
    assert response.status_code == 201, response.text
    return str(response.json["uuid"])


def get_token(client: Any, node: str, project: str = OWNER,
              **body: Any) -> dict[str, Any]:
    response = client.as_(project).post(
        PATH, {"node_uuid_or_name": node, **body})
    assert response.status_code == 201, response.text
    return dict(response.json)


def url_for(proxy: console_proxy.ConsoleProxy, access_url: str) -> str:
    """The access_url, aimed at the test proxy's port."""
    query = access_url.partition("?")[2]
    return f"ws://127.0.0.1:{proxy.port}/?{query}"


def connect(proxy: console_proxy.ConsoleProxy,
            access_url: str) -> ws_client.ClientConnection:
    return ws_client.connect(url_for(proxy, access_url),
                             open_timeout=TIMEOUT, close_timeout=TIMEOUT)


def read_until(ws: ws_client.ClientConnection, expected: bytes) -> bytes:
    """Binary frames until their bytes hold ``expected``."""
    got = b""
    deadline = time.monotonic() + TIMEOUT
    while expected not in got:
        frame = ws.recv(timeout=max(0.01, deadline - time.monotonic()))
        assert isinstance(frame, bytes), f"text frame from proxy: {frame!r}"
        got += frame
    return got


def refusal(url: str) -> tuple[int, str]:
    """The HTTP status and text with which the proxy refuses the
    handshake (no upgrade)."""
    with pytest.raises(ws_exceptions.InvalidStatus) as info:
        ws_client.connect(url, open_timeout=TIMEOUT)
    response = info.value.response
    return int(response.status_code), (response.body or b"").decode()


def refused_status(url: str) -> int:
    return refusal(url)[0]


# -- bytes both ways ---------------------------------------------------------

def test_bytes_flow_both_ways(client, proxy, console, console_node):
    token = get_token(client, console_node)
    with connect(proxy, token["access_url"]) as ws:
        assert read_until(ws, BANNER) == BANNER      # console -> client
        every_byte = bytes(range(256))
        ws.send(every_byte)                          # client -> console
        got = read_until(ws, b"echo:" + every_byte)
        assert got == b"echo:" + every_byte
        ws.send("text frame é")                      # text frames too
        read_until(ws, "echo:text frame é".encode())
    assert bytes(console.received) == every_byte + "text frame é".encode()


def test_large_transfer(client, proxy, console, console_node):
    token = get_token(client, console_node)
    payload = os.urandom(300_000)
    with connect(proxy, token["access_url"]) as ws:
        read_until(ws, BANNER)
        for i in range(0, len(payload), 50_000):
            ws.send(payload[i:i + 50_000])
        deadline = time.monotonic() + TIMEOUT
        while len(console.received) < len(payload):
            assert time.monotonic() < deadline
            with contextlib.suppress(TimeoutError):
                ws.recv(timeout=0.2)
    assert bytes(console.received) == payload


def test_token_may_be_used_again_until_it_expires(client, proxy, console,
                                                  console_node):
    token = get_token(client, console_node)
    for _ in range(2):
        with connect(proxy, token["access_url"]) as ws:
            read_until(ws, BANNER)


def test_lessee_token_from_api_after_lease(client, proxy, console,
                                           console_node):
    from esi_leap.manager import service
    client.as_(OWNER).post("/v1/leases", {"resource_uuid": console_node,
                                          "project_id": LESSEE})
    service.Manager(host="test").reconcile()
    token = get_token(client, console_node, project=LESSEE)
    with connect(proxy, token["access_url"]) as ws:
        ws.send(b"hello")
        read_until(ws, b"echo:hello")


def test_many_concurrent_connections(client, proxy, console, console_node):
    token = get_token(client, console_node)
    errors: list[BaseException] = []

    def session(i: int) -> None:
        try:
            with connect(proxy, token["access_url"]) as ws:
                read_until(ws, BANNER)
                message = f"client-{i:03d}".encode()
                ws.send(message)
                read_until(ws, b"echo:" + message)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=session, args=(i,))
               for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT * 3)
    assert not errors, errors[:3]
    assert len(console.connections) == 40


# -- refusals ----------------------------------------------------------------

def test_wrong_and_missing_token_refused(client, proxy, console,
                                         console_node, caplog):
    caplog.set_level(logging.INFO)
    base = f"ws://127.0.0.1:{proxy.port}"
    get_token(client, console_node)  # a valid token exists for the node
    assert refused_status(f"{base}/?token=not-a-token") == 403
    assert refused_status(f"{base}/?token=") == 401
    assert refused_status(f"{base}/") == 401
    assert "wrong, expired or revoked" in refusal(
        f"{base}/?token=not-a-token")[1]
    assert console.connections == []
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "refused (403)" in text
    assert "not-a-token" not in text


def test_expired_token_refused(client, proxy, console, console_node):
    token = get_token(client, console_node, token_ttl="60")
    with connect(proxy, token["access_url"]) as ws:
        read_until(ws, BANNER)
    with db_api.writer() as session:
        session.execute(sa.update(models.ConsoleAuthToken)
                        .values(expires=int(time.time()) - 1))
    url = url_for(proxy, token["access_url"])
    assert refused_status(url) == 403


def test_short_ttl_token_expires(client, proxy, console, console_node):
    token = get_token(client, console_node, token_ttl=1)
    time.sleep(2.1)
    assert refused_status(url_for(proxy, token["access_url"])) == 403


def test_token_deleted_through_api_refused(client, proxy, console,
                                           console_node):
    token = get_token(client, console_node)
    response = client.as_(OWNER).delete(f"{PATH}/{console_node}")
    assert response.status_code == 200
    assert refused_status(url_for(proxy, token["access_url"])) == 403


def test_token_revoked_at_lease_end_refused(client, proxy, console,
                                            console_node):
    """``delete_for_node`` is what the manager calls when a lease ends."""
    token = get_token(client, console_node)
    with connect(proxy, token["access_url"]) as ws:
        read_until(ws, BANNER)
    assert db_tokens.delete_for_node(console_node) == 1
    assert refused_status(url_for(proxy, token["access_url"])) == 403


def test_lease_end_revokes_tokens_and_cuts_open_console(client, proxy,
                                                        console,
                                                        console_node):
    """The real lease end: owner deletes the lease, the manager frees the
    node (and calls ``delete_for_node``)."""
    from esi_leap.db import leases as db_leases
    from esi_leap.manager import service
    lease = client.as_(OWNER).post("/v1/leases", {
        "resource_uuid": console_node, "project_id": LESSEE}).json
    manager = service.Manager(host="test")
    manager.reconcile()
    token = get_token(client, console_node, project=LESSEE)
    ws = connect(proxy, token["access_url"])
    read_until(ws, BANNER)
    assert client.as_(OWNER).delete(
        f"/v1/leases/{lease['uuid']}").status_code == 200
    it_server.wait_until(
        lambda: manager.reconcile() is not None and db_leases.lease_get(
            lease["uuid"]).status == "deleted", TIMEOUT, what="lease end")
    with pytest.raises(ws_exceptions.ConnectionClosed) as info:
        while True:
            ws.recv(timeout=TIMEOUT)
    assert info.value.rcvd is not None and info.value.rcvd.code == 1008
    assert refused_status(url_for(proxy, token["access_url"])) == 403
    # The owner has its node back, and its console.
    owner_token = get_token(client, console_node)
    with connect(proxy, owner_token["access_url"]) as ws:
        read_until(ws, BANNER)


def test_owner_console_cut_when_node_is_leased_out(client, proxy, console,
                                                   console_node):
    from esi_leap.manager import service
    token = get_token(client, console_node)
    ws = connect(proxy, token["access_url"])
    read_until(ws, BANNER)
    client.as_(OWNER).post("/v1/leases", {"resource_uuid": console_node,
                                          "project_id": LESSEE})
    service.Manager(host="test").reconcile()
    with pytest.raises(ws_exceptions.ConnectionClosed) as info:
        while True:
            ws.recv(timeout=TIMEOUT)
    assert info.value.rcvd is not None and info.value.rcvd.code == 1008
    assert "lease changed" in info.value.rcvd.reason


def test_node_without_console_refused_with_reason(client, proxy, node):
    token = get_token(client, node)
    url = url_for(proxy, token["access_url"])
    status, text = refusal(url)
    assert status == 409
    assert "has no enabled serial console" in text


def test_deleted_node_refused(client, proxy, console, console_node):
    token = get_token(client, console_node)
    admin = client.as_(ADMIN_PROJECT, "admin")
    assert admin.delete(f"/v1/nodes/{console_node}").status_code == 200
    assert refused_status(url_for(proxy, token["access_url"])) == 404


def test_unreachable_console_closes_with_reason(client, proxy, console_node):
    from esi_leap.db import nodes as db_nodes
    closed_port = it_server.free_port()
    db_nodes.node_update(console_node, {
        "properties": {"console_url": f"tcp://127.0.0.1:{closed_port}"}})
    token = get_token(client, console_node)
    with connect(proxy, token["access_url"]) as ws:
        with pytest.raises(ws_exceptions.ConnectionClosedError) as info:
            ws.recv(timeout=TIMEOUT)
    assert info.value.rcvd is not None
    assert info.value.rcvd.code == 1011
    assert "unreachable" in info.value.rcvd.reason


# -- ends of a connection ----------------------------------------------------

def test_console_hang_up_closes_websocket(client, proxy, console,
                                          console_node):
    token = get_token(client, console_node)
    with connect(proxy, token["access_url"]) as ws:
        read_until(ws, BANNER)
        console.hang_up_all()
        with pytest.raises(ws_exceptions.ConnectionClosed):
            while True:
                ws.recv(timeout=TIMEOUT)


def test_client_close_closes_console_side(client, proxy, console,
                                          console_node):
    token = get_token(client, console_node)
    with connect(proxy, token["access_url"]) as ws:
        read_until(ws, BANNER)
    conn = console.connections[0]
    conn.settimeout(TIMEOUT)
    assert conn.recv(10) == b""  # the proxy closed its console socket


def test_timeout_closes_connection(client, database, console, console_node):
    token = get_token(client, console_node)
    with running_proxy(timeout=1) as p:
        with connect(p, token["access_url"]) as ws:
            started = time.monotonic()
            with pytest.raises(ws_exceptions.ConnectionClosed) as info:
                while True:
                    ws.recv(timeout=TIMEOUT)
            elapsed = time.monotonic() - started
    assert 0.5 <= elapsed < TIMEOUT
    assert info.value.rcvd is not None and info.value.rcvd.code == 1000
    assert "time limit" in info.value.rcvd.reason


def test_shutdown_closes_open_connections(client, database, console,
                                          console_node):
    token = get_token(client, console_node)
    with running_proxy() as p:
        ws = connect(p, token["access_url"])
        read_until(ws, BANNER)
    # running_proxy's exit shut the proxy down (and checked its thread).
    with pytest.raises(ws_exceptions.ConnectionClosed) as info:
        ws.recv(timeout=TIMEOUT)
    assert info.value.rcvd is not None and info.value.rcvd.code == 1001


# -- the console script ------------------------------------------------------

def _proxy_script() -> list[str]:
    script = Path(sys.executable).parent / "esi-leap-serial-console-proxy"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from esi_leap.cmd."
            "serialconsoleproxy import main; sys.exit(main())"]


def test_console_script_serves_and_stops_on_sigterm(
        client, database, console, console_node, tmp_path):
    port = it_server.free_port()
    conf = tmp_path / "esi-leap.conf"
    conf.write_text(
        # debug: even then the token must not reach the log.
        f"[DEFAULT]\ndebug = true\n"
        f"[database]\nconnection = {database}\n"
        f"[api]\ndefault_resource_type = standalone_node\n"
        f"[serialconsoleproxy]\nhost_address = 127.0.0.1\nport = {port}\n")
    log = tmp_path / "proxy.log"
    token = get_token(client, console_node)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            _proxy_script() + ["--config-file", str(conf)],
            env=it_server.without_os_vars(), stdout=out,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        it_server.wait_until(
            lambda: f"listening on 127.0.0.1:{port}" in log.read_text(),
            TIMEOUT * 2, what="proxy start")
        url = f"ws://127.0.0.1:{port}/?token={token['token']}"
        ws = ws_client.connect(url, open_timeout=TIMEOUT)
        read_until(ws, BANNER)
        ws.send(b"ping")
        read_until(ws, b"echo:ping")
        with pytest.raises(ws_exceptions.InvalidStatus) as info:
            ws_client.connect(f"ws://127.0.0.1:{port}/?token=bad",
                              open_timeout=TIMEOUT)
        assert info.value.response.status_code == 403
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(TIMEOUT * 2) == 0, log.read_text()
        with pytest.raises(ws_exceptions.ConnectionClosed):
            ws.recv(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = log.read_text()
    assert token["token"] not in text
    assert "refused (403)" in text
