"""Kill the manager (SIGKILL) at every crash point; a fresh one converges.

The scenario, on ``ironic_node`` nodes in a fake Ironic (which lives in this
test process and so outlives the killed manager) and a fake switch whose
state is a file:

* F1 and F2: leases to fulfil. After the kill, F2's end passes (the
  reported case: a lease expired while its node still carried it).
* R: an active lease that has ended, its port attached to the lessee's
  VLAN and a console token open: the whole release.
* C: an ended sub-lease of the active lease P: release, then hand-back.

For each dialect the database is migrated and the scenario built once, then
restored before every case. A first child run lists the crash points
(every commit, Ironic change and switch session, see
:mod:`tests.crash_harness`); then for each point a child is killed there, a
fresh manager (in this process) runs, and the node, lease, events and
switch are checked. Every failing point is reported, with its name.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import json
import pathlib
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.db import console_tokens
from esi_leap.db import migration
from esi_leap.db import models
from esi_leap.drivers import resource_types
from esi_leap.drivers.switches import fake
from esi_leap.manager import lifecycle
from esi_leap.networking import switches
from esi_leap.objects import lease as lease_ops
from tests import crash_harness
from tests import helpers
from tests.conftest import LESSEE
from tests.conftest import OTHER
from tests.conftest import OWNER
from tests.unit.test_ironic_ports import FakeIronicWithPorts
from tests.unit.test_ironic_ports import llc

ROOT = str(pathlib.Path(__file__).resolve().parents[2])
NODES = {name: f"c0000000-0000-4000-8000-00000000000{i}"
         for i, name in enumerate(("F1", "F2", "R", "C"), start=1)}
PORTS = {"R": "Ethernet3"}
QUARANTINE = {"mode": "access", "native_vlan": 999, "tagged_vlans": []}
#: Each part of the scenario runs alone (a kill costs a run of its part
#: only): its leases and the status each must end in.
GROUPS = {"fulfil": {"F1": "active", "F2": "expired"},
          "release": {"R": "expired"},
          "handback": {"C": "expired", "P": "active"}}
#: The optional Ironic release steps of each part: the hand-back runs
#: only the mandatory ones (the release part covers the others and the
#: switch), so that its kills are about handing the node back.
STEPS: dict[str, list[str] | None] = {"fulfil": None, "release": None,
                                      "handback": []}


class AutoIronic(FakeIronicWithPorts):
    """The fake Ironic, whose power and provision changes finish at once
    (the manager still sees them under way until its next look)."""

    def handle(self, method: str, target: str, headers: Any,
               raw: bytes) -> tuple[int, Any, dict[str, str]]:
        answer = super().handle(method, target, headers, raw)
        self.tick()
        return answer


@pytest.fixture(autouse=True)
def _pending_steps_retry_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pending release steps are retried in the next pass (restored after
    each test, so later modules see the real delay)."""
    monkeypatch.setattr(lifecycle, "PENDING_DELAY", 0.0)


def _at(hours: float) -> datetime.datetime:
    return timeutils.utcnow() + datetime.timedelta(hours=hours)


def _set(uuid: str, **values: Any) -> None:
    with db_api.writer() as session:
        session.execute(sa.update(models.Lease)
                        .where(models.Lease.uuid == uuid).values(**values))


class Scenario:
    """One dialect's database, fake Ironic and switch, and the leases."""

    def __init__(self, url: str, tmp: pathlib.Path, group: str) -> None:
        self.url = url
        self.group = group
        #: The leases of the group, with the status each must end in.
        self.want = GROUPS[group]
        self.ironic = AutoIronic()
        self.ironic.start()
        self.state_file = str(tmp / "leaf1.json")
        self.tmp = tmp
        crash_harness.configure(url, self.ironic.url, STEPS[group])
        self.leases: dict[str, str] = {}
        self.rows: dict[str, list[dict[str, Any]]] = {
            t.name: [] for t in models.Base.metadata.sorted_tables}
        self.switch: dict[str, Any] = {"ports": {}}
        self.nodes: dict[str, Any] = {}
        self.restore()  # empty: another part may have used the database
        self._build()
        self.rows = self._dump()
        self.nodes = copy.deepcopy(self.ironic.nodes)

    def _lease(self, name: str, start: float, end: float,
               lessee: str = LESSEE, parent: bool = False) -> None:
        node = resource_types.get_backend("ironic_node").get_node(
            NODES[name])
        lease = lease_ops.create(
            LESSEE if parent else OWNER, lessee, "ironic_node", node,
            {"start_time": _at(start), "end_time": _at(end)},
            as_lessee=parent, unlimited=True, quota=None)
        self.leases["P" if name == "C" and not parent else name] = lease.uuid

    def _build(self) -> None:
        for name, node in NODES.items():
            self.ironic.add_node(node, name=f"crash-{name}", owner=OWNER)
        switches.create({"name": "leaf1", "driver": "fake",
                         "physical_network": "physnet1",
                         "connection": {"state_file": self.state_file}})
        for i, (name, port) in enumerate(PORTS.items(), start=1):
            self.ironic.add_port(f"{NODES[name][:-2]}a{i}", NODES[name],
                                 f"52:54:00:00:00:0{i}",
                                 local_link_connection=llc(
                                     "leaf1", None, port))
        getattr(self, f"_build_{self.group}")()
        with db_api.writer() as session:
            session.execute(sa.delete(models.Manager))
            session.execute(sa.update(models.Lease).values(
                reserved_by=None, reserved_at=None))
        self.switch = {"ports": {
            PORTS["R"]: {"mode": "access", "native_vlan": 100,
                         "tagged_vlans": []}}}

    def _build_fulfil(self) -> None:
        self._lease("F1", -3, 24)
        self._lease("F2", -2, 24)

    def _build_release(self) -> None:
        self._lease("R", -5, 48)
        crash_harness.run_passes(
            crash_harness.synchronous_manager("crash-setup"))
        self._attach_r()
        # R's lessee powered the node on and plugged a VIF.
        self.ironic.nodes[NODES["R"]].update(power_state="power on")
        self.ironic.vifs[NODES["R"]] = ["vif-1"]
        console_tokens.create(NODES["R"], "0" * 64, int(time.time()) + 86400)
        _set(self.leases["R"], end_time=_at(-2))

    def _build_handback(self) -> None:
        self._lease("C", -5, 72)  # P, the parent
        manager = crash_harness.synchronous_manager("crash-setup")
        crash_harness.run_passes(manager)
        self._lease("C", -4, 48, lessee=OTHER, parent=True)
        crash_harness.run_passes(manager)
        _set(self.leases["C"], end_time=_at(-1))

    def _attach_r(self) -> None:
        """R's port on the lessee's VLAN 100 (as an attach leaves it)."""
        with db_api.writer() as session:
            network = models.Network(
                uuid="c0000000-0000-4000-8000-0000000000a1", name="net",
                project_id=LESSEE, physical_network="physnet1", vlan=100)
            session.add(network)
            session.flush()
            session.add(models.PortAttachment(
                uuid="c0000000-0000-4000-8000-0000000000a2",
                network_id=network.id, node_uuid=NODES["R"],
                port_uuid=f"{NODES['R'][:-2]}a1", switch="leaf1",
                switch_port=PORTS["R"], mode="native", project_id=LESSEE))

    def _dump(self) -> dict[str, list[dict[str, Any]]]:
        with db_api.get_engine().connect() as conn:
            return {t.name: [dict(r._mapping) for r in
                             conn.execute(sa.select(t))]
                    for t in models.Base.metadata.sorted_tables}

    def restore(self) -> None:
        """Put the database, Ironic and the switch back as built."""
        engine = db_api.get_engine()
        tables = models.Base.metadata.sorted_tables
        with engine.begin() as conn:
            if engine.dialect.name == "mysql":
                conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS=0")
            for table in reversed(tables):
                conn.execute(table.delete())
            for table in tables:
                if self.rows[table.name]:
                    conn.execute(table.insert(), self.rows[table.name])
            if engine.dialect.name == "mysql":
                conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS=1")
        with self.ironic.lock:
            self.ironic.nodes = copy.deepcopy(self.nodes)
            self.ironic.vifs = {NODES["R"]: ["vif-1"]}
        with open(self.state_file, "w", encoding="utf-8") as f:
            json.dump(self.switch, f)

    def after_crash(self) -> None:
        """Time passes: the killed manager's heartbeat and reservations
        go stale, F2's end comes."""
        long_ago = _at(-24 * 30)
        with db_api.writer() as session:
            session.execute(sa.update(models.Manager).values(
                last_seen=long_ago))
            session.execute(sa.update(models.Lease).where(
                models.Lease.reserved_at.is_not(None)).values(
                reserved_at=long_ago))
            session.execute(sa.update(models.NetworkAction).where(
                models.NetworkAction.claimed_at.is_not(None)).values(
                claimed_at=long_ago))
        if "F2" in self.leases:
            _set(self.leases["F2"], end_time=_at(-1 / 60))

    def close(self) -> None:
        self.ironic.stop()


@pytest.fixture(scope="module")
def zygote() -> Iterator[crash_harness.Zygote]:
    """One zygote for the module (it imports esi-leap once)."""
    started = crash_harness.Zygote(ROOT)
    yield started
    started.close()


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        dict[str, str]]:
    """dialect -> a database migrated once for the module (each part
    empties it before it builds its own scenario)."""
    with contextlib.ExitStack() as stack:
        urls: dict[str, str] = {}

        def get(dialect: str) -> str:
            if dialect not in urls:
                url = stack.enter_context(helpers.scratch_database(
                    dialect, tmp_path_factory.mktemp(dialect)))
                helpers.configure(url)
                migration.upgrade()
                _fast_commits()
                db_api.reset()
                urls[dialect] = url
            return urls[dialect]

        yield _Lazy(get)  # type: ignore[misc]


class _Lazy(dict):  # type: ignore[type-arg]
    """A dict that makes its values on first use."""

    def __init__(self, make: Any) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, key: str) -> str:
        value: str = self._make(key)
        return value


def _fast_commits() -> None:
    """The manager, not the database server, is killed: PostgreSQL need
    not flush each commit to disk."""
    engine = db_api.get_engine()
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql(
                f"ALTER DATABASE {engine.url.database} SET "
                "synchronous_commit TO off")


@pytest.fixture
def scenario(request: pytest.FixtureRequest, migrated: dict[str, str],
             tmp_path: pathlib.Path) -> Iterator[Scenario]:
    dialect, group = request.param
    built = Scenario(migrated[dialect], tmp_path, group)
    try:
        yield built
    finally:
        built.close()
        db_api.reset()


# -- what must hold after the fresh manager ----------------------------------

def _events(uuid: str) -> list[tuple[str, str | None]]:
    with db_api.get_engine().connect() as conn:
        return [tuple(r) for r in conn.execute(
            sa.select(models.Event.event_type, models.Event.reason)
            .where(models.Event.object_uuid == uuid)
            .order_by(models.Event.id))]


def _count(uuid: str, event_type: str) -> int:
    return sum(1 for t, _ in _events(uuid)
               if t == f"esi_leap.lease.{event_type}")


def _status(uuid: str) -> str:
    with db_api.get_engine().connect() as conn:
        return str(conn.execute(sa.select(models.Lease.status).where(
            models.Lease.uuid == uuid)).scalar())


def problems(s: Scenario) -> list[str]:
    """Everything that is not as a converged manager leaves it."""
    found = []
    for name, expected in s.want.items():
        got = _status(s.leases[name])
        if got != expected:
            found.append(f"lease {name} is {got!r}, not {expected!r}")
    holder = {"F1": ("F1", LESSEE), "F2": (None, None), "R": (None, None),
              "C": ("P", LESSEE)}
    for name, (lease, lessee) in holder.items():
        if name not in s.want:
            continue
        node = s.ironic.nodes[NODES[name]]
        carried = (node["properties"].get("lease_uuid"), node["lessee"])
        should = (s.leases[lease] if lease else None, lessee)
        if carried != should:
            found.append(f"node of {name} carries {carried}, not {should}")
    if "R" not in s.want:
        return found + _switch_problems(s) + _event_problems(s)
    node = s.ironic.nodes[NODES["R"]]
    if node["power_state"] != "power off" or s.ironic.vifs[NODES["R"]]:
        found.append(f"node of R is {node['power_state']!r}, VIFs "
                     f"{s.ironic.vifs[NODES['R']]}")
    found += _switch_problems(s) + _event_problems(s)
    return found


def _switch_problems(s: Scenario) -> list[str]:
    found = []
    with open(s.state_file, encoding="utf-8") as f:
        ports = json.load(f)["ports"]
    for name, port in PORTS.items():
        if name in s.want and ports.get(port) != QUARANTINE:
            found.append(f"switch port {port} of {name} is {ports.get(port)}")
    with db_api.get_engine().connect() as conn:
        if conn.execute(sa.select(sa.func.count()).select_from(
                models.PortAttachment.__table__)).scalar():
            found.append("R's port is still attached")
        if conn.execute(sa.select(sa.func.count()).select_from(
                models.ConsoleAuthToken.__table__)).scalar():
            found.append("R's console token survived")
        open_actions = conn.execute(sa.select(
            models.NetworkAction.status, models.NetworkAction.message)
            .where(models.NetworkAction.status != "done")).all()
    found += [f"network action {st}: {msg}" for st, msg in open_actions
              if not (msg or "").startswith("cancelled:")]
    return found


def _event_problems(s: Scenario) -> list[str]:
    found = []
    once = {"F1": ("fulfill.start", "fulfill.end"),
            "F2": ("delete.start", "delete.end"),
            "R": ("delete.start", "delete.end"),
            "C": ("delete.start", "delete.end")}
    for name, types in once.items():
        if name not in s.want:
            continue
        for event_type in types:
            n = _count(s.leases[name], event_type)
            if n != 1:
                found.append(f"{name}: {n} {event_type} events")
    for name in ("F2", "R", "C"):
        if name not in s.want:
            continue
        events = _events(s.leases[name])
        if _count(s.leases[name], "fulfill.start") > 1 or _count(
                s.leases[name], "fulfill.end") > 1:
            found.append(f"{name}: fulfilled twice")
        done = [t for t, r in events if ".release." in t
                and not (r or "").startswith("failed")]
        twice = {t for t in done if done.count(t) > 1}
        if twice:
            found.append(f"{name}: recorded twice: {sorted(twice)}")
        errors = [t for t, _ in events if t.endswith(".error")]
        if errors:
            found.append(f"{name}: error events {errors}")
    if "R" in s.want and not any(t.endswith("release.quarantine_ports")
               for t, _ in _events(s.leases["R"])):
        found.append("R: no quarantine_ports event")
    return found


# -- the matrix ---------------------------------------------------------------

#: Kinds of crash point each part must reach (so a broken hook fails).
KINDS = {"fulfil": {"before commit", "after commit", "before Ironic PATCH",
                    "after Ironic PATCH"},
         "release": {"after commit", "after Ironic PATCH", "after Ironic PUT",
                     "after Ironic DELETE", "before switch session",
                     "after switch session"},
         "handback": {"after commit", "after Ironic PATCH"}}

def _points(trace: pathlib.Path) -> list[str]:
    if not trace.exists():
        return []
    return [line.split("\t", 1)[1] for line in
            trace.read_text().splitlines()]


@pytest.mark.parametrize("scenario", [
    *((dialect, group) for dialect in ("postgresql", "mysql")
      for group in GROUPS),
    # SQLite's release parts would add a minute for no new code path.
    ("sqlite", "fulfil")], indirect=True, ids=lambda p: "-".join(p))
def test_killed_at_every_crash_point_a_fresh_manager_converges(
        scenario: Scenario, zygote: crash_harness.Zygote,
        tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lifecycle, "PENDING_DELAY", 0.0)
    scenario.restore()
    listing = tmp_path / "points.trace"
    assert _run(zygote, scenario, "crash-list", None, listing) == {
        "signal": None, "code": 0}
    points = _points(listing)
    kinds = {p.split("\t")[0] for p in points}
    assert KINDS[scenario.group] <= kinds, kinds
    cases = crash_harness.crash_cases(points)
    failures = {}
    for index in cases:
        found = _kill_then_recover(zygote, scenario, points, index,
                                   tmp_path)
        if found:
            failures[f"{index} {points[index]}"] = found
    assert not failures, json.dumps(failures, indent=1)
    print(f"\n{scenario.group}: {len(cases)} kills at {len(points)} crash "
          "points converged")


def _run(zygote: crash_harness.Zygote, scenario: Scenario, host: str,
         crash_at: int | None, trace: pathlib.Path) -> dict[str, Any]:
    return zygote.run(url=scenario.url, ironic=scenario.ironic.url,
                      host=host, crash_at=crash_at, trace=str(trace),
                      release_steps=STEPS[scenario.group])


def _kill_then_recover(zygote: crash_harness.Zygote, scenario: Scenario,
                       points: list[str], index: int,
                       tmp_path: pathlib.Path) -> list[str]:
    """Kill a manager at point ``index``, run a fresh one; the problems."""
    scenario.restore()
    trace = tmp_path / f"crash-{index}.trace"
    ended = _run(zygote, scenario, f"crash-{index}", index, trace)
    reached = _points(trace)
    if ended["signal"] != signal.SIGKILL or reached[-1:] != [points[index]]:
        return [f"not killed there: {ended}, last point {reached[-1:]}"]
    scenario.after_crash()
    _fresh_manager(f"fresh-{index}")
    return problems(scenario)


def _fresh_manager(host: str) -> None:
    """A new manager, in this process (it was not killed), with nothing
    cached from an earlier case."""
    fake.reset()
    resource_types.reset()
    manager = crash_harness.synchronous_manager(host)
    try:
        crash_harness.run_passes(manager)
    finally:
        manager.stop(graceful=False)
