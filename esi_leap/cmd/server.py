"""Serve the API with cheroot, in one or several worker processes.

With ``[api] api_workers`` above one, the parent forks that many workers,
each binding the same port with ``SO_REUSEPORT`` so the kernel spreads
connections among them, and relays SIGTERM/SIGINT to them. Each worker
finishes the requests it has in flight before it exits.
"""

import gc
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

from cheroot import wsgi
from oslo_log import log as logging

from esi_leap.api import app as api_app
from esi_leap.conf import CONF
from esi_leap.db import api as db_api

LOG = logging.getLogger(__name__)


def worker_count() -> int:
    """``[api] api_workers``, or the number of CPUs capped at 4."""
    if CONF.api.api_workers:
        return int(CONF.api.api_workers)
    return max(1, min(os.cpu_count() or 1, 4))


def make_server(reuse_port: bool) -> wsgi.Server:
    """A cheroot server for the API on ``[api] host_ip:port``."""
    return wsgi.Server(
        (CONF.api.host_ip, CONF.api.port), api_app.build_app(CONF),
        numthreads=CONF.api.threads_per_worker, reuse_port=reuse_port,
        request_queue_size=128, shutdown_timeout=10,
        server_name="esi-leap")


def serve_forever(server: wsgi.Server,
                  on_stop: Callable[[], None] | None = None) -> None:
    """Run ``server`` until SIGTERM or SIGINT, then stop gracefully."""
    stopping = threading.Event()

    def _stop(signum: int, frame: Any) -> None:
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=server.stop, daemon=True).start()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    # Keep the start-up objects out of the collections that large
    # responses trigger.
    gc.collect()
    gc.freeze()
    try:
        if not server.ready:
            server.prepare()
        server.serve()
    finally:
        if on_stop is not None:
            on_stop()


def run_workers(count: int, on_stop: Callable[[], None] | None = None,
                in_parent: Callable[[], None] | None = None) -> None:
    """Fork ``count`` API workers and wait for them.

    ``in_parent`` runs in the parent once the workers exist (the all-in-one
    starts its manager there); ``on_stop`` runs in the parent at the end.
    """
    children = []
    for _ in range(count):
        pid = os.fork()
        if pid == 0:
            db_api.reset()
            code = 0
            try:
                serve_forever(make_server(reuse_port=True))
            except Exception:  # noqa: BLE001 - report and exit non-zero
                LOG.exception("API worker failed")
                code = 1
            os._exit(code)
        children.append(pid)
    if in_parent is not None:
        in_parent()

    def _relay(signum: int, frame: Any) -> None:
        for child in children:
            try:
                os.kill(child, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, _relay)
    signal.signal(signal.SIGINT, _relay)
    status = 0
    for child in children:
        _, code = os.waitpid(child, 0)
        status = status or (1 if code else 0)
    if on_stop is not None:
        on_stop()
    sys.exit(status)


def listen_url() -> str:
    """The URL the API listens on, for start-up messages."""
    host = CONF.api.host_ip
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    return f"http://{shown}:{CONF.api.port}"
