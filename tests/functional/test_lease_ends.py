"""Force-ends, nodes in maintenance, and leases whose node or project is
gone, through the real app and manager (standalone nodes)."""

import pytest

from esi_leap.common import projects
from esi_leap.db import events as db_events
from esi_leap.db import leases as db_leases
from esi_leap.db import nodes as db_nodes
from esi_leap.manager import peer_check
from esi_leap.manager import service
from tests.conftest import ADMIN_PROJECT
from tests.conftest import LESSEE
from tests.conftest import OTHER
from tests.conftest import OWNER


def active_lease(client, node) -> str:
    lease = client.as_(OWNER).post("/v1/leases", {
        "resource_uuid": node, "project_id": LESSEE}).json
    service.Manager(host="m1").reconcile()
    assert db_leases.lease_get(lease["uuid"]).status == "active"
    return str(lease["uuid"])


def events_of(uuid: str) -> list[db_events.models.Event]:
    return [e for e in db_events.event_list(db_events.EventFilters())
            if e.object_uuid == uuid]


def test_admin_force_ends_a_lease_waiting_to_expire(client, node):
    uuid = active_lease(client, node)
    db_leases.lease_transition(uuid, ["active"], "wait expire")
    # An ordinary DELETE refuses a lease that is already ending...
    assert client.as_(OWNER).delete(f"/v1/leases/{uuid}").status_code == 409
    # ...an admin's force-end takes it.
    admin = client.as_(ADMIN_PROJECT, "admin")
    response = admin.delete(f"/v1/leases/{uuid}?force=true")
    assert response.status_code == 200, response.text
    assert db_leases.lease_get(uuid).end_request == "force"
    service.Manager(host="m1").reconcile()
    assert db_leases.lease_get(uuid).status == "deleted"
    assert db_nodes.node_get(node).lessee_id is None
    requested = [e for e in events_of(uuid)
                 if e.event_type == "esi_leap.lease.end_requested"]
    assert requested and "force-ended" in requested[0].reason


@pytest.mark.parametrize("project,roles,expected", [
    (OWNER, "member", 403), (LESSEE, "member", 403), (OTHER, "member", 404),
])
def test_only_admins_force_end(client, node, project, roles, expected):
    uuid = active_lease(client, node)
    response = client.as_(project, roles).delete(
        f"/v1/leases/{uuid}?force=true")
    assert response.status_code == expected
    assert db_leases.lease_get(uuid).status == "active"
    assert db_leases.lease_get(uuid).end_request is None


def test_force_must_be_a_boolean(client, node):
    uuid = active_lease(client, node)
    response = client.as_(ADMIN_PROJECT, "admin").delete(
        f"/v1/leases/{uuid}?force=yes")
    assert response.status_code == 400
    assert "force" in response.json["faultstring"]
    assert db_leases.lease_get(uuid).status == "active"


def test_force_end_of_an_ended_lease_is_409(client, node):
    uuid = active_lease(client, node)
    admin = client.as_(ADMIN_PROJECT, "admin")
    assert admin.delete(f"/v1/leases/{uuid}").status_code == 200
    service.Manager(host="m1").reconcile()
    assert admin.delete(f"/v1/leases/{uuid}?force=true").status_code == 409


def test_node_in_maintenance_is_not_offered_or_fulfilled(client, node):
    db_nodes.node_update(node, {"maintenance": True})
    owner = client.as_(OWNER)
    response = owner.post("/v1/offers", {"resource_uuid": node})
    assert response.status_code == 409
    assert "maintenance" in response.json["faultstring"]
    lease = owner.post("/v1/leases", {"resource_uuid": node,
                                      "project_id": LESSEE}).json
    service.Manager(host="m1").reconcile()
    assert db_leases.lease_get(lease["uuid"]).status == "wait fulfill"
    assert db_nodes.node_get(node).lessee_id is None
    db_nodes.node_update(node, {"maintenance": False})
    service.Manager(host="m2").reconcile()
    assert db_leases.lease_get(lease["uuid"]).status == "active"


def test_lease_of_a_deleted_node_ends_in_error(client, node):
    uuid = active_lease(client, node)
    db_nodes.node_delete(node)
    assert peer_check.check() == 1
    service.Manager(host="m1").reconcile()
    lease = db_leases.lease_get(uuid)
    assert lease.status == "error"
    errors = [e for e in events_of(uuid)
              if e.event_type == "esi_leap.lease.error"]
    assert errors and node in errors[0].reason
    # The ended lease holds nothing: a second check does not touch it.
    assert peer_check.check() == 0


class _Directory(projects.LocalDirectory):
    """A directory that knows which projects were deleted."""

    def __init__(self, deleted: set[str]) -> None:
        super().__init__("")
        self.deleted = deleted

    def exists(self, project_id: str) -> bool:
        return project_id not in self.deleted


def test_lease_of_a_deleted_project_ends_in_error_and_frees_the_node(
        client, node, monkeypatch):
    uuid = active_lease(client, node)
    monkeypatch.setattr(projects, "_directory", _Directory({LESSEE}))
    assert peer_check.check() == 1
    service.Manager(host="m1").reconcile()
    lease = db_leases.lease_get(uuid)
    assert lease.status == "error"
    assert f"project {LESSEE} no longer exists" in lease.end_reason
    assert db_nodes.node_get(node).lessee_id is None
    ended = [e for e in events_of(uuid)
             if e.event_type == "esi_leap.lease.delete.end"]
    assert ended and LESSEE in ended[0].reason
