"""The real ``esi-leap`` with two API workers: stop, crash and orphan.

* SIGTERM while a slow request is in flight: the request still gets its
  answer and the server exits 0. The request is slow because creating an
  offer for an Ironic node waits on a fake Ironic that takes a few seconds
  to say that the node does not exist.
* ``kill -9`` of one worker: the parent logs it and starts another; the
  service keeps answering.
* ``kill -9`` of the parent: its workers exit within a few seconds and the
  port is free again.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import http.server
import json
import os
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration import server

pytestmark = pytest.mark.integration

#: Seconds the fake Ironic takes to answer.
IRONIC_DELAY = 3.0


class _SlowIronic(http.server.ThreadingHTTPServer):
    daemon_threads = True
    called: threading.Event


class _SlowIronicHandler(http.server.BaseHTTPRequestHandler):
    server: _SlowIronic

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if "/nodes" not in self.path:
            self._send(200, self._versions())
            return
        self.server.called.set()
        time.sleep(IRONIC_DELAY)
        self._send(404, {"error_message": "Node not found"})

    def _versions(self) -> dict[str, object]:
        href = f"http://127.0.0.1:{self.server.server_address[1]}/v1/"
        version = {"id": "v1", "status": "CURRENT", "version": "1.90",
                   "min_version": "1.1",
                   "links": [{"href": href, "rel": "self"}]}
        if self.path.rstrip("/").endswith("v1"):
            return {"id": "v1", "version": version, **version}
        return {"versions": [version], "default_version": version}

    def _send(self, status: int, doc: dict[str, object]) -> None:
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def slow_ironic() -> Iterator[_SlowIronic]:
    srv = _SlowIronic(("127.0.0.1", 0), _SlowIronicHandler)
    srv.called = threading.Event()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()


def _options(ironic_port: int = 9) -> dict[str, dict[str, object]]:
    return {"api": {"api_workers": 2, "graceful_timeout": 15},
            "ironic": {"auth_type": "none", "endpoint_override":
                       f"http://127.0.0.1:{ironic_port}"}}


def workers(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux /proc)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(p) for p in path.read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purpose: it serves nothing.
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rpartition(")")[2].split()[0] != "Z"
    return False


def _proc(srv: server.EsiLeapServer) -> subprocess.Popen[bytes]:
    assert srv.process is not None
    return srv.process


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def test_sigterm_lets_a_slow_request_finish(tmp_path: Path) -> None:
    server.require_executables(need_cli=False)
    with slow_ironic() as ironic, server.running_server(
            tmp_path, options=_options(ironic.server_address[1]),
            check_exit=False) as srv:
        server.wait_until(lambda: len(workers(_proc(srv).pid)) == 2, 20,
                          what="two API workers")
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pending = pool.submit(
                srv.request, "POST", "/v1/offers", "owner",
                body={"resource_type": "ironic_node",
                      "resource_uuid": str(uuid.uuid4())})
            assert ironic.called.wait(20), srv.log_tail()
            _proc(srv).send_signal(signal.SIGTERM)
            response = pending.result(timeout=30)
        rc = _proc(srv).wait(30)
    # The whole answer to the request: the node is not in Ironic.
    assert response.status == 404, response.text
    assert response.json()["faultcode"] == "Client"
    assert rc == 0, srv.log_tail()
    assert "finishing the requests in flight" in srv.log_tail(80)


def test_a_killed_worker_is_logged_and_replaced(tmp_path: Path) -> None:
    server.require_executables(need_cli=False)
    with server.running_server(tmp_path, options=_options()) as srv:
        parent = _proc(srv).pid
        before = server.wait_until(
            lambda: (w := workers(parent)) and len(w) == 2 and w, 20,
            what="two API workers")
        os.kill(before[0], signal.SIGKILL)

        after = server.wait_until(
            lambda: (w := workers(parent)) and len(w) == 2
            and before[0] not in w and w, 20, what="a new API worker")
        assert before[1] in after
        log = srv.log_tail(80)
        assert f"(pid {before[0]}) was killed by SIGKILL" in log, log
        for _ in range(10):
            assert srv.request("GET", "/v1/nodes", "owner").status == 200


def test_workers_exit_when_the_parent_is_killed(tmp_path: Path) -> None:
    server.require_executables(need_cli=False)
    with server.running_server(tmp_path, options=_options(),
                               check_exit=False) as srv:
        parent = _proc(srv).pid
        children = server.wait_until(
            lambda: (w := workers(parent)) and len(w) == 2 and w, 20,
            what="two API workers")
        os.kill(parent, signal.SIGKILL)
        _proc(srv).wait(10)

        server.wait_until(lambda: not any(_alive(p) for p in children), 10,
                          what="the orphaned workers' exit")
        assert _port_free(srv.port)
