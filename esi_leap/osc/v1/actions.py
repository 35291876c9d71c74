"""``openstack esi network action list|show`` and waiting for an action.

A network action is the asynchronous work an attach or detach asks for;
the manager moves it ``pending`` -> ``running`` -> ``done`` or ``error``
(``message`` says what the switch said).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from osc_lib import exceptions
from osc_lib import utils
from osc_lib.command import command

from esi_leap.osc import client as esi_client
from esi_leap.osc.v1 import common
from esi_leap.osc.v1 import ports

FINAL_STATUSES = ("done", "error")
STATUSES = ("pending", "running", "done", "error")
DEFAULT_TIMEOUT = 300.0
POLL_INTERVAL = 1.0

ACTION_COLUMNS: list[common.Column] = [
    ("UUID", "uuid"), ("Kind", "kind"), ("Status", "status"),
    ("Node UUID", "node_uuid"), ("Port UUID", "port_uuid"),
    ("Network UUID", "network_uuid"), ("Mode", "mode"),
    ("Message", "message"),
]
ACTION_LONG_COLUMNS: list[common.Column] = ACTION_COLUMNS + [
    ("Switch", "switch"), ("Switch Port", "switch_port"),
    ("Project ID", "project_id"), ("Attempts", "attempts"),
    ("Created At", "created_at"), ("Updated At", "updated_at"),
]


class ActionFailed(exceptions.CommandError):
    """The action ended in ``error``; ``action`` is its last view."""

    def __init__(self, action: dict[str, Any]) -> None:
        message = action.get("message") or "no message"
        super().__init__(
            f"Network action {action.get('uuid')} ({action.get('kind')}) "
            f"failed: {message}")
        self.action = action


def wait_for_action(client: esi_client.Client, action: dict[str, Any],
                    timeout: float = DEFAULT_TIMEOUT,
                    interval: float = POLL_INTERVAL,
                    clock: Callable[[], float] | None = None,
                    sleep: Callable[[float], None] | None = None
                    ) -> dict[str, Any]:
    """Poll ``action`` until it is ``done``; return its last view.

    ``clock`` and ``sleep`` default to ``time.monotonic`` and
    ``time.sleep``.

    :raises ActionFailed: when it ends in ``error``.
    :raises osc_lib.exceptions.CommandError: after ``timeout`` seconds,
        or when it cannot be read.
    """
    clock = clock or time.monotonic
    sleep = sleep or time.sleep
    uuid = str(action["uuid"])
    deadline = clock() + timeout
    while action.get("status") not in FINAL_STATUSES:
        if clock() >= deadline:
            raise exceptions.CommandError(
                f"Network action {uuid} is still {action.get('status')} "
                f"after {timeout:g} s; follow it with 'openstack esi "
                f"network action show {uuid}'")
        sleep(interval)
        with common.failure(f"read network action {uuid}"):
            action = client.get_action(uuid)
    if action.get("status") == "error":
        raise ActionFailed(action)
    return action


def add_wait_options(parser: argparse.ArgumentParser) -> None:
    """``--wait`` and ``--timeout`` for commands that start an action."""
    parser.add_argument(
        "--wait", action="store_true",
        help="Wait until the switch has done the network action; exit "
             "non-zero with the switch's message if it fails")
    parser.add_argument(
        "--timeout", type=float, default=None, metavar="<seconds>",
        help=f"Give up waiting after this many seconds (default "
             f"{DEFAULT_TIMEOUT:g}; implies --wait)")


def wait_requested(parsed_args: argparse.Namespace) -> float | None:
    """The timeout to wait with, or None when the user did not ask to
    wait (``--timeout`` alone implies ``--wait``)."""
    if parsed_args.timeout is not None:
        if parsed_args.timeout <= 0:
            raise exceptions.CommandError("--timeout must be positive")
        return float(parsed_args.timeout)
    return DEFAULT_TIMEOUT if parsed_args.wait else None


class ShowNetworkAction(command.ShowOne):
    """Show a network action (an attach or detach and how it went)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("action", metavar="<action>",
                            help="UUID of the network action")
        return parser

    def take_action(self, parsed_args: argparse.Namespace
                    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        client = common.get_client(self.app)
        with common.failure(f"show network action {parsed_args.action}"):
            action = client.get_action(parsed_args.action)
        return common.show_view(action)


class ListNetworkAction(command.Lister):
    """List network actions."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--node", metavar="<node>",
                            help="Only actions on this node (UUID or name)")
        parser.add_argument("--port", metavar="<port>",
                            help="Only actions on this port (UUID, or name "
                                 "or MAC address, with --node if needed)")
        parser.add_argument("--network", metavar="<network>",
                            help="Only actions for this network (UUID or "
                                 "name)")
        parser.add_argument("--status", metavar="<status>",
                            choices=STATUSES,
                            help="Only actions in this status: "
                                 + ", ".join(STATUSES))
        parser.add_argument("--long", action="store_true",
                            help="Show more columns")
        return parser

    def take_action(self, parsed_args: argparse.Namespace
                    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        client = common.get_client(self.app)
        with common.failure("list network actions"):
            port, network = parsed_args.port, parsed_args.network
            # The server filters by UUID: find those of names here.
            if port and not utils.is_uuid_like(port):
                port = ports.find_port(client, port,
                                       parsed_args.node)["uuid"]
            if network and not utils.is_uuid_like(network):
                network = client.get_network(network)["uuid"]
            actions = client.list_actions(
                node=parsed_args.node, port=port, network=network,
                status=parsed_args.status)
        columns = (ACTION_LONG_COLUMNS if parsed_args.long
                   else ACTION_COLUMNS)
        return common.list_rows(actions, columns)
