"""``[api] enabled_resource_types``: only enabled node backends are used.

``dummy_node`` (ESI-Leap's JSON files) is off by default and has no default
directory; an unsafe directory or node file is refused. Offers and leases of
a type an operator disables stay readable, but nothing new may book it and
the manager leaves its open leases waiting until the type comes back.
"""

import datetime
import json
import os
import pathlib
from typing import Any

import pytest
import sqlalchemy as sa

from esi_leap.cmd import common as cmd_common
from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.db import leases as db_leases
from esi_leap.db import models
from esi_leap.drivers import resource_types
from esi_leap.manager import lifecycle
from esi_leap.manager import peer_check
from esi_leap.manager import service
from tests import helpers
from tests.conftest import ADMIN_PROJECT
from tests.conftest import LESSEE
from tests.conftest import OWNER

DUMMY = "6c2f0c66-6e1f-4b5e-9d4a-0a1b2c3d4e5f"
DEFAULT_TYPES = ["ironic_node", "standalone_node"]


def _write_node(directory: pathlib.Path, uuid: str = DUMMY,
                mode: int = 0o644) -> pathlib.Path:
    path = directory / uuid
    path.write_text(json.dumps({
        "project_owner_id": OWNER, "project_id": None, "lease_uuid": None,
        "resource_class": "fake", "properties": {},
        "power_state": "off", "provision_state": "available"}))
    path.chmod(mode)
    return path


@pytest.fixture
def nodes_dir(tmp_path: pathlib.Path) -> pathlib.Path:
    directory = tmp_path / "nodes"
    directory.mkdir(mode=0o755)
    directory.chmod(0o755)
    _write_node(directory)
    return directory


def _enable(*types: str) -> None:
    helpers.override("enabled_resource_types", list(types), group="api")


# -- start-up checks ---------------------------------------------------------

def test_dummy_node_is_off_by_default_with_no_directory(database: str
                                                         ) -> None:
    from esi_leap.conf import CONF
    assert CONF.api.enabled_resource_types == DEFAULT_TYPES
    assert CONF.dummy_node.dummy_node_dir is None
    with pytest.raises(Exception) as err:
        resource_types.get_backend("dummy_node")
    assert "dummy_node is not enabled" in str(err.value)


def test_enabling_dummy_node_without_a_directory_refuses_to_start(
        database: str) -> None:
    _enable("standalone_node", "dummy_node")
    with pytest.raises(SystemExit) as err:
        cmd_common.check_resource_types()
    assert "[dummy_node] dummy_node_dir is not set" in str(err.value)


@pytest.mark.parametrize("target,mode,fragment", [
    ("dir", 0o777, "writable by group or others (mode 0777)"),
    ("dir", 0o775, "writable by group or others (mode 0775)"),
    ("file", 0o666, "writable by group or others (mode 0666)"),
    ("file", 0o620, "writable by group or others (mode 0620)"),
])
def test_a_directory_or_node_file_others_can_write_is_refused(
        database: str, nodes_dir: pathlib.Path, target: str, mode: int,
        fragment: str) -> None:
    (nodes_dir if target == "dir" else nodes_dir / DUMMY).chmod(mode)
    _enable("standalone_node", "dummy_node")
    helpers.override("dummy_node_dir", str(nodes_dir), group="dummy_node")
    with pytest.raises(SystemExit) as err:
        cmd_common.check_resource_types()
    assert fragment in str(err.value)
    assert "refused" in str(err.value)


def test_a_directory_of_another_user_is_refused(
        database: str, nodes_dir: pathlib.Path) -> None:
    if os.geteuid() != 0:
        helpers.skip_or_fail("changing a directory's owner needs root")
    os.chown(nodes_dir, 65534, -1)
    _enable("standalone_node", "dummy_node")
    helpers.override("dummy_node_dir", str(nodes_dir), group="dummy_node")
    with pytest.raises(SystemExit) as err:
        cmd_common.check_resource_types()
    assert "belongs to user id 65534" in str(err.value)


@pytest.mark.parametrize("types,default,fragment", [
    (["standalone_node", "no_such_type"], "standalone_node",
     "lists no_such_type, which is not installed"),
    (["standalone_node"], "ironic_node",
     "default_resource_type ironic_node is not in"),
    ([], "standalone_node", "enabled_resource_types is empty"),
])
def test_bad_enabled_types_refuse_to_start(
        database: str, types: list[str], default: str,
        fragment: str) -> None:
    _enable(*types)
    helpers.override("default_resource_type", default, group="api")
    with pytest.raises(SystemExit) as err:
        cmd_common.check_resource_types()
    assert fragment in str(err.value)


def test_a_safe_directory_starts(database: str,
                                 nodes_dir: pathlib.Path) -> None:
    _enable("standalone_node", "dummy_node")
    helpers.override("dummy_node_dir", str(nodes_dir), group="dummy_node")
    cmd_common.check_resource_types()
    assert resource_types.get_backend("dummy_node").get_node(DUMMY).owner_id \
        == OWNER


def test_a_node_file_made_unsafe_after_start_is_ignored(
        client: helpers.ApiClient, nodes_dir: pathlib.Path) -> None:
    _enable("standalone_node", "dummy_node")
    helpers.override("dummy_node_dir", str(nodes_dir), group="dummy_node")
    forged = _write_node(nodes_dir, "7d3e1d77-0000-4000-8000-000000000001",
                         mode=0o666)
    res = client.as_(OWNER).post("/v1/offers", {
        "resource_type": "dummy_node", "resource_uuid": forged.name})
    assert res.status_int == 404, res.text
    ok = client.as_(OWNER).post("/v1/offers", {
        "resource_type": "dummy_node", "resource_uuid": DUMMY})
    assert ok.status_int == 201, ok.text


# -- a type that is disabled later -------------------------------------------

def _dummy_file(nodes_dir: pathlib.Path) -> dict[str, Any]:
    return dict(json.loads((nodes_dir / DUMMY).read_text()))


def _past_end(uuid: str) -> None:
    with db_api.writer() as session:
        session.execute(sa.update(models.Lease).where(
            models.Lease.uuid == uuid).values(
                end_time=timeutils.utcnow() - datetime.timedelta(seconds=1)))


@helpers.ALL_BACKENDS
def test_a_disabled_type_stays_readable_but_takes_nothing_new(
        client: helpers.ApiClient, nodes_dir: pathlib.Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    clock = helpers.Clock.installed(monkeypatch, lifecycle)
    owner, lessee = client.as_(OWNER), client.as_(LESSEE)
    admin = client.as_(ADMIN_PROJECT, "admin")
    _enable("standalone_node", "dummy_node")
    helpers.override("dummy_node_dir", str(nodes_dir), group="dummy_node")
    dummy = {"resource_type": "dummy_node", "resource_uuid": DUMMY}
    offer = owner.post("/v1/offers", dummy)
    assert offer.status_int == 201, offer.text
    lease = lessee.post(f"/v1/offers/{offer.json['uuid']}/claim", {})
    assert lease.status_int == 201, lease.text
    manager = service.Manager("m1")
    manager.reconcile()
    assert admin.get(f"/v1/leases/{lease.json['uuid']}").json[
        "status"] == "active"
    assert _dummy_file(nodes_dir)["project_id"] == LESSEE
    assert owner.get(f"/v1/nodes/{DUMMY}/ports").status_int == 200

    _enable(*DEFAULT_TYPES)  # the operator turns dummy_node off

    # Readable: shown and listed, without node details.
    shown = owner.get(f"/v1/offers/{offer.json['uuid']}")
    assert shown.status_int == 200 and shown.json["resource"] is None
    listed = owner.get(f"/v1/offers?resource_type=dummy_node"
                       f"&resource_uuid={DUMMY}").json["offers"]
    assert [o["uuid"] for o in listed] == [offer.json["uuid"]]
    assert lessee.get(f"/v1/leases/{lease.json['uuid']}").status_int == 200
    # Nothing new: offers, leases, claims, moves.
    for path, body in (("/v1/offers", dummy),
                       ("/v1/leases", {**dummy, "project_id": LESSEE})):
        res = owner.post(path, body)
        assert res.status_int == 400, res.text
        assert res.json["faultstring"] == (
            "Resource type dummy_node is not enabled on this server. "
            "Enabled types: ironic_node, standalone_node.")
    res = lessee.post(f"/v1/offers/{offer.json['uuid']}/claim", {})
    assert res.status_int == 409
    assert "resource type dummy_node, which is not enabled" in res.text
    res = owner.patch(f"/v1/leases/{lease.json['uuid']}", {
        "end_time": timeutils.format_time(
            timeutils.utcnow() + datetime.timedelta(days=2))})
    assert res.status_int == 409 and "dummy_node" in res.text
    # Port look-ups no longer fall through to dummy nodes.
    assert owner.get(f"/v1/nodes/{DUMMY}/ports").status_int == 404
    assert owner.get(f"/v1/ports?node={DUMMY}").status_int == 404
    # Unknown types are not told about dummy_node either.
    res = owner.post("/v1/offers", {**dummy, "resource_type": "bogus"})
    assert res.status_int == 400 and "dummy_node" not in res.text

    # The manager neither frees the node nor calls the lease orphaned...
    assert peer_check.check() == 0
    _past_end(lease.json["uuid"])
    manager.reconcile()
    assert db_leases.lease_get(lease.json["uuid"]).status == "wait expire"
    assert _dummy_file(nodes_dir)["project_id"] == LESSEE
    # ... until the type is enabled again: then the lease ends normally.
    _enable("standalone_node", "dummy_node")
    clock.advance(lifecycle.MAX_RETRY_DELAY)
    manager.reconcile()
    assert db_leases.lease_get(lease.json["uuid"]).status == "expired"
    assert _dummy_file(nodes_dir)["project_id"] is None
