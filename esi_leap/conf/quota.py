"""The ``[quota]`` group: per-project limits."""

from collections.abc import Sequence

from oslo_config import cfg

GROUP = "quota"

opts = [
    cfg.IntOpt(
        "max_leases_per_project", default=-1, min=-1,
        help="Largest number of open leases (created, active, or waiting) a "
             "project may hold as lessee. -1 means no limit. Callers allowed "
             "by the ``esi_leap:quota:override`` policy are not limited."),
    cfg.IntOpt(
        "max_offers_per_project", default=-1, min=-1,
        help="Largest number of available offers a project may have. -1 "
             "means no limit. Callers allowed by the "
             "``esi_leap:quota:override`` policy are not limited."),
    cfg.IntOpt(
        "max_networks_per_project", default=-1, min=-1,
        help="Largest number of networks a project may own (each takes a "
             "VLAN of the pool of its physical network). -1 means no "
             "limit. Callers allowed by the ``esi_leap:quota:override`` "
             "policy are not limited."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts, group=GROUP)


def list_opts() -> list[tuple[str, Sequence[cfg.Opt]]]:
    return [(GROUP, opts)]
