"""Idle and slowloris connections do not stall the real ``esi-leap``.

The embedded default (one API worker with 16 request threads) gets 100
connections that send nothing and 100 that send a request head one byte a
second; ordinary authenticated requests still answer, each within a few
seconds (a generous limit: ``benchmarks/bench_idle_connections.py``
measures the figures). A connection that has not sent a complete request
head ``[api] header_timeout`` seconds after it opened is closed, however
often it sends a byte.
"""

from __future__ import annotations

import concurrent.futures
import socket
import time
from collections.abc import Iterator

import pytest

from tests.integration import server
from tests.integration import slow_clients

pytestmark = pytest.mark.integration

HEADER_TIMEOUT = 4
#: Generous: without the fix each request waited 10 s or more.
ANSWER_WITHIN = 5.0


@pytest.fixture(scope="module")
def esi(request: pytest.FixtureRequest,
        tmp_path_factory: pytest.TempPathFactory
        ) -> Iterator[server.EsiLeapServer]:
    server.require_executables(need_cli=False)
    yield from server.serve_for_module(
        request, tmp_path_factory,
        options={"api": {"header_timeout": HEADER_TIMEOUT}})


def _timed_get(esi: server.EsiLeapServer) -> tuple[int, float]:
    started = time.monotonic()
    status = esi.request("GET", "/v1/nodes", "owner", timeout=30).status
    return status, time.monotonic() - started


def test_idle_and_slow_connections_leave_room_for_requests(
        esi: server.EsiLeapServer) -> None:
    with slow_clients.SlowClients(esi.port, idle=100, slow=100,
                                  interval=1.0) as attack:
        time.sleep(2)  # the slow ones have started to send
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda _: _timed_get(esi), range(40)))
        still_open = len(attack._sel.get_map())
    assert [s for s, _ in results] == [200] * 40
    slowest = max(t for _, t in results)
    assert slowest < ANSWER_WITHIN, sorted(t for _, t in results)[-5:]
    # The attack's connections were open all along (reopened when the
    # server closed them at the head deadline).
    assert still_open >= 190


def _closed_after(sock: socket.socket, dribble: bool, limit: float) -> float:
    """Seconds until the server closes ``sock`` (sending a byte every
    0.5 s when ``dribble``); fails past ``limit``."""
    started = time.monotonic()
    sock.settimeout(0.5)
    head = iter(slow_clients.HEAD)
    while time.monotonic() - started < limit:
        if dribble:
            try:
                sock.send(bytes([next(head)]))
            except OSError:
                return time.monotonic() - started
        try:
            if sock.recv(4096) == b"":
                return time.monotonic() - started
        except TimeoutError:
            continue
        except OSError:
            return time.monotonic() - started
    pytest.fail(f"the connection was still open after {limit} s")


@pytest.mark.parametrize("dribble", [False, True], ids=["idle", "slowloris"])
def test_an_incomplete_request_head_is_cut_at_the_deadline(
        esi: server.EsiLeapServer, dribble: bool) -> None:
    with socket.create_connection(("127.0.0.1", esi.port)) as sock:
        took = _closed_after(sock, dribble, limit=HEADER_TIMEOUT + 6)
    # Not before the deadline; the server checks it every second.
    assert took >= HEADER_TIMEOUT - 0.5
