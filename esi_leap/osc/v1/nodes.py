"""``openstack esi node create|show|set|delete``: standalone nodes (admin
only), the inventory esi-leap keeps itself for nodes that are not in
Ironic. ``openstack esi node list`` is python-esileapclient's."""

from __future__ import annotations

import argparse
import json
from typing import Any

from osc_lib import exceptions
from osc_lib.command import command

from esi_leap.osc.v1 import audits
from esi_leap.osc.v1 import common

NODE_FORMATTERS: common.Formatters = {
    "properties": audits.MappingColumn}


def _properties(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise exceptions.CommandError(
            f"--properties must be a JSON object, e.g. "
            f"'{{\"cores\": 16}}', not {text!r}")
    return value


def _add_fields(parser: argparse.ArgumentParser, creating: bool) -> None:
    parser.add_argument("--owner", metavar="<project>", required=creating,
                        help="Project (ID or name) that owns the node")
    parser.add_argument("--resource-class", metavar="<class>",
                        help="Resource class, e.g. baremetal-small")
    parser.add_argument("--properties", metavar="<json>",
                        help="Properties as a JSON object, e.g. "
                             "'{\"cores\": 16}'")
    maintenance = parser.add_mutually_exclusive_group()
    maintenance.add_argument("--maintenance", action="store_true",
                             default=None,
                             help="Put the node in maintenance")
    maintenance.add_argument("--no-maintenance", dest="maintenance",
                             action="store_false",
                             help="Take the node out of maintenance")


def _fields(parsed_args: argparse.Namespace) -> dict[str, Any]:
    values = {"owner": parsed_args.owner,
              "resource_class": parsed_args.resource_class,
              "properties": _properties(parsed_args.properties),
              "maintenance": parsed_args.maintenance}
    return {k: v for k, v in values.items() if v is not None}


class CreateNode(command.ShowOne):
    """Register a standalone node (admin only)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>",
                            help="Name of the node")
        _add_fields(parser, creating=True)
        return parser

    def take_action(self, parsed_args: argparse.Namespace
                    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        body = {"name": parsed_args.name, **_fields(parsed_args)}
        client = common.get_client(self.app)
        with common.failure(f"create node {parsed_args.name}"):
            node = client.create_node(body)
        return common.show_view(node, NODE_FORMATTERS)


class ShowNode(command.ShowOne):
    """Show a node: owner, lessee, current lease and properties."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("node", metavar="<node>",
                            help="UUID or name of the node")
        return parser

    def take_action(self, parsed_args: argparse.Namespace
                    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        client = common.get_client(self.app)
        with common.failure(f"show node {parsed_args.node}"):
            node = client.get_node(parsed_args.node)
        return common.show_view(node, NODE_FORMATTERS)


class SetNode(command.ShowOne):
    """Change a standalone node (admin only)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("node", metavar="<node>",
                            help="UUID or name of the node")
        parser.add_argument("--name", metavar="<name>", help="New name")
        _add_fields(parser, creating=False)
        return parser

    def take_action(self, parsed_args: argparse.Namespace
                    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        changes = _fields(parsed_args)
        if parsed_args.name is not None:
            changes["name"] = parsed_args.name
        if not changes:
            raise exceptions.CommandError(
                "Nothing to change: give --name, --owner, --resource-class, "
                "--properties or --[no-]maintenance")
        client = common.get_client(self.app)
        with common.failure(f"set node {parsed_args.node}"):
            node = client.update_node(parsed_args.node, changes)
        return common.show_view(node, NODE_FORMATTERS)


class DeleteNode(command.Command):
    """Delete standalone nodes (admin only; refused while leased)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("nodes", metavar="<node>", nargs="+",
                            help="UUID or name of the node")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        client = common.get_client(self.app)
        common.delete_each(parsed_args.nodes, client.delete_node, "node",
                           self.app.stdout)
