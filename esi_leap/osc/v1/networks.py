"""``openstack esi network create|list|show|delete|grant|revoke|attach|
detach``: tenant networks (a VLAN on a physical network) and putting
them on a node's ports."""

from __future__ import annotations

import argparse
from typing import Any

from osc_lib.command import command

from esi_leap.osc.v1 import actions
from esi_leap.osc.v1 import common

NETWORK_COLUMNS: list[common.Column] = [
    ("UUID", "uuid"), ("Name", "name"), ("Project ID", "project_id"),
    ("Physical Network", "physical_network"), ("VLAN", "vlan"),
    ("Public", "public"),
]
NETWORK_LONG_COLUMNS: list[common.Column] = NETWORK_COLUMNS + [
    ("Shared With", "shared_with"), ("Created At", "created_at"),
    ("Updated At", "updated_at"),
]
NETWORK_FORMATTERS: common.Formatters = {"shared_with": common.LIST}
MODES = ("native", "tagged")


def _show(view: dict[str, Any]) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    return common.show_view(view, NETWORK_FORMATTERS)


class CreateNetwork(command.ShowOne):
    """Create a network (a VLAN from the pool unless an admin gives one)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>",
                            help="Name of the new network")
        parser.add_argument("--physical-network", metavar="<physnet>",
                            help="Physical network to take the VLAN on "
                                 "(default: the server's default)")
        parser.add_argument("--vlan", metavar="<vlan-id>", type=int,
                            help="A specific VLAN id (admin only)")
        parser.add_argument("--public", action="store_true", default=None,
                            help="Make the network usable by every project "
                                 "(admin only)")
        parser.add_argument("--project", metavar="<project>",
                            help="Project that owns the network (admin "
                                 "only; default: your project)")
        return parser

    def take_action(self, parsed_args: argparse.Namespace
                    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        body: dict[str, Any] = {"name": parsed_args.name}
        optional = {"physical_network": parsed_args.physical_network,
                    "vlan": parsed_args.vlan, "public": parsed_args.public,
                    "project_id": parsed_args.project}
        body.update({k: v for k, v in optional.items() if v is not None})
        client = common.get_client(self.app)
        with common.failure(f"create network {parsed_args.name}"):
            network = client.create_network(body)
        return _show(network)


class ListNetwork(command.Lister):
    """List the networks you own, are granted or that are public."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--project", metavar="<project>",
                            help="Only networks owned by this project")
        parser.add_argument("--physical-network", metavar="<physnet>",
                            help="Only networks on this physical network")
        parser.add_argument("--name", metavar="<name>",
                            help="Only networks with this name")
        parser.add_argument("--long", action="store_true",
                            help="Show more columns")
        return parser

    def take_action(self, parsed_args: argparse.Namespace
                    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        client = common.get_client(self.app)
        with common.failure("list networks"):
            networks = client.list_networks(
                project_id=parsed_args.project,
                physical_network=parsed_args.physical_network,
                name=parsed_args.name)
        columns = (NETWORK_LONG_COLUMNS if parsed_args.long
                   else NETWORK_COLUMNS)
        return common.list_rows(networks, columns, NETWORK_FORMATTERS)


class ShowNetwork(command.ShowOne):
    """Show a network."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("network", metavar="<network>",
                            help="UUID or name of the network")
        return parser

    def take_action(self, parsed_args: argparse.Namespace
                    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        client = common.get_client(self.app)
        with common.failure(f"show network {parsed_args.network}"):
            network = client.get_network(parsed_args.network)
        return _show(network)


class DeleteNetwork(command.Command):
    """Delete networks (refused while attached or an action is pending)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("networks", metavar="<network>", nargs="+",
                            help="UUID or name of a network to delete")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        client = common.get_client(self.app)
        common.delete_each(parsed_args.networks, client.delete_network,
                           "network", self.app.stdout)


class _AccessCommand(command.Command):
    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("network", metavar="<network>",
                            help="UUID or name of the network")
        parser.add_argument("project", metavar="<project>",
                            help="Project (ID or name)")
        return parser


class GrantNetwork(_AccessCommand):
    """Let another project use a network."""

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        client = common.get_client(self.app)
        net, project = parsed_args.network, parsed_args.project
        with common.failure(f"grant project {project} access to network "
                            f"{net}"):
            client.grant_network(net, project)
        print(f"Granted project {project} access to network {net}",
              file=self.app.stdout)


class RevokeNetwork(_AccessCommand):
    """Stop letting a project use a network."""

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        client = common.get_client(self.app)
        net, project = parsed_args.network, parsed_args.project
        with common.failure(f"revoke project {project}'s access to network "
                            f"{net}"):
            client.revoke_network(net, project)
        print(f"Revoked project {project}'s access to network {net}",
              file=self.app.stdout)


def _add_attachment_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("node", metavar="<node>",
                        help="UUID or name of the node")
    parser.add_argument("port", metavar="<port>",
                        help="The node's port: UUID, name or MAC address")
    parser.add_argument("network", metavar="<network>",
                        help="UUID or name of the network")


class _ActionCommand(command.ShowOne):
    """A command that starts a network action and shows it."""

    def finish(self, parsed_args: argparse.Namespace,
               action: dict[str, Any]
               ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        timeout = actions.wait_requested(parsed_args)
        if timeout is not None:
            action = actions.wait_for_action(
                common.get_client(self.app), action, timeout)
        return common.show_view(action)


class AttachNetwork(_ActionCommand):
    """Put a network on a node's port (asynchronous: prints the network
    action; --wait waits for the switch)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        _add_attachment_arguments(parser)
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--tagged", dest="mode", action="store_const",
                          const="tagged",
                          help="Tagged (trunk) VLAN; same as --mode tagged")
        mode.add_argument("--mode", dest="mode", choices=MODES,
                          help="native (untagged, the default) or tagged")
        actions.add_wait_options(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace
                    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        actions.wait_requested(parsed_args)  # check --timeout first
        client = common.get_client(self.app)
        mode = parsed_args.mode or "native"
        with common.failure(f"attach network {parsed_args.network} to port "
                            f"{parsed_args.port} of node {parsed_args.node}"):
            action = client.attach(parsed_args.node, parsed_args.port,
                                   parsed_args.network, mode)
        return self.finish(parsed_args, action)


class DetachNetwork(_ActionCommand):
    """Remove a network from a node's port (asynchronous: prints the
    network action; --wait waits for the switch)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        _add_attachment_arguments(parser)
        actions.add_wait_options(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace
                    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        actions.wait_requested(parsed_args)
        client = common.get_client(self.app)
        with common.failure(f"detach network {parsed_args.network} from "
                            f"port {parsed_args.port} of node "
                            f"{parsed_args.node}"):
            action = client.detach(parsed_args.node, parsed_args.port,
                                   parsed_args.network)
        return self.finish(parsed_args, action)
