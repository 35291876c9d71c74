"""``openstack esi console auth token create|delete`` end to end.

The real CLI (python-esileapclient) talks to the real embedded ``esi-leap``
process; the real ``esi-leap-serial-console-proxy`` runs beside it in its
embedded mode (no configuration file: the same state directory and
database); a local TCP server stands in for the node's socat console. The
``access_url`` the CLI prints is used as it is.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets import exceptions as ws_exceptions
from websockets.sync import client as ws_client

from tests.integration import server as it_server

pytestmark = pytest.mark.integration

TIMEOUT = 20.0
NODE = "demo-node-1"


class EchoConsole:
    """A TCP console that prefixes each chunk it gets with ``echo:``."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,),
                             daemon=True).start()

    @staticmethod
    def _serve(conn: socket.socket) -> None:
        with conn:
            try:
                while data := conn.recv(4096):
                    conn.sendall(b"echo:" + data)
            except OSError:
                return


@contextlib.contextmanager
def running_proxy(srv: it_server.EsiLeapServer,
                  port: int) -> Iterator[subprocess.Popen[bytes]]:
    """``esi-leap-serial-console-proxy`` in embedded mode beside ``srv``."""
    script = Path(sys.executable).parent / "esi-leap-serial-console-proxy"
    if not script.is_file():
        pytest.fail(f"{script} is missing: pip install -e . again")
    env = it_server.without_os_vars()
    env.update(ESI_LEAP_STATE_DIR=str(srv.state_dir),
               HOME=str(srv.base_dir / "home"), PYTHONUNBUFFERED="1",
               OS_SERIALCONSOLEPROXY__PORT=str(port))
    log = srv.base_dir / "console-proxy.log"
    with open(log, "ab") as out:
        proc = subprocess.Popen([str(script)], env=env, stdout=out,
                                stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL,
                                cwd=srv.base_dir)
    try:
        it_server.wait_until(
            lambda: proc.poll() is not None
            or f"listening on 127.0.0.1:{port}" in log.read_text(),
            TIMEOUT, what="console proxy start")
        assert proc.poll() is None, log.read_text()
        yield proc
        proc.terminate()
        assert proc.wait(TIMEOUT) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def proxy_port() -> int:
    return it_server.free_port()


@pytest.fixture(scope="module")
def srv(request: pytest.FixtureRequest,
        tmp_path_factory: pytest.TempPathFactory,
        proxy_port: int) -> Iterator[it_server.EsiLeapServer]:
    # The API builds access_url from [serialconsoleproxy] port.
    yield from it_server.serve_for_module(
        request, tmp_path_factory,
        options={"serialconsoleproxy": {"port": proxy_port}})


@pytest.fixture(scope="module")
def console_env(srv: it_server.EsiLeapServer, proxy_port: int
                ) -> Iterator[EchoConsole]:
    """demo-node-1 gets a console; the proxy runs."""
    console = EchoConsole()
    response = srv.request(
        "PATCH", f"/v1/nodes/{NODE}", user="admin",
        body={"properties": {"console_url":
                             f"tcp://127.0.0.1:{console.port}"}})
    assert response.status == 200, response.text
    with running_proxy(srv, proxy_port):
        yield console
    console.sock.close()


def create(srv: it_server.EsiLeapServer, user: str, *args: str) -> Any:
    return srv.cli_json(user, "console", "auth", "token", "create", *args)


def refused_status(url: str) -> int:
    with pytest.raises(ws_exceptions.InvalidStatus) as info:
        ws_client.connect(url, open_timeout=TIMEOUT)
    return int(info.value.response.status_code)


def test_create_prints_the_fields_and_the_url_works(srv, console_env,
                                                   proxy_port):
    token = create(srv, "owner", NODE, "--token-ttl", "120")
    assert set(token) == {"node_uuid", "token", "access_url"}
    node_uuid = token["node_uuid"]
    assert len(node_uuid) == 36
    assert token["access_url"] == (
        f"ws://127.0.0.1:{proxy_port}/?token={token['token']}")
    with ws_client.connect(token["access_url"], open_timeout=TIMEOUT) as ws:
        ws.send(b"hello from the CLI's token")
        got = b""
        deadline = time.monotonic() + TIMEOUT
        while b"echo:hello from the CLI's token" not in got:
            frame = ws.recv(timeout=max(0.01, deadline - time.monotonic()))
            assert isinstance(frame, bytes)
            got += frame


def test_table_output(srv, console_env):
    proc = srv.cli_ok("owner", "console", "auth", "token", "create", NODE)
    rows = {}
    for line in proc.stdout.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 2 and not line.startswith("+"):
            rows[cells[0]] = cells[1]
    assert set(rows) == {"Field", "node_uuid", "token", "access_url"}, \
        proc.stdout
    assert rows["access_url"].endswith("?token=" + rows["token"])


def test_delete_revokes(srv, console_env):
    token = create(srv, "owner", NODE)
    proc = srv.cli_ok("owner", "console", "auth", "token", "delete", NODE)
    assert f"Disabled console auth tokens for node {NODE}" in proc.stdout
    assert refused_status(token["access_url"]) == 403


def test_bad_ttl_is_a_clear_error(srv, console_env):
    for ttl in ("0", "-1", "soon", "999999"):
        proc = srv.cli("owner", "console", "auth", "token", "create", NODE,
                       "--token-ttl", ttl)
        assert proc.returncode != 0, srv.failure(proc)
        assert "token_ttl" in proc.stderr, srv.failure(proc)


def test_unrelated_project_does_not_see_the_node(srv, console_env):
    proc = srv.cli("lessee", "console", "auth", "token", "create", NODE)
    assert proc.returncode != 0, srv.failure(proc)
    assert "not found" in proc.stderr.lower(), srv.failure(proc)


def test_proxy_refuses_wrong_token(srv, console_env, proxy_port):
    url = f"ws://127.0.0.1:{proxy_port}/?token=wrong"
    assert refused_status(url) == 403
    log = (srv.base_dir / "console-proxy.log").read_text()
    assert "refused (403)" in log
