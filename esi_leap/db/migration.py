"""Schema migrations with alembic, and adoption of ESI-Leap 1.0 databases.

ESI-Leap 1.0 made its ``offers`` and ``leases`` tables with ``create_all`` and
stamped its own alembic revisions. :func:`upgrade` recognises such a database,
re-stamps it at our revision that describes exactly that schema
(``esi_leap_1_0``), then migrates it forward like any other.
"""

import os

import sqlalchemy as sa
from alembic import command
from alembic import config as alembic_config
from alembic import migration
from alembic import script

from esi_leap.db import api

#: Alembic revisions ESI-Leap 1.0 wrote to ``alembic_version``.
ESI_LEAP_REVISIONS = frozenset({"a1ea63fec697", "11e06aea1af5"})
#: Our revision whose schema is ESI-Leap 1.0's.
ESI_LEAP_1_0 = "esi_leap_1_0"


def _config(connection: sa.Connection) -> alembic_config.Config:
    cfg = alembic_config.Config()
    cfg.set_main_option("script_location", os.path.join(
        os.path.dirname(__file__), "migrations"))
    cfg.attributes["connection"] = connection
    return cfg


def current_revision(engine: sa.Engine | None = None) -> str | None:
    """The revision the database is at, or None for an empty one."""
    engine = engine or api.get_engine()
    with engine.connect() as connection:
        return migration.MigrationContext.configure(
            connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision this code knows."""
    with api.get_engine().connect() as connection:
        return script.ScriptDirectory.from_config(
            _config(connection)).get_current_head()


def _is_esi_leap_1_0(connection: sa.Connection) -> bool:
    inspector = sa.inspect(connection)
    if not inspector.has_table("offers"):
        return False
    if not inspector.has_table("alembic_version"):
        return True
    current = migration.MigrationContext.configure(
        connection).get_current_revision()
    return current in ESI_LEAP_REVISIONS or current is None


def upgrade(revision: str = "head", engine: sa.Engine | None = None) -> None:
    """Migrate the database to ``revision``, adopting ESI-Leap 1.0 first."""
    engine = engine or api.get_engine()
    with engine.begin() as connection:
        cfg = _config(connection)
        if _is_esi_leap_1_0(connection):
            command.stamp(cfg, ESI_LEAP_1_0, purge=True)
        command.upgrade(cfg, revision)


def stamp(revision: str, engine: sa.Engine | None = None) -> None:
    """Mark the database as being at ``revision`` without migrating."""
    engine = engine or api.get_engine()
    with engine.begin() as connection:
        command.stamp(_config(connection), revision, purge=True)
