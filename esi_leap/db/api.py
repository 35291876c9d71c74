"""Engine and session handling on oslo.db's enginefacade.

Call :func:`writer` or :func:`reader` for a session bound to one
transaction. :func:`retry_on_contention` retries a whole writer function when
the database reports a deadlock (MySQL) or a busy lock (SQLite).
"""

import contextlib
import threading
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any
from typing import TypeVar

import sqlalchemy as sa
from oslo_config import cfg
from oslo_db import api as oslo_db_api
from oslo_db import exception as db_exc
from oslo_db import options as db_options
from oslo_db.sqlalchemy import enginefacade
from sqlalchemy import orm

from esi_leap.conf import CONF
from esi_leap.db import faults
from esi_leap.db import timeouts

F = TypeVar("F", bound=Callable[..., Any])

_lock = threading.Lock()
_txn: Any = None


@enginefacade.transaction_context_provider
class _DBContext:
    """A holder enginefacade attaches one transaction to."""


def _configure_connection(engine: sa.Engine,
                          conf: cfg.ConfigOpts = CONF) -> None:
    """Per-connection settings that make our guarded writes correct."""
    timeouts.install(engine, conf)

    @sa.event.listens_for(engine, "checkout")
    def _checked_out(dbapi_con: Any, record: Any, proxy: Any) -> None:
        # After the pool's pre-ping: the database answers.
        faults.DATABASE.ok()

    if engine.dialect.name == "sqlite":
        busy_ms = timeouts.sqlite_busy_ms(conf)
        is_file = engine.url.database not in (None, "", ":memory:")

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_con: Any, record: Any) -> None:
            cursor = dbapi_con.cursor()
            cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
            if is_file:
                # WAL lets readers run beside the writer; NORMAL syncs at
                # checkpoints, not at every commit (safe against crashes
                # of the process; a power cut may lose the last commits).
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.close()
        if is_file:
            _keep_sqlite_connections(engine)
    elif engine.dialect.name == "mysql":
        @sa.event.listens_for(engine, "connect")
        def _mysql_read_committed(dbapi_con: Any, record: Any) -> None:
            # Conflict checks must see rows committed by the writer that
            # held the resource guard before us, not a snapshot taken
            # earlier in the transaction.
            cursor = dbapi_con.cursor()
            cursor.execute(
                "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
            cursor.close()


def _keep_sqlite_connections(engine: sa.Engine) -> None:
    """Pool SQLite file connections instead of oslo.db's ``NullPool``.

    With ``NullPool`` every transaction opens the file, runs the PRAGMAs and
    closes it again, and the last close checkpoints the WAL: about half of
    the cost of a small write. The listeners registered on the old pool are
    kept.
    """
    old: Any = engine.pool
    engine.pool = sa.pool.QueuePool(
        old._creator, pool_size=20, max_overflow=20, recycle=-1,
        pre_ping=False, reset_on_return=old._reset_on_return,
        _dispatch=old.dispatch, dialect=old._dialect)
    old.dispose()


def _get_txn(conf: cfg.ConfigOpts = CONF) -> Any:
    global _txn
    with _lock:
        if _txn is None:
            txn = enginefacade.transaction_context()
            # thread_checkin yields the thread at every connection check-in,
            # for eventlet; esi-leap uses real threads.
            options = {opt.dest: conf.database[opt.dest]
                       for opt in db_options.database_opts}
            options["connection_parameters"] = (
                timeouts.connection_parameters(conf))
            txn.configure(thread_checkin=False, **options)
            _configure_connection(txn.writer.get_engine(), conf)
            _txn = txn
        return _txn


def get_engine() -> sa.Engine:
    """The writer engine for ``[database] connection``."""
    engine: sa.Engine = _get_txn().writer.get_engine()
    return engine


def reset() -> None:
    """Forget the engine (tests and forked workers call this)."""
    global _txn
    with _lock:
        if _txn is not None:
            try:
                _txn.writer.get_engine().dispose()
            except Exception:  # noqa: BLE001 - best effort on shutdown
                pass
        _txn = None
        faults.DATABASE.reset()


@contextlib.contextmanager
def writer() -> Iterator[orm.Session]:
    """A session in a read-write transaction, committed on success."""
    with _get_txn().writer.using(_DBContext()) as session:
        yield session


@contextlib.contextmanager
def reader() -> Iterator[orm.Session]:
    """A session in a read-only transaction."""
    with _get_txn().reader.using(_DBContext()) as session:
        yield session


class RetryTransaction(Exception):
    """Raised inside a transaction to have it run again from the start."""


def _is_contention(exc: BaseException) -> bool:
    if isinstance(exc, (db_exc.DBDeadlock, RetryTransaction)):
        return True
    return "database is locked" in str(exc)


def retry_on_contention(fn: F) -> F:
    """Retry ``fn`` (a whole transaction) on deadlock or a busy database."""
    wrapped: F = oslo_db_api.wrap_db_retry(
        max_retries=20, retry_interval=0.05, max_retry_interval=1,
        inc_retry_interval=True, retry_on_deadlock=True,
        exception_checker=_is_contention)(fn)
    return wrapped
