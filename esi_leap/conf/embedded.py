"""The ``[embedded]`` group: the all-in-one process's demo inventory."""

from collections.abc import Sequence

from oslo_config import cfg

GROUP = "embedded"

opts = [
    cfg.IntOpt(
        "demo_nodes", default=6, min=0,
        help="Number of demo nodes the all-in-one ``esi-leap`` seeds into an "
             "empty database when it runs without a configuration file. "
             "Ignored when a configuration file is given."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts, group=GROUP)


def list_opts() -> list[tuple[str, Sequence[cfg.Opt]]]:
    return [(GROUP, opts)]
