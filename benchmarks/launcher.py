"""Start a real ``esi-leap`` (the embedded default) as a subprocess.

The embedded default is what ``esi-leap`` runs with no configuration file:
SQLite, HTTP basic auth with the demo users admin/owner/lessee, the manager
in the same process and a few demo nodes. The state directory is a fresh
temporary directory unless one is given; the port is a free one, passed in
``ESI_LEAP_PORT`` (the URL is read back from the start-up banner, so the
server's own idea of the port always wins).

Usage::

    with EsiLeapServer() as srv:
        requests.get(srv.url + "/v1/offers", auth=srv.auth("lessee"))
"""

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import psutil

BANNER = re.compile(r"esi-leap is running at (http://\S+)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _esi_leap_command() -> list[str]:
    found = shutil.which("esi-leap")
    if found:
        return [found]
    return ["python", "-c",
            "from esi_leap.cmd.all_in_one import main; main()"]


class EsiLeapServer:
    """One ``esi-leap`` process with its own state directory.

    :param state_dir: reuse this directory (default: a new temporary one,
        removed on stop unless ``keep`` is true).
    :param wrap: a command prefix, e.g. ``"py-spy record -o p.svg --"``,
        to run the server under a profiler.
    :param env: extra environment variables for the server.
    :param command: the server command (default: ``esi-leap``).
    """

    def __init__(self, state_dir: str | None = None, port: int | None = None,
                 wrap: str | None = None, keep: bool = False,
                 env: dict[str, str] | None = None,
                 command: list[str] | None = None,
                 start_timeout: float = 60.0) -> None:
        self._own_dir = state_dir is None
        self.state_dir = state_dir or tempfile.mkdtemp(
            prefix="esi-leap-bench-")
        self.port = port or free_port()
        self.wrap = shlex.split(wrap) if wrap else []
        self.keep = keep
        self.extra_env = env or {}
        self.command = command or _esi_leap_command()
        self.start_timeout = start_timeout
        self.url = ""
        self.proc: subprocess.Popen | None = None  # type: ignore[type-arg]
        self.creds: dict = {}  # type: ignore[type-arg]
        self.log_path = os.path.join(self.state_dir, "server.log")
        self._log = None
        self._log_start = 0
        self._stopping = False

    # -- life cycle -------------------------------------------------------
    def start(self) -> "EsiLeapServer":
        env = dict(os.environ)
        for var in list(env):
            # The embedded default is what is measured: no config from the
            # caller's environment.
            if var.startswith("OS_"):
                env.pop(var)
        env["ESI_LEAP_STATE_DIR"] = self.state_dir
        env["ESI_LEAP_PORT"] = str(self.port)
        env["PYTHONUNBUFFERED"] = "1"
        env.update(self.extra_env)
        self._log = open(self.log_path, "ab")
        self._log_start = self._log.tell()
        self.proc = subprocess.Popen(
            self.wrap + self.command, env=env, cwd=self.state_dir,
            stdout=self._log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"esi-leap exited with {self.proc.returncode}; see "
                    f"{self.log_path}:\n{self._tail()}")
            match = BANNER.search(self._since_start())
            if match:
                self.url = match.group(1).rstrip(".,")
                if self._healthy():
                    break
            time.sleep(0.1)
        else:
            self.stop()
            raise RuntimeError(f"esi-leap did not start; see {self.log_path}")
        with open(os.path.join(self.state_dir, "credentials.json"),
                  encoding="utf-8") as f:
            self.creds = json.load(f)
        return self

    def _healthy(self) -> bool:
        import urllib.request
        try:
            with urllib.request.urlopen(self.url + "/healthcheck",
                                        timeout=2) as resp:
                return bool(resp.status == 200)
        except OSError:
            return False

    def _since_start(self) -> str:
        with open(self.log_path, "rb") as f:
            f.seek(self._log_start)
            return f.read(200_000).decode("utf-8", "replace")

    def _tail(self, size: int = 4000) -> str:
        try:
            with open(self.log_path, "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - size))
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def server_process(self) -> psutil.Process:
        """The esi-leap process itself (not a profiler wrapping it)."""
        assert self.proc is not None
        root = psutil.Process(self.proc.pid)
        if not self.wrap:
            return root
        for child in root.children(recursive=True):
            try:
                if any("esi-leap" in part or "esi_leap" in part
                       for part in child.cmdline()):
                    return child
            except psutil.Error:
                continue
        return root

    def died(self) -> int | None:
        """The exit code if the server exited on its own, else None."""
        if self.proc is None or self._stopping:
            return None
        return self.proc.poll()

    def stop(self, timeout: float = 30.0) -> None:
        code = self.died()
        self._stopping = True
        if code is not None:
            # Keep the evidence: the state directory and its server.log.
            self.keep = True
            print(f"esi-leap exited by itself with {code}; its log is "
                  f"{self.log_path}:\n{self._tail(3000)}", file=sys.stderr)
        if self.proc is not None and self.proc.poll() is None:
            try:
                target = self.server_process()
                target.send_signal(signal.SIGTERM)
            except psutil.Error:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._own_dir and not self.keep:
            shutil.rmtree(self.state_dir, ignore_errors=True)

    def __enter__(self) -> "EsiLeapServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- credentials -------------------------------------------------------
    def auth(self, user: str) -> tuple[str, str]:
        return (user, self.creds[user]["password"])

    def project_id(self, user: str) -> str:
        return str(self.creds[user]["project_id"])
