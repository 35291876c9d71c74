"""The ``[database]`` group comes from oslo.db; this module sets our defaults."""

from oslo_config import cfg
from oslo_db import options as db_options


def register_opts(conf: cfg.ConfigOpts) -> None:
    db_options.set_defaults(conf)


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [("database", list(db_options.database_opts))]
