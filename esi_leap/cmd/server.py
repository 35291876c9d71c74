"""Serve the API in one or several worker processes.

The HTTP front end is waitress (:mod:`esi_leap.cmd.wsgi_server`): it buffers
whole requests before a request thread sees them, so idle or slow clients
cannot tie up the threads. With ``[api] api_workers`` above one, the parent
binds the port, forks that many workers sharing the listening socket and
supervises them (:mod:`esi_leap.cmd.supervisor`): it replaces workers that
die, passes SIGTERM/SIGINT on, and its workers exit when it dies. On
SIGTERM every worker finishes the requests it has in flight, for at most
``[api] graceful_timeout`` seconds.
"""

from __future__ import annotations

import gc
import os
import resource
import signal
import socket
import sys
import threading
from collections.abc import Callable
from typing import Any

from oslo_log import log as logging

from esi_leap.api import app as api_app
from esi_leap.cmd import supervisor
from esi_leap.cmd import wsgi_server
from esi_leap.conf import CONF
from esi_leap.db import api as db_api

LOG = logging.getLogger(__name__)

#: File descriptors a worker needs besides its client connections.
SPARE_FDS = 256


def worker_count() -> int:
    """``[api] api_workers``, or the number of CPUs capped at 4."""
    if CONF.api.api_workers:
        return int(CONF.api.api_workers)
    return max(1, min(os.cpu_count() or 1, 4))


def listen_socket() -> socket.socket:
    """A socket listening on ``[api] host_ip:port``."""
    host = CONF.api.host_ip
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, CONF.api.port))
    sock.listen(1024)
    return sock


def raise_fd_limit(wanted: int) -> None:
    """Raise the soft open-files limit towards ``wanted`` (up to the hard
    limit), so that ``[api] max_connections`` can be reached."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        new = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        if new < wanted:
            LOG.warning("Open files limited to %d: fewer than [api] "
                        "max_connections (%d) clients can connect", new,
                        CONF.api.max_connections)


def make_server(sock: socket.socket | None = None) -> wsgi_server.Server:
    """The API's HTTP server on ``sock`` (default: a new listening socket)."""
    raise_fd_limit(CONF.api.max_connections + SPARE_FDS)
    return wsgi_server.make(
        api_app.build_app(CONF), sock or listen_socket(),
        threads=CONF.api.threads_per_worker,
        header_timeout=CONF.api.header_timeout,
        max_connections=CONF.api.max_connections,
        # Twice the application's limits: a request a little over them
        # gets the API's own 413/431 body, a huge one is refused by waitress
        # before it is buffered.
        max_header_size=2 * CONF.api.max_header_size,
        max_body_size=2 * CONF.api.max_request_body_size)


def serve_forever(server: wsgi_server.Server,
                  on_stop: Callable[[], None] | None = None,
                  parent_pid: int | None = None) -> None:
    """Run ``server`` until SIGTERM or SIGINT (or, given ``parent_pid``,
    until that parent process is gone), then drain it."""
    stopping = threading.Event()

    def _stop(signum: int, frame: Any) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    # Keep the start-up objects out of the collections that large
    # responses trigger.
    gc.collect()
    gc.freeze()
    try:
        wsgi_server.serve(server, lambda: stopping.is_set() or (
            parent_pid is not None and os.getppid() != parent_pid))
        LOG.info("Stopping the API: finishing the requests in flight")
        wsgi_server.drain(server, CONF.api.graceful_timeout)
    finally:
        if on_stop is not None:
            on_stop()


def _worker(sock: socket.socket) -> Callable[[int], int]:
    parent = os.getpid()

    def work(index: int) -> int:
        db_api.reset()
        try:
            serve_forever(make_server(sock), parent_pid=parent)
        except Exception:  # noqa: BLE001 - report and exit non-zero
            LOG.exception("API worker %d failed", index)
            return 1
        return 0
    return work


def run_workers(count: int, on_stop: Callable[[], None] | None = None,
                in_parent: Callable[[], None] | None = None) -> None:
    """Fork ``count`` supervised API workers and wait for them.

    ``in_parent`` runs in the parent once the workers exist (the all-in-one
    starts its manager there); ``on_stop`` runs in the parent at the end.
    """
    sock = listen_socket()
    sup = supervisor.Supervisor(count, _worker(sock),
                                CONF.api.graceful_timeout)
    sup.start()
    if in_parent is not None:
        in_parent()
    status = sup.wait()
    sock.close()
    if on_stop is not None:
        on_stop()
    sys.exit(status)


def listen_url() -> str:
    """The URL the API listens on, for start-up messages."""
    host = CONF.api.host_ip
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    return f"http://{shown}:{CONF.api.port}"
