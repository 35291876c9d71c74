"""Shared fixtures: see :mod:`tests.helpers`."""

from collections.abc import Iterator
from typing import Any

import pytest

from tests import helpers
from tests.helpers import fresh_database_url  # noqa: F401 - a fixture

OWNER = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1"
LESSEE = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb1"
OTHER = "ccccccccccccccccccccccccccccccc1"
ADMIN_PROJECT = "ddddddddddddddddddddddddddddddd1"


@pytest.fixture
def database(fresh_database_url: str) -> Iterator[str]:  # noqa: F811
    """A migrated database, CONF pointing at it (noauth, standalone)."""
    helpers.configure(fresh_database_url, auth_strategy="noauth",
                      api__default_resource_type="standalone_node")
    from esi_leap.db import api as db_api
    from esi_leap.db import migration
    migration.upgrade()
    yield fresh_database_url
    db_api.reset()


@pytest.fixture
def app(database: str) -> Any:
    """The real WSGI application on the test database."""
    from esi_leap.api import app as api_app
    from esi_leap.conf import CONF
    return api_app.build_app(CONF)


@pytest.fixture
def client(app: Any) -> helpers.ApiClient:
    """An anonymous client; use ``client.as_(project, roles)``."""
    return helpers.ApiClient(app)


@pytest.fixture
def node(database: str) -> str:
    """A standalone node owned by OWNER; returns its uuid."""
    from esi_leap.db import nodes
    created = nodes.node_create({
        "uuid": "11111111-2222-3333-4444-555555555555", "name": "node-1",
        "resource_class": "baremetal-small", "properties": {"cores": 16},
        "owner_id": OWNER, "maintenance": False})
    return created.uuid
