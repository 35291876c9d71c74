"""The ``fake`` switch driver: switches that live in memory.

Unit tests and the embedded default's simulated switch use it. Its state
can be inspected: :func:`port_states` in-process, and, when the switch's
connection options name a ``state_file``, as JSON in that file (written
after every session), which is how the embedded default shows its
simulated switch to a person.

Connection options (all optional):

``ports``
    Comma-separated port names the switch has; changes to other ports are
    refused, as a real switch refuses a missing interface.
``unreachable``
    ``true``: sessions cannot be opened (the switch is down).
``command_delay``, ``session_delay``
    Seconds each port change, and each session opening, take (benchmarks).
``state_file``
    Where to keep the switch's state as JSON.
``default_vlan``
    The VLAN of a port nobody configured (default 1, as on most switches).

A port esi-leap never changed reads back as a factory-default port: an
access port of ``default_vlan``. Reading back costs one ``session_delay``
and one ``command_delay`` (one show command for the whole switch).
"""

import contextlib
import json
import os
import threading
import time
from collections.abc import Collection
from collections.abc import Iterator
from typing import Any

from esi_leap.drivers.switches import base
from esi_leap.drivers.switches import values

_lock = threading.Lock()
#: switch name -> port -> {"mode", "native_vlan", "tagged_vlans"}
_STATES: dict[str, dict[str, dict[str, Any]]] = {}
#: switch name -> sessions opened
_SESSIONS: dict[str, int] = {}
#: The VLAN of a port nobody configured, as on most switches.
FACTORY_VLAN = 1


def _truthy(value: str | None) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on")


def port_states(switch: str) -> dict[str, dict[str, Any]]:
    """A copy of a fake switch's port states, by port name."""
    with _lock:
        copied: dict[str, dict[str, Any]] = json.loads(
            json.dumps(_STATES.get(switch, {})))
        return copied


def sessions_opened(switch: str) -> int:
    """How many sessions were opened on a fake switch."""
    with _lock:
        return _SESSIONS.get(switch, 0)


def reset(switch: str | None = None) -> None:
    """Forget one fake switch's state and counters, or every switch's."""
    with _lock:
        for table in (_STATES, _SESSIONS):
            if switch is None:
                table.clear()
            else:
                table.pop(switch, None)


def set_port(switch: str, port: str, state: dict[str, Any]) -> None:
    """Change a port behind esi-leap's back (tests of drift).

    ``state`` has ``mode`` (``access`` or ``trunk``), ``native_vlan`` (an
    int or None), ``tagged_vlans`` (a list, or ``"all"``) and optionally
    ``admin_up`` (default true).
    """
    with _lock:
        _STATES.setdefault(switch, {})[port] = dict(state)


class FakeSession(base.SwitchSession):
    """A session on one in-memory switch."""

    def __init__(self, driver: "FakeSwitchDriver") -> None:
        self._driver = driver

    def apply(self, change: base.PortChange) -> None:
        values.check_change(change)
        options = self._driver.config.connection
        known = options.get("ports")
        if known and change.port not in known.split(","):
            raise base.SwitchError(
                f"% Invalid interface {change.port} on switch "
                f"{self._driver.config.name}")
        delay = float(options.get("command_delay", 0) or 0)
        if delay:
            time.sleep(delay)
        target = change.target
        with _lock:
            _STATES.setdefault(self._driver.config.name, {})[change.port] = {
                "mode": "trunk" if target.is_trunk else "access",
                "native_vlan": target.native_vlan,
                "tagged_vlans": sorted(target.tagged_vlans),
            }


def _observed(port: str, state: dict[str, Any]) -> base.ObservedPort:
    tagged = state.get("tagged_vlans") or []
    mode = state.get("mode", base.ACCESS)
    return base.ObservedPort(
        port=port, mode=mode, native_vlan=state.get("native_vlan"),
        allowed_vlans=None if tagged == "all" else frozenset(
            tagged if mode == base.TRUNK else ()),
        admin_up=bool(state.get("admin_up", True)))


class FakeSwitchDriver(base.SwitchDriver):
    """Driver of the in-memory switches."""

    def _open(self) -> None:
        options = self.config.connection
        if _truthy(options.get("unreachable")):
            raise base.SwitchUnreachable(
                f"switch {self.config.name} does not answer (connection "
                "timed out)")
        delay = float(options.get("session_delay", 0) or 0)
        if delay:
            time.sleep(delay)
        state_file = options.get("state_file")
        with _lock:
            _SESSIONS[self.config.name] = _SESSIONS.get(
                self.config.name, 0) + 1
            if state_file and self.config.name not in _STATES:
                _STATES[self.config.name] = _load(state_file)

    @contextlib.contextmanager
    def session(self) -> Iterator[base.SwitchSession]:
        self._open()
        yield FakeSession(self)
        state_file = self.config.connection.get("state_file")
        if state_file:
            _save(state_file, port_states(self.config.name))

    def read_ports(self, ports: Collection[str] | None = None
                   ) -> dict[str, base.ObservedPort]:
        """Every port the switch has (its ``ports`` option, or else those
        asked for) and every port ever set, as they are now."""
        self._open()
        options = self.config.connection
        delay = float(options.get("command_delay", 0) or 0)
        if delay:
            time.sleep(delay)
        known = [p for p in (options.get("ports") or "").split(",") if p]
        factory = {"mode": base.ACCESS, "native_vlan": int(
            options.get("default_vlan") or FACTORY_VLAN)}
        states = {port: factory for port in known or ports or ()}
        states.update(port_states(self.config.name))
        return {port: _observed(port, state)
                for port, state in states.items()}


def _load(path: str) -> dict[str, dict[str, Any]]:
    try:
        with open(path, encoding="utf-8") as f:
            loaded: dict[str, dict[str, Any]] = json.load(f)["ports"]
            return loaded
    except (OSError, ValueError, KeyError):
        return {}


def _save(path: str, ports: dict[str, dict[str, Any]]) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({"ports": ports}, f, indent=2, sort_keys=True)
    os.replace(tmp, path)
