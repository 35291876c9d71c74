"""Ironic: the service user and options of the ``ironic_node`` backend."""

from collections.abc import Sequence

from oslo_config import cfg
from oslo_config import types

from esi_leap.conf import keystone

GROUP = "ironic"

#: Release steps in the order the manager runs them.
RELEASE_STEPS = ("power_off", "undeploy", "clear_instance", "detach_vifs",
                 "disable_console")

opts = [
    cfg.StrOpt(
        "api_version", default="1.65",
        help="Ironic API microversion esi-leap speaks (1.65 or later: node "
             "lessees)."),
    cfg.ListOpt(
        "release_steps", default=list(RELEASE_STEPS),
        item_type=types.String(choices=RELEASE_STEPS),
        help="What the manager does to a node when a lease ends, in this "
             "order, after taking the lessee away and before removing the "
             "lease marker: power_off (power the node off), undeploy "
             "(tear a deployed node down; Ironic cleans it if cleaning is "
             "enabled), clear_instance (empty instance_info, instance_uuid "
             "and extra), detach_vifs (detach every VIF), disable_console "
             "(turn the serial console off). Each step's outcome is an "
             "event; a failed step leaves the lease waiting and is retried."),
    cfg.IntOpt(
        "node_cache_ttl", default=10, min=0,
        help="Seconds the API keeps what Ironic said about nodes before "
             "asking again. 0 asks every time."),
    cfg.IntOpt(
        "outage_backoff", default=5, min=0,
        help="After Ironic failed to answer, seconds during which API "
             "requests that need Ironic fail at once with 503 instead of "
             "waiting for it again."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts, group=GROUP)
    keystone.register_service_user(conf, GROUP, "baremetal")
    conf.set_default("timeout", 10, group=GROUP)


def list_opts() -> list[tuple[str, Sequence[cfg.Opt]]]:
    return [(GROUP, opts + keystone.service_user_opts())]
