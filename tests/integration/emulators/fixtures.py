"""pytest fixtures: fake-switches emulated switches (vendor CLIs over SSH).

The emulator runs in its own venv (``.venv-switches``, made by
``tools/install-switch-emulator.sh``) as a child process serving on free
127.0.0.1 ports; see :mod:`tests.integration.emulators.fake_switches_server`.
Import a fixture into a test module::

    from tests.integration.emulators.fixtures import cisco_emulator  # noqa

A missing ``.venv-switches`` skips the tests (fails them when ``CI=true``).
Credentials are random per start and never printed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import secrets
import select
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import helpers

REPO = Path(__file__).resolve().parents[3]
SERVER = Path(__file__).with_name("fake_switches_server.py")
INSTALLER = "tools/install-switch-emulator.sh"
START_TIMEOUT = 30.0

#: fake-switches models known to work with networking-generic-switch (see
#: docs/switch-vendors.md), and the ports each emulation has.
CISCO = "cisco_generic"
DELL10G = "dell10g_generic"
ARISTA = "arista_generic"
BROCADE = "brocade_generic"


class EmulatorError(Exception):
    """The emulator did not start."""


@dataclasses.dataclass(frozen=True)
class EmulatedSwitch:
    """How to reach one emulated switch."""

    model: str
    host: str
    port: int
    username: str
    password: str = dataclasses.field(repr=False)
    secret: str = dataclasses.field(repr=False)

    def netmiko(self, device_type: str, **extra: Any) -> dict[str, Any]:
        """Keyword arguments for ``netmiko.ConnectHandler``."""
        return {"device_type": device_type, "host": self.host,
                "port": self.port, "username": self.username,
                "password": self.password, "secret": self.secret,
                "fast_cli": True, **extra}

    def ngs(self, device_type: str, **extra: str) -> dict[str, str]:
        """A networking-generic-switch device configuration (for
        ``devices.device_manager``); ``extra`` adds ``ngs_*`` options."""
        return {"device_type": device_type, "ip": self.host,
                "port": str(self.port), "username": self.username,
                "password": self.password, "secret": self.secret,
                "ngs_ssh_connect_timeout": "10",
                "ngs_ssh_connect_interval": "1", **extra}

    def connection(self, **extra: str) -> dict[str, str]:
        """esi-leap ``SwitchConfig.connection`` (no secrets)."""
        return {"ip": self.host, "port": str(self.port),
                "username": self.username,
                "ngs_ssh_connect_timeout": "10",
                "ngs_ssh_connect_interval": "1", **extra}

    def secrets(self) -> dict[str, str]:
        """esi-leap ``SwitchConfig.secrets``."""
        return {"password": self.password, "secret": self.secret}


def switch_python() -> Path:
    """The emulator venv's interpreter (``ESI_LEAP_SWITCH_VENV`` or
    ``.venv-switches`` in the repository)."""
    venv = Path(os.environ.get("ESI_LEAP_SWITCH_VENV",
                               REPO / ".venv-switches"))
    return venv / "bin" / "python"


def missing_emulator() -> str | None:
    """Why the emulator cannot run here, or None."""
    python = switch_python()
    if not python.exists():
        return f"{python} is missing (run {INSTALLER})"
    probe = subprocess.run([str(python), "-c", "import fake_switches"],
                           capture_output=True, timeout=60, check=False)
    if probe.returncode != 0:
        return f"fake-switches is not importable by {python} " \
               f"(run {INSTALLER})"
    return None


def require_emulator() -> None:
    """Skip (fail in CI) unless the emulator is installed."""
    reason = missing_emulator()
    if reason:
        helpers.skip_or_fail(f"the switch emulator is not installed: "
                             f"{reason}")


def _read_ready_line(process: subprocess.Popen[str], deadline: float
                     ) -> str:
    assert process.stdout is not None
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.2)
        if ready:
            line = process.stdout.readline()
            if line.startswith("READY "):
                return line
            if not line and process.poll() is not None:
                break
        elif process.poll() is not None:
            break
    raise EmulatorError("the emulator did not print its READY line")


def parse_ready_line(line: str) -> dict[str, tuple[str, int]]:
    """``READY model=host:port ...`` -> {model: (host, port)}."""
    found = re.findall(r"(\S+)=([\d.]+):(\d+)", line)
    return {model: (host, int(port)) for model, host, port in found}


def wait_for_ssh(host: str, port: int, deadline: float) -> None:
    """Until the port answers with an SSH version banner."""
    while True:
        try:
            with socket.create_connection((host, port), timeout=2) as sock:
                sock.settimeout(2)
                if sock.recv(64).startswith(b"SSH-2.0"):
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise EmulatorError(f"no SSH banner on {host}:{port}")
        time.sleep(0.1)


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            stream.close()


@contextlib.contextmanager
def running_emulators(*models: str, timeout: float = START_TIMEOUT
                      ) -> Iterator[dict[str, EmulatedSwitch]]:
    """One emulator process serving ``models`` on free 127.0.0.1 ports,
    with fresh random credentials; stopped on exit, whatever happens.

    :raises EmulatorError: when it does not start (its stderr is kept in
        the message; it never holds the credentials).
    """
    username = "admin"
    password, secret = secrets.token_hex(8), secrets.token_hex(8)
    env = {**os.environ, "FAKE_SWITCH_PASSWORD": password,
           "FAKE_SWITCH_SECRET": secret, "PYTHONUNBUFFERED": "1"}
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(
            [str(switch_python()), str(SERVER), "--stdin-eof",
             "--username", username, *(f"{model}:0" for model in models)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors,
            env=env, text=True, cwd=REPO)
        try:
            deadline = time.monotonic() + timeout
            try:
                bound = parse_ready_line(_read_ready_line(process, deadline))
                for host, port in bound.values():
                    wait_for_ssh(host, port, deadline)
            except EmulatorError as exc:
                _stop(process)
                errors.seek(0)
                raise EmulatorError(f"{exc}: {errors.read()[-2000:]}"
                                    ) from None
            yield {model: EmulatedSwitch(model, host, port, username,
                                         password, secret)
                   for model, (host, port) in bound.items()}
        finally:
            _stop(process)


@contextlib.contextmanager
def emulator_or_skip(*models: str) -> Iterator[dict[str, EmulatedSwitch]]:
    """:func:`running_emulators` after :func:`require_emulator`; a start
    failure fails the test."""
    require_emulator()
    try:
        with running_emulators(*models) as switches:
            yield switches
    except EmulatorError as exc:
        pytest.fail(f"the switch emulator did not start: {exc}")


@pytest.fixture(scope="module")
def cisco_emulator() -> Iterator[EmulatedSwitch]:
    """An emulated Cisco IOS switch (fake-switches ``cisco_generic``:
    FastEthernet0/1-12), fresh for each test module."""
    with emulator_or_skip(CISCO) as switches:
        yield switches[CISCO]


@pytest.fixture(scope="module")
def emulated_switches() -> Iterator[dict[str, EmulatedSwitch]]:
    """Emulated Cisco IOS, Dell 10G, Arista and Brocade switches in one
    process, keyed by fake-switches model name."""
    with emulator_or_skip(CISCO, DELL10G, ARISTA, BROCADE) as switches:
        yield switches


if __name__ == "__main__":  # a manual check: start, print, stop
    with running_emulators(*(sys.argv[1:] or [CISCO])) as started:
        print({model: f"{s.host}:{s.port}" for model, s in started.items()})
