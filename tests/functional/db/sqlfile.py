"""Load the ESI-Leap 1.0 SQL dumps in ``tests/fixtures/esi_leap_1_0``.

Every statement in those files ends with ``;`` at the end of a line and no
line ends with ``;`` inside one (see the fixture README), so statements are
collected line by line and run with ``exec_driver_sql`` and no parameters:
``text()`` would parse ``:name`` and DB-API drivers ``%``.
"""

import pathlib
from collections.abc import Iterator

import sqlalchemy as sa

FIXTURES = (pathlib.Path(__file__).resolve().parents[2]
            / "fixtures" / "esi_leap_1_0")


def dump_path(backend: str) -> pathlib.Path:
    """The dump made by ESI-Leap 1.0 on ``backend``."""
    return FIXTURES / f"{backend}.sql"


def statements(text: str) -> Iterator[str]:
    """The statements of a dump, in order."""
    lines: list[str] = []
    for line in text.splitlines():
        if not lines and not line.strip():
            continue
        lines.append(line)
        if line.rstrip().endswith(";"):
            yield "\n".join(lines)
            lines = []
    if any(line.strip() for line in lines):
        raise ValueError(f"unterminated statement: {lines!r}")


def _skip(backend: str, statement: str) -> bool:
    # SQLite's .dump wraps the data in its own transaction; the loader
    # already runs everything in one (engine.begin()).
    return backend == "sqlite" and statement.strip().upper() in (
        "BEGIN TRANSACTION;", "COMMIT;")


def load(url: str, backend: str) -> int:
    """Load the 1.0 dump of ``backend`` into the empty database at ``url``
    in one transaction; returns how many statements ran."""
    engine = sa.create_engine(url)
    count = 0
    try:
        with engine.begin() as conn:
            if backend == "mysql":
                # The dump uses backslash escapes; make sure they are on.
                conn.exec_driver_sql("SET SESSION sql_mode = "
                                     "REPLACE(@@sql_mode, "
                                     "'NO_BACKSLASH_ESCAPES', '')")
            for statement in statements(
                    dump_path(backend).read_text(encoding="utf-8")):
                if _skip(backend, statement):
                    continue
                conn.exec_driver_sql(statement)
                count += 1
    finally:
        engine.dispose()
    return count


def exec_all(url: str, sql: list[str]) -> None:
    """Run raw statements in one transaction (used to make variants)."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            for statement in sql:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()
