"""``openstack esi audit start|list|show|remediation show|remediate``,
``openstack esi finding list|show`` and ``openstack esi network verify``.

A switch audit reads the switches back and compares each port with what
esi-leap configured; what it sees are findings (``match`` when all is
well). An audit goes ``pending`` -> ``running`` -> ``done`` or ``error``.
Its remediation is the list of port changes that would put the switches
back as intended; ``remediate`` turns them into network actions. A
network's verification says whether the last audit saw the network's
VLAN on every port it is attached to, and nowhere else.

The API calls are made here with the plugin's REST client
(:meth:`esi_leap.osc.client.Client.request`).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

from cliff import columns as cliff_columns
from osc_lib import exceptions
from osc_lib import utils
from osc_lib.command import command

from esi_leap.osc import client as esi_client
from esi_leap.osc.v1 import common

AUDIT_STATUSES = ("pending", "running", "done", "error")
AUDIT_FINAL = ("done", "error")
TRIGGERS = ("api", "periodic")
SEVERITIES = ("critical", "major", "minor", "info")
KINDS = ("match", "missing_vlan", "extra_vlan", "wrong_mode",
         "wrong_native", "not_quarantined", "unmanaged_port", "unreadable",
         "double_binding")
FINDING_STATUSES = ("open", "resolved")
ACTION_FINAL = ("done", "error")
VERIFICATION_OBSERVED = ("carried", "missing", "unknown")

#: Seconds ``--wait`` waits by default (an audit reads every switch).
DEFAULT_TIMEOUT = 600.0
POLL_INTERVAL = 1.0
#: Finding UUIDs a table cell shows before "... and N more".
UUIDS_SHOWN = 10

Clock = Callable[[], float]
Sleep = Callable[[float], None]
ShowResult = tuple[tuple[str, ...], tuple[Any, ...]]
ListResult = tuple[tuple[str, ...], list[tuple[Any, ...]]]


# -- value formatters ---------------------------------------------------------


def _text(value: Any) -> str:
    """One value in a table cell: lists as ``a,b``, None as ``-``."""
    if value is None:
        return "-"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value) if value else "none"
    if isinstance(value, Mapping):
        return " ".join(f"{k}:{v}" for k, v in value.items()) or "none"
    return str(value)


class MappingColumn(cliff_columns.FormattableColumn[Mapping[str, Any]]):
    """A port state or any flat mapping: ``mode=trunk, native_vlan=100,
    tagged_vlans=101,102`` in tables, the mapping in JSON/YAML."""

    def human_readable(self) -> str:
        return ", ".join(f"{k}={_text(v)}"
                         for k, v in (self._value or {}).items())

    def machine_readable(self) -> dict[str, Any]:
        return dict(self._value or {})


class CountsColumn(cliff_columns.FormattableColumn[Mapping[str, int]]):
    """Counts by severity or kind: ``critical 1, major 2`` (in
    :attr:`ORDER`, then any other key), ``none`` when all are zero."""

    ORDER: tuple[str, ...] = ()

    def human_readable(self) -> str:
        counts = dict(self._value or {})
        keys = [k for k in self.ORDER if k in counts]
        keys += sorted(k for k in counts if k not in self.ORDER)
        shown = [f"{k} {counts[k]}" for k in keys if counts[k]]
        return ", ".join(shown) or "none"

    def machine_readable(self) -> dict[str, int]:
        return dict(self._value or {})


class SeverityCountsColumn(CountsColumn):
    ORDER = SEVERITIES


class KindCountsColumn(CountsColumn):
    ORDER = KINDS


class SwitchesColumn(cliff_columns.FormattableColumn[list[str]]):
    """The switches an audit was asked for: ``(all)`` for ``[]``."""

    def human_readable(self) -> str:
        return ", ".join(self._value) if self._value else "(all)"

    def machine_readable(self) -> list[str]:
        return list(self._value or [])


class SwitchesReadColumn(cliff_columns.FormattableColumn[Mapping[str, int]]):
    """Switches read and their port counts: ``leaf1 (48 ports)``."""

    def human_readable(self) -> str:
        return ", ".join(f"{name} ({ports} ports)"
                         for name, ports in (self._value or {}).items())

    def machine_readable(self) -> dict[str, int]:
        return dict(self._value or {})


class UnreadableColumn(cliff_columns.FormattableColumn[Mapping[str, str]]):
    """Switches that could not be read: ``leaf2 (timed out)``."""

    def human_readable(self) -> str:
        return ", ".join(f"{name} ({message})" if message else name
                         for name, message in (self._value or {}).items())

    def machine_readable(self) -> dict[str, str]:
        return dict(self._value or {})


class UuidsColumn(cliff_columns.FormattableColumn[list[str]]):
    """Finding UUIDs: the first :data:`UUIDS_SHOWN` one per line, then
    ``... and N more``; every one in JSON/YAML."""

    def human_readable(self) -> str:
        uuids = list(self._value or [])
        lines = uuids[:UUIDS_SHOWN]
        if len(uuids) > UUIDS_SHOWN:
            lines.append(f"... and {len(uuids) - UUIDS_SHOWN} more")
        return "\n".join(lines)

    def machine_readable(self) -> list[str]:
        return list(self._value or [])


class LinesColumn(cliff_columns.FormattableColumn[list[str]]):
    """Switch commands, one per line."""

    def human_readable(self) -> str:
        return "\n".join(str(line) for line in self._value or [])

    def machine_readable(self) -> list[str]:
        return list(self._value or [])


class VerifiedPortsColumn(cliff_columns.FormattableColumn[
        list[dict[str, Any]]]):
    """A network's ports: ``eth0 of node N (native): carried at T``, one
    per line."""

    def human_readable(self) -> str:
        return "\n".join(self._line(p) for p in self._value or [])

    @staticmethod
    def _line(port: Mapping[str, Any]) -> str:
        name = port.get("port_name") or port.get("port_uuid")
        line = (f"{name} of node {port.get('node_uuid')} "
                f"({port.get('mode')}): {port.get('observed')}")
        if port.get("observed_at"):
            line += f" at {port['observed_at']}"
        return line

    def machine_readable(self) -> list[dict[str, Any]]:
        return [dict(p) for p in self._value or []]


# -- the API ----------------------------------------------------------------


def node_uuid(client: esi_client.Client, node: str) -> str:
    """``node`` itself if it is a UUID, else the UUID of the node so
    named (findings are filtered by UUID)."""
    if utils.is_uuid_like(node):
        return node
    return str(client.get_node(node)["uuid"])


def network_uuid(client: esi_client.Client, network: str) -> str:
    """``network`` itself if it is a UUID, else the named network's."""
    if utils.is_uuid_like(network):
        return network
    return str(client.get_network(network)["uuid"])


# -- waiting ----------------------------------------------------------------


def poll(finished: Callable[[], bool], refresh: Callable[[], None],
         timeout: float, interval: float | None = None,
         clock: Clock | None = None, sleep: Sleep | None = None) -> bool:
    """Call ``refresh`` every ``interval`` s (default
    :data:`POLL_INTERVAL`) until ``finished()``; return False if
    ``timeout`` s passed first."""
    interval = POLL_INTERVAL if interval is None else interval
    clock = clock or time.monotonic
    sleep = sleep or time.sleep
    deadline = clock() + timeout
    while not finished():
        if clock() >= deadline:
            return False
        sleep(interval)
        refresh()
    return True


def wait_for_audit(client: esi_client.Client, audit: dict[str, Any],
                   timeout: float = DEFAULT_TIMEOUT,
                   interval: float | None = None,
                   clock: Clock | None = None, sleep: Sleep | None = None
                   ) -> dict[str, Any]:
    """Poll ``audit`` until it is ``done`` or ``error``; return its last
    view.

    :raises osc_lib.exceptions.CommandError: after ``timeout`` seconds,
        or when it cannot be read.
    """
    uuid = str(audit["uuid"])
    last = [audit]

    def refresh() -> None:
        with common.failure(f"read audit {uuid}"):
            last[0] = client.get_audit(uuid)

    if not poll(lambda: last[0].get("status") in AUDIT_FINAL, refresh,
                timeout, interval, clock, sleep):
        raise exceptions.CommandError(
            f"Audit {uuid} is still {last[0].get('status')} after "
            f"{timeout:g} s; follow it with 'openstack esi audit show "
            f"{uuid}'")
    return last[0]


def wait_for_actions(client: esi_client.Client,
                     actions: list[dict[str, Any]],
                     timeout: float = DEFAULT_TIMEOUT,
                     interval: float | None = None,
                     clock: Clock | None = None, sleep: Sleep | None = None
                     ) -> list[dict[str, Any]]:
    """Poll network actions until each is ``done`` or ``error``; return
    their last views, in the same order.

    :raises osc_lib.exceptions.CommandError: after ``timeout`` seconds
        (naming the unfinished ones), or when one cannot be read.
    """
    views = list(actions)

    def unfinished() -> list[int]:
        return [i for i, a in enumerate(views)
                if a.get("status") not in ACTION_FINAL]

    def refresh() -> None:
        for i in unfinished():
            uuid = str(views[i]["uuid"])
            with common.failure(f"read network action {uuid}"):
                views[i] = client.get_action(uuid)

    if not poll(lambda: not unfinished(), refresh, timeout, interval,
                clock, sleep):
        left = ", ".join(str(views[i]["uuid"]) for i in unfinished())
        raise exceptions.CommandError(
            f"Network actions still unfinished after {timeout:g} s: "
            f"{left}; follow them with 'openstack esi network action "
            f"show'")
    return views


def add_wait_options(parser: argparse.ArgumentParser, what: str) -> None:
    """``--wait`` and ``--timeout``."""
    parser.add_argument(
        "--wait", action="store_true",
        help=f"Wait until {what} finished; exit non-zero if it ended in "
             "error")
    parser.add_argument(
        "--timeout", type=float, default=None, metavar="<seconds>",
        help=f"Give up waiting after this many seconds (default "
             f"{DEFAULT_TIMEOUT:g}; implies --wait)")


def wait_requested(parsed_args: argparse.Namespace) -> float | None:
    """The timeout to wait with, or None when not asked to wait."""
    if parsed_args.timeout is not None:
        if parsed_args.timeout <= 0:
            raise exceptions.CommandError("--timeout must be positive")
        return float(parsed_args.timeout)
    return DEFAULT_TIMEOUT if parsed_args.wait else None


def positive_int(text: str) -> int:
    """An argparse type: a whole number above zero."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"invalid count {text!r}: give a whole number above 0")
    return value


class _FailAfterOutput:
    """For display commands that show a result and then exit 1 when it
    is a failure: ``take_action`` sets :attr:`failure`."""

    failure: str | None = None

    def run(self, parsed_args: argparse.Namespace) -> int:
        self.failure = None
        rc: int = super().run(parsed_args)  # type: ignore[misc]
        if self.failure:
            raise exceptions.CommandError(self.failure)
        return rc


# -- audits -----------------------------------------------------------------

AUDIT_COLUMNS: list[common.Column] = [
    ("UUID", "uuid"), ("Status", "status"), ("Trigger", "trigger"),
    ("Switches", "switches"), ("Created At", "created_at"),
    ("Finished At", "finished_at"), ("Message", "message"),
]
AUDIT_LONG_COLUMNS: list[common.Column] = AUDIT_COLUMNS + [
    ("Project ID", "project_id"), ("Started At", "started_at"),
    ("Ports Checked", "ports_checked"), ("Ports Skipped", "ports_skipped"),
    ("Severities", "severities"),
    ("Unreadable Switches", "unreadable_switches"),
]
AUDIT_FORMATTERS: common.Formatters = {
    "switches": SwitchesColumn, "severities": SeverityCountsColumn,
    "kinds": KindCountsColumn, "switches_read": SwitchesReadColumn,
    "unreadable_switches": UnreadableColumn, "new_findings": UuidsColumn,
    "resolved_findings": UuidsColumn,
}


def flatten_audit(audit: Mapping[str, Any]) -> dict[str, Any]:
    """An audit view with its ``summary`` spread into fields:
    ``ports_checked``, ``ports_skipped``, ``severities``, ``kinds``,
    ``switches_read`` (name -> ports), ``unreadable_switches`` (name ->
    message), ``new_findings``, ``resolved_findings``. Without a summary
    (not finished yet) they are None."""
    out = {k: v for k, v in audit.items() if k != "summary"}
    summary = audit.get("summary")
    if not isinstance(summary, Mapping):
        summary = None
    get = (lambda key: None) if summary is None else summary.get
    out.update(ports_checked=get("ports_checked"),
               ports_skipped=get("ports_skipped"),
               severities=get("severities"), kinds=get("kinds"),
               new_findings=get("new_findings"),
               resolved_findings=get("resolved_findings"))
    switches = get("switches")
    if isinstance(switches, Mapping):
        out["switches_read"] = {
            name: s.get("ports") for name, s in switches.items()
            if s.get("status") != "unreadable"}
        out["unreadable_switches"] = {
            name: s.get("message") for name, s in switches.items()
            if s.get("status") == "unreadable"}
    else:
        out["switches_read"] = out["unreadable_switches"] = None
    return out


def show_audit(audit: Mapping[str, Any]) -> ShowResult:
    return common.show_view(flatten_audit(audit), AUDIT_FORMATTERS)


def audit_failure(audit: Mapping[str, Any]) -> str | None:
    """The error to exit with when ``audit`` ended in ``error``."""
    if audit.get("status") != "error":
        return None
    return (f"Audit {audit.get('uuid')} ended in error: "
            f"{audit.get('message') or 'no message'}")


class StartAudit(_FailAfterOutput, command.ShowOne):
    """Start an audit of the switches (admin only; asynchronous: shows
    the pending audit, --wait waits for its end)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "--switch", metavar="<switch>", dest="switches",
            action="append",
            help="Audit this switch (name); repeat for several "
                 "(default: every switch)")
        add_wait_options(parser, "the audit has")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> ShowResult:
        timeout = wait_requested(parsed_args)
        client = common.get_client(self.app)
        with common.failure("start an audit"):
            audit = client.start_audit(parsed_args.switches)
        if timeout is not None:
            audit = wait_for_audit(client, audit, timeout)
            self.failure = audit_failure(audit)
        return show_audit(audit)


def _add_page_options(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--limit", metavar="<count>", type=positive_int,
                        help=f"At most this many {what}")
    parser.add_argument("--marker", metavar="<uuid>",
                        help=f"Start after this one (the last of the "
                             f"previous page of {what})")
    parser.add_argument("--long", action="store_true",
                        help="Show more columns")


class ListAudit(command.Lister):
    """List audits, newest first."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--status", metavar="<status>",
                            choices=AUDIT_STATUSES,
                            help="Only audits in this status: "
                                 + ", ".join(AUDIT_STATUSES))
        parser.add_argument("--trigger", metavar="<trigger>",
                            choices=TRIGGERS,
                            help="Only audits started this way: "
                                 + ", ".join(TRIGGERS))
        _add_page_options(parser, "audits")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> ListResult:
        client = common.get_client(self.app)
        with common.failure("list audits"):
            audits = client.list_audits(status=parsed_args.status,
                                 trigger=parsed_args.trigger,
                                 limit=parsed_args.limit,
                                 marker=parsed_args.marker)
        columns = AUDIT_LONG_COLUMNS if parsed_args.long else AUDIT_COLUMNS
        return common.list_rows((flatten_audit(a) for a in audits),
                                columns, AUDIT_FORMATTERS)


class ShowAudit(command.ShowOne):
    """Show an audit and what it found (counts by severity and kind,
    switches it could not read)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("audit", metavar="<audit>",
                            help="UUID of the audit")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> ShowResult:
        client = common.get_client(self.app)
        with common.failure(f"show audit {parsed_args.audit}"):
            audit = client.get_audit(parsed_args.audit)
        return show_audit(audit)


# -- remediation ------------------------------------------------------------

REMEDIATION_COLUMNS: list[common.Column] = [
    ("Switch", "switch"), ("Switch Port", "switch_port"),
    ("Node UUID", "node_uuid"), ("Target", "target"),
    ("Commands", "commands"), ("Skipped", "skipped"),
]
REMEDIATION_LONG_COLUMNS: list[common.Column] = REMEDIATION_COLUMNS + [
    ("Port UUID", "port_uuid"), ("Observed", "observed"),
    ("Findings", "findings"),
]
REMEDIATION_FORMATTERS: common.Formatters = {
    "target": MappingColumn, "observed": MappingColumn,
    "commands": LinesColumn, "findings": UuidsColumn,
}
REMEDIATE_COLUMNS: list[common.Column] = [
    ("Network Action", "uuid"), ("Kind", "kind"), ("Status", "status"),
    ("Switch", "switch"), ("Switch Port", "switch_port"),
    ("Node UUID", "node_uuid"), ("Port UUID", "port_uuid"),
    ("Message", "message"), ("Skipped", "skipped"),
]


def skipped_rows(plan: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ports a remediation leaves alone, as rows whose ``skipped``
    says why."""
    rows = []
    for item in plan.get("skipped") or []:
        row = {k: v for k, v in item.items() if k != "reason"}
        row["skipped"] = item.get("reason") or "skipped"
        rows.append(row)
    return rows


def remediation_rows(plan: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per port: the planned changes, then the skipped ports."""
    rows = [dict(change, skipped=None) for change in plan.get("changes")
            or []]
    return rows + skipped_rows(plan)


class ShowRemediation(command.Lister):
    """Show what remediating an audit would change, port by port, and
    the switch commands it would send (nothing is changed)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("audit", metavar="<audit>",
                            help="UUID of the audit")
        parser.add_argument("--long", action="store_true",
                            help="Show more columns")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> ListResult:
        client = common.get_client(self.app)
        with common.failure(f"show the remediation of audit "
                            f"{parsed_args.audit}"):
            plan = client.get_remediation(parsed_args.audit)
        columns = (REMEDIATION_LONG_COLUMNS if parsed_args.long
                   else REMEDIATION_COLUMNS)
        return common.list_rows(remediation_rows(plan), columns,
                                REMEDIATION_FORMATTERS)


class Remediate(_FailAfterOutput, command.Lister):
    """Put the ports an audit found wrong back as intended (admin only;
    starts one network action per port; --wait waits for them)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("audit", metavar="<audit>",
                            help="UUID of the audit")
        add_wait_options(parser, "every network action has")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> ListResult:
        timeout = wait_requested(parsed_args)
        client = common.get_client(self.app)
        with common.failure(f"remediate audit {parsed_args.audit}"):
            result = client.remediate(parsed_args.audit)
            actions = list(result.get("network_actions") or [])
        if timeout is not None:
            actions = wait_for_actions(client, actions, timeout)
            failed = [a for a in actions if a.get("status") == "error"]
            if failed:
                self.failure = (
                    f"{len(failed)} of {len(actions)} network actions "
                    "failed: " + "; ".join(
                        f"{a.get('uuid')}: {a.get('message') or 'no message'}"
                        for a in failed))
        rows: list[dict[str, Any]] = [dict(a, skipped=None)
                                      for a in actions]
        return common.list_rows(rows + skipped_rows(result),
                                REMEDIATE_COLUMNS)


# -- findings ---------------------------------------------------------------

FINDING_COLUMNS: list[common.Column] = [
    ("UUID", "uuid"), ("Severity", "severity"), ("Kind", "kind"),
    ("Status", "status"), ("Switch", "switch"),
    ("Switch Port", "switch_port"), ("VLAN", "vlan"),
    ("Message", "message"),
]
FINDING_LONG_COLUMNS: list[common.Column] = FINDING_COLUMNS + [
    ("Node UUID", "node_uuid"), ("Port UUID", "port_uuid"),
    ("Network UUID", "network_uuid"), ("Project ID", "project_id"),
    ("Lease UUID", "lease_uuid"),
    ("Foreign Project IDs", "foreign_project_ids"),
    ("Last Audit UUID", "last_audit_uuid"), ("Created At", "created_at"),
    ("Last Seen At", "last_seen_at"), ("Resolved At", "resolved_at"),
]
FINDING_FORMATTERS: common.Formatters = {
    "expected": MappingColumn, "observed": MappingColumn,
    "foreign_networks": MappingColumn, "foreign_project_ids": common.LIST,
}


class ListFinding(command.Lister):
    """List findings of the audits (open and resolved)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--switch", metavar="<switch>",
                            help="Only findings on this switch (name)")
        parser.add_argument("--severity", metavar="<severity>",
                            choices=SEVERITIES,
                            help="Only findings of this severity: "
                                 + ", ".join(SEVERITIES))
        parser.add_argument("--kind", metavar="<kind>", choices=KINDS,
                            help="Only findings of this kind: "
                                 + ", ".join(KINDS))
        parser.add_argument("--status", metavar="<status>",
                            choices=FINDING_STATUSES,
                            help="Only open or only resolved findings")
        parser.add_argument("--node", metavar="<node>",
                            help="Only findings on this node's ports "
                                 "(UUID or name)")
        parser.add_argument("--network", metavar="<network>",
                            help="Only findings about this network (UUID "
                                 "or name)")
        parser.add_argument("--audit", metavar="<audit>",
                            help="Only findings this audit (UUID) was the "
                                 "last to see")
        _add_page_options(parser, "findings")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> ListResult:
        client = common.get_client(self.app)
        with common.failure("list findings"):
            node = parsed_args.node and node_uuid(client, parsed_args.node)
            network = parsed_args.network and network_uuid(
                client, parsed_args.network)
            findings = client.list_findings(
                switch=parsed_args.switch,
                severity=parsed_args.severity, kind=parsed_args.kind,
                status=parsed_args.status, node_uuid=node,
                network_uuid=network, audit_uuid=parsed_args.audit,
                limit=parsed_args.limit, marker=parsed_args.marker)
        columns = (FINDING_LONG_COLUMNS if parsed_args.long
                   else FINDING_COLUMNS)
        return common.list_rows(findings, columns, FINDING_FORMATTERS)


class ShowFinding(command.ShowOne):
    """Show a finding: what the audit expected and what it saw."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("finding", metavar="<finding>",
                            help="UUID of the finding")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> ShowResult:
        client = common.get_client(self.app)
        with common.failure(f"show finding {parsed_args.finding}"):
            finding = client.get_finding(parsed_args.finding)
        return common.show_view(finding, FINDING_FORMATTERS)


# -- network verification ---------------------------------------------------

VERIFICATION_FORMATTERS: common.Formatters = {"ports": VerifiedPortsColumn}


def verification_view(view: Mapping[str, Any]) -> dict[str, Any]:
    """The verification with port counts by what the audit saw:
    ``carried_ports``, ``missing_ports``, ``unknown_ports``."""
    out = dict(view)
    ports: Iterable[Mapping[str, Any]] = view.get("ports") or []
    seen = [p.get("observed") for p in ports]
    for observed in VERIFICATION_OBSERVED:
        out[f"{observed}_ports"] = seen.count(observed)
    return out


class VerifyNetwork(command.ShowOne):
    """Show whether the last audit saw a network's VLAN on each port it
    is attached to and on no other project's port (``verified``,
    ``breach``, ``incomplete`` or ``unverified``; the exit status is 0
    whatever it is)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("network", metavar="<network>",
                            help="UUID or name of the network")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> ShowResult:
        client = common.get_client(self.app)
        with common.failure(f"verify network {parsed_args.network}"):
            view = client.get_verification(parsed_args.network)
        return common.show_view(verification_view(view),
                                VERIFICATION_FORMATTERS)
