"""Starting and stopping peer server processes.

Every server runs in its own session (process group), so stopping it
reaches its workers too: SIGTERM to the group, then SIGKILL after a grace
period. On Linux the direct child also gets ``PR_SET_PDEATHSIG`` so it is
told to stop if the test process dies without cleaning up; and every
started process is remembered and stopped at interpreter exit.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from pathlib import Path

ADDRESS_IN_USE = ("Address already in use", "[Errno 98]", "Connection in use")
STOP_GRACE = 10.0

_running: set[ServerProcess] = set()


class StartupError(RuntimeError):
    """A server did not come up; the message carries its log tail."""

    def __init__(self, message: str, port_clash: bool = False) -> None:
        super().__init__(message)
        self.port_clash = port_clash


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:``port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def http_status(url: str, timeout: float = 2.0) -> int | None:
    """The HTTP status of ``GET url``, or None if nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (OSError, ValueError):
        return None


class ServerProcess:
    """One server process started in its own process group."""

    def __init__(self, name: str, argv: Sequence[str], log: Path,
                 env: Mapping[str, str], cwd: Path) -> None:
        self.name, self.argv, self.log = name, list(argv), log
        self.env, self.cwd = dict(env), cwd
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Launch the process (does not wait for readiness)."""
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                self.argv, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, env=self.env, cwd=self.cwd,
                start_new_session=True, preexec_fn=_die_with_parent)
        _running.add(self)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def wait_ready(self, ready: Callable[[], bool],
                   timeout: float) -> None:
        """Poll ``ready()`` until true, failing early if the process died
        (which is how a port clash shows up)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive:
                tail = self.log_tail()
                raise StartupError(
                    f"{self.name} exited (rc {self.returncode}) during "
                    f"start-up; log {self.log}:\n{tail}",
                    port_clash=any(s in tail for s in ADDRESS_IN_USE))
            if ready():
                return
            time.sleep(0.1)
        tail = self.log_tail()
        self.stop()
        raise StartupError(f"{self.name} not ready after {timeout:.0f} s; "
                           f"log {self.log}:\n{tail}")

    @property
    def returncode(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def request_stop(self) -> None:
        """Send SIGTERM to the process group without waiting; a later
        :meth:`stop` waits (and escalates)."""
        if self.proc is not None:
            _signal_group(self.proc.pid, signal.SIGTERM)

    def stop(self, grace: float = STOP_GRACE) -> None:
        """SIGTERM the process group, SIGKILL it after ``grace`` s."""
        proc, self.proc = self.proc, None
        _running.discard(self)
        if proc is None:
            return
        pgid = proc.pid  # start_new_session: the group id is the pid
        _signal_group(pgid, signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
        # Workers may outlive the master for a moment: kill what is left.
        _signal_group(pgid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


@atexit.register
def _stop_all() -> None:  # pragma: no cover - safety net
    for server in list(_running):
        server.stop(grace=5)
