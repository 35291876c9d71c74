"""Adopting databases made by the real ESI-Leap 1.0.

Each test loads a dump made by ESI-Leap 1.0 (``tests/fixtures/esi_leap_1_0``,
see its README) into a fresh database of the dump's backend and runs our
``upgrade`` (or the ``esi-leap-dbsync`` console script) on it.
"""

import datetime
import json
import os
import pathlib
import shutil
import subprocess
import sys
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from esi_leap.common import timeutils
from esi_leap.db import api
from esi_leap.db import events
from esi_leap.db import leases
from esi_leap.db import migration
from esi_leap.db import offers
from tests import helpers
from tests.functional.db import sqlfile
from tests.functional.db.test_migrations import schema_differences
from tests.functional.db.test_migrations import schema_snapshot

OWNER = "0a1b2c3d4e5f40718293a4b5c6d7e8f9"
LESSEE = "1b2c3d4e5f60418293a4b5c6d7e8f90a"
SUBLESSEE = "2c3d4e5f6071429384a5b6c7d8e9f0a1"
NODE1 = "aaaaaaaa-1111-4aaa-8aaa-aaaaaaaaaaa1"
NODE2 = "aaaaaaaa-2222-4aaa-8aaa-aaaaaaaaaaa2"
NODE3 = "aaaaaaaa-3333-4aaa-8aaa-aaaaaaaaaaa3"
OFFER1 = "11111111-1111-4111-8111-111111111111"
OFFER2 = "22222222-2222-4222-8222-222222222222"
OFFER3 = "33333333-3333-4333-8333-333333333333"
OFFER4 = "44444444-4444-4444-8444-444444444444"
LEASE1 = "aaaa0001-0000-4000-8000-000000000001"
LEASE2 = "aaaa0002-0000-4000-8000-000000000002"
LEASE3 = "aaaa0003-0000-4000-8000-000000000003"
LEASE4 = "aaaa0004-0000-4000-8000-000000000004"
OFFER1_PROPERTIES = ('{"cpu_arch": "x86_64", "memory_mb": 65536, '
                     '"traits": ["CUSTOM_GPU", "CUSTOM_NVME"], '
                     '"note": "caf\\u00e9 \'quoted\'"}')
TOKEN_HASH = ("9b26fd4fca5ff0754d778e646ed10ead"
              "356c944f9239df9d82ffef482c955f78")


def T(text: str) -> datetime.datetime:
    """A naive UTC time as ESI-Leap 1.0 stored it."""
    return datetime.datetime.fromisoformat(text)


# Every row of the dumps, as the fixture README lists them (values written
# out here, not read from the dumps, so that the loader is checked too).
EXPECTED: dict[str, list[dict[str, Any]]] = {
    "offers": [
        dict(created_at=T("2024-01-01 00:00:00.000001"), updated_at=None,
             id=1, uuid=OFFER1, name="offer-available", project_id=OWNER,
             lessee_id=LESSEE, resource_type="ironic_node",
             resource_uuid=NODE1, start_time=T("2024-01-01 00:00:00"),
             end_time=T("9999-12-31 23:59:59.999999"), status="available",
             properties=OFFER1_PROPERTIES, parent_lease_uuid=None),
        dict(created_at=T("2024-01-15 10:00:00.123456"),
             updated_at=T("2024-01-20 10:00:00.654321"),
             id=2, uuid=OFFER2, name="offer-deleted", project_id=OWNER,
             lessee_id=None, resource_type="ironic_node",
             resource_uuid=NODE2, start_time=T("2024-02-01 09:00:00.5"),
             end_time=T("2024-03-01 09:00:00.5"), status="deleted",
             properties="{}", parent_lease_uuid=None),
        dict(created_at=T("2023-05-30 12:00:00"),
             updated_at=T("2024-01-01 00:00:01.000005"),
             id=3, uuid=OFFER3, name=None, project_id=OWNER,
             lessee_id=None, resource_type="ironic_node",
             resource_uuid=NODE3, start_time=T("2023-06-01 00:00:00"),
             end_time=T("2023-12-31 23:59:59.999999"), status="expired",
             properties="{}", parent_lease_uuid=None),
        dict(created_at=T("2024-06-20 14:00:00.999999"), updated_at=None,
             id=4, uuid=OFFER4, name="offer-child", project_id=LESSEE,
             lessee_id=None, resource_type="ironic_node",
             resource_uuid=NODE1, start_time=T("2024-07-01 00:00:00"),
             end_time=T("2025-01-01 00:00:00"), status="available",
             properties="{}", parent_lease_uuid=LEASE2),
    ],
    "leases": [
        dict(created_at=T("2024-05-01 08:00:00.111111"), updated_at=None,
             id=1, uuid=LEASE1, name="lease-created", project_id=LESSEE,
             owner_id=OWNER, purpose="CI burst capacity",
             resource_type="ironic_node", resource_uuid=NODE1,
             start_time=T("2030-01-01 12:00:00.123456"),
             end_time=T("2030-02-01 12:00:00.654321"),
             fulfill_time=None, expire_time=None, status="created",
             properties="{}", offer_uuid=OFFER1, parent_lease_uuid=None),
        dict(created_at=T("2024-05-31 17:45:12.345678"),
             updated_at=T("2024-06-01 08:30:05.500123"),
             id=2, uuid=LEASE2, name="lease-active", project_id=LESSEE,
             owner_id=OWNER, purpose=None,
             resource_type="ironic_node", resource_uuid=NODE1,
             start_time=T("2024-06-01 08:30:00.25"),
             end_time=T("2029-06-01 08:30:00.25"),
             fulfill_time=T("2024-06-01 08:30:05.500123"),
             expire_time=None, status="active",
             properties='{"purpose_code": 7}', offer_uuid=OFFER1,
             parent_lease_uuid=None),
        dict(created_at=T("2023-06-30 23:00:00"),
             updated_at=T("2023-08-01 00:00:03.000007"),
             id=3, uuid=LEASE3, name="lease-expired", project_id=LESSEE,
             owner_id=OWNER, purpose=None,
             resource_type="ironic_node", resource_uuid=NODE3,
             start_time=T("2023-07-01 00:00:00.000001"),
             end_time=T("2023-08-01 00:00:00.999999"),
             fulfill_time=T("2023-07-01 00:00:02.000042"),
             expire_time=T("2023-08-01 00:00:03.000007"), status="expired",
             properties="{}", offer_uuid=OFFER3, parent_lease_uuid=None),
        dict(created_at=T("2024-06-30 22:00:00.000001"),
             updated_at=T("2025-01-01 00:00:01.000002"),
             id=4, uuid=LEASE4, name="lease-wait-expire",
             project_id=SUBLESSEE, owner_id=LESSEE, purpose=None,
             resource_type="ironic_node", resource_uuid=NODE1,
             start_time=T("2024-07-01 00:00:00.00001"),
             end_time=T("2025-01-01 00:00:00.00002"),
             fulfill_time=T("2024-07-01 00:00:04.00003"),
             expire_time=None, status="wait expire",
             properties="{}", offer_uuid=OFFER4, parent_lease_uuid=LEASE2),
    ],
    "events": [
        dict(created_at=T("2024-01-01 00:00:00.000003"), updated_at=None,
             id=1, event_type="esi_leap.offer.create.end",
             event_time=T("2024-01-01 00:00:00.000002"),
             object_type="offer", object_uuid=OFFER1,
             resource_type="ironic_node", resource_uuid=NODE1,
             lessee_id=LESSEE, owner_id=OWNER),
        dict(created_at=T("2024-06-01 08:30:05.600001"), updated_at=None,
             id=2, event_type="esi_leap.lease.fulfill.end",
             event_time=T("2024-06-01 08:30:05.6"),
             object_type="lease", object_uuid=LEASE2,
             resource_type="ironic_node", resource_uuid=NODE1,
             lessee_id=LESSEE, owner_id=OWNER),
        dict(created_at=T("2023-08-01 00:00:03.000009"), updated_at=None,
             id=3, event_type="esi_leap.lease.expire.end",
             event_time=T("2023-08-01 00:00:03.000008"),
             object_type="lease", object_uuid=LEASE3,
             resource_type="ironic_node", resource_uuid=NODE3,
             lessee_id=LESSEE, owner_id=OWNER),
    ],
    "console_auth_tokens": [
        dict(created_at=T("2024-06-02 09:00:00.000077"), updated_at=None,
             id=1, node_uuid=NODE1, token_hash=TOKEN_HASH,
             expires=1893456000),
    ],
}
#: Columns esi-leap added to ESI-Leap 1.0's tables, all NULL when adopted.
NEW_COLUMNS = {
    "offers": set(),
    "leases": {"reserved_by", "reserved_at", "expiry_notice_time",
               "end_request", "end_reason"},
    "events": {"reason"},
    "console_auth_tokens": set(),
}
#: Tables esi-leap added, empty when adopted.
NEW_TABLES = {"nodes", "resource_guards", "switches", "ports", "networks",
              "audits", "findings", "managers",
              "network_access", "port_attachments", "network_actions"}


def _backend(url: str) -> str:
    return url.split(":", 1)[0].split("+", 1)[0]


def _dump_counts(backend: str) -> dict[str, int]:
    """Rows per table, counted in the dump's INSERT statements."""
    counts = dict.fromkeys(EXPECTED, 0)
    counts["alembic_version"] = 0
    for statement in sqlfile.statements(
            sqlfile.dump_path(backend).read_text(encoding="utf-8")):
        words = statement.split(None, 3)
        if words[:2] == ["INSERT", "INTO"]:
            table = words[2].strip("`").removeprefix("public.")
            counts[table] += 1
    return counts


def _counts(conn: sa.Connection) -> dict[str, int]:
    """Rows in every table there is."""
    return {table: conn.execute(sa.select(sa.func.count()).select_from(
        sa.table(table))).scalar_one()
        for table in sa.inspect(conn).get_table_names()}


def _raw_rows(conn: sa.Connection, table: str) -> list[dict[str, Any]]:
    """Rows as stored, through a reflected table (naive datetimes, JSON
    text), not through our models."""
    reflected = sa.Table(table, sa.MetaData(), autoload_with=conn)
    return [dict(row._mapping) for row in conn.execute(
        sa.select(reflected).order_by(reflected.c.id))]


def _load(url: str) -> str:
    backend = _backend(url)
    sqlfile.load(url, backend)
    helpers.configure(url)
    return backend


def _assert_adopted(backend: str) -> None:
    """The checks every adopted database must pass."""
    assert migration.current_revision() == migration.head_revision()
    with api.get_engine().connect() as conn:
        counts = _counts(conn)
        assert counts == {**_dump_counts(backend),
                          **dict.fromkeys(NEW_TABLES, 0)}
        assert counts == {"offers": 4, "leases": 4, "events": 3,
                          "console_auth_tokens": 1, "alembic_version": 1,
                          **dict.fromkeys(NEW_TABLES, 0)}
        for table, expected in EXPECTED.items():
            rows = _raw_rows(conn, table)
            assert set(rows[0]) == set(expected[0]) | NEW_COLUMNS[table]
            for row, want in zip(rows, expected, strict=True):
                assert {k: v for k, v in row.items()
                        if k not in NEW_COLUMNS[table]} == want
                assert {k: row[k] for k in NEW_COLUMNS[table]} == \
                    dict.fromkeys(NEW_COLUMNS[table])
    assert schema_differences() == []


def _assert_usable() -> None:
    """Our own queries read the adopted rows, and writes still work."""
    utc = timeutils.UTC
    offer = offers.offer_get(OFFER1)
    assert offer is not None
    assert offer.id == 1 and offer.status == "available"
    assert offer.end_time == timeutils.END_OF_TIME
    assert offer.end_time.tzinfo is utc
    assert offer.start_time == datetime.datetime(2024, 1, 1, tzinfo=utc)
    assert offer.properties == json.loads(OFFER1_PROPERTIES)
    assert offer.properties["note"] == "caf\u00e9 'quoted'"
    nameless = offers.offer_get(OFFER3)
    assert nameless is not None
    assert nameless.name is None and nameless.properties == {}
    child = offers.offer_get(OFFER4)
    assert child is not None and child.parent_lease_uuid == LEASE2

    lease = leases.lease_get(LEASE4)
    assert lease is not None
    assert lease.status == "wait expire"
    assert lease.offer_uuid == OFFER4 and lease.parent_lease_uuid == LEASE2
    assert lease.project_id == SUBLESSEE and lease.owner_id == LESSEE
    assert lease.start_time == datetime.datetime(
        2024, 7, 1, 0, 0, 0, 10, tzinfo=utc)
    assert lease.end_time == datetime.datetime(
        2025, 1, 1, 0, 0, 0, 20, tzinfo=utc)
    assert lease.fulfill_time == datetime.datetime(
        2024, 7, 1, 0, 0, 4, 30, tzinfo=utc)
    assert lease.expire_time is None and lease.properties == {}
    assert lease.reserved_by is None and lease.expiry_notice_time is None
    active = leases.lease_get(LEASE2)
    assert active is not None
    assert active.properties == {"purpose_code": 7}
    assert active.created_at == datetime.datetime(
        2024, 5, 31, 17, 45, 12, 345678, tzinfo=utc)
    sub_leases, sub_offers = leases.children(LEASE2)
    assert [x.uuid for x in sub_leases] == [LEASE4]
    assert [x.uuid for x in sub_offers] == [OFFER4]

    listed = events.event_list(events.EventFilters())
    assert [e.id for e in listed] == [1, 2, 3]
    assert [e.event_time for e in listed] == [
        datetime.datetime(2024, 1, 1, 0, 0, 0, 2, tzinfo=utc),
        datetime.datetime(2024, 6, 1, 8, 30, 5, 600000, tzinfo=utc),
        datetime.datetime(2023, 8, 1, 0, 0, 3, 8, tzinfo=utc)]
    assert all(e.event_time.tzinfo is utc and e.reason is None
               for e in listed)
    assert [e.id for e in events.event_list(
        events.EventFilters(last_event_id=1, resource_uuid=NODE1))] == [2]

    # Writes: ids continue after 1.0's (sequences / AUTO_INCREMENT kept),
    # the new columns take values.
    created = events.event_create({
        "event_type": "esi_leap.lease.expire.end", "object_type": "lease",
        "object_uuid": LEASE4, "resource_type": "ironic_node",
        "resource_uuid": NODE1, "lessee_id": SUBLESSEE, "owner_id": LESSEE,
        "reason": "adopted"})
    assert created.id == 4
    now = timeutils.utcnow()
    reserved = leases.reserve(LEASE4, "manager-1", now,
                              datetime.timedelta(minutes=5), ["wait expire"])
    assert reserved is not None
    assert reserved.reserved_by == "manager-1"
    assert reserved.reserved_at == now
    assert leases.mark_expiry_notice(LEASE2, active.end_time)
    again = leases.lease_get(LEASE2)
    assert again is not None and again.expiry_notice_time == active.end_time


@helpers.ALL_BACKENDS
def test_dump_loads_as_esi_leap_1_0_left_it(fresh_database_url):
    """The loader gives ESI-Leap 1.0's rows and revision (before upgrade)."""
    backend = _load(fresh_database_url)
    with api.get_engine().connect() as conn:
        assert _counts(conn) == _dump_counts(backend)
        for table, expected in EXPECTED.items():
            assert _raw_rows(conn, table) == expected
    assert migration.current_revision() == "11e06aea1af5"


@helpers.ALL_BACKENDS
def test_adopt_esi_leap_1_0(fresh_database_url):
    backend = _load(fresh_database_url)

    migration.upgrade()

    _assert_adopted(backend)
    before = schema_snapshot()
    migration.upgrade()
    assert schema_snapshot() == before
    _assert_adopted(backend)


@helpers.ALL_BACKENDS
def test_adopted_rows_are_usable(fresh_database_url):
    _load(fresh_database_url)
    migration.upgrade()

    _assert_usable()


def _rebuild_as_esi_leap_alembic_made_them(url: str) -> None:
    """Turn a loaded dump into the README's variant: ESI-Leap 1.0's own
    ``esi-leap-dbsync upgrade`` made ``events`` and ``console_auth_tokens``
    (from its migrations a1ea63fec697 and 11e06aea1af5) before
    ``create_schema`` added the rest. The tables are re-made exactly as
    those migrations define them (other string lengths, ``created_at`` /
    ``updated_at`` last, no ``event_time_idx``) and the rows copied over."""
    time = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql")
    metadata = sa.MetaData()
    sa.Table(
        "events", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_type", sa.String(255), nullable=False),
        sa.Column("event_time", time, nullable=False),
        sa.Column("object_type", sa.String(255)),
        sa.Column("object_uuid", sa.String(36)),
        sa.Column("resource_type", sa.String(255)),
        sa.Column("resource_uuid", sa.String(36)),
        sa.Column("lessee_id", sa.String(36)),
        sa.Column("owner_id", sa.String(36)),
        sa.Column("created_at", time),
        sa.Column("updated_at", time),
        sa.Index("event_type_idx", "event_type"),
        sa.Index("event_lessee_id_idx", "lessee_id"),
        sa.Index("event_owner_id_idx", "owner_id"),
        sa.Index("event_resource_idx", "resource_type", "resource_uuid"))
    sa.Table(
        "console_auth_tokens", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("node_uuid", sa.String(36), nullable=False),
        sa.Column("token_hash", sa.String(255), nullable=False),
        sa.Column("expires", sa.Integer, nullable=False),
        sa.Column("created_at", time),
        sa.Column("updated_at", time),
        sa.Index("console_auth_tokens_node_uuid_idx", "node_uuid"))
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            rows = {name: _raw_rows(conn, name) for name in metadata.tables}
            for name in metadata.tables:
                conn.exec_driver_sql(f"DROP TABLE {name}")
            metadata.create_all(conn)
            for name, table in metadata.tables.items():
                conn.execute(table.insert(), rows[name])
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql(
                        f"SELECT setval('{name}_id_seq', "
                        f"(SELECT max(id) FROM {name}))")
    finally:
        engine.dispose()


@helpers.ALL_BACKENDS
def test_adopt_esi_leap_1_0_made_by_its_alembic_upgrade(fresh_database_url):
    backend = _load(fresh_database_url)
    _rebuild_as_esi_leap_alembic_made_them(fresh_database_url)
    with api.get_engine().connect() as conn:
        inspector = sa.inspect(conn)
        columns = [c["name"] for c in inspector.get_columns("events")]
        assert columns[-2:] == ["created_at", "updated_at"]
        assert "event_time_idx" not in {
            i["name"] for i in inspector.get_indexes("events")}
        for table in ("events", "console_auth_tokens"):
            assert _raw_rows(conn, table) == EXPECTED[table]

    migration.upgrade()

    _assert_adopted(backend)
    with api.get_engine().connect() as conn:
        assert "event_time_idx" in {
            i["name"] for i in sa.inspect(conn).get_indexes("events")}
    _assert_usable()


@helpers.ALL_BACKENDS
def test_adopt_database_made_only_by_esi_leap_migrations(fresh_database_url):
    """ESI-Leap 1.0's ``upgrade`` alone made events and console tokens but
    no offers or leases; we build the rest and keep their rows."""
    backend = _load(fresh_database_url)
    _rebuild_as_esi_leap_alembic_made_them(fresh_database_url)
    drop = {"postgresql": ["DROP TABLE leases, offers CASCADE"],
            "mysql": ["SET FOREIGN_KEY_CHECKS=0", "DROP TABLE leases",
                      "DROP TABLE offers", "SET FOREIGN_KEY_CHECKS=1"],
            "sqlite": ["DROP TABLE leases", "DROP TABLE offers"]}
    sqlfile.exec_all(fresh_database_url, drop[backend])

    migration.upgrade()

    assert migration.current_revision() == migration.head_revision()
    with api.get_engine().connect() as conn:
        adopted = _raw_rows(conn, "events")
        assert [row.pop("reason") for row in adopted] == [None] * 3
        assert adopted == EXPECTED["events"]
        assert _raw_rows(conn, "console_auth_tokens") == \
            EXPECTED["console_auth_tokens"]
        assert _counts(conn)["offers"] == 0
    assert schema_differences() == []


@pytest.mark.parametrize("fresh_database_url", ["mysql"], indirect=True)
def test_adopt_mysql_with_the_other_foreign_key_names(fresh_database_url):
    """ESI-Leap 1.0 on MySQL names the two leases FKs ``leases_ibfk_1`` /
    ``_2`` in either order (README); the dump has one order, try the
    other."""
    backend = _load(fresh_database_url)
    sqlfile.exec_all(fresh_database_url, [
        "ALTER TABLE leases DROP FOREIGN KEY leases_ibfk_1, "
        "DROP FOREIGN KEY leases_ibfk_2",
        "ALTER TABLE leases "
        "ADD CONSTRAINT leases_ibfk_1 FOREIGN KEY (parent_lease_uuid) "
        "REFERENCES leases (uuid), "
        "ADD CONSTRAINT leases_ibfk_2 FOREIGN KEY (offer_uuid) "
        "REFERENCES offers (uuid)",
    ])

    migration.upgrade()

    _assert_adopted(backend)
    _assert_usable()


def _signature(conn: sa.Connection) -> dict[str, Any]:
    """The schema, without what only names it differently per creator:
    FK names, and the indexes MySQL made by itself for foreign keys."""
    inspector = sa.inspect(conn)
    signature: dict[str, Any] = {}
    for table in sorted(set(inspector.get_table_names())
                        - {"alembic_version"}):
        fks = inspector.get_foreign_keys(table)
        implicit = {fk["name"] for fk in fks} | {
            c for fk in fks for c in fk["constrained_columns"]}
        signature[table] = {
            "columns": sorted(
                (c["name"], repr(c["type"]), c["nullable"])
                for c in inspector.get_columns(table)),
            "pk": inspector.get_pk_constraint(table)["constrained_columns"],
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(table)
                if not (conn.dialect.name == "mysql"
                        and i["name"] in implicit and not i["unique"])),
            "uniques": sorted(
                tuple(u["column_names"])
                for u in inspector.get_unique_constraints(table)),
            "fks": sorted(
                (tuple(fk["constrained_columns"]), fk["referred_table"],
                 tuple(fk["referred_columns"])) for fk in fks),
        }
    return signature


@helpers.ALL_BACKENDS
def test_our_esi_leap_1_0_revision_is_the_dumps_schema(fresh_database_url):
    """Our revision ``esi_leap_1_0`` builds what ESI-Leap 1.0 built, so an
    adopted database and a new one are migrated from the same schema."""
    backend = _backend(fresh_database_url)
    helpers.configure(fresh_database_url)
    migration.upgrade(migration.ESI_LEAP_1_0)
    with api.get_engine().connect() as conn:
        ours = _signature(conn)
    api.reset()
    with api.get_engine().begin() as conn:
        for table in ("console_auth_tokens", "events"):
            conn.exec_driver_sql(f"DROP TABLE {table}")
        if backend == "postgresql":
            conn.exec_driver_sql("DROP TABLE leases, offers CASCADE")
        else:
            if backend == "mysql":
                conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS=0")
            conn.exec_driver_sql("DROP TABLE leases")
            conn.exec_driver_sql("DROP TABLE offers")
            if backend == "mysql":
                conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS=1")
        conn.exec_driver_sql("DROP TABLE alembic_version")
    api.reset()

    sqlfile.load(fresh_database_url, backend)

    with api.get_engine().connect() as conn:
        assert _signature(conn) == ours


def _dbsync(conf: pathlib.Path, *args: str) -> subprocess.CompletedProcess:
    script = (shutil.which("esi-leap-dbsync",
                           path=os.path.dirname(sys.executable))
              or shutil.which("esi-leap-dbsync"))
    assert script, "the esi-leap-dbsync console script is not installed"
    return subprocess.run([script, "--config-file", str(conf), *args],
                          capture_output=True, text=True, timeout=120,
                          check=False)


def _sqlite_from_dump(tmp_path: pathlib.Path) -> tuple[str, pathlib.Path]:
    url = f"sqlite:///{tmp_path}/esi-leap-1.0.sqlite"
    sqlfile.load(url, "sqlite")
    conf = tmp_path / "esi-leap.conf"
    conf.write_text(f"[database]\nconnection = {url}\n")
    return url, conf


def test_dbsync_upgrade_adopts_esi_leap_1_0(tmp_path):
    url, conf = _sqlite_from_dump(tmp_path)
    helpers.configure(url)

    assert migration.current_revision() == "11e06aea1af5"
    api.reset()  # no connection of ours open while the command runs

    done = _dbsync(conf, "upgrade")
    assert done.returncode == 0, done.stderr

    done = _dbsync(conf, "version")
    assert done.returncode == 0, done.stderr
    # oslo.log writes alembic's INFO lines to stdout too; the revision is
    # printed last.
    assert done.stdout.splitlines()[-1] == migration.head_revision()
    _assert_adopted("sqlite")
    _assert_usable()


def test_dbsync_create_schema_adopts_esi_leap_1_0(tmp_path):
    """``create_schema`` (ESI-Leap's command) is an alias of upgrade."""
    url, conf = _sqlite_from_dump(tmp_path)
    helpers.configure(url)

    done = _dbsync(conf, "create_schema")
    assert done.returncode == 0, done.stderr

    done = _dbsync(conf, "version")
    assert done.returncode == 0, done.stderr
    # oslo.log writes alembic's INFO lines to stdout too; the revision is
    # printed last.
    assert done.stdout.splitlines()[-1] == migration.head_revision()
    _assert_adopted("sqlite")
