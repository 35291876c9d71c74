"""The ``[api]`` group: the REST API server and request handling."""

from collections.abc import Sequence

from oslo_config import cfg

GROUP = "api"

opts = [
    cfg.HostAddressOpt(
        "host_ip", default="0.0.0.0",
        help="IP address or host name on which the API server listens."),
    cfg.PortOpt(
        "port", default=7777,
        help="TCP port on which the API server listens."),
    cfg.IntOpt(
        "api_workers", min=1,
        help="Number of API worker processes. Unset means the number of CPUs, "
             "capped at 4. The embedded default (no configuration file) "
             "uses 1."),
    cfg.IntOpt(
        "threads_per_worker", default=16, min=1,
        help="Number of request-handling threads in each API worker process."),
    cfg.IntOpt(
        "max_limit", default=1000, min=1,
        help="Largest page size a client may ask for with the ``limit`` query "
             "parameter. A larger ``limit`` is reduced to this value. Lists "
             "requested without ``limit`` are returned whole, as ESI-Leap "
             "does."),
    cfg.URIOpt(
        "public_endpoint",
        help="Public URL of this API (for example "
             "``https://esi.example.com:7777``), used in links in responses. "
             "Unset means the URL the request came in on."),
    cfg.StrOpt(
        "default_resource_type", default="ironic_node",
        help="Resource type assumed when a request does not name one. "
             "One of ``enabled_resource_types``."),
    cfg.ListOpt(
        "enabled_resource_types",
        default=["ironic_node", "standalone_node"],
        help="Node backends (from the ``esi_leap.resource_types`` entry "
             "point namespace) that may be offered and leased. Offers and "
             "leases of a type that is not listed stay readable, but no "
             "new offer, lease or claim may use it, port look-ups skip its "
             "nodes, and the manager leaves its open leases waiting until "
             "the type is enabled again. ``dummy_node`` (ESI-Leap's test "
             "backend, JSON files in ``[dummy_node] dummy_node_dir``) is "
             "not enabled by default. The services refuse to start when "
             "this lists an unknown type or leaves out "
             "``default_resource_type``."),
    cfg.IntOpt(
        "max_lease_time", default=21, min=1,
        help="Longest lease, in days, that a non-admin may create, claim or "
             "extend to. Admins are not limited."),
    cfg.IntOpt(
        "default_lease_time", default=7, min=1,
        help="Length of a lease, in days, when the request gives no end "
             "time."),
    cfg.IntOpt(
        "peer_timeout", default=10, min=1,
        help="Seconds the API waits for a peer (Ironic, Keystone) it reads "
             "from before answering 503."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts, group=GROUP)


def list_opts() -> list[tuple[str, Sequence[cfg.Opt]]]:
    return [(GROUP, opts)]
