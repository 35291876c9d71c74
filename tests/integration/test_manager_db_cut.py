"""A manager cut off from PostgreSQL in the middle of a burst of lease
ends: the leases still end within seconds (the other manager takes over
what the cut-off one held once its heartbeat is stale), each exactly once
(events), and the cut-off manager, back, applies nothing again."""

from __future__ import annotations

import contextlib
import datetime
import pathlib
import socket
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from esi_leap.db import models
from tests.conftest import LESSEE
from tests.conftest import OWNER
from tests.integration.test_manager_takeover import _counts
from tests.integration.test_manager_takeover import _start
from tests.integration.test_races import Processes
from tests.integration.test_races import _base_config
from tests.integration.test_races import _dbsync
from tests.integration.test_races import _engine
from tests.integration.test_races import _write_config
from tests.integration.test_races import processes  # noqa: F401 - fixture

pytestmark = [pytest.mark.integration, pytest.mark.slow]

LEASES = 120
CUT = 10.0  # seconds; more than [manager] dead_after (6)


class CuttableProxy:
    """A TCP proxy to PostgreSQL that can cut every connection and refuse
    new ones (as a dropped network path does), then come back."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.cut = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.cut.is_set():
                client.close()
                continue
            server = socket.create_connection(self.target)
            with self.lock:
                self.pairs.append((client, server))
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b),
                                 daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def cut_now(self) -> None:
        self.cut.set()
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                    sock.close()

    def close(self) -> None:
        self.cut_now()
        self.listener.close()


@pytest.fixture
def proxy() -> Iterator[CuttableProxy]:
    started = CuttableProxy(("127.0.0.1", 5432))
    yield started
    started.close()


def _seed(engine: sa.Engine, end: datetime.datetime) -> None:
    now = datetime.datetime.now(datetime.timezone.utc)
    nodes, leases = [], []
    for index in range(LEASES):
        node = str(uuid.uuid4())
        nodes.append({"uuid": node, "name": f"cut-{index}",
                      "owner_id": OWNER, "maintenance": False,
                      "properties": {}})
        leases.append({
            "uuid": str(uuid.uuid4()), "project_id": LESSEE,
            "owner_id": OWNER, "resource_type": "standalone_node",
            "resource_uuid": node, "status": "created",
            "start_time": now - datetime.timedelta(minutes=1),
            "end_time": end, "properties": {}})
    with engine.begin() as conn:
        conn.execute(sa.insert(models.Node.__table__), nodes)
        conn.execute(sa.insert(models.Lease.__table__), leases)


def _wait_for(engine: sa.Engine, status: str, seconds: float) -> float:
    began = time.monotonic()
    while _counts(engine).get(status, 0) < LEASES:
        assert time.monotonic() - began < seconds, (
            f"not every lease {status} within {seconds} s: "
            f"{_counts(engine)}")
        time.sleep(0.1)
    return time.monotonic() - began


@pytest.mark.parametrize("fresh_database_url", ["postgresql"],
                         indirect=True)
def test_leases_ending_while_a_manager_is_cut_off_end_once(
        fresh_database_url: str, processes: Processes,  # noqa: F811
        proxy: CuttableProxy, tmp_path: pathlib.Path) -> None:
    url = fresh_database_url
    sections = _base_config(tmp_path, url)
    sections["manager"].update(peer_check_interval=0, expiry_notice=0)
    config = _write_config(tmp_path / "esi-leap.conf", sections)
    _dbsync(config)
    cut_url = url.replace(":5432/", f":{proxy.port}/")
    cut_config = _write_config(tmp_path / "cut.conf",
                               {"database": {"connection": cut_url}})
    engine = _engine(url)
    try:
        end = (datetime.datetime.now(datetime.timezone.utc)
               + datetime.timedelta(seconds=12))
        _seed(engine, end)
        _start(processes, tmp_path, config, "direct")
        _start(processes, tmp_path, config, "cut-off", [str(cut_config)])
        _wait_for(engine, "active", 15)
        while datetime.datetime.now(datetime.timezone.utc) < end:
            time.sleep(0.02)
        time.sleep(0.3)  # mid-burst
        proxy.cut_now()
        with engine.connect() as conn:
            held = conn.execute(sa.text(
                "SELECT count(*) FROM leases "
                "WHERE reserved_by LIKE 'cut-off:%'")).scalar()
        took = _wait_for(engine, "expired", CUT)
        print(f"\n{LEASES} leases ended {took + 0.3:.1f} s after their end; "
              f"the manager cut off held {held} of them")
        time.sleep(max(0.0, CUT - took))
        proxy.cut.clear()  # the cut-off manager comes back
        before = _events(engine)
        time.sleep(4)
        assert _events(engine) == before, "something was applied again"
        _assert_once(engine, before)
        assert not processes.exited(processes.procs[-1][1]), \
            processes.log("cut-off")
    finally:
        engine.dispose()


def _events(engine: sa.Engine) -> dict[tuple[str, str], int]:
    with engine.connect() as conn:
        return {(u, t): n for u, t, n in conn.execute(sa.text(
            "SELECT object_uuid, event_type, count(*) FROM events "
            "WHERE object_type = 'lease' GROUP BY object_uuid, event_type"))}


def _assert_once(engine: sa.Engine,
                 events: dict[tuple[str, str], int]) -> None:
    wrong = {k: n for k, n in events.items() if n != 1}
    assert wrong == {}
    types: dict[str, int] = {}
    for _, event_type in events:
        types[event_type] = types.get(event_type, 0) + 1
    for event_type in ("fulfill.start", "fulfill.end", "delete.start",
                       "delete.end"):
        assert types.get(f"esi_leap.lease.{event_type}") == LEASES, types
    with engine.connect() as conn:
        held = conn.execute(sa.text(
            "SELECT count(*) FROM nodes WHERE lessee_id IS NOT NULL "
            "OR lease_uuid IS NOT NULL")).scalar()
        reserved = conn.execute(sa.text(
            "SELECT count(*) FROM leases WHERE reserved_by IS NOT NULL"
        )).scalar()
    assert (held, reserved) == (0, 0)
