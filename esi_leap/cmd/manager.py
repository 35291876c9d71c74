"""``esi-leap-manager``: the worker that fulfils, ends and cancels leases."""

import signal
import sys
import threading
from typing import Any

from esi_leap.cmd import common
from esi_leap.manager import service


def main() -> None:
    common.prepare(sys.argv[1:], description=__doc__)
    manager = service.Manager()
    stopped = threading.Event()

    def _stop(signum: int, frame: Any) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    manager.start()
    stopped.wait()
    manager.stop(graceful=True)
