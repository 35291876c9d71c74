"""The database guards of tenant networks, under concurrency, on every
backend: a VLAN goes to one network only, a port has one unfinished
action only."""

import threading
from collections.abc import Callable
from typing import Any

from esi_leap.common import exception
from esi_leap.db import migration
from esi_leap.db import network_actions as db_actions
from esi_leap.db import networks as db_networks
from tests import helpers

THREADS = 8


def _race(work: Callable[[int], Any]) -> tuple[list[Any], list[Exception]]:
    """Run ``work(i)`` in THREADS threads released at once."""
    barrier = threading.Barrier(THREADS)
    results: list[Any] = []
    errors: list[Exception] = []

    def run(index: int) -> None:
        barrier.wait()
        try:
            results.append(work(index))
        except Exception as exc:  # noqa: BLE001 - collected for asserts
            errors.append(exc)
    threads = [threading.Thread(target=run, args=(i,))
               for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@helpers.ALL_BACKENDS
def test_concurrent_networks_never_share_a_vlan(
        fresh_database_url: str) -> None:
    helpers.configure(fresh_database_url)
    migration.upgrade()
    pool = list(range(100, 106))  # fewer VLANs than threads

    def create(index: int) -> int:
        return db_networks.network_create(
            {"name": f"n{index}", "project_id": "p",
             "physical_network": "physnet1", "public": False,
             "from_pool": True}, pool).vlan
    vlans, errors = _race(create)
    assert sorted(vlans) == pool
    assert len(errors) == THREADS - len(pool)
    assert all(isinstance(e, exception.VlanPoolExhausted) for e in errors)


@helpers.ALL_BACKENDS
def test_a_port_gets_one_unfinished_action_at_a_time(
        fresh_database_url: str) -> None:
    helpers.configure(fresh_database_url)
    migration.upgrade()

    def create(index: int) -> str:
        return db_actions.action_create({
            "kind": "attach", "node_uuid": "n", "port_uuid": "p",
            "switch": "s1", "switch_port": "Ethernet1", "mode": "native",
            "physical_network": "physnet1", "network_uuid": f"net{index}",
            "vlan": 100 + index}).uuid
    created, errors = _race(create)
    assert len(created) == 1
    assert len(errors) == THREADS - 1
    assert all(isinstance(e, exception.PortBusy) for e in errors)
    assert all(created[0] in str(e) for e in errors)
