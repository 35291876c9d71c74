"""``esi-leap-serial-console-proxy``: websocket access to nodes' consoles.

Listens on ``[serialconsoleproxy] host_address:port`` and bridges clients
holding a token from ``POST /v1/console_auth_tokens`` to the node's TCP
console (see :mod:`esi_leap.console.proxy`). It reads tokens from the
API's database (``[database] connection``). With no configuration file it
uses the embedded default's database (``$ESI_LEAP_STATE_DIR``), as the
all-in-one ``esi-leap`` does, and listens on 127.0.0.1. SIGTERM or SIGINT
closes the open connections and exits 0.
"""

import signal
import sys
import threading
from typing import Any

from oslo_log import log as logging

from esi_leap.cmd import common
from esi_leap.cmd import embedded
from esi_leap.conf import CONF
from esi_leap.console import proxy

LOG = logging.getLogger(__name__)


def main() -> None:
    argv = sys.argv[1:]
    embedded_mode = not common.has_config(argv)
    common.prepare(argv, description=__doc__)
    if embedded_mode:
        embedded.configure(embedded.state_dir())
        CONF.set_default("host_address", "127.0.0.1",
                         group="serialconsoleproxy")
    server = proxy.ConsoleProxy.from_conf()
    stopped = threading.Event()

    def _stop(signum: int, frame: Any) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    worker = threading.Thread(target=server.serve_forever,
                              name="console-proxy")
    worker.start()
    stopped.wait()
    server.shutdown()
    worker.join()
    LOG.info("Serial console proxy stopped")
