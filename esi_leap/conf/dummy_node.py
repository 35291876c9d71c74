"""The ``[dummy_node]`` group: ESI-Leap's JSON-file node backend."""

from collections.abc import Sequence

from oslo_config import cfg

GROUP = "dummy_node"

opts = [
    cfg.StrOpt(
        "dummy_node_dir",
        help="Directory holding one JSON file per dummy node, named by the "
             "node's UUID, in ESI-Leap's format (keys project_owner_id, "
             "project_id, lease_uuid, resource_class, properties, "
             "power_state, provision_state). Used only when ``dummy_node`` "
             "is in ``[api] enabled_resource_types``, and then required: "
             "there is no default. The directory and its files must belong "
             "to the service's user (or root) and must not be writable by "
             "group or others; the services refuse to start otherwise, and "
             "a node file that becomes so later is ignored."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts, group=GROUP)


def list_opts() -> list[tuple[str, Sequence[cfg.Opt]]]:
    return [(GROUP, opts)]
