"""Run the real ``esi-leap`` all-in-one as a subprocess, for tests.

:func:`running_server` starts ``esi-leap`` with no configuration file (the
embedded default: SQLite, an in-process manager, HTTP basic auth with the
demo users ``admin``, ``owner`` and ``lessee``, demo nodes) in a private
state directory, on a free port, and waits for ``GET /healthcheck``. It
yields an :class:`EsiLeapServer` that knows the URL and the demo users'
credentials and can run the real ``openstack esi ...`` CLI or raw HTTP
requests against it. On exit the server gets SIGTERM (then SIGKILL).

The port is chosen through oslo.config's environment source:
``OS_API__PORT=<port>`` (any ``[group] option`` can be set the same way,
see ``options=``); this keeps the embedded default, which a configuration
file would turn off.

Use it from a test module::

    from tests.integration import server

    @pytest.fixture(scope="module")
    def esi(tmp_path_factory):
        with server.running_server(tmp_path_factory.mktemp("esi")) as srv:
            yield srv

    def test_nodes(esi):
        nodes = esi.cli_json("owner", "node", "list")
        assert len(nodes) == 6

or import the ready-made module-scoped fixture ``esi_leap_server``::

    from tests.integration.server import esi_leap_server  # noqa: F401

Skips (fails when ``CI`` is set) if the ``esi-leap`` or ``openstack``
executables cannot be found. ``ESI_LEAP_TEST_OPENSTACK`` may name the
``openstack`` executable to use (e.g. one in another virtualenv).
"""

from __future__ import annotations

import base64
import concurrent.futures
import contextlib
import dataclasses
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from tests import helpers

#: Demo users the embedded default creates.
DEMO_USERS = ("admin", "owner", "lessee")

STARTUP_TIMEOUT = 30.0
STOP_TIMEOUT = 20.0
CLI_TIMEOUT = 60.0

_ADDRESS_IN_USE = ("Address already in use", "[Errno 98]", "[Errno 48]")


# --------------------------------------------------------------------------
# Locating executables and building environments


def _venv_bin(name: str) -> str | None:
    candidate = Path(sys.executable).parent / name
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    return shutil.which(name)


def installed_script(name: str) -> str:
    """The console script ``name`` (this venv's first, then ``PATH``); a
    missing one skips the test, or fails it in CI."""
    found = _venv_bin(name)
    if found is None:
        helpers.skip_or_fail(f"{name} is not installed")
    assert found is not None
    return found


def openstack_executable() -> str | None:
    """The ``openstack`` CLI to test with, or None."""
    override = os.environ.get("ESI_LEAP_TEST_OPENSTACK")
    if override:
        return override
    return _venv_bin("openstack")


def server_command() -> list[str]:
    """The command that starts the all-in-one server."""
    script = _venv_bin("esi-leap")
    if script:
        return [script]
    return [sys.executable, "-c",
            "import sys; from esi_leap.cmd.all_in_one import main; "
            "sys.exit(main())"]


def without_os_vars(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default ``os.environ``) without any ``OS_*`` variable.

    Stray ``OS_*`` variables break the CLI's http_basic auth and would be
    read by the server's oslo.config as option values.
    """
    base = os.environ if base is None else base
    return {k: v for k, v in base.items() if not k.startswith("OS_")}


def option_env(options: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """``{"api": {"port": 1}}`` -> ``{"OS_API__PORT": "1"}`` (oslo.config's
    environment source; use group ``DEFAULT`` for top-level options)."""
    env = {}
    for group, opts in options.items():
        for name, value in opts.items():
            if isinstance(value, bool):
                value = str(value).lower()
            elif isinstance(value, (list, tuple)):
                value = ",".join(str(v) for v in value)
            env[f"OS_{group.upper()}__{name.upper()}"] = str(value)
    return env


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(predicate: Callable[[], Any], timeout: float,
               interval: float = 0.25, what: str = "condition") -> Any:
    """Call ``predicate`` until it returns something truthy; return that.

    :raises TimeoutError: after ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what} not reached within {timeout:.0f} s")
        time.sleep(interval)


# --------------------------------------------------------------------------
# Results


@dataclasses.dataclass
class HttpResponse:
    """A raw HTTP answer from :meth:`EsiLeapServer.request`."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def describe(proc: subprocess.CompletedProcess[str]) -> str:
    """A readable account of a CLI run, for assertion messages."""
    args = proc.args if isinstance(proc.args, list) else [str(proc.args)]
    shown = " ".join(args[1:] if args else [])
    return (f"$ openstack {shown}\nrc={proc.returncode}\n"
            f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}")


# --------------------------------------------------------------------------
# The server


class EsiLeapServer:
    """One ``esi-leap`` subprocess and the means to talk to it.

    Attributes: ``url`` (``http://127.0.0.1:<port>``, what ``OS_ENDPOINT``
    must be), ``port``, ``base_dir`` (holds ``state/`` and the log),
    ``state_dir`` (``ESI_LEAP_STATE_DIR``), ``log_path``, ``credentials``
    (the embedded default's ``credentials.json``: user -> password,
    project_id, project_name, roles), ``process``.
    """

    def __init__(self, base_dir: str | os.PathLike[str], *,
                 options: Mapping[str, Mapping[str, Any]] | None = None,
                 env: Mapping[str, str] | None = None,
                 args: Sequence[str] = (), port: int | None = None,
                 openstack: str | None = None) -> None:
        self.base_dir = Path(base_dir)
        self.state_dir = self.base_dir / "state"
        self.log_path = self.base_dir / "esi-leap.log"
        self.options = dict(options or {})
        self.extra_env = dict(env or {})
        self.args = list(args)
        self._fixed_port = port
        self.port = port or 0
        self.openstack = openstack or openstack_executable()
        self.process: subprocess.Popen[bytes] | None = None
        self.credentials: dict[str, dict[str, Any]] = {}
        self.returncode: int | None = None

    # -- life cycle --------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = STARTUP_TIMEOUT) -> EsiLeapServer:
        """Start the server and wait until ``/healthcheck`` answers 200."""
        attempts = 1 if self._fixed_port else 3
        for attempt in range(attempts):
            self.port = self._fixed_port or free_port()
            if self._spawn_and_wait(timeout):
                self._load_credentials()
                return self
            in_use = any(m in self.log_tail(200) for m in _ADDRESS_IN_USE)
            if not in_use or attempt == attempts - 1:
                break
        raise RuntimeError(
            f"esi-leap did not become healthy on {self.url} within "
            f"{timeout:.0f} s (rc={self.returncode}); log {self.log_path}:\n"
            + self.log_tail())

    def _server_env(self) -> dict[str, str]:
        home = self.base_dir / "home"
        home.mkdir(exist_ok=True)
        env = without_os_vars()
        env.update(ESI_LEAP_STATE_DIR=str(self.state_dir),
                   # No ~/.esi-leap/esi-leap.conf may turn off embedded mode.
                   HOME=str(home), PYTHONUNBUFFERED="1")
        env.update(option_env({"api": {"port": self.port}}))
        env.update(option_env(self.options))
        env.update(self.extra_env)
        return env

    def _spawn_and_wait(self, timeout: float) -> bool:
        self.base_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            log.write(f"=== starting esi-leap on port {self.port} ===\n"
                      .encode())
            log.flush()
            self.process = subprocess.Popen(
                server_command() + self.args, env=self._server_env(),
                cwd=self.base_dir, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.returncode = self.process.returncode
                return False
            if self._announced() and self._healthy():
                return True
            time.sleep(0.1)
        self.stop()
        return False

    def _announced(self) -> bool:
        """Whether our process says it listens (and not some other process
        that took the port): the start-up banner or log line names it."""
        if any(a.startswith("--config") for a in self.args):
            return True  # its logging may go elsewhere; trust the health
        marker = f"=== starting esi-leap on port {self.port} ==="
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return f"127.0.0.1:{self.port}" in text.rpartition(marker)[2]

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/healthcheck",
                                        timeout=2) as resp:
                return bool(resp.status == 200)
        except (OSError, urllib.error.URLError):
            return False

    def _load_credentials(self) -> None:
        path = self.state_dir / "credentials.json"
        if path.exists():
            self.credentials = json.loads(path.read_text(encoding="utf-8"))

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """SIGTERM, wait up to ``timeout`` s, then SIGKILL the process group.

        Returns the exit code (negative: killed by that signal)."""
        proc = self.process
        if proc is None:
            return self.returncode
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        self.returncode = proc.returncode
        self.process = None
        return self.returncode

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    # -- users --------------------------------------------------------------

    def password(self, user: str) -> str:
        try:
            return str(self.credentials[user]["password"])
        except KeyError:
            raise KeyError(f"no credentials for user {user!r}; known: "
                           f"{sorted(self.credentials)}") from None

    def project_id(self, user: str) -> str:
        return str(self.credentials[user]["project_id"])

    def project_name(self, user: str) -> str:
        return str(self.credentials[user]["project_name"])

    # -- the openstack CLI --------------------------------------------------

    def client_env(self, user: str, password: str | None = None
                   ) -> dict[str, str]:
        """The environment that makes ``openstack`` talk to this server as
        ``user`` (http_basic; every other ``OS_*`` variable removed)."""
        env = without_os_vars()
        env.update(OS_AUTH_TYPE="http_basic", OS_USERNAME=user,
                   OS_PASSWORD=password if password is not None
                   else self.password(user),
                   OS_ENDPOINT=self.url)
        return env

    def cli(self, user: str, *args: str, fmt: str | None = None,
            password: str | None = None, timeout: float = CLI_TIMEOUT
            ) -> subprocess.CompletedProcess[str]:
        """Run ``openstack esi <args> [-f fmt]`` as ``user``.

        ``args`` start after ``esi``: ``cli("owner", "node", "list")``.
        """
        if not self.openstack:
            raise RuntimeError("no openstack executable")
        cmd = [self.openstack, "esi", *map(str, args)]
        if fmt:
            cmd += ["-f", fmt]
        return subprocess.run(cmd, env=self.client_env(user, password),
                              capture_output=True, text=True,
                              timeout=timeout, check=False)

    def failure(self, proc: subprocess.CompletedProcess[str],
                why: str = "") -> str:
        """An assertion message for ``proc`` with the server's log tail."""
        head = f"{why}\n" if why else ""
        return (f"{head}{describe(proc)}\n--- esi-leap log tail "
                f"({self.log_path}) ---\n{self.log_tail(25)}")

    def cli_ok(self, user: str, *args: str, fmt: str | None = None,
               **kw: Any) -> subprocess.CompletedProcess[str]:
        """:meth:`cli` that must exit 0 (AssertionError otherwise)."""
        proc = self.cli(user, *args, fmt=fmt, **kw)
        assert proc.returncode == 0, self.failure(proc, "command failed")
        return proc

    def cli_json(self, user: str, *args: str, **kw: Any) -> Any:
        """Run with ``-f json``, require rc 0, return the parsed output."""
        proc = self.cli_ok(user, *args, fmt="json", **kw)
        try:
            return json.loads(proc.stdout)
        except ValueError:
            raise AssertionError(self.failure(proc, "output is not JSON")
                                 ) from None

    def cli_many(self, calls: Sequence[Sequence[str]], fmt: str | None = None,
                 workers: int | None = None
                 ) -> list[subprocess.CompletedProcess[str]]:
        """Run independent CLI calls concurrently; results in call order.

        Each call is ``(user, *args)``. Use for read-only checks: each CLI
        start costs about a second of CPU.
        """
        workers = workers or max(2, os.cpu_count() or 2)
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            futures = [pool.submit(self.cli, c[0], *c[1:], fmt=fmt)
                       for c in calls]
            return [f.result() for f in futures]

    def cli_json_many(self, calls: Sequence[Sequence[str]],
                      workers: int | None = None) -> list[Any]:
        """:meth:`cli_many` with ``-f json``; every call must succeed."""
        out = []
        for proc in self.cli_many(calls, fmt="json", workers=workers):
            assert proc.returncode == 0, self.failure(proc, "command failed")
            out.append(json.loads(proc.stdout))
        return out

    # -- raw HTTP -----------------------------------------------------------

    def request(self, method: str, path: str, user: str | None = None,
                body: Any = None, params: Mapping[str, Any] | None = None,
                headers: Mapping[str, str] | None = None,
                password: str | None = None, timeout: float = 30.0
                ) -> HttpResponse:
        """A raw HTTP request (``path`` like ``/v1/leases``), basic auth as
        ``user`` when given; never raises for HTTP error statuses."""
        url = self.url + path
        if params:
            url += "?" + urllib.parse.urlencode(params)
        data = None
        all_headers = {"Accept": "application/json"}
        if body is not None:
            data = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        if user is not None:
            pw = password if password is not None else self.password(user)
            token = base64.b64encode(f"{user}:{pw}".encode()).decode()
            all_headers["Authorization"] = f"Basic {token}"
        all_headers.update(headers or {})
        req = urllib.request.Request(url, data=data, method=method,
                                     headers=all_headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return HttpResponse(resp.status, dict(resp.headers),
                                    resp.read())
        except urllib.error.HTTPError as err:
            return HttpResponse(err.code, dict(err.headers), err.read())


# --------------------------------------------------------------------------
# Context manager and fixture


def require_executables(need_cli: bool = True) -> None:
    """Skip (fail in CI) when ``esi-leap`` or ``openstack`` is missing."""
    try:
        import esi_leap.cmd.all_in_one  # noqa: F401
    except ImportError as exc:
        helpers.skip_or_fail(f"esi_leap is not importable: {exc}")
    if need_cli and not openstack_executable():
        helpers.skip_or_fail(
            "the openstack CLI (python-openstackclient + "
            "python-esileapclient) is not installed")


@contextlib.contextmanager
def running_server(base_dir: str | os.PathLike[str] | None = None, *,
                   options: Mapping[str, Mapping[str, Any]] | None = None,
                   env: Mapping[str, str] | None = None,
                   args: Sequence[str] = (), port: int | None = None,
                   startup_timeout: float = STARTUP_TIMEOUT,
                   check_exit: bool = True) -> Iterator[EsiLeapServer]:
    """Start ``esi-leap``; yield the :class:`EsiLeapServer`; stop it.

    ``base_dir`` (default: a new temporary directory, removed afterwards
    unless something failed) holds ``state/`` and ``esi-leap.log``.
    ``options`` sets config options (``{"embedded": {"demo_nodes": 20}}``),
    ``env`` adds environment variables, ``args`` are extra command-line
    arguments (``--config-file`` turns the embedded default off). With
    ``check_exit`` the server must exit 0 on SIGTERM.
    """
    own_dir = base_dir is None
    base = Path(tempfile.mkdtemp(prefix="esi-leap-it-") if own_dir
                else base_dir)  # type: ignore[arg-type]
    srv = EsiLeapServer(base, options=options, env=env, args=args, port=port)
    failed = True
    try:
        srv.start(startup_timeout)
        try:
            yield srv
        except BaseException:
            print(f"\n--- esi-leap log tail ({srv.log_path}) ---\n"
                  f"{srv.log_tail()}", file=sys.stderr)
            raise
        rc = srv.stop()
        if check_exit and rc != 0:
            raise RuntimeError(
                f"esi-leap exited with {rc} after SIGTERM (expected 0); "
                f"log {srv.log_path}:\n{srv.log_tail()}")
        failed = False
    finally:
        srv.stop()
        if own_dir and not failed:
            shutil.rmtree(base, ignore_errors=True)


def serve_for_module(request: pytest.FixtureRequest,
                     tmp_path_factory: pytest.TempPathFactory,
                     **kwargs: Any) -> Iterator[EsiLeapServer]:
    """The body of a module-scoped fixture: ``yield from`` it.

    Skips without the executables; ``kwargs`` go to :func:`running_server`.
    If a test of the module failed, a warning (shown in pytest's warnings
    summary) names the server log and shows its tail::

        @pytest.fixture(scope="module")
        def big(request, tmp_path_factory):
            yield from server.serve_for_module(
                request, tmp_path_factory,
                options={"embedded": {"demo_nodes": 100}})
    """
    require_executables()
    failed_before = request.session.testsfailed
    base = tmp_path_factory.mktemp("esi-leap")
    with running_server(base, **kwargs) as srv:
        yield srv
        if request.session.testsfailed > failed_before:
            warnings.warn(f"tests failed; esi-leap log: {srv.log_path}\n"
                          f"{srv.log_tail(20)}", stacklevel=1)


@pytest.fixture(scope="module")
def esi_leap_server(request: pytest.FixtureRequest,
                    tmp_path_factory: pytest.TempPathFactory
                    ) -> Iterator[EsiLeapServer]:
    """A module-wide embedded ``esi-leap`` with the demo users and nodes."""
    yield from serve_for_module(request, tmp_path_factory)
