"""``/v1/networks``: VLAN pools, who sees and uses a network, sharing."""

import concurrent.futures
import time
from typing import Any

import pytest

from esi_leap.db import networks as db_networks
from tests import helpers
from tests.conftest import ADMIN_PROJECT
from tests.conftest import LESSEE
from tests.conftest import OTHER
from tests.conftest import OWNER


@pytest.fixture
def net_client(client: helpers.ApiClient) -> helpers.ApiClient:
    """A client on a server whose pool is physnet1 VLANs 100-102."""
    helpers.override("vlan_ranges", ["physnet1:100:101", "physnet1:102:102"],
                     group="networking")
    helpers.override("quarantine_vlans", ["physnet1:999", "physnet2:998"],
                     group="networking")
    helpers.override("default_physical_network", "physnet1",
                     group="networking")
    return client


def admin(client: helpers.ApiClient) -> helpers.ApiClient:
    return client.as_(ADMIN_PROJECT, "admin")


def create(client: helpers.ApiClient, project: str, roles: str = "member",
           **body: Any) -> dict[str, Any]:
    res = client.as_(project, roles).post("/v1/networks",
                                          {"name": "net", **body})
    assert res.status_int == 201, res.text
    return dict(res.json)


def test_networks_take_the_lowest_free_vlan_until_the_pool_is_empty(
        net_client: helpers.ApiClient) -> None:
    vlans = [create(net_client, OWNER)["vlan"] for _ in range(3)]
    assert vlans == [100, 101, 102]
    res = net_client.as_(OWNER).post("/v1/networks", {"name": "one-more"})
    assert res.status_int == 409
    assert "No free VLAN" in res.json["faultstring"]
    assert len(admin(net_client).get("/v1/networks").json["networks"]) == 3


def test_deleting_a_network_returns_its_vlan_to_the_pool(
        net_client: helpers.ApiClient) -> None:
    first = create(net_client, OWNER)
    create(net_client, OWNER)
    res = net_client.as_(OWNER).delete(f"/v1/networks/{first['uuid']}")
    assert res.status_int == 204 and res.body == b""
    assert create(net_client, LESSEE)["vlan"] == first["vlan"]


def test_a_network_is_shown_to_its_project_and_admins_only(
        net_client: helpers.ApiClient) -> None:
    net = create(net_client, OWNER, name="private")
    path = f"/v1/networks/{net['uuid']}"
    assert net_client.as_(OWNER, "reader").get(path).status_int == 200
    assert net_client.as_(OWNER).get("/v1/networks/private").json[
        "uuid"] == net["uuid"]
    assert admin(net_client).get(path).status_int == 200
    res = net_client.as_(OTHER).get(path)
    assert res.status_int == 404
    assert net_client.as_(OTHER).get("/v1/networks").json["networks"] == []


def test_granting_and_revoking_access(
        net_client: helpers.ApiClient) -> None:
    net = create(net_client, OWNER)
    access = f"/v1/networks/{net['uuid']}/access/{LESSEE}"
    assert net_client.as_(LESSEE).put(access).status_int == 404
    assert net_client.as_(OWNER, "reader").put(access).status_int == 403
    assert net_client.as_(OWNER).put(access).status_int == 204
    shown = net_client.as_(OWNER).get(f"/v1/networks/{net['uuid']}").json
    assert shown["shared_with"] == [LESSEE]
    seen = net_client.as_(LESSEE).get("/v1/networks").json["networks"]
    assert [n["uuid"] for n in seen] == [net["uuid"]]
    assert seen[0]["shared_with"] == []  # other grantees are not shown
    assert net_client.as_(LESSEE).delete(
        f"/v1/networks/{net['uuid']}").status_int == 403
    assert net_client.as_(OWNER).delete(access).status_int == 204
    assert net_client.as_(OWNER).delete(access).status_int == 404
    assert net_client.as_(LESSEE).get(
        f"/v1/networks/{net['uuid']}").status_int == 404


def test_public_networks_are_seen_by_everyone_but_made_by_admins(
        net_client: helpers.ApiClient) -> None:
    res = net_client.as_(OWNER).post("/v1/networks",
                                     {"name": "pub", "public": True})
    assert res.status_int == 403
    net = create(net_client, ADMIN_PROJECT, "admin", name="pub", public=True)
    assert net_client.as_(OTHER).get(
        f"/v1/networks/{net['uuid']}").json["public"] is True


@pytest.mark.parametrize("vlan,in_pool", [(101, True), (500, False)])
def test_admins_choose_vlans_in_and_outside_the_pool(
        net_client: helpers.ApiClient, vlan: int, in_pool: bool) -> None:
    net = create(net_client, ADMIN_PROJECT, "admin", vlan=vlan,
                 project_id=LESSEE)
    assert (net["vlan"], net["project_id"]) == (vlan, LESSEE)
    res = admin(net_client).post("/v1/networks", {"name": "x", "vlan": vlan})
    assert res.status_int == 409 and "taken" in res.json["faultstring"]
    pool_left = [create(net_client, OWNER)["vlan"] for _ in range(
        2 if in_pool else 3)]
    assert vlan not in pool_left


@pytest.mark.parametrize("body,code,fragment", [
    ({"name": "x", "vlan": 999}, 400, "quarantine VLAN"),
    ({"name": "x", "vlan": 4095}, 400, "4094"),
    ({"name": "x", "physical_network": "nope"}, 400, "not configured"),
    ({"name": "a/b"}, 400, "name"),
    ({"name": "x", "colour": "red"}, 400, "colour"),
    ({}, 400, "name"),
])
def test_bad_network_requests_are_refused_and_change_nothing(
        net_client: helpers.ApiClient, body: dict[str, Any], code: int,
        fragment: str) -> None:
    res = admin(net_client).post("/v1/networks", body)
    assert res.status_int == code, res.text
    assert fragment in res.json["faultstring"]
    assert admin(net_client).get("/v1/networks").json["networks"] == []


def test_a_physical_network_without_a_pool_takes_only_chosen_vlans(
        net_client: helpers.ApiClient) -> None:
    res = net_client.as_(OWNER).post(
        "/v1/networks", {"name": "x", "physical_network": "physnet2"})
    assert res.status_int == 409
    net = create(net_client, ADMIN_PROJECT, "admin", vlan=10,
                 physical_network="physnet2")
    assert net["physical_network"] == "physnet2"


def test_a_project_over_its_network_quota_gets_409_and_no_vlan(
        net_client: helpers.ApiClient) -> None:
    helpers.override("max_networks_per_project", 1, group="quota")
    first = create(net_client, OWNER)
    res = net_client.as_(OWNER).post("/v1/networks", {"name": "second"})
    assert res.status_int == 409
    assert res.json == {
        "faultcode": "Client", "debuginfo": None,
        "faultstring": f"Project {OWNER} already has 1 networks; its quota "
                       "is 1."}
    # Other projects keep their share of the pool; admins are not limited.
    assert create(net_client, LESSEE)["vlan"] == 101
    assert create(net_client, ADMIN_PROJECT, "admin",
                  project_id=OWNER)["vlan"] == 102
    owned = admin(net_client).get(f"/v1/networks?project_id={OWNER}").json
    assert len(owned["networks"]) == 2
    # Deleting a network makes room again.
    for net in owned["networks"]:
        assert net_client.as_(OWNER).delete(
            f"/v1/networks/{net['uuid']}").status_int == 204
    assert create(net_client, OWNER)["vlan"] == first["vlan"]


@helpers.ALL_BACKENDS
def test_concurrent_creations_do_not_overrun_the_quota(
        net_client: helpers.ApiClient,
        monkeypatch: pytest.MonkeyPatch) -> None:
    helpers.override("max_networks_per_project", 2, group="quota")
    owner = net_client.as_(OWNER)
    # Widen the window between counting and inserting, so that creations
    # that did not wait for each other would all see room in the quota.
    used_vlans = db_networks._used_vlans

    def slow_used_vlans(*args: Any) -> set[int]:
        time.sleep(0.3)
        return used_vlans(*args)

    monkeypatch.setattr(db_networks, "_used_vlans", slow_used_vlans)
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        codes = sorted(pool.map(
            lambda i: owner.post("/v1/networks",
                                 {"name": f"n{i}"}).status_int, range(6)))
    assert codes == [201, 201, 409, 409, 409, 409]
    listed = admin(net_client).get("/v1/networks").json["networks"]
    assert len(listed) == 2
