#!/usr/bin/env python3
"""Switch audit benchmark: audit 1,000 ports on 10 switches.

For each switch kind the script makes a fresh SQLite database (in a
temporary directory), builds the real API application in-process (noauth)
and, through the API, registers ``--switches`` switches (default 10) and,
for each, ``--ports`` / 4 standalone nodes with 4 ports cabled to it (100
ports per switch by default), split between two owner projects. Every
switch port starts on the quarantine VLAN (an enrolled switch), and each
switch has an uplink carrying every VLAN, named in the switch's
``audit_ignore_ports``. 80 % of the nodes are leased (``POST /v1/leases``,
activated by the manager's reconciler) to four lessee projects, each with
two networks: a leased node's first port is attached natively to the
lessee's ``prov`` network, its second natively to ``storage``, its third
tagged to both, its fourth stays quarantined. The owners attach the first
port of each of their unleased nodes to their own ``ops`` network: 65 % of
the ports carry a tenant network, 35 % are quarantined. The manager's real
applier (:func:`esi_leap.manager.network_actions.run_switch`) puts every
port on its VLANs, and every network action must end ``done``.

Then one drift per switch is made behind esi-leap's back: a foreign
tenant VLAN on a quarantined port, an isolation breach on a trunk, a VLAN
no network has, a wrong native VLAN, a wrong mode, a port carrying every
VLAN, a port shut down, a lost tagged VLAN, a spare port (not a node's)
patched into a tenant VLAN, a quarantined port trunking its owner's
network. The audit is run as a manager runs it,
``db_audits.audit_create("api", None)`` then
``esi_leap.audit.runner.run_pending(host)``, and timed:

1. the first audit (``[audit] switch_workers`` 10, the default), which
   opens every finding (one ``match`` per healthy port);
2. a second audit right after, which must refresh the same findings and
   open none;
3. a third with ``switch_workers`` 1 (one switch at a time).

Each audit must find every injected drift (kind, severity and VLAN on
that port) and nothing else but matches; otherwise the script lists what
is missing or unexpected and exits 1. Each audit's time is split into
reading the switches (``runner._read_all``), deriving the intended state
(``intended.snapshot``), storing findings (``db_audits.sync_findings``)
and the rest (comparing, events, notifications); the garbage collector's
time during the audit is shown too.

Switches:

``fake``
    the in-memory driver with a realistic cost per session
    (``--session-delay``, an SSH login and prompt, 1.0 s) and per command
    (``--command-delay``, 0.5 s: one ``show running-config`` of a
    100-port switch); a read-back costs one of each. The delays are set
    (``PATCH /v1/switches``) after the ports are on their VLANs. A fourth
    audit with no delay measures esi-leap's own cost; ``--profile FILE``
    runs cProfile over one more (the manager's thread only: the switch
    reads run in the audit's worker threads).
``ovs``
    real Open vSwitch instances (userspace datapath), one per switch, each
    with its own ``ovsdb-server``, ``ovs-vswitchd`` and ``sshd`` (the test
    suite's switch lab, ``tests/integration/switchlab``), with ``--ports``
    internal ports (brought up) and an uplink, driven and read back over
    SSH by the ``generic_switch`` driver (networking-generic-switch's
    ``netmiko_ovs_linux``). Drifts are made with ``ovs-vsctl`` and ``ip
    link set down``. ``--profile FILE`` also profiles one switch's
    read-back (``FILE.ovs-read``). Needs root and the Open vSwitch tools;
    skipped with the reason printed otherwise.

    .venv/bin/python benchmarks/bench_audit.py [--only fake|ovs] \\
        [--profile /tmp/bench-audit.prof] [--json /tmp/bench-audit.json]
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import contextlib
import cProfile
import dataclasses
import gc
import io
import json
import logging
import os
import platform
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

import sqlalchemy as sa  # noqa: E402

from esi_leap.audit import intended  # noqa: E402
from esi_leap.audit import model  # noqa: E402
from esi_leap.audit import runner  # noqa: E402
from esi_leap.db import audits as db_audits  # noqa: E402
from esi_leap.db import migration  # noqa: E402
from esi_leap.db import models  # noqa: E402
from esi_leap.drivers.switches import fake  # noqa: E402
from esi_leap.drivers.switches import generic_switch  # noqa: E402
from esi_leap.drivers.switches.base import SwitchConfig  # noqa: E402
from esi_leap.drivers.switches.base import SwitchDriver  # noqa: E402
from esi_leap.manager import network_actions  # noqa: E402
from tests import helpers  # noqa: E402

ADMIN = "d" * 31 + "1"
OWNERS = ("a" * 31 + "1", "a" * 31 + "2")
LESSEES = tuple(f"{c * 31}1" for c in "bcef")
PHYSNET = "physnet1"
QUARANTINE = 999
#: A VLAN no network has (outside the tenant range).
STRAY_VLAN = 42
HOST = "bench-manager"
NICS = 4
UPLINK = "uplink1"
SPARE = "spare1"
PORT_PREFIX = "swp"
#: Problems printed at most.
MAX_SHOWN = 30
#: OVS labs started at the same time (before any timer).
LAB_START_WORKERS = 4


# -- the plan -------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Net:
    uuid: str
    project: str
    vlan: int


@dataclasses.dataclass(frozen=True)
class PortPlan:
    """One node port and the networks it should carry."""

    switch: str
    port: str
    node: str
    project: str
    leased: bool
    native: Net | None
    tagged: tuple[Net, ...] = ()

    @property
    def role(self) -> str:
        if self.tagged:
            return "tagged"
        if self.native is None:
            return "quarantined-leased" if self.leased else "quarantined"
        return "native"


@dataclasses.dataclass
class Plan:
    ports: list[PortPlan]
    networks: dict[tuple[str, str], Net]

    def pick(self, switch: str, role: str, which: int = 0) -> PortPlan:
        found = [p for p in self.ports
                 if p.switch == switch and p.role == role]
        return found[which]

    def other_lessee_net(self, project: str, name: str) -> Net:
        other = LESSEES[(LESSEES.index(project) + 1) % len(LESSEES)]
        return self.networks[(other, name)]


@dataclasses.dataclass(frozen=True)
class PortState:
    """A port state a drift puts on a switch: ``tagged`` None means
    every VLAN."""

    mode: str = "access"
    native: int | None = None
    tagged: tuple[int, ...] | None = ()
    admin_up: bool = True


@dataclasses.dataclass(frozen=True)
class Drift:
    what: str
    switch: str
    port: str
    state: PortState
    #: (kind, severity, vlan or None) the audit must report on the port
    expected: frozenset[tuple[str, str, int | None]]


def switch_names(count: int) -> list[str]:
    return [f"leaf-{i + 1:02d}" for i in range(count)]


def port_names(ports: int) -> list[str]:
    return [f"{PORT_PREFIX}{i}" for i in range(1, ports + 1)]


def make_drifts(plan: Plan, switches: list[str]) -> list[Drift]:
    """One drift per switch, on the first ten switches."""
    crit, major, minor = model.CRITICAL, model.MAJOR, model.MINOR
    makers: list[Callable[[str], Drift]] = []

    def foreign_on_quarantined(sw: str) -> Drift:
        p = plan.pick(sw, "quarantined-leased")
        net = plan.other_lessee_net(p.project, "prov")
        return Drift("foreign tenant VLAN on a quarantined port", sw, p.port,
                     PortState(native=net.vlan),
                     frozenset({(model.NOT_QUARANTINED, crit, None)}))

    def breach_on_trunk(sw: str) -> Drift:
        p = plan.pick(sw, "native")
        assert p.native is not None
        net = plan.other_lessee_net(p.project, "storage")
        return Drift("another project's VLAN added to a port", sw, p.port,
                     PortState("trunk", p.native.vlan, (net.vlan,)),
                     frozenset({(model.EXTRA_VLAN, crit, net.vlan)}))

    def stray_vlan(sw: str) -> Drift:
        p = plan.pick(sw, "native")
        assert p.native is not None
        return Drift("port moved to a VLAN no network has", sw, p.port,
                     PortState(native=STRAY_VLAN),
                     frozenset({(model.EXTRA_VLAN, major, STRAY_VLAN),
                                (model.MISSING_VLAN, major,
                                 p.native.vlan)}))

    def wrong_native(sw: str) -> Drift:
        p = plan.pick(sw, "tagged")
        first, second = p.tagged
        return Drift("trunk's native VLAN swapped with a tagged one", sw,
                     p.port,
                     PortState("trunk", first.vlan,
                               (QUARANTINE, second.vlan)),
                     frozenset({(model.WRONG_NATIVE, major, None)}))

    def wrong_mode(sw: str) -> Drift:
        p = plan.pick(sw, "native", 1)
        assert p.native is not None
        return Drift("access port turned into a trunk (same VLAN)", sw,
                     p.port, PortState("trunk", p.native.vlan,
                                       (p.native.vlan,)),
                     frozenset({(model.WRONG_MODE, minor, None)}))

    def every_vlan(sw: str) -> Drift:
        p = plan.pick(sw, "native")
        return Drift("port carrying every VLAN", sw, p.port,
                     PortState("trunk", None, None),
                     frozenset({(model.EXTRA_VLAN, crit, None)}))

    def shut_down(sw: str) -> Drift:
        p = plan.pick(sw, "native", 1)
        assert p.native is not None
        return Drift("port shut down", sw, p.port,
                     PortState(native=p.native.vlan, admin_up=False),
                     frozenset({(model.MISSING_VLAN, major, None)}))

    def lost_tagged(sw: str) -> Drift:
        p = plan.pick(sw, "tagged")
        first, second = p.tagged
        return Drift("trunk lost a tagged VLAN", sw, p.port,
                     PortState("trunk", QUARANTINE, (first.vlan,)),
                     frozenset({(model.MISSING_VLAN, major, second.vlan)}))

    def spare_patched(sw: str) -> Drift:
        net = plan.networks[(LESSEES[0], "prov")]
        return Drift("spare port patched into a tenant VLAN", sw, SPARE,
                     PortState(native=net.vlan),
                     frozenset({(model.UNMANAGED_PORT, crit, None)}))

    def owner_trunk(sw: str) -> Drift:
        p = plan.pick(sw, "quarantined")
        net = plan.networks[(p.project, "ops")]
        return Drift("quarantined port trunking its owner's network", sw,
                     p.port, PortState("trunk", QUARANTINE, (net.vlan,)),
                     frozenset({(model.NOT_QUARANTINED, crit, None)}))

    makers = [foreign_on_quarantined, breach_on_trunk, stray_vlan,
              wrong_native, wrong_mode, every_vlan, shut_down, lost_tagged,
              spare_patched, owner_trunk]
    return [make(sw) for make, sw in zip(makers, switches, strict=False)]


# -- building it through the API -------------------------------------------


def _configure(directory: str, workers: int) -> Any:
    """A fresh migrated database, CONF pointing at it; return the API app."""
    helpers.configure(f"sqlite:///{directory}/bench.sqlite",
                      auth_strategy="noauth",
                      api__default_resource_type="standalone_node",
                      networking__vlan_ranges=[f"{PHYSNET}:100:199"],
                      networking__quarantine_vlans=[
                          f"{PHYSNET}:{QUARANTINE}"],
                      networking__batch_size=1000,
                      audit__switch_workers=workers)
    migration.upgrade()
    from esi_leap.api import app as api_app
    from esi_leap.conf import CONF
    return api_app.build_app(CONF)


def _ok(resp: Any, status: int) -> Any:
    if resp.status_int != status:
        raise SystemExit(f"unexpected {resp.status_int}: {resp.text}")
    return resp.json


def _lease_all(leases: list[str]) -> None:
    """Activate the leases with the manager's reconciler."""
    from esi_leap.manager import service
    manager = service.Manager(HOST)
    try:
        for _ in range(100):
            manager.reconcile()
            with _session() as session:
                pending = session.scalar(
                    sa.select(sa.func.count()).select_from(models.Lease)
                    .where(models.Lease.status != "active"))
            if not pending:
                return
        raise SystemExit(f"{pending} of {len(leases)} leases not active")
    finally:
        manager.stop()


@contextlib.contextmanager
def _session() -> Iterator[Any]:
    from esi_leap.db import api as db_api
    with db_api.reader() as session:
        yield session


def build(app: Any, bodies: dict[str, dict[str, Any]],
          ports_per_switch: int) -> Plan:
    """Register switches, nodes, ports, leases, networks and attachments
    through the API and put the ports on their VLANs with the manager's
    applier; return what each port should carry."""
    client = helpers.ApiClient(app)
    admin = client.as_(ADMIN, "admin")
    for body in bodies.values():
        _ok(admin.post("/v1/switches", body), 201)
    names = port_names(ports_per_switch)
    nodes: list[tuple[str, str, list[str]]] = []  # (uuid, owner, ports)
    for switch in bodies:
        for j in range(ports_per_switch // NICS):
            owner = OWNERS[len(nodes) % len(OWNERS)]
            node = _ok(admin.post("/v1/nodes", {
                "name": f"{switch}-n{j + 1:02d}", "owner": owner}),
                201)["uuid"]
            for i in range(NICS):
                _ok(admin.post("/v1/ports", {
                    "node": node, "name": f"eth{i}", "switch": switch,
                    "switch_port": names[j * NICS + i]}), 201)
            nodes.append((node, owner, [switch]))
    networks: dict[tuple[str, str], Net] = {}
    for project, net_names in [*((p, ("prov", "storage")) for p in LESSEES),
                               *((p, ("ops",)) for p in OWNERS)]:
        for name in net_names:
            body = _ok(client.as_(project).post("/v1/networks",
                                                {"name": name}), 201)
            networks[(project, name)] = Net(body["uuid"], project,
                                            int(body["vlan"]))
    holders: dict[str, str] = {}
    leases: list[str] = []
    for k, (node, owner, _) in enumerate(nodes):
        if k % 5 == 4:
            holders[node] = owner
            continue
        lessee = LESSEES[len(leases) % len(LESSEES)]
        leases.append(_ok(admin.post("/v1/leases", {
            "resource_uuid": node, "project_id": lessee}), 201)["uuid"])
        holders[node] = lessee
    _lease_all(leases)
    return _attach(client, networks, nodes, holders, names)


def _attach(client: helpers.ApiClient, networks: dict[tuple[str, str], Net],
            nodes: list[tuple[str, str, list[str]]],
            holders: dict[str, str], names: list[str]) -> Plan:
    """Attach the ports (the holders' calls), in two waves: a port takes
    one network action at a time, so each wave is applied before the
    next."""
    plan: list[PortPlan] = []
    waves: list[list[tuple[helpers.ApiClient, str, dict[str, str]]]] = [
        [], []]
    per_switch: collections.Counter[str] = collections.Counter()
    for node, owner, (switch,) in nodes:
        holder = holders[node]
        leased = holder != owner
        base = per_switch[switch] * NICS
        per_switch[switch] += 1
        if leased:
            prov, storage = (networks[(holder, n)]
                             for n in ("prov", "storage"))
            wanted: list[tuple[Net | None, tuple[Net, ...]]] = [
                (prov, ()), (storage, ()), (None, (prov, storage)),
                (None, ())]
        else:
            wanted = [(networks[(holder, "ops")], ())] + [(None, ())] * 3
        as_holder = client.as_(holder)
        for i, (native, tagged) in enumerate(wanted):
            path = f"/v1/nodes/{node}/ports/eth{i}/networks"
            bodies = ([{"network": native.uuid, "mode": "native"}]
                      if native else []) + [
                {"network": net.uuid, "mode": "tagged"} for net in tagged]
            for number, body in enumerate(bodies):
                waves[number].append((as_holder, path, body))
            plan.append(PortPlan(switch, names[base + i], node, holder,
                                 leased, native, tagged))
    switches = sorted({p.switch for p in plan})
    for wave in waves:
        for caller, path, body in wave:
            _ok(caller.post(path, body), 202)
        apply_all(switches)
    return Plan(plan, networks)


def apply_all(switches: list[str]) -> None:
    """Run the manager's applier on every switch (in parallel, as
    ``Manager.reconcile`` does) until nothing is due; check every action
    is done."""
    def drain(switch: str) -> None:
        while network_actions.run_switch(switch, HOST):
            pass

    with concurrent.futures.ThreadPoolExecutor(len(switches)) as pool:
        list(pool.map(drain, switches))
    with _session() as session:
        statuses = dict(session.execute(
            sa.select(models.NetworkAction.status, sa.func.count())
            .group_by(models.NetworkAction.status)).all())
    if set(statuses) != {"done"}:
        raise SystemExit(f"network actions not all done: {statuses}")


# -- auditing -------------------------------------------------------------


@dataclasses.dataclass
class AuditRun:
    switch: str
    label: str
    workers: int
    seconds: float
    phases: dict[str, float]
    ports_checked: int
    severities: dict[str, int]
    new_findings: int
    open_findings: int
    missing: list[str]
    unexpected: list[str]
    same_findings: bool | None = None


class PhaseTimer:
    """Wraps the audit's phases (module attributes the runner looks up at
    call time) to time them."""

    PHASES = (("read switches", runner, "_read_all"),
              ("intended state", intended, "snapshot"),
              ("store findings", db_audits, "sync_findings"))

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._gc_started = 0.0
        self.gc_seconds = 0.0
        self.gc_runs: collections.Counter[int] = collections.Counter()

    def _gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.gc_seconds += time.perf_counter() - self._gc_started
            self.gc_runs[info["generation"]] += 1

    @contextlib.contextmanager
    def installed(self) -> Iterator[PhaseTimer]:
        originals = [(mod, attr, getattr(mod, attr))
                     for _, mod, attr in self.PHASES]
        for (label, mod, attr), (_, _, original) in zip(
                self.PHASES, originals, strict=True):
            setattr(mod, attr, self._timed(label, original))
        gc.callbacks.append(self._gc)
        try:
            yield self
        finally:
            gc.callbacks.remove(self._gc)
            for mod, attr, original in originals:
                setattr(mod, attr, original)

    def _timed(self, label: str, func: Callable[..., Any]
               ) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + (
                    time.perf_counter() - started)
        return wrapper


def audit(switch: str, label: str, workers: int, drifts: list[Drift],
          profile: cProfile.Profile | None = None) -> AuditRun:
    """Create an audit of every switch, run it as a manager does, time
    it and check its findings."""
    from esi_leap.conf import CONF
    CONF.set_override("switch_workers", workers, group="audit")
    created = db_audits.audit_create("api", None)
    timer = PhaseTimer()
    with timer.installed():
        if profile is not None:
            profile.enable()
        started = time.perf_counter()
        uuid = runner.run_pending(HOST)
        seconds = time.perf_counter() - started
        if profile is not None:
            profile.disable()
    if uuid != created.uuid:
        raise SystemExit(f"ran audit {uuid}, not {created.uuid}")
    done = db_audits.audit_get(uuid)
    assert done is not None
    if done.status != db_audits.DONE:
        raise SystemExit(f"audit {uuid} {done.status}: {done.message}")
    summary = done.summary or {}
    found = db_audits.finding_list(db_audits.FindingFilters(
        status=db_audits.OPEN, last_audit_uuid=uuid))
    missing, unexpected = check_findings(found, drifts)
    phases = dict(timer.seconds)
    phases["other"] = seconds - sum(phases.values())
    phases["gc"] = timer.gc_seconds
    print(f"  {switch:4} {label:26} workers={workers:<3} {seconds:7.2f} s"
          f"  ports={summary.get('ports_checked')} "
          f"{summary.get('severities')} new="
          f"{len(summary.get('new_findings', []))} gc={timer.gc_seconds:.2f}"
          f" s {dict(timer.gc_runs)} objects={len(gc.get_objects())}",
          flush=True)
    return AuditRun(
        switch=switch, label=label, workers=workers, seconds=seconds,
        phases=phases, ports_checked=int(summary.get("ports_checked", 0)),
        severities=dict(summary.get("severities") or {}),
        new_findings=len(summary.get("new_findings") or []),
        open_findings=len(found), missing=missing, unexpected=unexpected)


def check_findings(found: list[models.Finding], drifts: list[Drift]
                   ) -> tuple[list[str], list[str]]:
    """(expected findings not found, non-match findings not expected)."""
    seen = {(f.switch, f.switch_port, f.kind, f.severity, f.vlan)
            for f in found if f.kind != model.MATCH}
    wanted = {(d.switch, d.port, kind, severity, vlan)
              for d in drifts for kind, severity, vlan in d.expected}
    missing = [f"{d.switch} {d.port} ({d.what}): {kind}/{severity}"
               f"{'' if vlan is None else f' VLAN {vlan}'}"
               for d in drifts for kind, severity, vlan in sorted(
                   d.expected, key=str)
               if (d.switch, d.port, kind, severity, vlan) not in seen]
    unexpected = [f"{s} {p}: {k}/{sev}{'' if v is None else f' VLAN {v}'}"
                  for s, p, k, sev, v in sorted(seen - wanted, key=str)]
    return missing, unexpected


def finding_rows() -> int:
    """Findings stored, of every status."""
    with _session() as session:
        return int(session.scalar(
            sa.select(sa.func.count()).select_from(models.Finding)) or 0)


def drift_finding_uuids(drifts: list[Drift]) -> set[str]:
    places = {(d.switch, d.port) for d in drifts}
    return {f.uuid for f in db_audits.open_findings()
            if f.kind != model.MATCH and (f.switch, f.switch_port) in places}


def audit_series(kind: str, drifts: list[Drift],
                 extra: Callable[[], list[AuditRun]] | None = None
                 ) -> list[AuditRun]:
    """First audit, second audit right after, then one switch at a
    time."""
    first = audit(kind, "first audit", 10, drifts)
    before, rows = drift_finding_uuids(drifts), finding_rows()
    second = audit(kind, "second audit (refresh)", 10, drifts)
    second.same_findings = (drift_finding_uuids(drifts) == before
                            and finding_rows() == rows
                            and second.new_findings == 0)
    serial = audit(kind, "refresh, one switch at a time", 1, drifts)
    return [first, second, serial] + (extra() if extra else [])


# -- fake switches -----------------------------------------------------------


def fake_bodies(switches: list[str], ports: int) -> dict[str, dict[str, Any]]:
    bodies = {}
    for index, name in enumerate(switches):
        listed = port_names(ports) + [UPLINK] + ([SPARE] if index == 8
                                                 else [])
        bodies[name] = {
            "name": name, "driver": "fake", "physical_network": PHYSNET,
            "connection": {"ports": ",".join(listed),
                           "audit_ignore_ports": UPLINK}}
    return bodies


def fake_state(state: PortState) -> dict[str, Any]:
    tagged: Any = "all" if state.tagged is None else list(state.tagged)
    return {"mode": state.mode, "native_vlan": state.native,
            "tagged_vlans": tagged, "admin_up": state.admin_up}


def set_fake_delays(app: Any, bodies: dict[str, dict[str, Any]],
                    session_delay: float, command_delay: float) -> None:
    admin = helpers.ApiClient(app).as_(ADMIN, "admin")
    for name, body in bodies.items():
        connection = {**body["connection"],
                      "session_delay": str(session_delay),
                      "command_delay": str(command_delay)}
        _ok(admin.request("PATCH", f"/v1/switches/{name}",
                          {"connection": connection}), 200)


def run_fake(args: argparse.Namespace) -> list[AuditRun]:
    switches = switch_names(args.switches)
    fake.reset()
    with tempfile.TemporaryDirectory(prefix="esi-leap-bench-audit-") as tmp:
        app = _configure(tmp, 10)
        bodies = fake_bodies(switches, args.ports)
        for name in switches:
            # Enrolled switches: every node port on the quarantine VLAN.
            for port in port_names(args.ports):
                fake.set_port(name, port, fake_state(PortState(
                    native=QUARANTINE)))
        started = time.perf_counter()
        plan = build(app, bodies, args.ports)
        print(f"  fake setup: {len(plan.ports)} ports through the API and "
              f"the applier in {time.perf_counter() - started:.1f} s",
              flush=True)
        for name in switches:
            fake.set_port(name, UPLINK, fake_state(PortState(
                "trunk", 1, None)))
        drifts = make_drifts(plan, switches)
        for drift in drifts:
            fake.set_port(drift.switch, drift.port, fake_state(drift.state))
        set_fake_delays(app, bodies, args.session_delay, args.command_delay)

        def no_delay() -> list[AuditRun]:
            set_fake_delays(app, bodies, 0.0, 0.0)
            runs = [audit("fake", "refresh, no switch delay", 10, drifts)]
            if args.profile:
                profile = cProfile.Profile()
                runs.append(audit("fake", "refresh, no delay, cProfile",
                                  10, drifts, profile))
                report_profile(profile, args.profile)
            return runs

        runs = audit_series("fake", drifts, no_delay)
        from esi_leap.db import api as db_api
        db_api.reset()
    fake.reset()
    return runs


def report_profile(profile: cProfile.Profile, path: str,
                   what: str = "one audit") -> None:
    """Print the top costs of ``profile`` and keep its stats in
    ``path``."""
    profile.dump_stats(path)
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        stats.strip_dirs().sort_stats(key).print_stats(25)
        print(f"\n  cProfile of {what}, by {key} (stats in {path}):")
        print("\n".join("    " + line for line in
                        out.getvalue().splitlines()[:60]
                        if line.strip()), flush=True)


# -- Open vSwitch -------------------------------------------------------------


def ovs_unavailable() -> str | None:
    """Why the OVS labs cannot run here (None when they can)."""
    from tests.integration.switchlab import missing_prerequisites
    missing = missing_prerequisites()
    if missing:
        return "the switch lab needs " + ", ".join(missing)
    if "netmiko_ovs_linux" not in generic_switch.known_device_types():
        return "networking-generic-switch is not installed"
    if generic_switch.GenericSwitchDriver.read_ports is \
            SwitchDriver.read_ports:
        return "the generic_switch driver cannot read ports back yet"
    return None


def ovs_port_args(port: str, state: PortState) -> list[str]:
    """``ovs-vsctl`` arguments that give ``port`` ``state``'s VLANs."""
    if state.tagged is None:
        return ["clear", "port", port, "tag", "--", "clear", "port", port,
                "vlan_mode", "--", "clear", "port", port, "trunks"]
    if state.mode == "access":
        return ["set", "port", port, f"tag={state.native}",
                "vlan_mode=access", "--", "clear", "port", port, "trunks"]
    return ["set", "port", port, f"tag={state.native}",
            "vlan_mode=native-untagged",
            "trunks=" + ",".join(map(str, state.tagged))]


def _start_lab() -> Any:
    from tests.integration.switchlab import SwitchLab
    return SwitchLab(quarantine_vlan=QUARANTINE).start()


@contextlib.contextmanager
def ovs_labs(switches: list[str], ports: int) -> Iterator[dict[str, Any]]:
    """One switch lab (ovsdb-server, ovs-vswitchd, sshd) per switch, with
    ``ports`` internal ports on the quarantine VLAN and an uplink that
    carries every VLAN (leaf-09 also has a spare port)."""
    labs: dict[str, Any] = {}
    try:
        with concurrent.futures.ThreadPoolExecutor(
                LAB_START_WORKERS) as pool:
            futures = {name: pool.submit(_start_lab) for name in switches}
            for name, future in futures.items():
                labs[name] = future.result()
        for index, lab in enumerate(labs.values()):
            names = port_names(ports) + ([SPARE] if index == 8 else [])
            args = ["add-port", lab.bridge, UPLINK, "--", "set", "interface",
                    UPLINK, "type=internal"]
            for port in names:
                args += ["--", "add-port", lab.bridge, port,
                         f"tag={QUARANTINE}", "vlan_mode=access", "--", "set",
                         "interface", port, "type=internal"]
            lab.vsctl(*args)
            _links_up(lab, [UPLINK, *names])
        yield labs
    finally:
        for lab in labs.values():
            lab.close()


def _links_up(lab: Any, ports: list[str]) -> None:
    """Bring internal ports up (Open vSwitch creates them down, which the
    read-back reports as administratively down)."""
    batch = os.path.join(lab.workdir, "links-up")
    with open(batch, "w") as f:
        f.writelines(f"link set {port} up\n" for port in ports)
    lab._run(["ip", "-n", lab.switch_namespace, "-batch", batch])


def ovs_bodies(labs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: {
        "name": name, "driver": "generic_switch",
        "device_type": "netmiko_ovs_linux", "physical_network": PHYSNET,
        "connection": {**lab.ssh_connection(fast=True),
                       "audit_ignore_ports": UPLINK}}
        for name, lab in labs.items()}


def inject_ovs(lab: Any, drift: Drift) -> None:
    lab.vsctl(*ovs_port_args(drift.port, drift.state))
    if not drift.state.admin_up:
        lab._run(["ip", "-n", lab.switch_namespace, "link", "set",
                  drift.port, "down"])


def profile_ovs_read(switch: str, ports: list[str], path: str) -> None:
    """cProfile one read-back of one switch, as the audit asks for it, in
    this thread."""
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    observed, error = runner.read_switch(switch, ports)
    profile.disable()
    seconds = time.perf_counter() - started
    if observed is None:
        raise SystemExit(f"cannot read {switch}: {error}")
    print(f"\n  ovs  one read-back of {switch} ({len(observed)} ports) in "
          f"{seconds:.2f} s", flush=True)
    report_profile(profile, path, "one Open vSwitch read-back")


def run_ovs(args: argparse.Namespace) -> list[AuditRun]:
    switches = switch_names(args.switches)
    started = time.perf_counter()
    with ovs_labs(switches, args.ports) as labs, \
            tempfile.TemporaryDirectory(prefix="esi-leap-bench-audit-") as tmp:
        print(f"  ovs  {len(labs)} Open vSwitch labs started in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        app = _configure(tmp, 10)
        bodies = ovs_bodies(labs)
        # Import networking-generic-switch (about 1.5 s) before timing.
        first = bodies[switches[0]]
        generic_switch.GenericSwitchDriver(SwitchConfig(
            name=first["name"], driver="generic_switch",
            device_type="netmiko_ovs_linux",
            connection=first["connection"])).device()
        started = time.perf_counter()
        plan = build(app, bodies, args.ports)
        print(f"  ovs  setup: {len(plan.ports)} ports through the API and "
              f"the applier in {time.perf_counter() - started:.1f} s",
              flush=True)
        drifts = make_drifts(plan, switches)
        for drift in drifts:
            inject_ovs(labs[drift.switch], drift)
        sessions = generic_switch.GenericSwitchDriver.sessions_opened
        runs = audit_series("ovs", drifts)
        used = generic_switch.GenericSwitchDriver.sessions_opened - sessions
        print(f"  ovs  {used} SSH sessions for {len(runs)} audits",
              flush=True)
        if args.profile:
            profile_ovs_read(switches[0], port_names(args.ports),
                             args.profile + ".ovs-read")
        from esi_leap.db import api as db_api
        db_api.reset()
    return runs


# -- main ---------------------------------------------------------------------


def print_table(runs: list[AuditRun]) -> None:
    print()
    print(f"{'switch':6} {'audit':30} {'workers':>7} {'wall s':>7} "
          f"{'read s':>7} {'intent s':>8} {'store s':>7} {'other s':>7} "
          f"{'gc s':>5} {'ports':>5} {'new':>5}  findings")
    for r in runs:
        print(f"{r.switch:6} {r.label:30} {r.workers:>7} {r.seconds:>7.2f} "
              f"{r.phases.get('read switches', 0):>7.2f} "
              f"{r.phases.get('intended state', 0):>8.2f} "
              f"{r.phases.get('store findings', 0):>7.2f} "
              f"{r.phases.get('other', 0):>7.2f} "
              f"{r.phases.get('gc', 0):>5.2f} "
              f"{r.ports_checked:>5} {r.new_findings:>5}  "
              + ", ".join(f"{n} {s}" for s, n in r.severities.items()))


def failures(runs: list[AuditRun]) -> list[str]:
    problems = []
    for r in runs:
        where = f"{r.switch} {r.label}"
        problems += [f"{where}: not found: {m}" for m in r.missing]
        problems += [f"{where}: unexpected: {u}" for u in r.unexpected]
        if r.same_findings is False:
            problems.append(f"{where}: findings were not refreshed in "
                            "place (new ones opened)")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--switches", type=int, default=10)
    parser.add_argument("--ports", type=int, default=100,
                        help="node ports per switch (a multiple of 4)")
    parser.add_argument("--session-delay", type=float, default=1.0,
                        help="fake switch: seconds to open a session")
    parser.add_argument("--command-delay", type=float, default=0.5,
                        help="fake switch: seconds per command (a read-back "
                             "is one command)")
    parser.add_argument("--only", choices=("fake", "ovs"))
    parser.add_argument("--profile", metavar="FILE",
                        help="cProfile one more fake audit (no delay) and "
                             "one Open vSwitch read-back; write the stats "
                             "to FILE and FILE.ovs-read")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    if args.ports % NICS or not 1 <= args.switches:
        parser.error(f"--ports must be a multiple of {NICS}")
    logging.getLogger("esi_leap.api.auth").setLevel(logging.ERROR)
    print(f"Audit of {args.switches} switches x {args.ports} ports; Python "
          f"{platform.python_version()}, {os.cpu_count()} CPUs", flush=True)
    runs: list[AuditRun] = []
    if args.only in (None, "fake"):
        runs += run_fake(args)
    if args.only in (None, "ovs"):
        why = ovs_unavailable()
        if why:
            print(f"  ovs  skipped: {why}", flush=True)
        else:
            runs += run_ovs(args)
    print_table(runs)
    if args.json:
        with open(args.json, "w") as f:
            json.dump([dataclasses.asdict(r) for r in runs], f, indent=2)
    problems = failures(runs)
    for problem in problems[:MAX_SHOWN]:
        print(f"FAILED: {problem}")
    if len(problems) > MAX_SHOWN:
        print(f"FAILED: ... and {len(problems) - MAX_SHOWN} more")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
