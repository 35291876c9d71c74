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
        help="Number of request-handling threads in each API worker process. "
             "A thread is given a request only once the request (head and "
             "body) has been received in full, so slow or idle clients do "
             "not hold threads."),
    cfg.IntOpt(
        "header_timeout", default=20, min=1,
        help="Seconds a client has to send a complete request head (request "
             "line and headers) after it connects, or after the previous "
             "response on a kept-alive connection. A connection that misses "
             "it is closed, however often it sends a byte. Also the time "
             "after which an idle kept-alive connection or a stalled request "
             "body is closed."),
    cfg.IntOpt(
        "max_connections", default=1000, min=10,
        help="Most client connections each API worker process keeps open at "
             "once, idle ones included. When it is reached the worker stops "
             "accepting until some close; the others still accept. Each "
             "connection is a file descriptor: the open-files limit "
             "(``ulimit -n``) is raised to fit when the hard limit allows."),
    cfg.IntOpt(
        "graceful_timeout", default=30, min=0,
        help="Seconds an API worker keeps serving the requests it has in "
             "flight after SIGTERM or SIGINT before it closes them and "
             "exits. With several workers the parent kills any worker still "
             "running 5 s after that."),
    cfg.IntOpt(
        "max_limit", default=1000, min=1,
        help="Largest page size a client may ask for with the ``limit`` query "
             "parameter. A larger ``limit`` is reduced to this value. Lists "
             "requested without ``limit`` are returned whole, as ESI-Leap "
             "does."),
    cfg.URIOpt(
        "public_endpoint", schemes=["http", "https"],
        help="Public URL of this API (for example "
             "``https://esi.example.com:7777`` or "
             "``https://cloud.example.com/esi-leap``), used for every URL "
             "the API writes: the OpenAPI document's ``servers``, the "
             "``next`` links of lists, ``Location`` headers and redirects, "
             "and the origin that bodiless POST and PUT requests may come "
             "from. The request's ``Host`` header (and the scheme) are then "
             "ignored. Unset (empty) means the URL the request came in on: "
             "its ``Host`` header (or, with ``[oslo_middleware] "
             "enable_proxy_headers_parsing``, the forwarded host), which "
             "must then be a syntactically valid ``host[:port]`` or the "
             "request gets 400."),
    cfg.IntOpt(
        "max_request_body_size", default=1048576, min=1024,
        help="Largest request body, in bytes, the API accepts; a larger "
             "one gets 413 before it is read. Bodies sent with chunked "
             "transfer encoding are read up to this size."),
    cfg.IntOpt(
        "max_header_size", default=65536, min=1024,
        help="Largest total size, in bytes, of a request's header fields "
             "(names and values of all of them); a request with more gets "
             "431."),
    cfg.IntOpt(
        "max_url_length", default=8192, min=256,
        help="Longest request target (path and query string, as sent), in "
             "bytes; a longer one gets 414."),
    cfg.IntOpt(
        "max_properties_size", default=65536, min=2,
        help="Largest free-form ``properties`` object (of offers, leases "
             "and standalone nodes), in bytes of compact JSON, that the API "
             "stores; a larger one gets 400 and nothing is stored."),
    cfg.IntOpt(
        "list_chunk_size", default=1000, min=1,
        help="Rows read per database statement when the API returns a "
             "whole list (a request without ``limit``). A list longer than "
             "this is streamed to the client chunk by chunk, each chunk "
             "read by its own short statement, so that a statement timeout "
             "never cuts a list short; a database failure in the middle of "
             "a list aborts the connection instead of ending the JSON."),
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
