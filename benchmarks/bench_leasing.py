#!/usr/bin/env python3
"""Leasing benchmark: a real ``esi-leap`` (embedded default) over HTTP.

Starts ``esi-leap`` with no configuration file in a fresh state directory
(SQLite, HTTP basic auth, in-process manager), then, over HTTP only:

1. seeds nodes as ``admin`` (``POST /v1/nodes``, standalone inventory);
2. (a) creates offers as ``owner``: sequentially up to the first list
   point, then with ``--clients`` concurrent clients up to ``--offers``;
3. (c) lists offers as the non-admin ``lessee`` (``GET /v1/offers``,
   unpaginated) at 1,000 and at ``--offers`` offers: median/p95/min of
   ``--list-runs`` runs and the response size;
4. (b) claims offers as ``lessee``, sequentially then concurrently, lists
   offers again, and times ``GET /v1/nodes`` as ``owner``;
5. (d) creates leases starting now (``owner``, ``POST /v1/leases``) and polls
   ``GET /v1/leases/{uuid}`` every ``--poll-interval`` s until ``active``:
   one at a time, then a burst created together;
6. (e) ``--concurrent-clients`` clients list offers for ``--duration`` s:
   requests/s, errors, latency p50/p95;
7. (f) samples the server's RSS every 0.5 s throughout.

Prints a table (with ESI-Leap 1.0's figures and the targets) and, with
``--json PATH``, writes every figure. Needs ``requests`` and ``psutil``.
``--profile-dir`` runs py-spy on the server per phase; ``--patches`` runs
candidate fixes from ``patched_esi_leap.py``. See docs/performance.md.

    python benchmarks/bench_leasing.py --offers 5000 --json /tmp/bench.json
"""

import argparse
import concurrent.futures
import datetime
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import threading
import time
from typing import Any

import psutil
import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from launcher import EsiLeapServer  # noqa: E402

UTC = datetime.timezone.utc

#: ESI-Leap 1.0 measured on the same machine (SQLite, no auth).
PREDECESSOR = {
    "offer_create_rate": "86/s",
    "list_1000": "0.88 s",
    "list_5000": "4.8 s",
    "claim_rate": "65/s",
    "activation": "~60 s",
    "concurrent": "99% errors",
    "rss": "grew to 1.7 GB",
}

#: The issue's targets.
TARGETS = {
    "offer_create_rate": 400.0,  # per second, more is better
    "list_5000": 0.2,            # seconds, "well under"
    "activation": 1.0,           # seconds
}


# -- helpers -----------------------------------------------------------------

def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(round(p / 100 * len(ordered) + 0.5))))
    return ordered[rank - 1]


def iso(value: datetime.datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat()


def parse_time(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=UTC)


class Client:
    """A requests session per thread, authenticated as one demo user."""

    def __init__(self, url: str, auth: tuple[str, str],
                 timeout: float = 60.0) -> None:
        self.url, self.auth, self.timeout = url, auth, timeout
        self._local = threading.local()

    def session(self) -> requests.Session:
        s = getattr(self._local, "s", None)
        if s is None:
            s = requests.Session()
            s.auth = self.auth
            self._local.s = s
        return s

    def request(self, method: str, path: str, **kw: Any) -> requests.Response:
        kw.setdefault("timeout", self.timeout)
        return self.session().request(method, self.url + path, **kw)


class MemorySampler(threading.Thread):
    """Samples the server's RSS (and CPU time) every ``interval`` s."""

    def __init__(self, proc: psutil.Process, interval: float = 0.5) -> None:
        super().__init__(daemon=True, name="rss-sampler")
        self.proc, self.interval = proc, interval
        self.phase = "start"
        self.samples: list[tuple[float, str, int]] = []
        self._halt = threading.Event()
        self.t0 = time.monotonic()

    def rss(self) -> int:
        total = 0
        for p in [self.proc] + self.proc.children(recursive=True):
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        return total

    def cpu(self) -> float:
        """CPU seconds of the server and its worker processes."""
        total = 0.0
        try:
            procs = [self.proc] + self.proc.children(recursive=True)
        except psutil.Error:
            return float("nan")
        for p in procs:
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.Error:
                pass
        return total

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                self.samples.append((time.monotonic() - self.t0, self.phase,
                                     self.rss()))
            except psutil.Error:
                break
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()

    def summary(self) -> dict[str, Any]:
        mib = 1024 * 1024
        phases: dict[str, list[int]] = {}
        for _, phase, rss in self.samples:
            phases.setdefault(phase, []).append(rss)
        values = [rss for _, _, rss in self.samples]
        return {
            "samples": len(values),
            "min_mib": round(min(values) / mib, 1) if values else None,
            "max_mib": round(max(values) / mib, 1) if values else None,
            "phases": {k: {"min_mib": round(min(v) / mib, 1),
                           "max_mib": round(max(v) / mib, 1),
                           "samples": len(v)}
                       for k, v in phases.items()},
            "series": [(round(t, 1), phase, round(rss / mib, 1))
                       for t, phase, rss in self.samples],
        }


class Bench:
    def __init__(self, args: argparse.Namespace, srv: EsiLeapServer) -> None:
        self.args, self.srv = args, srv
        self.admin = Client(srv.url, srv.auth("admin"))
        self.owner = Client(srv.url, srv.auth("owner"))
        self.lessee = Client(srv.url, srv.auth("lessee"))
        self.owner_project = srv.project_id("owner")
        self.lessee_project = srv.project_id("lessee")
        self.sampler = MemorySampler(srv.server_process())
        self.results: dict[str, Any] = {}
        self.node_uuids: list[str] = []
        self.spare_nodes: list[str] = []
        self.offers: list[dict[str, Any]] = []
        # Offer windows: whole days from tomorrow, ``slot_days`` long.
        today = datetime.datetime.now(UTC).replace(
            hour=0, minute=0, second=0, microsecond=0)
        self.base = today + datetime.timedelta(days=1)
        self.cpu_marks: list[tuple[str, float]] = []
        self._spy: subprocess.Popen | None = None  # type: ignore[type-arg]

    # -- phases ----------------------------------------------------------
    def phase(self, name: str) -> None:
        self.sampler.phase = name
        self.cpu_marks.append((name, self.sampler.cpu()))
        print(f"[{time.strftime('%H:%M:%S')}] {name} ...", flush=True)
        self._profile(name)

    def _profile(self, name: str | None) -> None:
        """With --profile-dir, py-spy samples the server during each phase
        into DIR/NN-phase.txt (collapsed stacks; see profile_report.py)."""
        if self._spy is not None:
            self._spy.send_signal(2)  # SIGINT: py-spy writes its file
            try:
                self._spy.wait(60)
            except subprocess.TimeoutExpired:
                self._spy.kill()
            self._spy = None
        if not self.args.profile_dir or name is None or name == "end":
            return
        os.makedirs(self.args.profile_dir, exist_ok=True)
        slug = "".join(c if c.isalnum() else "-" for c in name).strip("-")
        out = os.path.join(self.args.profile_dir,
                           f"{len(self.cpu_marks):02d}-{slug}.txt")
        self._spy = subprocess.Popen(
            [self.args.py_spy, "record", "--pid",
             str(self.sampler.proc.pid), "--rate", "250", "--format", "raw",
             "--threads", "--nonblocking", "--subprocesses", "--output",
             out],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def run_parallel(self, fn: Any, items: list[Any],
                     clients: int) -> tuple[list[Any], list[str], float]:
        """Call fn(item) for each item with ``clients`` threads.

        Returns (results, errors, wall seconds).
        """
        results: list[Any] = []
        errors: list[str] = []
        lock = threading.Lock()
        t0 = time.perf_counter()

        def one(item: Any) -> None:
            try:
                out = fn(item)
            except Exception as exc:  # noqa: BLE001 - counted
                with lock:
                    errors.append(repr(exc)[:300])
                return
            with lock:
                results.append(out)

        if clients <= 1:
            for item in items:
                one(item)
        else:
            with concurrent.futures.ThreadPoolExecutor(clients) as pool:
                list(pool.map(one, items))
        return results, errors, time.perf_counter() - t0

    @staticmethod
    def check(resp: requests.Response, expected: int) -> Any:
        if resp.status_code != expected:
            raise RuntimeError(f"HTTP {resp.status_code}: {resp.text[:200]}")
        return resp.json()

    def seed_nodes(self) -> None:
        a = self.args
        total = a.nodes + 2 * a.activation_leases
        self.phase("seed nodes")

        def make(i: int) -> str:
            body = {"name": f"bench-node-{i}",
                    "resource_class": ("baremetal-large" if i % 2
                                       else "baremetal-small"),
                    "properties": {"cpus": 16 * (1 + i % 2),
                                   "memory_mb": 65536, "local_gb": 500,
                                   "cpu_arch": "x86_64"},
                    "owner": self.owner_project}
            node = self.check(self.admin.request("POST", "/v1/nodes",
                                                 json=body), 201)
            return str(node["uuid"])

        uuids, errors, wall = self.run_parallel(make, list(range(total)),
                                                a.clients)
        if errors:
            raise RuntimeError(f"seeding nodes failed: {errors[:3]}")
        by_name = self.check(self.admin.request("GET", "/v1/nodes"), 200)
        index = {n["name"]: n["uuid"] for n in by_name["nodes"]}
        ordered = [index[f"bench-node-{i}"] for i in range(total)]
        self.node_uuids = ordered[:a.nodes]
        self.spare_nodes = ordered[a.nodes:]
        self.results["seed_nodes"] = {
            "count": total, "seconds": round(wall, 2),
            "rate_per_s": round(total / wall, 1), "clients": a.clients}

    def offer_body(self, i: int) -> dict[str, Any]:
        node = self.node_uuids[i % len(self.node_uuids)]
        slot = i // len(self.node_uuids)
        start = self.base + datetime.timedelta(days=slot * self.args.slot_days)
        end = start + datetime.timedelta(days=self.args.slot_days)
        return {"resource_uuid": node, "resource_type": "standalone_node",
                "name": f"bench-offer-{i}", "start_time": iso(start),
                "end_time": iso(end),
                "properties": {"bench": True, "slot": slot}}

    def create_offers(self, first: int, last: int, clients: int,
                      label: str) -> None:
        self.phase(f"create offers {label}")

        def make(i: int) -> dict[str, Any]:
            resp = self.owner.request("POST", "/v1/offers",
                                      json=self.offer_body(i))
            return {"i": i, **self.check(resp, 201)}

        made, errors, wall = self.run_parallel(make, list(range(first, last)),
                                               clients)
        self.offers.extend(made)
        count = last - first
        self.results.setdefault("offer_create", []).append({
            "label": label, "clients": clients, "count": count,
            "ok": len(made), "errors": len(errors),
            "error_samples": errors[:3], "seconds": round(wall, 3),
            "rate_per_s": round(len(made) / wall, 1),
            "offers_before": first})

    def list_offers(self, expected: int) -> None:
        self.phase(f"list {expected} offers")
        times, sizes = [], []
        count = None
        for run in range(self.args.list_runs + 1):
            t0 = time.perf_counter()
            resp = self.lessee.request("GET", "/v1/offers")
            body = resp.content
            elapsed = time.perf_counter() - t0
            if resp.status_code != 200:
                raise RuntimeError(f"list failed: HTTP {resp.status_code}")
            if run == 0:
                count = len(json.loads(body)["offers"])
                continue  # warm-up
            times.append(elapsed)
            sizes.append(len(body))
        self.results.setdefault("list", []).append({
            "offers_in_db": expected, "offers_returned": count,
            "runs": len(times), "median_s": round(statistics.median(times), 4),
            "p95_s": round(pct(times, 95), 4), "min_s": round(min(times), 4),
            "max_s": round(max(times), 4),
            "response_bytes": sizes[-1]})

    def list_nodes(self) -> None:
        """GET /v1/nodes as the owner: every node with its offers/leases."""
        self.phase("list nodes")
        times, size, count = [], 0, 0
        for run in range(self.args.node_list_runs + 1):
            t0 = time.perf_counter()
            resp = self.owner.request("GET", "/v1/nodes")
            body = resp.content
            elapsed = time.perf_counter() - t0
            if resp.status_code != 200:
                raise RuntimeError(f"node list: HTTP {resp.status_code}")
            if run == 0:
                count = len(json.loads(body)["nodes"])
                continue
            times.append(elapsed)
            size = len(body)
        self.results["list_nodes"] = {
            "nodes_returned": count, "offers_in_db": len(self.offers),
            "runs": len(times), "median_s": round(statistics.median(times), 4),
            "max_s": round(max(times), 4), "response_bytes": size}

    def claim_offers(self) -> None:
        a = self.args
        n = min(a.claims, len(self.offers))
        targets = sorted(self.offers, key=lambda o: o["i"])[:n]
        half = n // 2

        def claim(offer: dict[str, Any]) -> dict[str, Any]:
            start = parse_time(offer["start_time"]) + datetime.timedelta(
                hours=1)
            body = {"start_time": iso(start),
                    "end_time": iso(start + datetime.timedelta(days=1)),
                    "name": f"bench-claim-{offer['i']}"}
            resp = self.lessee.request(
                "POST", f"/v1/offers/{offer['uuid']}/claim", json=body)
            return dict(self.check(resp, 201))

        for label, items, clients in (("sequential", targets[:half], 1),
                                      (f"{a.clients} clients", targets[half:],
                                       a.clients)):
            self.phase(f"claim {label}")
            made, errors, wall = self.run_parallel(claim, items, clients)
            self.results.setdefault("claim", []).append({
                "label": label, "clients": clients, "count": len(items),
                "ok": len(made), "errors": len(errors),
                "error_samples": errors[:3], "seconds": round(wall, 3),
                "rate_per_s": round(len(made) / wall, 1)})

    def _lease_now(self, node: str) -> tuple[dict[str, Any], float]:
        end = datetime.datetime.now(UTC) + datetime.timedelta(hours=2)
        body = {"resource_uuid": node, "resource_type": "standalone_node",
                "project_id": self.lessee_project, "end_time": iso(end),
                "name": f"bench-now-{node[:8]}"}
        sent = time.perf_counter()
        resp = self.owner.request("POST", "/v1/leases", json=body)
        return dict(self.check(resp, 201)), sent

    def _wait_active(self, lease: dict[str, Any], sent: float
                     ) -> dict[str, Any]:
        deadline = time.perf_counter() + self.args.activation_timeout
        polls = 0
        while time.perf_counter() < deadline:
            resp = self.owner.request("GET", f"/v1/leases/{lease['uuid']}")
            polls += 1
            got = self.check(resp, 200)
            if got["status"] == "active":
                seen = time.perf_counter()
                server = (parse_time(got["fulfill_time"])
                          - parse_time(got["start_time"])).total_seconds()
                return {"client_s": seen - sent, "server_s": server,
                        "polls": polls}
            if got["status"] not in ("created", "wait fulfill"):
                raise RuntimeError(f"lease went {got['status']}")
            time.sleep(self.args.poll_interval)
        raise RuntimeError(f"lease {lease['uuid']} not active after "
                           f"{self.args.activation_timeout} s")

    def activation(self) -> None:
        a = self.args
        n = a.activation_leases
        self.phase("activation, one at a time")
        one: list[dict[str, Any]] = []
        errors: list[str] = []
        for node in self.spare_nodes[:n]:
            try:
                lease, sent = self._lease_now(node)
                one.append(self._wait_active(lease, sent))
            except Exception as exc:  # noqa: BLE001 - counted
                errors.append(repr(exc)[:300])
        self.results.setdefault("activation", []).append(
            self._activation_summary("one at a time", one, errors))

        self.phase("activation, burst")
        nodes = self.spare_nodes[n:2 * n]
        created, errs, _ = self.run_parallel(self._lease_now, nodes,
                                             min(8, len(nodes)))
        burst, errs2, _ = self.run_parallel(
            lambda pair: self._wait_active(*pair), created,
            min(8, len(created) or 1))
        self.results["activation"].append(
            self._activation_summary(f"burst of {n}", burst, errs + errs2))

    @staticmethod
    def _activation_summary(label: str, rows: list[dict[str, Any]],
                            errors: list[str]) -> dict[str, Any]:
        server = [r["server_s"] for r in rows]
        client = [r["client_s"] for r in rows]
        return {
            "label": label, "leases": len(rows), "errors": len(errors),
            "error_samples": errors[:3],
            "server_median_s": round(statistics.median(server), 4)
            if server else None,
            "server_max_s": round(max(server), 4) if server else None,
            "client_median_s": round(statistics.median(client), 4)
            if client else None,
            "client_max_s": round(max(client), 4) if client else None,
        }

    def concurrent_list(self) -> None:
        a = self.args
        self.phase(f"{a.concurrent_clients} clients listing")
        stop_at = time.perf_counter() + a.duration
        lock = threading.Lock()
        latencies: list[float] = []
        errors: list[str] = []
        sizes: set[int] = set()
        rss_before = self.sampler.rss()

        def worker(k: int) -> None:
            while time.perf_counter() < stop_at:
                t0 = time.perf_counter()
                try:
                    resp = self.lessee.request("GET", "/v1/offers",
                                               timeout=a.request_timeout)
                    body = resp.content
                    ok = resp.status_code == 200
                    why = f"HTTP {resp.status_code}"
                except Exception as exc:  # noqa: BLE001 - counted
                    ok, why, body = False, repr(exc)[:200], b""
                elapsed = time.perf_counter() - t0
                with lock:
                    if ok:
                        latencies.append(elapsed)
                        sizes.add(len(body))
                    else:
                        errors.append(why)

        t0 = time.perf_counter()
        threads = [threading.Thread(target=worker, args=(k,))
                   for k in range(a.concurrent_clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        total = len(latencies) + len(errors)
        self.results["concurrent_list"] = {
            "clients": a.concurrent_clients, "seconds": round(wall, 2),
            "requests": total, "ok": len(latencies), "errors": len(errors),
            "error_rate": round(len(errors) / total, 4) if total else None,
            "error_samples": sorted(set(errors))[:5],
            "req_per_s": round(len(latencies) / wall, 2),
            "p50_s": round(pct(latencies, 50), 4),
            "p95_s": round(pct(latencies, 95), 4),
            "max_s": round(max(latencies), 4) if latencies else None,
            "distinct_sizes": len(sizes),
            "rss_before_mib": round(rss_before / 2**20, 1),
            "rss_after_mib": round(self.sampler.rss() / 2**20, 1),
        }

    def run(self) -> dict[str, Any]:
        a = self.args
        self.sampler.start()
        try:
            self.seed_nodes()
            points = sorted({p for p in a.list_at if p < a.offers}
                            | {a.offers})
            created = 0
            for k, point in enumerate(points):
                clients = 1 if k == 0 else a.clients
                label = ("sequential" if clients == 1
                         else f"{clients} clients")
                self.create_offers(created, point, clients, label)
                created = point
                self.list_offers(point)
            self.claim_offers()
            self.list_offers(a.offers)  # again, with leases in the way
            self.results["list"][-1]["note"] = (
                f"after {min(a.claims, a.offers)} claims")
            if a.node_list_runs:
                self.list_nodes()
            self.activation()
            self.concurrent_list()
            self.phase("end")
        finally:
            self._profile(None)
            self.sampler.stop()
        self.results["server_rss"] = self.sampler.summary()
        marks = self.cpu_marks
        self.results["server_cpu_s"] = [
            (name, round(marks[i + 1][1] - value, 2))
            for i, (name, value) in enumerate(marks[:-1])]
        return self.results


# -- reporting ---------------------------------------------------------------

def environment(args: argparse.Namespace) -> dict[str, Any]:
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        rev = subprocess.run(["git", "-C", here, "rev-parse", "--short",
                              "HEAD"], capture_output=True, text=True,
                             check=False).stdout.strip()
        dirty = subprocess.run(["git", "-C", here, "status", "--porcelain",
                                "--", ":/esi_leap"], capture_output=True,
                               text=True, check=False).stdout.strip()
    except OSError:
        rev, dirty = "", ""
    cpu = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "when": datetime.datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([os.path.relpath(sys.argv[0])] + sys.argv[1:]),
        "git": rev + ("+dirty" if dirty else ""),
        "python": platform.python_version(), "platform": platform.platform(),
        "cpus": os.cpu_count(), "cpu_model": cpu,
        "mem_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
    }


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def print_table(res: dict[str, Any], env: dict[str, Any]) -> None:
    rows: list[tuple[str, str, str, str]] = []
    for row in res["offer_create"]:
        goal = TARGETS["offer_create_rate"]
        target = f">{goal:.0f}/s {verdict(row['rate_per_s'] > goal)}"
        rows.append((f"offer create, {row['label']} "
                     f"({row['count']}, from {row['offers_before']})",
                     f"{row['rate_per_s']:.0f}/s"
                     + (f" ({row['errors']} err)" if row["errors"] else ""),
                     PREDECESSOR["offer_create_rate"],
                     target))
    for row in res["claim"]:
        rows.append((f"claim, {row['label']} ({row['count']})",
                     f"{row['rate_per_s']:.0f}/s"
                     + (f" ({row['errors']} err)" if row["errors"] else ""),
                     PREDECESSOR["claim_rate"], ""))
    for row in res["list"]:
        n = row["offers_in_db"]
        prev = PREDECESSOR.get(f"list_{n}", "")
        goal = ""
        if n >= 5000:
            goal = (f"<{TARGETS['list_5000']} s "
                    f"{verdict(row['median_s'] < TARGETS['list_5000'])}")
        note = f", {row['note']}" if row.get("note") else ""
        rows.append((f"list {row['offers_returned']} offers (lessee{note})",
                     f"{row['median_s']:.3f} s med / {row['p95_s']:.3f} p95, "
                     f"{row['response_bytes'] / 1e6:.2f} MB",
                     prev, goal))
    if "list_nodes" in res:
        n = res["list_nodes"]
        rows.append((f"list {n['nodes_returned']} nodes (owner, "
                     f"{n['offers_in_db']} offers)",
                     f"{n['median_s']:.3f} s med / {n['max_s']:.3f} max, "
                     f"{n['response_bytes'] / 1e6:.2f} MB", "", ""))
    for row in res["activation"]:
        if row["server_median_s"] is None:
            rows.append((f"start -> active, {row['label']}",
                         f"FAILED ({row['errors']} err)",
                         PREDECESSOR["activation"], "<1 s MISSED"))
            continue
        rows.append((f"start -> active, {row['label']}",
                     f"{row['server_median_s']:.3f} s med / "
                     f"{row['server_max_s']:.3f} max "
                     f"(client {row['client_median_s']:.3f}/"
                     f"{row['client_max_s']:.3f})"
                     + (f" ({row['errors']} err)" if row["errors"] else ""),
                     PREDECESSOR["activation"],
                     "<1 s " + verdict(
                         row["server_max_s"] < TARGETS["activation"]
                         and not row["errors"])))
    c = res["concurrent_list"]
    rows.append((f"{c['clients']} clients listing, {c['seconds']:.0f} s",
                 f"{c['req_per_s']:.1f} req/s, {c['errors']} err/"
                 f"{c['requests']}, p50 {c['p50_s']:.3f} s p95 "
                 f"{c['p95_s']:.3f} s",
                 PREDECESSOR["concurrent"],
                 f"0 errors {verdict(c['errors'] == 0)}"))
    m = res["server_rss"]
    conc = m["phases"].get(f"{c['clients']} clients listing", {})
    rows.append(("server RSS over the run (min-max)",
                 f"{m['min_mib']:.0f}-{m['max_mib']:.0f} MiB"
                 + (f" (listing phase {conc['min_mib']:.0f}-"
                    f"{conc['max_mib']:.0f})" if conc else ""),
                 PREDECESSOR["rss"], "flat"))
    widths = [max(len(r[i]) for r in rows + [("metric", "esi-leap",
                                              "ESI-Leap 1.0", "target")])
              for i in range(4)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    print()
    print(f"esi-leap leasing benchmark -- {env['when']}, git {env['git']}"
          + (f", PATCHED: {env['patches']}" if env.get("patches") else "")
          + ", "
          f"{env['cpus']} CPUs, load {env['loadavg_start']} -> "
          f"{env.get('loadavg_end')}")
    print(line.format("metric", "esi-leap", "ESI-Leap 1.0", "target"))
    print(line.format(*("-" * w for w in widths)))
    for r in rows:
        print(line.format(*r))
    s = res["seed_nodes"]
    print(f"\nseeded {s['count']} nodes at {s['rate_per_s']:.0f}/s "
          f"({s['clients']} clients)")
    print("server CPU seconds per phase: " + ", ".join(
        f"{name} {cpu}" for name, cpu in res["server_cpu_s"]))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--offers", type=int, default=5000,
                   help="offers to create in all (default 5000)")
    p.add_argument("--nodes", type=int, default=1000,
                   help="nodes carrying the offers; each node gets "
                        "offers/nodes consecutive windows (default 1000)")
    p.add_argument("--list-at", type=lambda s: [int(x) for x in s.split(",")],
                   default=[1000], help="also list at these offer counts "
                                        "(comma separated, default 1000)")
    p.add_argument("--list-runs", type=int, default=10,
                   help="timed list requests per point, after one warm-up")
    p.add_argument("--node-list-runs", type=int, default=3,
                   help="timed GET /v1/nodes (owner) after the claims; 0 "
                        "skips it")
    p.add_argument("--claims", type=int, default=500,
                   help="offers to claim (half sequential, half concurrent)")
    p.add_argument("--clients", type=int, default=4,
                   help="concurrent clients for creation and claims")
    p.add_argument("--activation-leases", type=int, default=20,
                   help="leases starting now (one at a time, then as many in "
                        "a burst)")
    p.add_argument("--poll-interval", type=float, default=0.005,
                   help="seconds between polls of a lease's status")
    p.add_argument("--activation-timeout", type=float, default=120.0)
    p.add_argument("--concurrent-clients", type=int, default=8)
    p.add_argument("--duration", type=float, default=20.0,
                   help="seconds the concurrent clients list offers")
    p.add_argument("--request-timeout", type=float, default=30.0,
                   help="a concurrent list slower than this is an error")
    p.add_argument("--slot-days", type=int, default=7,
                   help="length of each offer's window in days")
    p.add_argument("--json", help="write every figure to this file")
    p.add_argument("--keep", action="store_true",
                   help="keep the server's state directory")
    p.add_argument("--profile-dir",
                   help="run py-spy on the server during each phase and "
                        "write collapsed stacks here")
    p.add_argument("--py-spy", default="py-spy",
                   help="py-spy executable for --profile-dir")
    p.add_argument("--patches",
                   help="run benchmarks/patched_esi_leap.py with these "
                        "candidate fixes (comma separated) instead of "
                        "esi-leap")
    p.add_argument("--wrap", help="command prefix for the server, e.g. "
                                  "'py-spy record -o prof.svg --'")
    args = p.parse_args(argv)
    if args.nodes < 1 or args.offers < 1:
        p.error("--nodes and --offers must be positive")

    env = environment(args)
    env["args"] = vars(args)
    command, extra_env = None, {}
    if args.patches:
        command = [sys.executable, os.path.join(
            os.path.dirname(os.path.abspath(__file__)), "patched_esi_leap.py")]
        extra_env["ESI_LEAP_BENCH_PATCHES"] = args.patches
        env["patches"] = args.patches
    srv = EsiLeapServer(wrap=args.wrap, keep=args.keep, command=command,
                        env=extra_env).start()
    print(f"esi-leap at {srv.url}, state in {srv.state_dir}", flush=True)
    def _terminate(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, _terminate)
    try:
        results = Bench(args, srv).run()
    finally:
        srv.stop()
    env["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    print_table(results, env)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"environment": env, "results": results}, f, indent=1)
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
