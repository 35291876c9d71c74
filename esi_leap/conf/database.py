"""The ``[database]`` group: oslo.db's options with our defaults, and the
timeouts that keep a refused or frozen database from hanging callers."""

from collections.abc import Sequence

from oslo_config import cfg
from oslo_db import options as db_options

GROUP = "database"

opts = [
    cfg.IntOpt(
        "connect_timeout", default=10, min=1,
        help="Seconds to wait for a new database connection to be "
             "established (TCP connect, TLS and log-in). PostgreSQL: libpq's "
             "``connect_timeout`` plus a client-side deadline; MySQL/MariaDB: "
             "PyMySQL's ``connect_timeout``. Ignored for SQLite. A value "
             "already in ``[database] connection``'s query string wins."),
    cfg.IntOpt(
        "statement_timeout", default=30, min=0,
        help="Seconds one SQL statement may run, or wait on a silent "
             "network, before it fails and its connection is dropped; the "
             "request then answers 503 and the manager retries on its next "
             "pass. PostgreSQL: the server's ``statement_timeout`` plus a "
             "client-side deadline 2 s later (which also catches a frozen "
             "network path); MySQL/MariaDB: PyMySQL's ``read_timeout`` and "
             "``write_timeout`` plus the server's ``max_statement_time`` "
             "(MariaDB) or ``max_execution_time`` (MySQL); SQLite: the busy "
             "timeout (how long a writer waits for the database lock). 0 "
             "means no limit (SQLite then waits 30 s). ``esi-leap-dbsync`` "
             "migrations run without it."),
    cfg.FloatOpt(
        "healthcheck_timeout", default=5.0, min=0.1,
        help="Seconds ``/healthcheck`` waits for its ``SELECT 1`` before it "
             "reports the database as unavailable (503). Checks that arrive "
             "while one ``SELECT 1`` is still waiting share it instead of "
             "starting another."),
    cfg.IntOpt(
        "retry_after", default=10, min=1,
        help="Seconds sent in the ``Retry-After`` header of the 503 answered "
             "when the database refuses connections or does not answer in "
             "time."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    db_options.set_defaults(conf)
    # oslo.db retries the first connection max_retries times, retry_interval
    # (10 s) apart, inside the first request: with the database down that
    # request would hang for 100 s. Callers retry instead (clients on 503,
    # the manager on its next pass).
    conf.set_default("max_retries", 0, group=GROUP)
    conf.register_opts(opts, group=GROUP)


def list_opts() -> list[tuple[str, Sequence[cfg.Opt]]]:
    """Our options only: the sample config takes oslo.db's from its own
    ``oslo.db`` namespace."""
    return [(GROUP, opts)]
