"""``esi-leap-dbsync``: create, migrate or adopt the database.

``upgrade`` migrates to the newest schema; it also adopts a database made
by ESI-Leap 1.0, keeping every row. ``create_schema`` is ESI-Leap's name
for the same thing. ``version`` prints the current revision; ``stamp``
marks a revision without migrating. ``purge --older-than DAYS`` deletes
old events, ended leases and offers, finished audits and resolved
findings (``--dry-run`` only counts them).
"""

import argparse
import datetime
import logging
import sys

from oslo_config import cfg

from esi_leap.cmd import common
from esi_leap.common import timeutils
from esi_leap.conf import CONF
from esi_leap.db import migration
from esi_leap.db import purge

#: Largest ``--older-than``: a hundred years.
MAX_PURGE_DAYS = 36500


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
    _add_purge(subparsers)


# -- purge --------------------------------------------------------------------

def _days(text: str) -> int:
    """``--older-than``'s value: a whole number of days, 1 or more."""
    try:
        days = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a whole number of days") from None
    if not 1 <= days <= MAX_PURGE_DAYS:
        raise argparse.ArgumentTypeError(
            f"{days} is out of range: give 1 to {MAX_PURGE_DAYS} days")
    return days


def _add_purge(subparsers) -> None:  # type: ignore[no-untyped-def]
    parser = subparsers.add_parser(
        "purge", help="Delete events, ended leases and offers, finished "
                      "audits and resolved findings older than DAYS days.")
    parser.add_argument(
        "--older-than", dest="older_than", metavar="DAYS", type=_days,
        required=True, help="Delete what is older than this many days "
                            "(a whole number, 1 or more).")
    parser.add_argument(
        "--dry-run", dest="dry_run", action="store_true", default=False,
        help="Only count what would be deleted.")
    parser.set_defaults(func=_purge)


def _purge() -> None:
    logging.getLogger("alembic").setLevel(logging.WARNING)
    current, head = migration.current_revision(), migration.head_revision()
    if current != head:
        raise SystemExit(
            f"esi-leap-dbsync: the database is at revision "
            f"{current or 'none'}, not {head}; run esi-leap-dbsync upgrade "
            "before purging.")
    before = timeutils.utcnow() - datetime.timedelta(
        days=CONF.command.older_than)
    if CONF.command.dry_run:
        counts, verb = purge.count(before), "Would delete"
    else:
        counts, verb = purge.purge(before), "Deleted"
    print(f"Older than {timeutils.format_time(before)} UTC:")
    for table, rows in counts.items():
        print(f"{verb} {rows} rows from {table}")


def _print_version() -> None:
    logging.getLogger("alembic").setLevel(logging.WARNING)
    print(migration.current_revision() or "none (empty database)")


def main() -> None:
    CONF.register_cli_opt(cfg.SubCommandOpt(
        "command", title="Commands", handler=_add_commands,
        help="What to do with the database."))
    common.prepare(sys.argv[1:], description=__doc__)
    # A migration or a purge of a large database may legitimately run
    # longer than a request's statement; connecting stays bounded.
    CONF.set_override("statement_timeout", 0, group="database")
    CONF.command.func()
