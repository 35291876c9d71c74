"""Entry point for oslo-config-generator (``esi-leap.conf``)."""

from collections.abc import Sequence

from oslo_config import cfg

from esi_leap.conf import api
from esi_leap.conf import audit
from esi_leap.conf import auth
from esi_leap.conf import database
from esi_leap.conf import dummy_node
from esi_leap.conf import embedded
from esi_leap.conf import ironic
from esi_leap.conf import keystone
from esi_leap.conf import manager
from esi_leap.conf import networking
from esi_leap.conf import notification
from esi_leap.conf import quota
from esi_leap.conf import serialconsoleproxy


def list_opts() -> list[tuple[str | None, Sequence[cfg.Opt]]]:
    """Return our option groups, in alphabetical order of group."""
    result: list[tuple[str | None, Sequence[cfg.Opt]]] = []
    for module in (auth, api, audit, database, dummy_node, embedded, ironic,
                   keystone, manager, networking, notification, quota,
                   serialconsoleproxy):
        result.extend(module.list_opts())
    return result
