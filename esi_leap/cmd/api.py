"""``esi-leap-api``: the REST API alone (pair it with esi-leap-manager)."""

import sys

from oslo_log import log as logging

from esi_leap.cmd import common
from esi_leap.cmd import server

LOG = logging.getLogger(__name__)


def main() -> None:
    common.prepare(sys.argv[1:], description=__doc__)
    count = server.worker_count()
    LOG.info("esi-leap API on %s with %d worker(s)", server.listen_url(),
             count)
    if count == 1:
        server.serve_forever(server.make_server())
    else:
        server.run_workers(count)
