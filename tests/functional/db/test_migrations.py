"""Migrations on a real database of every backend.

``upgrade`` builds the whole schema, is idempotent, and the schema it builds
is the one the models describe (alembic's autogenerate comparison, plus a
datetime-precision check alembic does not make).
"""

import warnings
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import postgresql

from esi_leap.db import api
from esi_leap.db import migration
from esi_leap.db import models
from esi_leap.db.types import UTCDateTime
from tests import helpers

MODEL_TABLES = frozenset(models.Base.metadata.tables)


def _datetime_differences(conn: sa.Connection,
                          metadata: sa.MetaData) -> list[tuple[Any, ...]]:
    """Datetime columns that would not hold what UTCDateTime writes.

    alembic's type comparison treats a reflected type without arguments as
    matching any arguments, so a MySQL ``DATETIME`` (seconds only) passes
    for the models' ``DATETIME(6)``: microseconds would be cut silently.
    Check the precision of every UTCDateTime column ourselves.
    """
    backend = conn.dialect.name
    inspector = sa.inspect(conn)
    found: list[tuple[Any, ...]] = []
    for table in metadata.tables.values():
        if not inspector.has_table(table.name):
            continue  # compare_metadata reports missing tables
        reflected = {c["name"]: c["type"]
                     for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if not isinstance(column.type, UTCDateTime):
                continue
            type_ = reflected.get(column.name)
            if type_ is None:
                continue  # compare_metadata reports missing columns
            if backend == "mysql":
                ok = isinstance(type_, mysql.DATETIME) and type_.fsp == 6
            elif backend == "postgresql":
                ok = (isinstance(type_, postgresql.TIMESTAMP)
                      and not type_.timezone
                      and type_.precision in (None, 6))
            else:
                ok = (isinstance(type_, sa.DateTime)
                      and not getattr(type_, "timezone", False))
            if not ok:
                found.append(("datetime_precision", table.name,
                              column.name, repr(type_)))
    return found


def _mysql_index_differences(conn: sa.Connection,
                             metadata: sa.MetaData) -> list[tuple[Any, ...]]:
    """MySQL indexes the models lack that alembic does not compare.

    alembic leaves out every non-unique MySQL index named like one of its
    columns or like a foreign key (what InnoDB calls the indexes it makes
    for FKs), so such an index that ESI-Leap 1.0's dump has and a migration
    forgot to drop would go unnoticed. Report exactly those; alembic
    reports every other index difference itself.
    """
    if conn.dialect.name != "mysql":
        return []
    inspector = sa.inspect(conn)
    found: list[tuple[Any, ...]] = []
    for table in metadata.tables.values():
        if not inspector.has_table(table.name):
            continue
        ours = {index.name for index in table.indexes}
        fk_names = {fk["name"] for fk in inspector.get_foreign_keys(
            table.name)}
        for index in inspector.get_indexes(table.name):
            name = index["name"]
            if (not index["unique"] and name not in ours
                    and (name in index["column_names"] or name in fk_names)):
                found.append(("extra_index", table.name, name))
    return found


def schema_differences(engine: sa.Engine | None = None,
                       metadata: sa.MetaData | None = None
                       ) -> list[Any]:
    """What differs between the database and the models: alembic's
    autogenerate comparison (tables, columns, types, nullability, server
    defaults, indexes, unique constraints, foreign keys) plus what it does
    not see: :func:`_datetime_differences` and
    :func:`_mysql_index_differences`. Empty when they agree."""
    engine = engine or api.get_engine()
    metadata = metadata if metadata is not None else models.Base.metadata
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True, "compare_server_default": True})
        with warnings.catch_warnings():
            # offers <-> leases reference each other; alembic sorts the
            # tables only to order its output.
            warnings.filterwarnings(
                "ignore", message="Cannot correctly sort tables",
                category=sa.exc.SAWarning)
            diffs: list[Any] = list(compare_metadata(context, metadata))
        diffs.extend(_datetime_differences(conn, metadata))
        diffs.extend(_mysql_index_differences(conn, metadata))
    return diffs


def schema_snapshot(engine: sa.Engine | None = None) -> dict[str, Any]:
    """Everything the inspector reports about every table, comparable."""
    engine = engine or api.get_engine()
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        snapshot: dict[str, Any] = {}
        for table in sorted(inspector.get_table_names()):
            snapshot[table] = {
                "columns": [
                    (c["name"], repr(c["type"]), c["nullable"],
                     c.get("default"))
                    for c in inspector.get_columns(table)],
                "pk": inspector.get_pk_constraint(table),
                "indexes": sorted(
                    (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                    for i in inspector.get_indexes(table)),
                "uniques": sorted(
                    (u["name"] or "", tuple(u["column_names"]))
                    for u in inspector.get_unique_constraints(table)),
                "fks": sorted(
                    (fk["name"] or "", tuple(fk["constrained_columns"]),
                     fk["referred_table"], tuple(fk["referred_columns"]))
                    for fk in inspector.get_foreign_keys(table)),
                "rows": conn.execute(sa.select(sa.func.count()).select_from(
                    sa.table(table))).scalar_one(),
            }
    return snapshot


def _tables() -> set[str]:
    with api.get_engine().connect() as conn:
        return set(sa.inspect(conn).get_table_names())


@helpers.ALL_BACKENDS
def test_upgrade_creates_whole_schema(fresh_database_url):
    helpers.configure(fresh_database_url)
    assert migration.current_revision() is None
    assert _tables() == set()

    migration.upgrade()

    assert migration.current_revision() == migration.head_revision()
    assert migration.head_revision() is not None
    assert _tables() == MODEL_TABLES | {"alembic_version"}
    with api.get_engine().connect() as conn:
        inspector = sa.inspect(conn)
        for name, table in models.Base.metadata.tables.items():
            columns = {c["name"] for c in inspector.get_columns(name)}
            assert columns == set(table.columns.keys()), name
        assert conn.exec_driver_sql(
            "SELECT version_num FROM alembic_version").scalars().all() == [
                migration.head_revision()]
    if fresh_database_url.startswith("mysql"):
        with api.get_engine().connect() as conn:
            engines = conn.execute(sa.text(
                "SELECT table_name, engine FROM information_schema.tables "
                "WHERE table_schema = DATABASE()")).all()
        # Booking relies on row locks: every table must be InnoDB.
        assert {e for _, e in engines} == {"InnoDB"}, engines


@helpers.ALL_BACKENDS
def test_upgrade_twice_is_a_no_op(fresh_database_url):
    helpers.configure(fresh_database_url)
    migration.upgrade()
    before = schema_snapshot()

    migration.upgrade()

    assert migration.current_revision() == migration.head_revision()
    assert schema_snapshot() == before


@helpers.ALL_BACKENDS
def test_upgrade_by_revision_reaches_the_same_schema(fresh_database_url):
    """Stopping at ESI-Leap 1.0's schema, then going on, is the same as
    going straight to head (the path an adopted database takes)."""
    helpers.configure(fresh_database_url)
    migration.upgrade(migration.ESI_LEAP_1_0)
    assert migration.current_revision() == migration.ESI_LEAP_1_0
    assert _tables() == {"offers", "leases", "events",
                         "console_auth_tokens", "alembic_version"}

    migration.upgrade()

    assert migration.current_revision() == migration.head_revision()
    assert schema_differences() == []


@helpers.ALL_BACKENDS
def test_models_and_migrations_agree(fresh_database_url):
    helpers.configure(fresh_database_url)
    migration.upgrade()

    assert schema_differences() == []


def _perturbed_metadata() -> sa.MetaData:
    """A copy of the models' metadata with one difference of each kind."""
    metadata = sa.MetaData()
    for table in models.Base.metadata.tables.values():
        table.to_metadata(metadata)
    leases = metadata.tables["leases"]
    leases.c.name.type = sa.String(35)
    leases.c.purpose.nullable = False
    events = metadata.tables["events"]
    events.indexes.discard(
        next(i for i in events.indexes if i.name == "event_time_idx"))
    offers = metadata.tables["offers"]
    offers.constraints.discard(next(
        c for c in offers.constraints
        if isinstance(c, sa.ForeignKeyConstraint)))
    metadata.tables["nodes"].append_column(sa.Column("extra", sa.Integer))
    return metadata


def _kinds(diffs: list[Any]) -> set[tuple[str, ...]]:
    """(kind, table, column-or-name) of each difference."""
    kinds = set()
    for diff in diffs:
        if isinstance(diff, list):  # column modifications come in lists
            for (kind, _, table, column, *_rest) in diff:
                kinds.add((kind, table, column))
        elif diff[0] in ("datetime_precision", "extra_index"):
            kinds.add(diff[:3])
        elif diff[0] in ("add_index", "remove_index"):
            kinds.add((diff[0], diff[1].table.name, diff[1].name))
        elif diff[0] in ("add_fk", "remove_fk"):
            kinds.add((diff[0], diff[1].parent.name,
                       ",".join(diff[1].column_keys)))
        elif diff[0] in ("add_column", "remove_column"):
            kinds.add((diff[0], diff[2], diff[3].name))
        else:
            kinds.add((diff[0],))
    return kinds


@helpers.ALL_BACKENDS
def test_comparison_sees_differences(fresh_database_url):
    """The sync check is not vacuous: types, nullability, indexes, foreign
    keys and columns that differ are all reported on every backend."""
    helpers.configure(fresh_database_url)
    migration.upgrade()

    kinds = _kinds(schema_differences(metadata=_perturbed_metadata()))

    assert kinds == {
        ("modify_type", "leases", "name"),
        ("modify_nullable", "leases", "purpose"),
        ("remove_index", "events", "event_time_idx"),
        ("remove_fk", "offers", "parent_lease_uuid"),
        ("add_column", "nodes", "extra"),
    }


@pytest.mark.parametrize("fresh_database_url", ["postgresql", "mysql"],
                         indirect=True)
def test_comparison_sees_what_alembic_misses(fresh_database_url):
    """A datetime column that cannot hold microseconds (alembic alone
    accepts MySQL DATETIME for DATETIME(6)) and, on MySQL, a left-over
    index on a foreign key's columns (alembic skips those) are reported."""
    helpers.configure(fresh_database_url)
    migration.upgrade()
    expected = {("datetime_precision", "leases", "start_time")}
    with api.get_engine().begin() as conn:
        if conn.dialect.name == "mysql":
            conn.exec_driver_sql(
                "ALTER TABLE leases MODIFY start_time DATETIME NULL")
            conn.exec_driver_sql(
                "CREATE INDEX offer_uuid ON leases (offer_uuid)")
            expected.add(("extra_index", "leases", "offer_uuid"))
        else:
            conn.exec_driver_sql(
                "ALTER TABLE leases ALTER COLUMN start_time "
                "TYPE timestamp(0) without time zone")

    assert _kinds(schema_differences()) == expected
