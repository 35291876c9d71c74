"""``openstack esi switch create|list|show|set|delete`` (admin only).

A switch's password and secret are write-only: they are read from a
prompt or a file (``--password`` on the command line is accepted, as
other OSC commands do, but shows in the process list), sent without
being logged, and never printed.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from osc_lib import exceptions
from osc_lib import utils
from osc_lib.cli import parseractions
from osc_lib.command import command

from esi_leap.osc.v1 import common

DRIVERS = ("generic_switch", "fake")

SWITCH_COLUMNS: list[common.Column] = [
    ("UUID", "uuid"), ("Name", "name"), ("Driver", "driver"),
    ("Device Type", "device_type"), ("Physical Network", "physical_network"),
    ("Source", "source"),
]
SWITCH_LONG_COLUMNS: list[common.Column] = SWITCH_COLUMNS + [
    ("Switch ID", "switch_id"), ("Connection", "connection"),
    ("Has Password", "has_password"), ("Has Secret", "has_secret"),
    ("Created At", "created_at"), ("Updated At", "updated_at"),
]
SWITCH_FORMATTERS: common.Formatters = {"connection": common.DICT}


class SecretValue(str):
    """A string whose repr is masked: OSC logs the parsed arguments at
    debug level (``run(Namespace(...))``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return repr(common.MASK)


def _show(view: dict[str, Any]) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    return common.show_view(common.mask_secrets(view), SWITCH_FORMATTERS)


def read_secret_file(path: str, what: str, stdin: Any = None) -> str:
    """The first line of ``path`` (``-``: ``stdin``, default standard
    input) without its line end; an empty value is an error."""
    try:
        if path == "-":
            text = (stdin or sys.stdin).read()
        else:
            with open(path, encoding="utf-8") as f:
                text = f.read()
    except OSError as err:
        raise exceptions.CommandError(
            f"Cannot read the {what} file {path}: {err.strerror}") from err
    value = text.split("\n", 1)[0].rstrip("\r")
    if not value:
        raise exceptions.CommandError(f"The {what} file {path} is empty")
    return value


def _add_switch_options(parser: argparse.ArgumentParser) -> None:
    """The options ``create`` and ``set`` share."""
    parser.add_argument("--driver", metavar="<driver>", choices=DRIVERS,
                        help="Switch driver: " + ", ".join(DRIVERS))
    parser.add_argument("--device-type", metavar="<device-type>",
                        help="networking-generic-switch device type, e.g. "
                             "netmiko_ovs_linux")
    parser.add_argument("--switch-id", metavar="<mac>",
                        help="The switch's MAC address (as LLDP reports it)")
    parser.add_argument("--physical-network", metavar="<physnet>",
                        help="Physical network the switch serves")
    parser.add_argument("--connection", metavar="<key=value>",
                        action=parseractions.KeyValueAction,
                        help="A connection setting (ip, port, username, "
                             "key_file, ngs_* ...); repeat for several. "
                             "With 'set' the given settings replace all "
                             "of them. Not for passwords: see below")
    password = parser.add_mutually_exclusive_group()
    password.add_argument("--password-prompt", action="store_true",
                          help="Ask for the switch's login password")
    password.add_argument("--password-file", metavar="<path>",
                          help="Read the login password from the first "
                               "line of this file ('-': standard input)")
    password.add_argument("--password", metavar="<password>",
                          type=SecretValue,
                          help="The login password (visible to other "
                               "users of this machine; prefer the prompt "
                               "or a file)")
    secret = parser.add_mutually_exclusive_group()
    secret.add_argument("--secret-prompt", action="store_true",
                        help="Ask for the enable secret")
    secret.add_argument("--secret-file", metavar="<path>",
                        help="Read the enable secret from the first line "
                             "of this file ('-': standard input)")


def switch_body(parsed_args: argparse.Namespace, stdin: Any
                ) -> dict[str, Any]:
    """The request body from the options that were given."""
    connection = parsed_args.connection or {}
    secret_keys = [k for k in connection
                   if any(w in k.lower() for w in common.SECRET_WORDS)]
    if secret_keys:
        raise exceptions.CommandError(
            f"Do not put {', '.join(secret_keys)} in --connection: use "
            "--password-prompt/--password-file or --secret-prompt/"
            "--secret-file (they are never shown back)")
    if parsed_args.password_file == "-" and parsed_args.secret_file == "-":
        raise exceptions.CommandError(
            "Only one of --password-file and --secret-file can read "
            "standard input")
    body: dict[str, Any] = {}
    fields = {"driver": parsed_args.driver,
              "device_type": parsed_args.device_type,
              "switch_id": parsed_args.switch_id,
              "physical_network": parsed_args.physical_network,
              "connection": parsed_args.connection}
    body.update({k: v for k, v in fields.items() if v is not None})
    if parsed_args.password_prompt:
        body["password"] = utils.get_password(stdin, "Switch password:")
    elif parsed_args.password_file:
        body["password"] = read_secret_file(parsed_args.password_file,
                                            "password", stdin)
    elif parsed_args.password is not None:
        body["password"] = str(parsed_args.password)
    if parsed_args.secret_prompt:
        body["secret"] = utils.get_password(stdin, "Switch enable secret:")
    elif parsed_args.secret_file:
        body["secret"] = read_secret_file(parsed_args.secret_file, "secret",
                                          stdin)
    return body


class CreateSwitch(command.ShowOne):
    """Register a switch esi-leap may configure (admin only)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>",
                            help="Name of the switch (ports refer to it)")
        _add_switch_options(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace
                    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        body = {"name": parsed_args.name}
        body.update(switch_body(parsed_args, self.app.stdin))
        client = common.get_client(self.app)
        with common.failure(f"create switch {parsed_args.name}"):
            switch = client.create_switch(body)
        return _show(switch)


class ListSwitch(command.Lister):
    """List switches (admin only)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--long", action="store_true",
                            help="Show more columns")
        return parser

    def take_action(self, parsed_args: argparse.Namespace
                    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        client = common.get_client(self.app)
        with common.failure("list switches"):
            switches = client.list_switches()
        columns = (SWITCH_LONG_COLUMNS if parsed_args.long
                   else SWITCH_COLUMNS)
        return common.list_rows(
            (common.mask_secrets(s) for s in switches), columns,
            SWITCH_FORMATTERS)


class ShowSwitch(command.ShowOne):
    """Show a switch (admin only; never its password or secret)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("switch", metavar="<switch>",
                            help="UUID or name of the switch")
        return parser

    def take_action(self, parsed_args: argparse.Namespace
                    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        client = common.get_client(self.app)
        with common.failure(f"show switch {parsed_args.switch}"):
            switch = client.get_switch(parsed_args.switch)
        return _show(switch)


class SetSwitch(command.ShowOne):
    """Change a switch (admin only; switches from the configuration file
    are read-only)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("switch", metavar="<switch>",
                            help="UUID or name of the switch")
        _add_switch_options(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace
                    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        changes = switch_body(parsed_args, self.app.stdin)
        if not changes:
            raise exceptions.CommandError(
                "Nothing to change: give at least one option")
        client = common.get_client(self.app)
        with common.failure(f"update switch {parsed_args.switch}"):
            switch = client.update_switch(parsed_args.switch, changes)
        return _show(switch)


class DeleteSwitch(command.Command):
    """Delete switches (admin only; refused while ports or actions use
    them)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("switches", metavar="<switch>", nargs="+",
                            help="UUID or name of a switch to delete")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        client = common.get_client(self.app)
        common.delete_each(parsed_args.switches, client.delete_switch,
                           "switch", self.app.stdout)
