"""Serve fake-switches 1.5.0 emulated switches over SSH on 127.0.0.1.

Run with the emulator's own interpreter (``tools/install-switch-emulator.sh``
creates it)::

    cd tests/integration/emulators
    ../../../.venv-switches/bin/python fake_switches_server.py \\
        cisco_generic:0 dell10g_generic:0 [--username admin] [--stdin-eof]

Each argument is ``MODEL:PORT``; port 0 picks a free port. The login
password and the enable secret come from the environment variables
``FAKE_SWITCH_PASSWORD`` and ``FAKE_SWITCH_SECRET`` (default: the password),
never from the command line. When every listener is up, one line is printed
on stdout::

    READY cisco_generic=127.0.0.1:40123 dell10g_generic=127.0.0.1:40124

The server stops on SIGTERM/SIGINT and, with ``--stdin-eof``, when its
standard input closes (so it dies with the test run that started it).
State lives in memory only.

fake-switches does not work as released on Python 3.11 with netmiko; the
run-time patches below fix what networking-generic-switch needs, in the
imported classes only (nothing on disk changes):

* ``end`` in configuration mode (Cisco IOS, and so Dell/Dell10G which
  inherit its processor; Brocade; Arista). netmiko leaves configuration
  mode with ``end``; without it every change is applied and then reported
  as "Failed to exit configuration mode".
* the enable password: the stock ``fake-switches`` command compares the
  typed password (str) with a bytes one, so ``enable`` always fails. This
  launcher passes it as str (no patch needed, only correct use).
* the prompt after a command a sub-mode passed to its parent (e.g. a
  refused ``interface`` in ``(config-vlan)#``) was missing, so netmiko
  with command verification timed out instead of seeing the refusal.
* Brocade: ``name X`` inside ``vlan N`` (sent by NGS) was refused.
* Arista: ``terminal width``/``terminal length`` at the ``>``/``#`` prompt
  (sent by netmiko when it connects) were refused, so no session opened.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from typing import Any

from fake_switches import switch_factory  # type: ignore
from fake_switches.transports import ssh_service  # type: ignore
from twisted.internet import reactor  # type: ignore

HOST = "127.0.0.1"
PASSWORD_ENV = "FAKE_SWITCH_PASSWORD"
SECRET_ENV = "FAKE_SWITCH_SECRET"
DEFAULT_PASSWORD = "admin"


def _leave_config_mode(processor: Any, *_: str) -> None:
    """``end``: back to the enabled prompt from any configuration mode
    (sub-modes pass unknown commands to their ``(config)`` parent)."""
    processor.is_done = True


def patch_config_end() -> None:
    """Give the ``(config)`` processors an ``end`` command."""
    from fake_switches.arista.command_processor import config as arista  # type: ignore
    from fake_switches.brocade.command_processor import config as brocade  # type: ignore
    from fake_switches.cisco.command_processor import config as cisco  # type: ignore

    for module in (cisco, brocade, arista):
        module.ConfigCommandProcessor.do_end = _leave_config_mode


def patch_prompt_after_parent_command() -> None:
    """Print the prompt after a command that a sub-mode passed to its
    parent and the parent answered without changing mode.

    In ``(config-vlan)#``, ``interface NoSuchPort`` is answered by the
    ``(config)`` processor ("% Invalid input") and no prompt followed, so
    netmiko with command verification (``global_cmd_verify``) waited for
    one until it timed out. A real switch prints the prompt of the mode it
    stays in.
    """
    from fake_switches.command_processing import base_command_processor  # type: ignore

    processor_class = base_command_processor.BaseCommandProcessor
    process = processor_class.process_command
    delegate = processor_class.delegate_to_sub_processor
    move_to = processor_class.move_to

    def tracked_delegate(processor: Any, line: str) -> Any:
        processed = delegate(processor, line)
        processor.sub_declined = not processed
        return processed

    def tracked_move_to(processor: Any, *args: Any) -> Any:
        processor.moved = True
        return move_to(processor, *args)

    def process_command(processor: Any, line: str) -> Any:
        processor.sub_declined = processor.moved = False
        processed = process(processor, line)
        if (processed and processor.sub_declined and not processor.moved
                and processor.sub_processor is not None
                and not processor.continuing_to and not processor.is_done
                and not processor.awaiting_keystroke):
            processor.show_prompt()
        return processed

    processor_class.delegate_to_sub_processor = tracked_delegate
    processor_class.move_to = tracked_move_to
    processor_class.process_command = process_command


def patch_brocade_vlan_name() -> None:
    """Brocade: accept ``name X`` in ``(config-vlan-N)``."""
    from fake_switches.brocade.command_processor import config_vlan  # type: ignore

    def do_name(processor: Any, *words: str) -> None:
        processor.vlan.name = " ".join(words)

    config_vlan.ConfigVlanCommandProcessor.do_name = do_name


def patch_arista_terminal() -> None:
    """Arista: answer ``terminal width N`` / ``terminal length N`` as EOS
    does (netmiko waits for "Width set to")."""
    from fake_switches.arista.command_processor import default  # type: ignore
    from fake_switches.arista.command_processor import enabled  # type: ignore

    def do_terminal(processor: Any, *words: str) -> None:
        if words and "width".startswith(words[0]):
            columns = words[1] if len(words) > 1 else "80"
            processor.write_line(f"Width set to {columns} columns.")
        else:
            processor.write_line("Pagination disabled.")

    default.DefaultCommandProcessor.do_terminal = do_terminal
    enabled.EnabledCommandProcessor.do_terminal = do_terminal


def apply_patches() -> None:
    """All run-time fixes (see the module docstring)."""
    patch_config_end()
    patch_prompt_after_parent_command()
    patch_brocade_vlan_name()
    patch_arista_terminal()


def parse_spec(spec: str) -> tuple[str, int]:
    """``MODEL:PORT`` -> (model, port)."""
    model, _, port = spec.rpartition(":")
    if model not in switch_factory.DEFAULT_MAPPING:
        known = ", ".join(sorted(switch_factory.DEFAULT_MAPPING))
        raise argparse.ArgumentTypeError(
            f"unknown model {model!r} (known: {known})")
    try:
        return model, int(port)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"bad port in {spec!r}") from None


def serve(model: str, port: int, username: str, password: str,
          secret: str) -> int:
    """Start one emulated switch; returns the port it listens on."""
    core = switch_factory.SwitchFactory().get(
        model, hostname=model.replace("_", "-"), password=secret)
    service = ssh_service.SwitchSshService(
        ip=HOST, port=port, switch_core=core,
        users={username: password.encode()})
    listener = service.hook_to_reactor(reactor)
    return int(listener.getHost().port)


def _stop_on_stdin_eof() -> None:
    def wait() -> None:
        sys.stdin.read()
        reactor.callFromThread(reactor.stop)

    threading.Thread(target=wait, daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("switches", nargs="+", type=parse_spec,
                        metavar="MODEL:PORT")
    parser.add_argument("--username", default="admin")
    parser.add_argument("--stdin-eof", action="store_true",
                        help="stop when standard input closes")
    parser.add_argument("--stock", action="store_true",
                        help="no run-time patches (to see the bugs)")
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args(argv)
    # Above INFO only: at DEBUG, fake-switches logs every line received,
    # the enable secret included.
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(name)s %(message)s")
    password = os.environ.get(PASSWORD_ENV, DEFAULT_PASSWORD)
    secret = os.environ.get(SECRET_ENV, password)
    if not args.stock:
        apply_patches()
    bound = []
    for model, port in args.switches:
        port = serve(model, port, args.username, password, secret)
        bound.append(f"{model}={HOST}:{port}")
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: reactor.callFromThread(
            reactor.stop))
    if args.stdin_eof:
        _stop_on_stdin_eof()
    print("READY " + " ".join(bound), flush=True)
    reactor.run(installSignalHandlers=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
