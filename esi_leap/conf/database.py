"""The ``[database]`` group: oslo.db's options with our defaults."""

from collections.abc import Sequence

from oslo_config import cfg
from oslo_db import options as db_options


def register_opts(conf: cfg.ConfigOpts) -> None:
    db_options.set_defaults(conf)


def list_opts() -> list[tuple[str, Sequence[cfg.Opt]]]:
    return [("database", list(db_options.database_opts))]
