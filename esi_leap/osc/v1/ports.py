"""``openstack esi port create|list|show|delete``: a node's network ports
and where they are cabled (switch and switch port)."""

from __future__ import annotations

import argparse
from typing import Any

from osc_lib import exceptions
from osc_lib import utils
from osc_lib.command import command

from esi_leap.osc import client as esi_client
from esi_leap.osc.v1 import common

PORT_COLUMNS: list[common.Column] = [
    ("UUID", "uuid"), ("Name", "name"), ("Node UUID", "node_uuid"),
    ("Address", "address"), ("Switch", "switch"),
    ("Switch Port", "switch_port"), ("Networks", "networks"),
]
PORT_LONG_COLUMNS: list[common.Column] = PORT_COLUMNS + [
    ("Physical Network", "physical_network"), ("Source", "source"),
    ("Pending Action", "pending_action"), ("Refused", "refused"),
]
PORT_FORMATTERS: common.Formatters = {"networks": common.NetworksColumn}


def _show(view: dict[str, Any]) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    return common.show_view(view, PORT_FORMATTERS)


def find_port(client: esi_client.Client, ident: str,
              node: str | None = None) -> dict[str, Any]:
    """A port by UUID, or by name or MAC address (among ``node``'s ports
    when given); a name several ports share is an error."""
    if utils.is_uuid_like(ident):
        return client.get_port(ident)
    wanted = ident.lower()
    matches = [p for p in client.list_ports(node=node)
               if p.get("name") == ident
               or str(p.get("address") or "").lower() == wanted]
    where = f" on node {node}" if node else ""
    if not matches:
        raise exceptions.CommandError(f"No port {ident}{where}")
    if len(matches) > 1:
        uuids = ", ".join(str(p.get("uuid")) for p in matches)
        raise exceptions.CommandError(
            f"Several ports match {ident}{where} ({uuids}); give --node "
            "or the port's UUID")
    return matches[0]


class CreatePort(command.ShowOne):
    """Add a port to a standalone or dummy node (admin only)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>",
                            help="Name of the port (unique on its node)")
        parser.add_argument("--node", metavar="<node>", required=True,
                            help="UUID or name of the node")
        parser.add_argument("--switch", metavar="<switch>", required=True,
                            help="Name of the switch the port is cabled to")
        parser.add_argument("--switch-port", metavar="<switch-port>",
                            required=True,
                            help="The switch's interface, e.g. Ethernet1/1")
        parser.add_argument("--address", metavar="<mac>",
                            help="The port's MAC address")
        parser.add_argument("--physical-network", metavar="<physnet>",
                            help="Physical network (default: the "
                                 "switch's)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace
                    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        body: dict[str, Any] = {"node": parsed_args.node,
                                "name": parsed_args.name,
                                "switch": parsed_args.switch,
                                "switch_port": parsed_args.switch_port}
        optional = {"address": parsed_args.address,
                    "physical_network": parsed_args.physical_network}
        body.update({k: v for k, v in optional.items() if v is not None})
        client = common.get_client(self.app)
        with common.failure(f"create port {parsed_args.name} on node "
                            f"{parsed_args.node}"):
            port = client.create_port(body)
        return _show(port)


class ListPort(command.Lister):
    """List ports (an admin sees all; others the ports of nodes they own
    or lease)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--node", metavar="<node>",
                            help="Only this node's ports (UUID or name)")
        parser.add_argument("--long", action="store_true",
                            help="Show more columns")
        return parser

    def take_action(self, parsed_args: argparse.Namespace
                    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        client = common.get_client(self.app)
        with common.failure("list ports"):
            ports = client.list_ports(node=parsed_args.node)
        columns = PORT_LONG_COLUMNS if parsed_args.long else PORT_COLUMNS
        return common.list_rows(ports, columns, PORT_FORMATTERS)


def _add_port_arguments(parser: argparse.ArgumentParser,
                        nargs: str | None = None) -> None:
    parser.add_argument(
        "ports" if nargs else "port", metavar="<port>", nargs=nargs,
        help="UUID of the port, or its name or MAC address")
    parser.add_argument("--node", metavar="<node>",
                        help="The node of a port given by name or MAC "
                             "address")


class ShowPort(command.ShowOne):
    """Show a port, with its networks and any pending network action."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        _add_port_arguments(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace
                    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        client = common.get_client(self.app)
        with common.failure(f"show port {parsed_args.port}"):
            port = find_port(client, parsed_args.port, parsed_args.node)
        return _show(port)


class DeletePort(command.Command):
    """Delete ports (admin only; refused while a network is attached or an
    action is pending)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        _add_port_arguments(parser, nargs="+")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        client = common.get_client(self.app)

        def delete(ident: str) -> None:
            port = find_port(client, ident, parsed_args.node)
            client.delete_port(str(port["uuid"]))

        common.delete_each(parsed_args.ports, delete, "port",
                           self.app.stdout)
