"""Configuration for esi-leap.

Every option group lives in its own module with ``opts``,
``register_opts(conf)`` and ``list_opts()``; :mod:`esi_leap.conf.opts`
feeds the sample generator.
"""

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
from esi_leap.conf import messaging
from esi_leap.conf import networking
from esi_leap.conf import notification
from esi_leap.conf import quota
from esi_leap.conf import serialconsoleproxy

CONF = cfg.CONF

for _module in (api, audit, auth, database, dummy_node, embedded, ironic,
                keystone, manager, messaging, networking, notification, quota,
                serialconsoleproxy):
    _module.register_opts(CONF)
