"""Kill a real manager process at every step, then let a fresh one finish.

A *crash point* is every place where a manager's state leaves the process:
before and after every database commit that wrote something, before and
after every change sent to Ironic (any request but GET), and before and
after every switch session. They are not listed by hand: the hooks wrap
the database dialect's ``do_commit``, the Ironic client's ``request`` and
the switch driver's ``session``, so a new step of fulfil, release or
hand-back is covered the day it is written.

``python -m tests.crash_harness`` is the *zygote*: a single-threaded
process that imports esi-leap once and then, for each job read from its
stdin (one JSON line), forks a child that runs real manager passes
(:meth:`esi_leap.manager.service.Manager.reconcile`, its thread pools made
synchronous so the order of steps is the same in every run) with the hooks
installed. With ``crash_at`` = N the child kills itself with SIGKILL at the
N-th crash point, exactly as ``kill -9`` would. The zygote answers with a
JSON line: how the child ended. Every point reached is appended to the
job's trace file before the kill, so the test knows where it died.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import traceback
from typing import Any

import futurist

#: Reconcile passes a child runs at most (each stops early when idle).
MAX_PASSES = 25


def configure(url: str, ironic_url: str,
              release_steps: list[str] | None = None) -> None:
    """CONF for the scenario, the same in the test and in the children;
    ``release_steps`` are the optional Ironic ones (default: power_off,
    detach_vifs: a change under way and a DELETE; the others follow the
    same pattern and would only lengthen the matrix)."""
    from tests import helpers
    helpers.configure(url, auth_strategy="noauth",
                      api__default_resource_type="ironic_node")
    for name, value, group in (
            ("auth_type", "none", "ironic"),
            ("endpoint_override", f"{ironic_url}/", "ironic"),
            ("timeout", 5, "ironic"),
            ("vlan_ranges", ["physnet1:100:199"], "networking"),
            ("quarantine_vlans", ["physnet1:999"], "networking"),
            ("peer_check_interval", 0, "manager"),
            ("workers", 1, "manager"),
            ("expiry_notice", 0, "manager"),
            ("release_steps", ["power_off", "detach_vifs"]
             if release_steps is None else release_steps, "ironic"),
            # One heartbeat per child: a beat is a commit, and the points
            # must come in the same order in every run.
            ("heartbeat_interval", 3600.0, "manager"),
            ("dead_after", 86400.0, "manager")):
        helpers.override(name, value, group=group)


def synchronous_manager(host: str) -> Any:
    """A real manager whose work runs in the calling thread, in order
    (set ``lifecycle.PENDING_DELAY`` to 0 to retry pending steps at once:
    :func:`child` does, the tests do it with monkeypatch)."""
    from esi_leap.manager import service
    manager = service.Manager(host=host)
    manager._pool = futurist.SynchronousExecutor()
    manager._audit_pool = futurist.SynchronousExecutor()
    return manager


def run_passes(manager: Any) -> int:
    """Reconcile until a pass finds nothing to do; return the passes."""
    for passes in range(1, MAX_PASSES + 1):
        if not manager.reconcile():
            return passes
    return MAX_PASSES


# -- crash points (in the child) ---------------------------------------------

class Points:
    """Numbers every crash point; kills the process at ``crash_at``."""

    def __init__(self, crash_at: int | None, trace: str) -> None:
        self.crash_at = crash_at
        self.count = 0
        self.lock = threading.Lock()
        self.trace = open(trace, "a", encoding="utf-8")  # noqa: SIM115

    def reached(self, kind: str) -> None:
        with self.lock:
            index, self.count = self.count, self.count + 1
            self.trace.write(f"{index}\t{kind}\t{where()}\n")
            self.trace.flush()
            if index == self.crash_at:
                os.kill(os.getpid(), signal.SIGKILL)


def where() -> str:
    """The esi-leap functions on the stack, innermost first (short)."""
    names = [f"{os.path.basename(f.filename)[:-3]}.{f.name}"
             for f in traceback.extract_stack()
             if "/esi_leap/" in f.filename and "/esi_leap/db/api.py"
             not in f.filename]
    return " < ".join(reversed(names[-3:]))


def install(points: Points) -> None:
    """Wrap commits, Ironic changes and switch sessions with points."""
    import sqlalchemy as sa
    from sqlalchemy.engine import default

    from esi_leap.drivers.resource_types import ironic_node
    from esi_leap.drivers.switches import fake

    wrote: set[int] = set()

    @sa.event.listens_for(sa.Engine, "before_cursor_execute")
    def _mark(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(("SELECT", "PRAGMA",
                                                      "SET", "SHOW")):
            wrote.add(id(conn.connection.dbapi_connection))

    commit = default.DefaultDialect.do_commit

    def do_commit(self: Any, dbapi_connection: Any) -> None:
        key = id(getattr(dbapi_connection, "dbapi_connection",
                         dbapi_connection))
        if key not in wrote:
            commit(self, dbapi_connection)
            return
        wrote.discard(key)
        points.reached("before commit")
        commit(self, dbapi_connection)
        points.reached("after commit")

    default.DefaultDialect.do_commit = do_commit  # type: ignore[method-assign]

    request = ironic_node.IronicClient.request

    def ironic_request(self: Any, method: str, path: str,
                       **kw: Any) -> Any:
        if method == "GET":
            return request(self, method, path, **kw)
        points.reached(f"before Ironic {method}")
        answer = request(self, method, path, **kw)
        points.reached(f"after Ironic {method}")
        return answer

    ironic_node.IronicClient.request = ironic_request  # type: ignore

    session = fake.FakeSwitchDriver.session

    def switch_session(self: Any) -> Any:
        points.reached("before switch session")
        return _after(session(self), points)

    fake.FakeSwitchDriver.session = switch_session  # type: ignore


class _after:
    """A context manager that reaches a point once it has exited."""

    def __init__(self, inner: Any, points: Points) -> None:
        self.inner, self.points = inner, points

    def __enter__(self) -> Any:
        return self.inner.__enter__()

    def __exit__(self, *exc: Any) -> Any:
        result = self.inner.__exit__(*exc)
        if exc[0] is None:
            self.points.reached("after switch session")
        return result


def crash_cases(points: list[str]) -> list[int]:
    """The points worth a kill: one per distinct state left behind.

    Killed *before* a commit or a call, a manager leaves what it left
    after the point before (an open transaction is rolled back when its
    connection dies), and a reservation's renewal changes only its
    timestamp: those kills are the kill at the previous point. So the
    first point (nothing done yet) and every point after a change."""
    return [i for i, point in enumerate(points)
            if i == 0 or (point.startswith("after")
                          and "leases.renew" not in point)]


def child(job: dict[str, Any]) -> None:
    """Run manager passes with the hooks (in a forked process)."""
    from esi_leap.manager import lifecycle
    lifecycle.PENDING_DELAY = 0.0  # this process only
    configure(job["url"], job["ironic"], job.get("release_steps"))
    install(Points(job.get("crash_at"), job["trace"]))
    run_passes(synchronous_manager(job["host"]))


# -- the zygote ---------------------------------------------------------------

def zygote() -> None:
    """Fork a child per job line on stdin; answer how it ended."""
    # Import what the children use before forking (once, single-threaded):
    # a child then starts in milliseconds instead of a second.
    import importlib
    for module in ("esi_leap.drivers.resource_types.ironic_node",
                   "esi_leap.drivers.switches.fake",
                   "esi_leap.manager.service", "esi_leap.common.policy",
                   "esi_leap.common.projects", "esi_leap.db.migration",
                   "openstack.connection", "openstack.baremetal.v1._proxy",
                   "psycopg2", "pymysql", "tests.helpers"):
        importlib.import_module(module)
    for line in sys.stdin:
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            os.dup2(2, 1)  # the answers own stdout
            code = 0
            try:
                child(job)
            except BaseException:  # noqa: BLE001 - reported by exit code
                traceback.print_exc()
                code = 3
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        answer = {"signal": os.WTERMSIG(status)
                  if os.WIFSIGNALED(status) else None,
                  "code": os.WEXITSTATUS(status)
                  if os.WIFEXITED(status) else None}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


class Zygote:
    """The test's handle on a zygote process."""

    def __init__(self, root: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.crash_harness"], cwd=root,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore"})

    def run(self, **job: Any) -> dict[str, Any]:
        """Run one child to its end (or its kill)."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the crash zygote died")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


if __name__ == "__main__":
    zygote()
