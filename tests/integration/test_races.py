"""Races between real processes on real databases.

* Double booking: ``esi-leap-api`` with 4 worker processes, 16 client
  processes (``race_client.py``) claiming overlapping windows of the same
  offers, then creating overlapping leases on the same nodes. Every contested
  window must give exactly one 201 and fifteen 409s, never a 5xx, and the
  database must hold no two booked leases that overlap on one node. Run on
  PostgreSQL and MariaDB.
* Double fulfilment: two ``esi-leap-manager`` processes on one PostgreSQL
  database fulfil 120 due leases; each lease gets exactly one
  ``fulfill.start`` and one ``fulfill.end`` event.

Everything runs as subprocesses started with the console scripts and a
configuration file, as in a deployment; every process group is killed at
teardown whatever happens.
"""

import collections
import datetime
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from sqlalchemy import pool

from tests.conftest import ADMIN_PROJECT
from tests.conftest import OWNER

pytestmark = [pytest.mark.integration, pytest.mark.slow]

BIN = pathlib.Path(sys.executable).parent
CLIENT = pathlib.Path(__file__).with_name("race_client.py")

API_WORKERS = 4
CLIENTS = 16
OFFERED_NODES = 6      # nodes with an offer, raced through claims
LEASED_NODES = 4       # nodes without offers, raced through POST /v1/leases
WINDOWS_PER_NODE = 4   # disjoint contested windows per node
MANAGED_LEASES = 120   # due leases the two managers race to fulfil

BOOKED = ("created", "active", "wait fulfill", "wait expire", "wait cancel",
          "error")
DB_PORTS = {"postgresql": 5432, "mysql": 3306}


# -- processes --------------------------------------------------------------

class Processes:
    """Subprocesses, each leading its own process group, killed at the end.

    A process group is signalled only while its leader is not yet reaped
    (``returncode is None``): until then the kernel cannot give its id to
    anyone else, so a signal can never reach another user's process.
    Processes that may have children (the API) are therefore only reaped
    at cleanup, after their whole group has been killed.
    """

    def __init__(self, logdir: pathlib.Path) -> None:
        self.logdir = logdir
        self.procs: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        log = open(self.logdir / f"{name}.log", "wb")  # noqa: SIM115
        try:
            proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL,
                                    start_new_session=True)
        finally:
            log.close()
        self.procs.append((name, proc))
        return proc

    def log(self, name: str) -> str:
        path = self.logdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    @staticmethod
    def exited(proc: subprocess.Popen[bytes]) -> bool:
        """Whether the process ended, without reaping it."""
        if proc.returncode is not None:
            return True
        try:
            info = os.waitid(os.P_PID, proc.pid,
                             os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return True
        return info is not None

    @staticmethod
    def wait(proc: subprocess.Popen[bytes], timeout: float) -> int | None:
        """Reap a process without children; its exit code, or None if it
        still runs after ``timeout``."""
        try:
            return proc.wait(max(0.1, timeout))
        except subprocess.TimeoutExpired:
            return None

    @staticmethod
    def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
        if proc.returncode is not None:
            return  # reaped: the group id may belong to someone else now
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def cleanup(self) -> None:
        for _, proc in self.procs:
            self._signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for _, proc in self.procs:
            while not self.exited(proc) and time.monotonic() < deadline:
                time.sleep(0.05)
        for _, proc in self.procs:
            # Leaders are still unreaped here: this also kills children
            # (API workers) left behind in their groups.
            self._signal_group(proc, signal.SIGKILL)
        for _, proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                pass


@pytest.fixture
def processes(fresh_database_url: str,
              tmp_path: pathlib.Path) -> Iterator[Processes]:
    """Depends on the database so that it is torn down before the drop."""
    procs = Processes(tmp_path)
    try:
        yield procs
    finally:
        procs.cleanup()


# -- configuration and database ---------------------------------------------

def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _write_config(path: pathlib.Path, sections: dict[str, dict[str, Any]]
                  ) -> pathlib.Path:
    lines = []
    for section, values in sections.items():
        lines.append(f"[{section}]")
        lines += [f"{key} = {value}" for key, value in values.items()]
        lines.append("")
    path.write_text("\n".join(lines))
    return path


def _base_config(tmp_path: pathlib.Path, url: str,
                 port: int = 0) -> dict[str, dict[str, Any]]:
    return {
        # No message broker: the race is decided by the database alone,
        # and no local RabbitMQ is used by accident (oslo.messaging's own
        # default transport_url is "rabbit://").
        "DEFAULT": {"auth_strategy": "noauth", "transport_url": "",
                    "http_basic_auth_user_file": tmp_path / "no-users",
                    "debug": "false"},
        "database": {"connection": url},
        "api": {"host_ip": "127.0.0.1", "port": port,
                "api_workers": API_WORKERS,
                "default_resource_type": "standalone_node"},
        "manager": {"reconcile_interval": 0.2},
    }


def _dbsync(config: pathlib.Path) -> None:
    done = subprocess.run(
        [str(BIN / "esi-leap-dbsync"), "--config-file", str(config),
         "upgrade"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def _engine(url: str) -> sa.Engine:
    return sa.create_engine(url, poolclass=pool.NullPool)


def _fmt(value: datetime.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S")


def _overlapping_booked_leases(engine: sa.Engine) -> list[Any]:
    """Pairs of booked leases on one node whose windows overlap."""
    booked = ", ".join(f"'{s}'" for s in BOOKED)
    with engine.connect() as conn:
        return list(conn.execute(sa.text(f"""
            SELECT a.uuid, b.uuid, a.resource_uuid
            FROM leases a JOIN leases b
              ON a.resource_type = b.resource_type
             AND a.resource_uuid = b.resource_uuid
             AND a.id < b.id
            WHERE a.status IN ({booked}) AND b.status IN ({booked})
              AND a.start_time < b.end_time AND b.start_time < a.end_time
        """)))


def _pids_connected_to(pids: list[int], port: int) -> set[int]:
    """Which of ``pids`` hold a TCP connection to ``port`` (Linux /proc)."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = pathlib.Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if int(fields[2].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    found = set()
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                found.add(pid)
                break
    return found


def _children(pid: int) -> list[int]:
    path = pathlib.Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()]


# -- the API and its clients ------------------------------------------------

class Api:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def call(self, method: str, path: str, project: str, roles: str,
             body: Any = None) -> requests.Response:
        return requests.request(
            method, self.base_url + path, json=body, timeout=30,
            headers={"X-Project-Id": project, "X-Roles": roles})


def _start_api(procs: Processes, config: pathlib.Path,
               base_url: str) -> subprocess.Popen[bytes]:
    proc = procs.start("api", [str(BIN / "esi-leap-api"), "--config-file",
                               str(config)])
    deadline = time.monotonic() + 30
    while True:
        assert not procs.exited(proc), \
            f"esi-leap-api exited:\n{procs.log('api')}"
        try:
            if requests.get(base_url + "/healthcheck",
                            timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, \
            f"esi-leap-api not healthy in 30 s:\n{procs.log('api')}"
        time.sleep(0.1)
    # Every worker binds the port itself: wait until all of them exist.
    while len(_children(proc.pid)) < API_WORKERS:
        assert time.monotonic() < deadline, procs.log("api")
        time.sleep(0.1)
    return proc


def _lessee(client: int) -> str:
    return f"{'e' * 30}{client:02x}"


def _race(procs: Processes, tmp_path: pathlib.Path, phase: str,
          base_url: str, plans: list[list[dict[str, Any]]]
          ) -> list[dict[str, Any]]:
    """Run one client process per plan, all starting at once."""
    start_at = time.time() + 2.0 + 0.1 * len(plans)
    clients = []
    for index, plan in enumerate(plans):
        plan_path = tmp_path / f"{phase}-plan-{index}.json"
        result_path = tmp_path / f"{phase}-result-{index}.json"
        plan_path.write_text(json.dumps({
            "base_url": base_url, "start_at": start_at, "requests": plan}))
        name = f"{phase}-client-{index}"
        clients.append((name, result_path, procs.start(
            name, [sys.executable, str(CLIENT), str(plan_path),
                   str(result_path)])))
    deadline = time.monotonic() + 120
    results: list[dict[str, Any]] = []
    for name, result_path, proc in clients:
        try:
            code = proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pytest.fail(f"{name} did not finish in time:\n{procs.log(name)}")
        assert code == 0, f"{name} exited {code}:\n{procs.log(name)}"
        results += json.loads(result_path.read_text())
    return results


def _check_api_alive(procs: Processes, api_proc: subprocess.Popen[bytes],
                     workers: list[int]) -> None:
    assert not procs.exited(api_proc), (
        f"esi-leap-api exited during the race:\n"
        f"{procs.log('api')[-5000:]}")
    alive = _children(api_proc.pid)
    assert sorted(alive) == sorted(workers), (
        f"API workers {workers} but now {alive}:\n"
        f"{procs.log('api')[-5000:]}")


def _check_one_winner(results: list[dict[str, Any]], expected_keys: int,
                      api_log: str) -> list[str]:
    """Exactly one 201 and CLIENTS-1 409s per window; the winners' uuids."""
    by_key: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for result in results:
        by_key[result["key"]].append(result)
    assert len(by_key) == expected_keys
    bad = [r for r in results if r["status"] not in (201, 409)]
    assert not bad, (f"{len(bad)} answers neither 201 nor 409, e.g. "
                     f"{bad[:5]}\nAPI log tail:\n{api_log[-5000:]}")
    # The losers were refused for the clash, not for anything else.
    reasons = [r["detail"] for r in results if r["status"] == 409]
    odd = [d for d in reasons if "Time conflict" not in d
           and "has no availabilities" not in d]
    assert not odd, odd[:5]
    winners = []
    for key, answers in sorted(by_key.items()):
        codes = collections.Counter(r["status"] for r in answers)
        assert codes == {201: 1, 409: CLIENTS - 1}, (key, codes, answers)
        winners += [r["detail"] for r in answers if r["status"] == 201]
    return winners


def _summary(label: str, results: list[dict[str, Any]],
             seconds: float) -> None:
    codes = collections.Counter(r["status"] for r in results)
    slowest = max(r["seconds"] for r in results)
    print(f"\n{label}: {len(results)} requests in {seconds:.1f} s, "
          f"codes {dict(codes)}, slowest {slowest:.2f} s")


@pytest.mark.parametrize("fresh_database_url", ["postgresql", "mysql"],
                         indirect=True)
def test_overlapping_bookings_from_many_processes(
        fresh_database_url: str, processes: Processes,
        tmp_path: pathlib.Path) -> None:
    url = fresh_database_url
    backend = "mysql" if url.startswith("mysql") else "postgresql"
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    config = _write_config(tmp_path / "esi-leap.conf",
                           _base_config(tmp_path, url, port))
    _dbsync(config)
    api_proc = _start_api(processes, config, base_url)
    workers = _children(api_proc.pid)
    assert len(workers) == API_WORKERS
    api = Api(base_url)

    # Seed: nodes owned by OWNER (admin creates them), an offer on some.
    now = datetime.datetime.now(datetime.timezone.utc).replace(
        microsecond=0, tzinfo=None)
    nodes = []
    for index in range(OFFERED_NODES + LEASED_NODES):
        made = api.call("POST", "/v1/nodes", ADMIN_PROJECT, "admin", {
            "name": f"race-node-{index}", "owner": OWNER,
            "resource_class": "baremetal"})
        assert made.status_code == 201, made.text
        nodes.append(made.json()["uuid"])
    offers = []
    for node in nodes[:OFFERED_NODES]:
        made = api.call("POST", "/v1/offers", OWNER, "member", {
            "resource_uuid": node, "start_time": _fmt(now),
            "end_time": _fmt(now + datetime.timedelta(days=20))})
        assert made.status_code == 201, made.text
        offers.append(made.json()["uuid"])
    lease_nodes = nodes[OFFERED_NODES:]

    # Window w of client c: disjoint from every other w; overlapping every
    # other client's window w (the same one for even w, shifted by c * 2
    # minutes for odd w, all two hours long).
    base = now + datetime.timedelta(days=1)

    def window(w: int, client: int) -> dict[str, str]:
        start = base + datetime.timedelta(days=2 * w)
        if w % 2:
            start += datetime.timedelta(minutes=2 * client)
        return {"start_time": _fmt(start),
                "end_time": _fmt(start + datetime.timedelta(hours=2))}

    # Phase 1: claims. All clients go through the windows in one order so
    # that they hit the same window at the same moment.
    claim_plans = [[
        {"key": f"offer-{o}-window-{w}", "method": "POST",
         "path": f"/v1/offers/{offer}/claim",
         "headers": {"X-Project-Id": _lessee(c), "X-Roles": "member"},
         "body": window(w, c)}
        for w in range(WINDOWS_PER_NODE) for o, offer in enumerate(offers)]
        for c in range(CLIENTS)]
    began = time.monotonic()
    claims = _race(processes, tmp_path, "claims", base_url, claim_plans)
    _summary(f"{backend} claims", claims, time.monotonic() - began)
    _check_api_alive(processes, api_proc, workers)
    claim_winners = _check_one_winner(
        claims, OFFERED_NODES * WINDOWS_PER_NODE, processes.log("api"))

    # Phase 2: the owner leases its offer-less nodes directly, to different
    # lessees, with the same overlapping windows.
    lease_plans = [[
        {"key": f"node-{n}-window-{w}", "method": "POST",
         "path": "/v1/leases",
         "headers": {"X-Project-Id": OWNER, "X-Roles": "member"},
         "body": {"resource_uuid": node, "project_id": _lessee(c),
                  **window(w, c)}}
        for w in range(WINDOWS_PER_NODE)
        for n, node in enumerate(lease_nodes)]
        for c in range(CLIENTS)]
    began = time.monotonic()
    direct = _race(processes, tmp_path, "leases", base_url, lease_plans)
    _summary(f"{backend} direct leases", direct, time.monotonic() - began)
    _check_api_alive(processes, api_proc, workers)
    lease_winners = _check_one_winner(
        direct, LEASED_NODES * WINDOWS_PER_NODE, processes.log("api"))

    # Every API worker took part: each holds a pooled database connection.
    served = _pids_connected_to(workers, DB_PORTS[backend])
    print(f"{backend}: API workers {workers}, with a DB connection "
          f"{sorted(served)}")
    assert served == set(workers), (workers, served)

    # The database agrees: the winners exist and nothing overlaps.
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            stored = dict(conn.execute(sa.text(
                "SELECT uuid, offer_uuid FROM leases")).all())
        assert sorted(stored) == sorted(claim_winners + lease_winners)
        assert all(stored[u] in offers for u in claim_winners)
        assert all(stored[u] is None for u in lease_winners)
        assert _overlapping_booked_leases(engine) == []
    finally:
        engine.dispose()


# -- two managers -------------------------------------------------------------

def _seed_leases(engine: sa.Engine, count: int) -> list[str]:
    """``count`` nodes and a lease on each, starting tomorrow."""
    from esi_leap.db import models
    now = datetime.datetime.now(datetime.timezone.utc)
    nodes, leases = [], []
    for index in range(count):
        node_uuid, lease_uuid = str(uuid.uuid4()), str(uuid.uuid4())
        nodes.append({"uuid": node_uuid, "name": f"due-node-{index}",
                      "owner_id": OWNER, "maintenance": False,
                      "properties": {}})
        leases.append({
            "uuid": lease_uuid, "project_id": _lessee(index % CLIENTS),
            "owner_id": OWNER, "resource_type": "standalone_node",
            "resource_uuid": node_uuid, "status": "created",
            "start_time": now + datetime.timedelta(days=1),
            "end_time": now + datetime.timedelta(days=2),
            "properties": {}})
    with engine.begin() as conn:
        conn.execute(sa.insert(models.Node.__table__), nodes)
        conn.execute(sa.insert(models.Lease.__table__), leases)
    return [lease["uuid"] for lease in leases]


@pytest.mark.parametrize("fresh_database_url", ["postgresql"],
                         indirect=True)
def test_two_managers_fulfil_each_lease_once(
        fresh_database_url: str, processes: Processes,
        tmp_path: pathlib.Path) -> None:
    url = fresh_database_url
    config = _write_config(tmp_path / "esi-leap.conf",
                           _base_config(tmp_path, url))
    _dbsync(config)
    engine = _engine(url)
    try:
        lease_uuids = _seed_leases(engine, MANAGED_LEASES)
        hosts = ("race-manager-a", "race-manager-b")
        managers = {}
        for host in hosts:
            extra = _write_config(tmp_path / f"{host}.conf",
                                  {"DEFAULT": {"host": host}})
            managers[host] = processes.start(host, [
                str(BIN / "esi-leap-manager"), "--config-file", str(config),
                "--config-file", str(extra)])

        # Once both managers run, make every lease due at the same moment,
        # so that both find all of them in their next passes.
        deadline = time.monotonic() + 30
        for host, proc in managers.items():
            while f"Manager {host} started" not in processes.log(host):
                assert not processes.exited(proc) \
                    and time.monotonic() < deadline, \
                    f"{host} did not start:\n{processes.log(host)}"
                time.sleep(0.05)
        from esi_leap.db import models
        now = datetime.datetime.now(datetime.timezone.utc)
        with engine.begin() as conn:
            conn.execute(sa.update(models.Lease.__table__).values(
                start_time=now - datetime.timedelta(minutes=1),
                end_time=now + datetime.timedelta(days=1)))

        # Wait for every lease to be active; note who held reservations.
        seen_reserving: set[str] = set()
        began = time.monotonic()
        deadline = began + 60
        while True:
            for host, proc in managers.items():
                assert not processes.exited(proc), \
                    f"{host} exited:\n{processes.log(host)}"
            with engine.connect() as conn:
                seen_reserving.update(conn.execute(sa.text(
                    "SELECT DISTINCT reserved_by FROM leases "
                    "WHERE reserved_by IS NOT NULL")).scalars())
                counts = dict(conn.execute(sa.text(
                    "SELECT status, count(*) FROM leases GROUP BY status"
                )).all())
            if counts.get("active") == MANAGED_LEASES:
                break
            assert time.monotonic() < deadline, (
                f"not all leases active in 60 s: {counts}\n"
                + "\n".join(processes.log(h) for h in hosts))
            time.sleep(0.05)
        took = time.monotonic() - began
        time.sleep(1.0)  # let a late duplicate, if any, reach the table

        with engine.connect() as conn:
            events = conn.execute(sa.text(
                "SELECT object_uuid, event_type, count(*) FROM events "
                "WHERE object_type = 'lease' "
                "GROUP BY object_uuid, event_type")).all()
            still_reserved = conn.execute(sa.text(
                "SELECT count(*) FROM leases WHERE reserved_by IS NOT NULL"
            )).scalar()
            holders = conn.execute(sa.text(
                "SELECT count(*) FROM nodes n JOIN leases l "
                "ON l.resource_uuid = n.uuid AND n.lease_uuid = l.uuid "
                "AND n.lessee_id = l.project_id")).scalar()
        per_lease: dict[str, dict[str, int]] = collections.defaultdict(dict)
        for object_uuid, event_type, count in events:
            per_lease[object_uuid][event_type] = count
        errors = [(u, t) for u, types in per_lease.items() for t in types
                  if t.endswith(".error")]
        assert errors == []
        assert set(per_lease) == set(lease_uuids)
        wrong = {u: types for u, types in per_lease.items() if types != {
            "esi_leap.lease.fulfill.start": 1,
            "esi_leap.lease.fulfill.end": 1}}
        assert wrong == {}, wrong
        assert still_reserved == 0
        assert holders == MANAGED_LEASES

        # Both managers did part of the work.
        # (A reservation names the manager process: "<host>:<random>".)
        assert {r.rsplit(":", 1)[0] for r in seen_reserving} == set(hosts), \
            seen_reserving
        print(f"\n{MANAGED_LEASES} leases fulfilled by two managers in "
              f"{took:.1f} s; reservations seen held by "
              f"{sorted(seen_reserving)}")

        # SIGTERM both at once: each must finish and exit 0 within 30 s.
        began = time.monotonic()
        for proc in managers.values():
            proc.send_signal(signal.SIGTERM)
        for host, proc in managers.items():
            code = processes.wait(proc, began + 30 - time.monotonic())
            assert code == 0, (f"{host} exit code {code} after SIGTERM:\n"
                               f"{processes.log(host)}")
            print(f"{host} stopped {time.monotonic() - began:.1f} s after "
                  "SIGTERM")
    finally:
        engine.dispose()
