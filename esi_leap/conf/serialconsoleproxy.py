"""The ``[serialconsoleproxy]`` group: console tokens and the proxy.

The option names and defaults of ESI-Leap are kept (``host_address``,
``port``, ``timeout``, ``token_ttl``); ``max_token_ttl`` and ``public_url``
are ours.
"""

from collections.abc import Sequence

from oslo_config import cfg

GROUP = "serialconsoleproxy"

opts = [
    cfg.HostAddressOpt(
        "host_address", default="0.0.0.0",
        help="IP address or host name on which esi-leap-serial-console-proxy "
             "listens. Also the host of the ``access_url`` the API returns "
             "when ``public_url`` is unset; 0.0.0.0 (or ::) there is replaced "
             "by the host the API request came in on."),
    cfg.PortOpt(
        "port", default=6083,
        help="TCP port on which esi-leap-serial-console-proxy listens, and "
             "the port of the ``access_url`` when ``public_url`` is unset."),
    cfg.IntOpt(
        "timeout", default=-1,
        help="Seconds after which the proxy closes a console connection, "
             "however busy it is. 0 or less means no limit."),
    cfg.IntOpt(
        "token_ttl", default=600, min=1,
        help="Seconds a console token stays valid when the request does not "
             "give ``token_ttl``. Capped at ``max_token_ttl``. A token only "
             "needs to be valid when the connection opens; an open "
             "connection outlives it."),
    cfg.IntOpt(
        "max_token_ttl", default=3600, min=1,
        help="Largest ``token_ttl``, in seconds, a request may ask for; a "
             "larger one is refused with 400."),
    cfg.URIOpt(
        "public_url", schemes=["ws", "wss"],
        help="URL at which clients reach the proxy (for example "
             "``wss://console.example.com:6083/`` behind a TLS terminating "
             "proxy). The API returns it with ``?token=<token>`` appended as "
             "``access_url``. Unset means ``ws://<host_address>:<port>/``."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts, group=GROUP)


def list_opts() -> list[tuple[str, Sequence[cfg.Opt]]]:
    return [(GROUP, opts)]
