"""Connect and statement timeouts for each database dialect.

``[database] connect_timeout`` and ``statement_timeout`` become:

* PostgreSQL (psycopg2): libpq's ``connect_timeout`` and the server's
  ``statement_timeout`` in the connection URL, and a psycopg2 *wait
  callback* that gives every connection attempt and every statement a
  client-side deadline. Only the client can notice a frozen network path
  (a proxy or firewall that accepts and never answers: the kernel still
  acknowledges, so TCP keepalives and ``tcp_user_timeout`` see nothing).
  When the deadline passes the connection is closed, so SQLAlchemy drops it
  from the pool as disconnected.
* MySQL/MariaDB (PyMySQL): ``connect_timeout``, ``read_timeout`` and
  ``write_timeout`` socket timeouts in the URL, and the server's
  ``max_statement_time`` (MariaDB) or ``max_execution_time`` (MySQL).
  The connection also gets the ``utf8mb4`` character set: oslo.db's
  default ``utf8`` is MySQL's 3-byte ``utf8mb3``, so a 4-byte character
  (an emoji) in a look-up was an "Illegal mix of collations" error.
* SQLite: the busy timeout (see :mod:`esi_leap.db.api`).
"""

import select
import socket
import time
import urllib.parse
from typing import Any

import sqlalchemy as sa
from oslo_config import cfg

#: Seconds the client waits beyond the server's statement timeout, so that
#: the server's clean error normally comes first.
CLIENT_GRACE = 2.0
#: SQLite's busy timeout when ``statement_timeout`` is 0.
SQLITE_DEFAULT_BUSY = 30.0

#: (connect, statement) seconds for the psycopg2 wait callback; None: none.
_pg_deadlines: tuple[float, float | None] = (10.0, None)


class DeadlineExceeded(Exception):
    """Marker text of the error a client-side deadline raises."""


def connection_parameters(conf: cfg.ConfigOpts) -> str:
    """``[database] connection_parameters`` with our timeouts added (a
    parameter the operator already set in the URL or there wins)."""
    db = conf.database
    url = sa.engine.make_url(db.connection)
    given = urllib.parse.parse_qs(db.connection_parameters or "")
    present = set(url.query) | set(given)
    ours = {k: v for k, v in _dialect_parameters(url, db).items()
            if k not in present}
    extra = urllib.parse.urlencode(ours)
    return "&".join(p for p in (db.connection_parameters, extra) if p)


def _dialect_parameters(url: sa.URL, db: Any) -> dict[str, str]:
    name, statement = url.get_backend_name(), db.statement_timeout
    if name == "postgresql" and url.get_driver_name() == "psycopg2":
        params = {"connect_timeout": str(db.connect_timeout)}
        if statement:
            params["options"] = f"-c statement_timeout={statement * 1000}"
        return params
    if name == "mysql" and url.get_driver_name() == "pymysql":
        params = {"connect_timeout": str(db.connect_timeout),
                  "charset": "utf8mb4"}
        if statement:
            # The socket waits a little longer than the server's limit.
            socket_timeout = str(statement + int(CLIENT_GRACE))
            params.update(read_timeout=socket_timeout,
                          write_timeout=socket_timeout)
        return params
    return {}


def sqlite_busy_ms(conf: cfg.ConfigOpts) -> int:
    """SQLite's busy timeout in milliseconds."""
    seconds = conf.database.statement_timeout or SQLITE_DEFAULT_BUSY
    return int(seconds * 1000)


def install(engine: sa.Engine, conf: cfg.ConfigOpts) -> None:
    """Per-dialect settings that need more than URL parameters."""
    statement = conf.database.statement_timeout
    if engine.dialect.name == "mysql" and statement:
        _mysql_statement_limit(engine, statement)
    if engine.dialect.driver == "psycopg2":
        global _pg_deadlines
        _pg_deadlines = (float(conf.database.connect_timeout),
                         statement + CLIENT_GRACE if statement else None)
        import psycopg2.extensions  # type: ignore[import-untyped]
        psycopg2.extensions.set_wait_callback(_pg_wait)


def _mysql_statement_limit(engine: sa.Engine, seconds: int) -> None:
    @sa.event.listens_for(engine, "connect")
    def _limit(dbapi_con: Any, record: Any) -> None:
        cursor = dbapi_con.cursor()
        if "mariadb" in dbapi_con.get_server_info().lower():
            cursor.execute(f"SET SESSION max_statement_time = {seconds}")
        else:
            milliseconds = seconds * 1000
            cursor.execute(
                f"SET SESSION max_execution_time = {milliseconds}")
        cursor.close()


def _pg_budget(conn: Any) -> float | None:
    import psycopg2.extensions  # type: ignore[import-untyped]
    connect, statement = _pg_deadlines
    return connect if conn.status == psycopg2.extensions.STATUS_SETUP \
        else statement


def _break(conn: Any) -> None:
    """Shut the connection's socket down (``close()`` would wait for the
    query in progress) and let psycopg2 notice, so that it marks the
    connection broken and SQLAlchemy drops it from the pool."""
    try:
        with socket.fromfd(conn.fileno(), socket.AF_INET,
                           socket.SOCK_STREAM) as sock:
            sock.shutdown(socket.SHUT_RDWR)
        conn.poll()
    except Exception:  # noqa: BLE001 - it is meant to fail
        pass


def _pg_wait(conn: Any) -> None:
    """psycopg2's wait callback: poll the connection until it is done or
    its deadline passes (then close it and raise OperationalError)."""
    import psycopg2  # type: ignore[import-untyped]
    import psycopg2.extensions as ext  # type: ignore[import-untyped]
    budget = _pg_budget(conn)
    deadline = None if budget is None else time.monotonic() + budget
    while True:
        state = conn.poll()
        if state == ext.POLL_OK:
            return
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            _break(conn)
            raise psycopg2.OperationalError(
                f"{DeadlineExceeded.__name__}: the database did not answer "
                f"within {budget:.0f} s")
        if state not in (ext.POLL_READ, ext.POLL_WRITE):
            raise psycopg2.OperationalError(f"bad poll state {state!r}")
        poller = select.poll()
        poller.register(conn.fileno(), select.POLLIN if state == ext.POLL_READ
                        else select.POLLOUT)
        poller.poll(None if remaining is None else remaining * 1000)
