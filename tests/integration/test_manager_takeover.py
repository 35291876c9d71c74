"""Two ``esi-leap-manager`` processes on PostgreSQL: one is killed with
SIGKILL while it holds leases; the other takes them over within seconds
(heartbeats, ``[manager] dead_after``), not after ``reservation_timeout``,
and never while the first is alive. Each lease is fulfilled once: one
``fulfill.start`` and one ``fulfill.end`` event, one change in Ironic."""

from __future__ import annotations

import datetime
import pathlib
import signal
import threading
import time
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from esi_leap.db import models
from tests.conftest import LESSEE
from tests.conftest import OWNER
from tests.integration.test_races import BIN
from tests.integration.test_races import Processes
from tests.integration.test_races import _base_config
from tests.integration.test_races import _dbsync
from tests.integration.test_races import _engine
from tests.integration.test_races import _write_config
from tests.integration.test_races import processes  # noqa: F401 - fixture
from tests.unit.test_ironic_node import _error_body
from tests.unit.test_ironic_ports import FakeIronicWithPorts

pytestmark = [pytest.mark.integration, pytest.mark.slow]

LEASES = 20
HELD = 4  # the killed manager's workers, each stuck in a node change


class GatedIronic(FakeIronicWithPorts):
    """Holds the first ``HELD`` node changes unanswered (their manager is
    then killed); once released they are refused, never applied."""

    def __init__(self) -> None:
        super().__init__()
        self.cond = threading.Condition()
        self.held = 0
        self.released = False

    def handle(self, method: str, target: str, headers: Any,
               raw: bytes) -> tuple[int, Any, dict[str, str]]:
        if method == "PATCH":
            with self.cond:
                if self.held < HELD:
                    self.held += 1
                    self.cond.notify_all()
                    self.cond.wait_for(lambda: self.released, timeout=120)
                    return 503, _error_body(503, "conductor gone"), {}
        return super().handle(method, target, headers, raw)

    def release(self) -> None:
        with self.cond:
            self.released = True
            self.cond.notify_all()


def _seed(engine: sa.Engine, ironic: GatedIronic) -> list[str]:
    now = datetime.datetime.now(datetime.timezone.utc)
    leases = []
    for index in range(LEASES):
        node = str(uuid.uuid4())
        ironic.add_node(node, name=f"takeover-{index}", owner=OWNER)
        leases.append({
            "uuid": str(uuid.uuid4()), "project_id": LESSEE,
            "owner_id": OWNER, "resource_type": "ironic_node",
            "resource_uuid": node, "status": "created",
            "start_time": now - datetime.timedelta(minutes=1),
            "end_time": now + datetime.timedelta(days=1),
            "properties": {}})
    with engine.begin() as conn:
        conn.execute(sa.insert(models.Lease.__table__), leases)
    return [lease["uuid"] for lease in leases]


def _counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.text(  # type: ignore[arg-type]
            "SELECT status, count(*) FROM leases GROUP BY status")).all())


def _start(processes: Processes, tmp_path: pathlib.Path,  # noqa: F811
           config: pathlib.Path, host: str,
           more: list[str] | None = None) -> Any:
    """Start ``esi-leap-manager`` as ``host``; wait until it runs."""
    extra = _write_config(tmp_path / f"{host}.conf",
                          {"DEFAULT": {"host": host}})
    files = [str(config), str(extra), *(more or [])]
    proc = processes.start(host, [str(BIN / "esi-leap-manager")] + [
        arg for f in files for arg in ("--config-file", f)])
    deadline = time.monotonic() + 30
    while f"Manager {host} started" not in processes.log(host):
        assert not processes.exited(proc) and time.monotonic() < deadline, \
            processes.log(host)
        time.sleep(0.05)
    return proc


@pytest.mark.parametrize("fresh_database_url", ["postgresql"],
                         indirect=True)
def test_a_killed_managers_leases_are_taken_over_within_seconds(
        fresh_database_url: str, processes: Processes,  # noqa: F811
        tmp_path: pathlib.Path) -> None:
    ironic = GatedIronic()
    ironic.start()
    sections = _base_config(tmp_path, fresh_database_url)
    sections["ironic"] = {"auth_type": "none", "timeout": 120,
                          "endpoint_override": f"{ironic.url}/"}
    sections["manager"].update(peer_check_interval=0, expiry_notice=0)
    config = _write_config(tmp_path / "esi-leap.conf", sections)
    _dbsync(config)
    engine = _engine(fresh_database_url)
    try:
        uuids = _seed(engine, ironic)
        doomed = _start(processes, tmp_path, config, "doomed")
        with ironic.cond:
            assert ironic.cond.wait_for(lambda: ironic.held == HELD, 30), \
                processes.log("doomed")
        _start(processes, tmp_path, config, "survivor")
        # The survivor does the rest, but not what the live one holds,
        # however long it waits (dead_after is 6 s by default).
        _wait(engine, LEASES - HELD, 30)
        time.sleep(8)
        assert _counts(engine).get("active") == LEASES - HELD
        doomed.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        ironic.release()
        _wait(engine, LEASES, 15)
        took = time.monotonic() - killed
        _assert_once(engine, ironic, uuids)
        print(f"\nthe survivor took over {HELD} leases {took:.1f} s after "
              "the kill")
    finally:
        ironic.release()
        engine.dispose()
        ironic.stop()


def _wait(engine: sa.Engine, active: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while _counts(engine).get("active", 0) < active:
        assert time.monotonic() < deadline, (
            f"not {active} leases active within {seconds} s: "
            f"{_counts(engine)}")
        time.sleep(0.1)


def _assert_once(engine: sa.Engine, ironic: GatedIronic,
                 uuids: list[str]) -> None:
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT object_uuid, event_type, count(*) FROM events "
            "WHERE object_type = 'lease' GROUP BY object_uuid, event_type"
        )).all()
        leases = {u: n for u, n in conn.execute(sa.text(
            "SELECT uuid, resource_uuid FROM leases")).all()}
    per_lease: dict[str, dict[str, int]] = {u: {} for u in uuids}
    for lease, event_type, count in rows:
        per_lease[lease][event_type] = count
    wrong = {u: e for u, e in per_lease.items() if e != {
        "esi_leap.lease.fulfill.start": 1, "esi_leap.lease.fulfill.end": 1}}
    assert wrong == {}
    for lease, node in leases.items():
        stored = ironic.nodes[node]
        assert (stored["lessee"], stored["properties"]["lease_uuid"]) == (
            LESSEE, lease)
        patches = [s for s in ironic.api("PATCH") if node in s.path]
        assert len(patches) == 1, patches
