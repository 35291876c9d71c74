"""oslo.messaging's ``transport_url`` and notification options.

They are registered up front so that esi-leap can tell whether a transport
is configured; the sample config gets them from oslo.messaging's namespace.
"""

import oslo_messaging
from oslo_config import cfg
from oslo_messaging import opts as messaging_opts


def register_opts(conf: cfg.ConfigOpts) -> None:
    oslo_messaging.set_transport_defaults(control_exchange="esi_leap")
    for group, options in messaging_opts.list_opts():
        if group in (None, "DEFAULT"):
            conf.register_opts(list(options))
        elif group == "oslo_messaging_notifications":
            conf.register_opts(list(options), group=group)
    # oslo.messaging defaults to "rabbit://"; esi-leap needs no broker
    # unless one is configured (the reconciler guarantees progress).
    conf.set_default("transport_url", None)
