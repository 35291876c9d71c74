#!/usr/bin/env python3
"""Switch benchmark: 100 port changes on one switch, batched versus one at
a time, and the number of switch sessions each used.

For each scenario the script makes a fresh SQLite database (in a temporary
directory), builds the real API application in-process (noauth) and, as an
admin and a node owner, registers a switch, one standalone node with
``--changes`` ports cabled to it, and a network; the owner then attaches
every port to the network (``POST /v1/nodes/{node}/ports/{port}/networks``),
which queues one network action per port. The manager's real applier
(:func:`esi_leap.manager.network_actions.run_switch`, what
``Manager.reconcile`` runs for each switch with due actions) is then called
until nothing is due, and timed. ``[networking] batch_size`` is
``--batch`` (100) for "batched" and 1 for "one at a time"; everything else
is the default configuration. A third run uses the shipped default
``batch_size`` (50) when it differs from both.

Switches:

``fake``
    the in-memory driver with a realistic cost per session (``--session-
    delay``, an SSH login and prompt, 1.0 s) and per change
    (``--command-delay``, 0.05 s); sessions counted by
    ``esi_leap.drivers.switches.fake.sessions_opened``.
``ovs``
    a real Open vSwitch (userspace datapath, the test suite's switch lab)
    driven by the ``generic_switch`` driver (networking-generic-switch's
    ``netmiko_ovs_linux`` over SSH on loopback); sessions counted by
    ``GenericSwitchDriver.sessions_opened``. Needs root and the Open
    vSwitch tools; skipped with the reason printed otherwise.

After each run the switch is read back: every port must carry the
network's VLAN, and every action must be ``done``.

    .venv/bin/python benchmarks/bench_switch_batches.py [--only fake|ovs]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

from esi_leap.db import migration  # noqa: E402
from esi_leap.drivers.switches import fake  # noqa: E402
from esi_leap.drivers.switches import generic_switch  # noqa: E402
from esi_leap.drivers.switches.base import SwitchConfig  # noqa: E402
from esi_leap.manager import network_actions  # noqa: E402
from tests import helpers  # noqa: E402

ADMIN = "d" * 31 + "1"
OWNER = "a" * 31 + "1"
PHYSNET = "physnet1"
QUARANTINE = 999
SWITCH = "bench-sw"
HOST = "bench-manager"


@dataclasses.dataclass
class Result:
    switch: str
    mode: str
    batch_size: int
    changes: int
    sessions: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.changes / self.seconds if self.seconds else float("inf")


@dataclasses.dataclass
class SwitchUnderTest:
    """How to register the switch, name its ports, count its sessions and
    read its ports' VLANs back."""

    label: str
    body: dict[str, Any]
    port_names: list[str]
    sessions: Callable[[], int]
    readback: Callable[[], dict[str, int | None]]
    reset: Callable[[], None]


def _configure(directory: str, batch_size: int) -> Any:
    """A fresh migrated database, CONF pointing at it; return the API app."""
    helpers.configure(f"sqlite:///{directory}/bench.sqlite",
                      auth_strategy="noauth",
                      api__default_resource_type="standalone_node",
                      networking__vlan_ranges=[f"{PHYSNET}:100:199"],
                      networking__quarantine_vlans=[
                          f"{PHYSNET}:{QUARANTINE}"],
                      networking__batch_size=batch_size)
    migration.upgrade()
    from esi_leap.api import app as api_app
    from esi_leap.conf import CONF
    return api_app.build_app(CONF)


def _ok(resp: Any, status: int) -> Any:
    if resp.status_int != status:
        raise SystemExit(f"unexpected {resp.status_int}: {resp.text}")
    return resp.json


def _queue_changes(app: Any, sut: SwitchUnderTest) -> tuple[int, int]:
    """Register everything and queue one attach per port, through the
    API; return (queued actions, the network's VLAN)."""
    client = helpers.ApiClient(app)
    admin, owner = client.as_(ADMIN, "admin"), client.as_(OWNER)
    _ok(admin.post("/v1/switches", sut.body), 201)
    node = _ok(admin.post("/v1/nodes", {"name": "bench-node",
                                        "owner": OWNER}), 201)["uuid"]
    ports = [_ok(admin.post("/v1/ports", {
        "node": node, "name": f"nic{i}", "switch": SWITCH,
        "switch_port": name}), 201)["uuid"]
        for i, name in enumerate(sut.port_names)]
    network = _ok(owner.post("/v1/networks", {"name": "bench-net"}), 201)
    for port in ports:
        _ok(owner.post(f"/v1/nodes/{node}/ports/{port}/networks",
                       {"network": network["uuid"], "mode": "native"}), 202)
    return len(ports), int(network["vlan"])


def _apply_all() -> int:
    """Run the manager's applier on the switch until nothing is due;
    return the number of batches."""
    batches = 0
    while network_actions.run_switch(SWITCH, HOST):
        batches += 1
    return batches


def _check(app: Any, sut: SwitchUnderTest, vlan: int, changes: int) -> None:
    admin = helpers.ApiClient(app).as_(ADMIN, "admin")
    actions = _ok(admin.get("/v1/network_actions"), 200)["network_actions"]
    statuses = sorted({a["status"] for a in actions})
    if len(actions) != changes or statuses != ["done"]:
        raise SystemExit(f"actions not all done: {len(actions)} {statuses}")
    tags = sut.readback()
    wrong = {p: tags.get(p) for p in sut.port_names if tags.get(p) != vlan}
    if wrong:
        raise SystemExit(f"ports not on VLAN {vlan}: {wrong}")


def run(sut: SwitchUnderTest, mode: str, batch_size: int) -> Result:
    sut.reset()
    with tempfile.TemporaryDirectory(prefix="esi-leap-bench-sw-") as tmp:
        app = _configure(tmp, batch_size)
        changes, vlan = _queue_changes(app, sut)
        sessions_before = sut.sessions()
        started = time.perf_counter()
        batches = _apply_all()
        seconds = time.perf_counter() - started
        sessions = sut.sessions() - sessions_before
        _check(app, sut, vlan, changes)
        from esi_leap.db import api as db_api
        db_api.reset()
    print(f"  {sut.label:5} {mode:15} batch_size={batch_size:<4} "
          f"batches={batches:<4} sessions={sessions:<4} "
          f"{seconds:7.2f} s", flush=True)
    return Result(sut.label, mode, batch_size, changes, sessions, seconds)


# -- the switches ----------------------------------------------------------


def fake_switch(changes: int, session_delay: float,
                command_delay: float) -> SwitchUnderTest:
    names = [f"swp{i}" for i in range(1, changes + 1)]

    def readback() -> dict[str, int | None]:
        return {p: s["native_vlan"]
                for p, s in fake.port_states(SWITCH).items()}

    return SwitchUnderTest(
        label="fake",
        body={"name": SWITCH, "driver": "fake", "physical_network": PHYSNET,
              "connection": {"ports": ",".join(names),
                             "session_delay": str(session_delay),
                             "command_delay": str(command_delay)}},
        port_names=names,
        sessions=lambda: fake.sessions_opened(SWITCH),
        readback=readback,
        reset=lambda: fake.reset(SWITCH))


def ovs_unavailable() -> str | None:
    """Why the OVS lab cannot run here (None when it can)."""
    from tests.integration.switchlab import missing_prerequisites
    missing = missing_prerequisites()
    if missing:
        return "the switch lab needs " + ", ".join(missing)
    if "netmiko_ovs_linux" not in generic_switch.known_device_types():
        return "networking-generic-switch is not installed"
    return None


@contextlib.contextmanager
def ovs_switch(changes: int) -> Iterator[SwitchUnderTest]:
    """The switch lab's Open vSwitch with ``changes`` internal ports on
    the quarantine VLAN (no namespaces: only the switch's state matters)."""
    from tests.integration.switchlab import SwitchLab
    with SwitchLab(quarantine_vlan=QUARANTINE) as lab:
        names = [f"bp{i}" for i in range(1, changes + 1)]
        args: list[str] = []
        for name in names:
            args += ["--", "add-port", lab.bridge, name, f"tag={QUARANTINE}",
                     "vlan_mode=access", "--", "set", "interface", name,
                     "type=internal"]
        lab.vsctl(*args[1:])

        def readback() -> dict[str, int | None]:
            rows = json.loads(lab.vsctl("--format=json", "--columns=name,tag",
                                        "list", "port"))["data"]
            return {name: tag if isinstance(tag, int) else None
                    for name, tag in rows}

        def reset() -> None:
            lab.vsctl(*[arg for name in names for arg in
                        ("--", "set", "port", name, f"tag={QUARANTINE}")][1:])

        connection = lab.ssh_connection(fast=True)
        body = {"name": SWITCH, "driver": "generic_switch",
                "device_type": "netmiko_ovs_linux",
                "physical_network": PHYSNET, "connection": connection}
        # Import networking-generic-switch (about 1.5 s) before timing.
        generic_switch.GenericSwitchDriver(SwitchConfig(
            name=SWITCH, driver="generic_switch",
            device_type="netmiko_ovs_linux",
            connection=connection)).device()
        yield SwitchUnderTest(
            label="ovs", body=body,
            port_names=names,
            sessions=lambda: generic_switch.GenericSwitchDriver
            .sessions_opened,
            readback=readback, reset=reset)


def default_batch_size() -> int:
    """``[networking] batch_size`` as shipped."""
    from esi_leap.conf import networking
    (opt,) = [o for o in networking.opts if o.name == "batch_size"]
    return int(opt.default)


def scenarios(sut: SwitchUnderTest, batch: int) -> list[Result]:
    results = [run(sut, "batched", batch)]
    default = default_batch_size()
    if default not in (batch, 1):
        results.append(run(sut, "default batch", default))
    return results + [run(sut, "one at a time", 1)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--batch", type=int, default=100,
                        help="[networking] batch_size when batched")
    parser.add_argument("--session-delay", type=float, default=1.0,
                        help="fake switch: seconds to open a session")
    parser.add_argument("--command-delay", type=float, default=0.05,
                        help="fake switch: seconds per port change")
    parser.add_argument("--only", choices=("fake", "ovs"))
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    # The in-process API warns that noauth is unsafe, once per database.
    logging.getLogger("esi_leap.api.auth").setLevel(logging.ERROR)

    print(f"{args.changes} port changes on one switch; Python "
          f"{platform.python_version()}, {os.cpu_count()} CPUs", flush=True)
    results: list[Result] = []
    if args.only in (None, "fake"):
        results += scenarios(fake_switch(args.changes, args.session_delay,
                                         args.command_delay), args.batch)
    if args.only in (None, "ovs"):
        why = ovs_unavailable()
        if why:
            print(f"  ovs   skipped: {why}")
        else:
            with ovs_switch(args.changes) as sut:
                results += scenarios(sut, args.batch)

    print()
    print(f"{'switch':6} {'mode':14} {'batch_size':>10} {'changes':>8} "
          f"{'sessions':>9} {'wall s':>8} {'changes/s':>10}")
    for r in results:
        print(f"{r.switch:6} {r.mode:14} {r.batch_size:>10} {r.changes:>8} "
              f"{r.sessions:>9} {r.seconds:>8.2f} {r.rate:>10.1f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump([{**dataclasses.asdict(r), "changes_per_s": r.rate}
                       for r in results], f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
