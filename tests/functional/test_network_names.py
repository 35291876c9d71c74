"""Network names resolve among the networks the caller can use, its own
project's first: another project's network of the same name changes
nothing for the caller and reveals nothing."""

from typing import Any

import pytest

from tests import helpers
from tests.conftest import ADMIN_PROJECT
from tests.conftest import LESSEE
from tests.conftest import OTHER
from tests.conftest import OWNER


@pytest.fixture
def nets(client: helpers.ApiClient) -> helpers.ApiClient:
    helpers.override("vlan_ranges", ["physnet1:100:199"], group="networking")
    helpers.override("quarantine_vlans", ["physnet1:999"], group="networking")
    return client


def create(client: helpers.ApiClient, project: str, name: str,
           roles: str = "member", **body: Any) -> dict[str, Any]:
    res = client.as_(project, roles).post("/v1/networks",
                                          {"name": name, **body})
    assert res.status_int == 201, res.text
    return dict(res.json)


@helpers.ALL_BACKENDS
def test_a_same_named_network_elsewhere_changes_nothing(
        nets: helpers.ApiClient) -> None:
    mine = create(nets, OWNER, "web")
    theirs = create(nets, OTHER, "web")
    owner = nets.as_(OWNER)
    assert owner.get("/v1/networks/web").json["uuid"] == mine["uuid"]
    assert nets.as_(OTHER).get("/v1/networks/web").json["uuid"] == \
        theirs["uuid"]
    res = owner.get("/v1/networks/web/verification")
    assert res.status_int == 200, res.text
    # A project that sees neither gets 404, not 409: nothing is revealed.
    res = nets.as_(LESSEE).get("/v1/networks/web")
    assert res.status_int == 404
    assert res.json["faultstring"] == "Network web not found."
    assert owner.delete("/v1/networks/web").status_int == 204
    assert nets.as_(OTHER).get(
        f"/v1/networks/{theirs['uuid']}").status_int == 200
    assert owner.get("/v1/networks/web").status_int == 404


def test_own_networks_come_before_shared_and_public_ones(
        nets: helpers.ApiClient) -> None:
    shared = create(nets, OWNER, "common")
    nets.as_(OWNER).put(f"/v1/networks/{shared['uuid']}/access/{LESSEE}")
    public = create(nets, ADMIN_PROJECT, "common", "admin", public=True)
    lessee = nets.as_(LESSEE)
    # Two networks in the lessee's view share the name and none is its own.
    res = lessee.get("/v1/networks/common")
    assert res.status_int == 409
    assert "More than one network is named common" in res.text
    own = create(nets, LESSEE, "common")
    assert lessee.get("/v1/networks/common").json["uuid"] == own["uuid"]
    assert nets.as_(OWNER).get("/v1/networks/common").json["uuid"] == \
        shared["uuid"]
    assert nets.as_(OTHER).get("/v1/networks/common").json["uuid"] == \
        public["uuid"]


def test_two_own_networks_of_one_name_are_ambiguous(
        nets: helpers.ApiClient) -> None:
    create(nets, OWNER, "twin")
    create(nets, OWNER, "twin")
    res = nets.as_(OWNER).delete("/v1/networks/twin")
    assert res.status_int == 409 and "use its uuid" in res.text


def test_admins_resolve_their_own_project_first_then_every_network(
        nets: helpers.ApiClient) -> None:
    admin = nets.as_(ADMIN_PROJECT, "admin")
    lone = create(nets, OTHER, "lone")
    assert admin.get("/v1/networks/lone").json["uuid"] == lone["uuid"]
    create(nets, OWNER, "dup")
    create(nets, OTHER, "dup")
    assert admin.get("/v1/networks/dup").status_int == 409
    own = create(nets, ADMIN_PROJECT, "dup", "admin")
    assert admin.get("/v1/networks/dup").json["uuid"] == own["uuid"]


def test_a_uuid_of_a_network_the_caller_may_not_use_is_not_found(
        nets: helpers.ApiClient) -> None:
    theirs = create(nets, OTHER, "hidden")
    res = nets.as_(OWNER).get(f"/v1/networks/{theirs['uuid']}")
    assert res.status_int == 404
