"""One log line per failure burst; per-dialect timeout parameters."""

import logging
import urllib.parse

import pytest

from esi_leap.common import burstlog
from esi_leap.db import timeouts
from tests import helpers


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "t"]


def test_a_burst_is_one_line_then_summaries_then_recovery(monkeypatch,
                                                          caplog):
    caplog.set_level(logging.INFO)
    clock = helpers.Clock.installed(monkeypatch, burstlog)
    log = burstlog.BurstLog(logging.getLogger("t"), "The thing", 30)
    for _ in range(100):
        log.failed("refused")
    assert _lines(caplog) == [
        "The thing failed: refused (further failures are summarised "
        "every 30 s)"]
    clock.advance(31)
    log.failed("timed out")
    assert _lines(caplog)[-1] == (
        "The thing: 100 more failures in the last 31 s (last: timed out)")
    log.failed("timed out")
    assert len(_lines(caplog)) == 2
    log.ok()
    log.ok()
    assert _lines(caplog)[-1] == "The thing works again after 102 failures " \
                                 "over 31 s"
    assert len(_lines(caplog)) == 3 and not log.failing


def _params(url: str, given: str = "", **timeouts_: int) -> dict:
    helpers.configure(url, database__connection_parameters=given,
                      **{f"database__{k}": v for k, v in timeouts_.items()})
    from esi_leap.conf import CONF
    return urllib.parse.parse_qs(timeouts.connection_parameters(CONF))


def test_postgresql_gets_connect_and_statement_timeouts():
    params = _params("postgresql+psycopg2://u@h/db", statement_timeout=7,
                     connect_timeout=3)
    assert params == {"connect_timeout": ["3"],
                      "options": ["-c statement_timeout=7000"]}


def test_mysql_gets_socket_timeouts_a_little_longer():
    params = _params("mysql+pymysql://u@h/db", statement_timeout=7)
    assert params == {"connect_timeout": ["10"], "read_timeout": ["9"],
                      "write_timeout": ["9"], "charset": ["utf8mb4"]}


def test_the_operators_values_win():
    params = _params("mysql+pymysql://u@h/db?read_timeout=100&charset=utf8",
                     given="connect_timeout=50", statement_timeout=7)
    assert params == {"connect_timeout": ["50"], "write_timeout": ["9"]}


def test_sqlite_busy_timeout_follows_statement_timeout():
    helpers.configure("sqlite://", database__statement_timeout=4)
    from esi_leap.conf import CONF
    assert timeouts.sqlite_busy_ms(CONF) == 4000
    helpers.override("statement_timeout", 0, group="database")
    assert timeouts.sqlite_busy_ms(CONF) == 30000
    assert _params("sqlite://") == {}
