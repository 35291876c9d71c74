"""``esi-leap-manager``: the worker that fulfils, ends and cancels leases.

SIGTERM (what ``systemctl stop`` and container runtimes send) and SIGINT
stop it gracefully: it takes no new work, finishes the lease, switch and
audit work in flight, then exits with status 0. Give it time to do so
(systemd ``TimeoutStopSec``, ``podman stop --time``); work cut short by
SIGKILL is picked up again by another manager once the killed one's
heartbeat is ``[manager] dead_after`` seconds old.
"""

import signal
import sys
import threading
import time
from typing import Any

from oslo_log import log as logging

from esi_leap.cmd import common
from esi_leap.manager import service

LOG = logging.getLogger(__name__)


def _install_stop_handlers(stopping: threading.Event) -> None:
    """Make SIGTERM and SIGINT set ``stopping`` (once; a second signal
    only says that the stop is under way)."""
    def _stop(signum: int, frame: Any) -> None:
        name = signal.Signals(signum).name
        if stopping.is_set():
            LOG.info("Received %s again; still finishing the work in "
                     "progress", name)
            return
        LOG.info("Received %s; finishing the work in progress, then "
                 "stopping", name)
        stopping.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)


def main() -> None:
    common.prepare(sys.argv[1:], description=__doc__)
    manager = service.Manager()
    stopping = threading.Event()
    _install_stop_handlers(stopping)
    manager.start()
    stopping.wait()
    started = time.monotonic()
    manager.stop(graceful=True)
    LOG.info("Manager %s stopped gracefully after %.1f s", manager.host,
             time.monotonic() - started)
