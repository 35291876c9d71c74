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


def _esi_leap_1_0_state(connection: sa.Connection) -> str | None:
    """``complete`` for a database ESI-Leap 1.0's ``create_schema`` made,
    ``partial`` for one only its migrations made (events and console tokens,
    no offers), None for anything else."""
    inspector = sa.inspect(connection)
    current = (migration.MigrationContext.configure(
        connection).get_current_revision()
        if inspector.has_table("alembic_version") else None)
    if inspector.has_table("offers"):
        is_old = current is None or current in ESI_LEAP_REVISIONS
        return "complete" if is_old else None
    return "partial" if current in ESI_LEAP_REVISIONS else None


def upgrade(revision: str = "head", engine: sa.Engine | None = None) -> None:
    """Migrate the database to ``revision``, adopting ESI-Leap 1.0 first."""
    engine = engine or api.get_engine()
    with engine.begin() as connection:
        cfg = _config(connection)
        state = _esi_leap_1_0_state(connection)
        if state == "complete":
            command.stamp(cfg, ESI_LEAP_1_0, purge=True)
        elif state == "partial":
            command.stamp(cfg, "base", purge=True)
        command.upgrade(cfg, revision)


def stamp(revision: str, engine: sa.Engine | None = None) -> None:
    """Mark the database as being at ``revision`` without migrating."""
    engine = engine or api.get_engine()
    with engine.begin() as connection:
        command.stamp(_config(connection), revision, purge=True)
