"""``[audit]``: reading the switches back and comparing them with the
database."""

from collections.abc import Sequence

from oslo_config import cfg

GROUP = "audit"

opts = [
    cfg.IntOpt(
        "interval", default=3600, min=0,
        help="Seconds between two periodic audits of every switch (counted "
             "from the start of the last audit, periodic or asked for). 0 "
             "turns periodic audits off; admins can still start audits "
             "with POST /v1/audits."),
    cfg.IntOpt(
        "history_days", default=30, min=1,
        help="Days finished audits and resolved findings are kept; older "
             "ones are deleted by the manager's housekeeping. Open findings "
             "are kept however old."),
    cfg.IntOpt(
        "switch_workers", default=10, min=1,
        help="Switches one audit reads at the same time (one read-only "
             "session each)."),
    cfg.IntOpt(
        "timeout", default=3600, min=60,
        help="Seconds after which an audit still running is taken over by "
             "another manager (its manager is presumed dead)."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts, group=GROUP)


def list_opts() -> list[tuple[str, Sequence[cfg.Opt]]]:
    return [(GROUP, opts)]
