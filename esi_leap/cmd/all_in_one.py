"""``esi-leap``: the API and a manager in one process.

With a configuration file (``--config-file``, or one of oslo.config's
default locations such as ``/etc/esi-leap/esi-leap.conf``) it serves that
configuration and seeds nothing. Without one it runs the embedded default
(see :mod:`esi_leap.cmd.embedded`).
"""

import sys

from oslo_log import log as logging

from esi_leap.cmd import common
from esi_leap.cmd import embedded
from esi_leap.cmd import server
from esi_leap.manager import rpcapi
from esi_leap.manager import service

LOG = logging.getLogger(__name__)


def main() -> None:
    argv = sys.argv[1:]
    embedded_mode = not common.has_config(argv)
    common.prepare(argv, description=__doc__)
    state = embedded.prepare() if embedded_mode else None
    manager = service.Manager()
    count = server.worker_count()
    if count == 1:
        rpcapi.set_local_waker(manager.wake)
        manager.start()
        api = server.make_server()
        _announce(state)
        server.serve_forever(api, on_stop=manager.stop)
    else:
        def start_manager() -> None:
            manager.start()
            _announce(state)

        server.run_workers(count, in_parent=start_manager,
                           on_stop=manager.stop)


def _announce(state: dict | None) -> None:  # type: ignore[type-arg]
    url = server.listen_url()
    if state is None:
        LOG.info("esi-leap all-in-one serving on %s", url)
        return
    print(embedded.banner(url, state["state_dir"]), flush=True)
