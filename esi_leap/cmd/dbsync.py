"""``esi-leap-dbsync``: create, migrate or adopt the database.

``upgrade`` migrates to the newest schema; it also adopts a database made
by ESI-Leap 1.0, keeping every row. ``create_schema`` is ESI-Leap's name
for the same thing. ``version`` prints the current revision; ``stamp``
marks a revision without migrating.
"""

import logging
import sys

from oslo_config import cfg

from esi_leap.cmd import common
from esi_leap.conf import CONF
from esi_leap.db import migration


def _add_commands(subparsers) -> None:  # type: ignore[no-untyped-def]
    upgrade = subparsers.add_parser(
        "upgrade", help="Migrate to the newest schema (adopting an "
                        "ESI-Leap 1.0 database).")
    upgrade.add_argument("--revision", default="head",
                         help="Revision to migrate to (default: head).")
    upgrade.set_defaults(func=lambda: migration.upgrade(
        CONF.command.revision))
    create = subparsers.add_parser(
        "create_schema", help="Alias of upgrade, as in ESI-Leap.")
    create.set_defaults(func=lambda: migration.upgrade("head"))
    version = subparsers.add_parser(
        "version", help="Print the database's current revision.")
    version.set_defaults(func=_print_version)
    stamp = subparsers.add_parser(
        "stamp", help="Mark the database as being at a revision.")
    stamp.add_argument("revision", help="Revision to record.")
    stamp.set_defaults(func=lambda: migration.stamp(CONF.command.revision))


def _print_version() -> None:
    logging.getLogger("alembic").setLevel(logging.WARNING)
    print(migration.current_revision() or "none (empty database)")


def main() -> None:
    CONF.register_cli_opt(cfg.SubCommandOpt(
        "command", title="Commands", handler=_add_commands,
        help="What to do with the database."))
    common.prepare(sys.argv[1:], description=__doc__)
    CONF.command.func()
