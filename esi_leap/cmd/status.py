"""``esi-leap-status upgrade check``: is this deployment ready to run?

Run it after ``esi-leap-dbsync upgrade`` and before starting the new
services. Each check reports Success, Warning or Failure with what to do;
the command exits with the worst code (0, 1 or 2, as oslo.upgradecheck
defines them; 255 when the command itself breaks). ``--json`` prints the
results as JSON.

The checks only read: the database, the configuration and its policy file,
and the installed switch drivers.
"""

import functools
import importlib.metadata
import os
import re
import sys
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from alembic import script as alembic_script
from oslo_log import log as logging
from oslo_policy import policy as oslo_policy
from oslo_upgradecheck import upgradecheck
from oslo_utils import fileutils

from esi_leap import policies
from esi_leap.common import users_file
from esi_leap.conf import CONF
from esi_leap.conf import networking as networking_conf
from esi_leap.db import migration
from esi_leap.db import switches as db_switches
from esi_leap.drivers import resource_types
from esi_leap.drivers import switches as switch_drivers

Code = upgradecheck.Code
Result = upgradecheck.Result
Check = Callable[["Checks"], Result]

#: Periodic audits closer together than this read every switch nearly
#: without a pause.
MIN_AUDIT_INTERVAL = 300
#: oslo.policy's default ``[oslo_policy] policy_file``.
DEFAULT_POLICY_FILE = "policy.yaml"
#: Seconds to wait for the database server to answer (no retries: the
#: services retry, a check should not hang).
CONNECT_TIMEOUT = 10
#: Drivers that need a networking-generic-switch device type, and where
#: networking-generic-switch lists its device types.
NEEDS_DEVICE_TYPE = frozenset({"generic_switch"})
NGS_DEVICES = "generic_switch.devices"

_RULE_REFERENCE = re.compile(r"\brule:([^\s()]+)")


def _safe_error(exc: BaseException) -> str:
    """``exc`` in one line, without the database password."""
    lines = str(exc).splitlines() or [""]
    text = f"{type(exc).__name__}: {lines[0]}"
    try:
        password = sa.engine.make_url(CONF.database.connection).password
    except Exception:  # noqa: BLE001 - no URL, nothing to hide
        password = None
    if password:
        text = text.replace(str(password), "***")
    return text


def _guarded(check: Check) -> Check:
    """Turn an unexpected error of ``check`` into a Failure that says
    what broke, instead of a traceback for the whole command."""
    @functools.wraps(check)
    def run(self: "Checks") -> Result:
        try:
            return check(self)
        except Exception as exc:  # noqa: BLE001 - reported as a Failure
            return Result(Code.FAILURE,
                          f"The check could not run: {_safe_error(exc)}")
    return run


def _sqlite_file_missing() -> str | None:
    """The path of a ``[database] connection`` SQLite file that does not
    exist (connecting would create an empty one), else None."""
    url = sa.engine.make_url(CONF.database.connection)
    if not url.drivername.startswith("sqlite"):
        return None
    path = url.database
    if path in (None, "", ":memory:") or os.path.exists(str(path)):
        return None
    return str(path)


def _scripts() -> alembic_script.ScriptDirectory:
    return alembic_script.ScriptDirectory(
        os.path.join(os.path.dirname(migration.__file__), "migrations"))


def _known_revisions() -> set[str]:
    return {rev.revision for rev in _scripts().walk_revisions()}


def _revisions() -> tuple[str | None, str | None]:
    """The database's revision and the newest this code knows, read over
    one connection without oslo.db's connection retries."""
    url = sa.engine.make_url(CONF.database.connection)
    connect_args: dict[str, Any] = {}
    if url.get_backend_name() in ("mysql", "postgresql"):
        connect_args["connect_timeout"] = CONNECT_TIMEOUT
    engine = sa.create_engine(url, connect_args=connect_args,
                              poolclass=sa.pool.NullPool)
    try:
        current = migration.current_revision(engine)
    finally:
        engine.dispose()
    return current, _scripts().get_current_head()


def _schema_result(current: str | None, head: str | None) -> Result:
    upgrade = "Run esi-leap-dbsync upgrade."
    if current == head:
        return Result(Code.SUCCESS, f"The database is at revision {head}, "
                                    "the newest.")
    if current is None:
        return Result(Code.FAILURE, f"The database is empty. {upgrade}")
    if current in migration.ESI_LEAP_REVISIONS:
        return Result(Code.FAILURE,
                      f"The database is ESI-Leap 1.0's (revision {current}). "
                      f"{upgrade} It adopts it, keeping every row.")
    if current not in _known_revisions():
        return Result(Code.FAILURE,
                      f"The database is at revision {current}, which this "
                      "code does not know: it was migrated by a newer "
                      "esi-leap. Install that version (or newer) instead.")
    return Result(Code.FAILURE, f"The database is at revision {current}; "
                                f"the newest is {head}. {upgrade}")


def _database_at_head() -> bool:
    try:
        if _sqlite_file_missing():
            return False
        current, head = _revisions()
        return current == head
    except Exception:  # noqa: BLE001 - the database check reports it
        return False


def _policy_problems(rules: dict[str, str]
                     ) -> tuple[list[str], list[str]]:
    """Rules no longer known (warnings) and references to undefined
    rules (failures) in the policy file's ``rules``."""
    known = {rule.name for rule in policies.list_rules()}
    referenced = {ref for check in rules.values()
                  for ref in _RULE_REFERENCE.findall(check)}
    stale = sorted(name for name in rules
                   if name not in known and name not in referenced)
    undefined = sorted(ref for ref in referenced
                       if ref not in known and ref not in rules)
    return stale, undefined


def _read_policy_file(path: str) -> dict[str, str]:
    """The rules of the policy file at ``path``.

    :raises ValueError: it is not a mapping of rule names to check
        strings.
    """
    with open(path, encoding="utf-8") as stream:
        parsed: Any = oslo_policy.parse_file_contents(stream.read())
    if not isinstance(parsed, dict) or not all(
            isinstance(k, str) and isinstance(v, str)
            for k, v in parsed.items()):
        raise ValueError("it must map rule names to check strings")
    return parsed


def _driver_problem(name: str, driver: str | None, device_type: str | None,
                    known: Iterable[str], device_types: set[str]
                    ) -> str | None:
    driver = driver or "generic_switch"
    if driver not in known:
        return (f"switch {name}: driver {driver!r} is not installed "
                f"(installed: {', '.join(sorted(known)) or 'none'})")
    if driver not in NEEDS_DEVICE_TYPE:
        return None
    if not device_type:
        return f"switch {name}: driver {driver} needs a device_type"
    if device_types and device_type not in device_types:
        return (f"switch {name}: device_type {device_type!r} is not an "
                "installed networking-generic-switch device type")
    return None


def _switches() -> list[tuple[str, str | None, str | None]]:
    """(name, driver, device type) of every configured switch, and of
    every registered one when the database can be read."""
    found = []
    for name in networking_conf.switch_sections(CONF):
        section = CONF[f"{networking_conf.SWITCH_SECTION_PREFIX}{name}"]
        found.append((name, section.driver, section.device_type))
    if _database_at_head():
        found += [(row.name, row.driver, row.device_type)
                  for row in db_switches.switch_list()]
    return found


def _open_on_disabled_types() -> dict[str, int]:
    """Open offers and booked leases per resource type that is not in
    ``[api] enabled_resource_types``."""
    from esi_leap.db import api as db_api
    from esi_leap.db import models
    from esi_leap.objects import status as obj_status
    enabled = resource_types.enabled_types()
    counts: dict[str, int] = {}
    with db_api.reader() as session:
        for model, statuses in ((models.Offer, obj_status.OFFER_OPEN),
                                (models.Lease, obj_status.LEASE_BOOKED)):
            rows = session.execute(
                sa.select(model.resource_type, sa.func.count())
                .where(model.status.in_(statuses),
                       model.resource_type.not_in(enabled))
                .group_by(model.resource_type)).all()
            for rtype, count in rows:
                counts[rtype] = counts.get(rtype, 0) + count
    return counts


class Checks(upgradecheck.UpgradeCommands):
    """The checks ``esi-leap-status upgrade check`` runs, in order."""

    display_title = "esi-leap upgrade check results"

    @_guarded
    def _check_database(self) -> Result:
        """The database is at the newest migration."""
        if not CONF.database.connection:
            return Result(Code.FAILURE,
                          "[database] connection is not set.")
        missing = _sqlite_file_missing()
        if missing:
            return Result(Code.FAILURE,
                          f"The SQLite database {missing} does not exist. "
                          "Run esi-leap-dbsync upgrade to create it.")
        try:
            current, head = _revisions()
        except Exception as exc:  # noqa: BLE001 - reported as a Failure
            return Result(Code.FAILURE, "Cannot read the database: "
                                        f"{_safe_error(exc)}")
        return _schema_result(current, head)

    @_guarded
    def _check_policy(self) -> Result:
        """The policy file, if any, parses and names only known rules."""
        # Building an enforcer registers the [oslo_policy] options.
        oslo_policy.Enforcer(CONF)
        name = CONF.oslo_policy.policy_file
        path = CONF.find_file(name)
        if path is None and name != DEFAULT_POLICY_FILE:
            return Result(Code.WARNING,
                          f"[oslo_policy] policy_file = {name} is not "
                          "found; the default rules apply. Fix the path "
                          "or remove the option.")
        if path is None:
            return Result(Code.SUCCESS, f"No policy file ({name}); the "
                                        "defaults apply.")
        try:
            rules = _read_policy_file(path)
        except (OSError, ValueError) as exc:
            return Result(Code.FAILURE, f"The policy file {path} cannot be "
                                        f"read: {exc}")
        stale, undefined = _policy_problems(rules)
        if undefined:
            return Result(Code.FAILURE,
                          f"The policy file {path} refers to rules defined "
                          f"nowhere: {', '.join(undefined)}. Checks using "
                          "them always fail; define them or fix the "
                          "references.")
        notes = []
        if stale:
            notes.append(f"these rules are no longer esi-leap rules and "
                         f"are ignored: {', '.join(stale)}; remove them")
        if fileutils.is_json(path):
            notes.append("it is JSON, which is deprecated; convert it with "
                         "oslopolicy-convert-json-to-yaml")
        if notes:
            return Result(Code.WARNING, f"The policy file {path}: "
                                        f"{'; '.join(notes)}.")
        return Result(Code.SUCCESS, f"The policy file {path} overrides "
                                    f"{len(rules)} rules, all known.")

    @_guarded
    def _check_networking(self) -> Result:
        """The [networking] VLAN pools and quarantine VLANs parse."""
        from esi_leap.networking import vlans
        try:
            pools = vlans.pools()
        except ValueError as exc:
            return Result(Code.FAILURE, f"{exc}")
        physnets = pools.physical_networks()
        if not physnets:
            return Result(Code.SUCCESS, "No physical network is configured; "
                                        "tenant networks are off.")
        return Result(Code.SUCCESS, "Physical networks: "
                                    f"{', '.join(physnets)}.")

    @_guarded
    def _check_switch_drivers(self) -> Result:
        """Every switch's driver (and device type) is installed."""
        known = switch_drivers.known_drivers()
        device_types = {ep.name for ep in importlib.metadata.entry_points(
            group=NGS_DEVICES)}
        switches = _switches()
        problems = [p for p in (_driver_problem(name, driver, dtype, known,
                                                device_types)
                                for name, driver, dtype in switches) if p]
        if problems:
            return Result(Code.FAILURE, "; ".join(problems) + ".")
        if not switches:
            return Result(Code.SUCCESS, "No switches are configured.")
        return Result(Code.SUCCESS, f"{len(switches)} switches, every "
                                    "driver installed.")

    @_guarded
    def _check_resource_types(self) -> Result:
        """The enabled resource types are installed and safe, and no open
        offer or lease is on a type that is not enabled."""
        try:
            resource_types.check_config()
        except ValueError as exc:
            return Result(Code.FAILURE, f"{exc}")
        enabled = ", ".join(resource_types.enabled_types())
        stranded = _open_on_disabled_types() if _database_at_head() else {}
        if stranded:
            listed = ", ".join(f"{count} on {rtype}"
                               for rtype, count in sorted(stranded.items()))
            return Result(Code.WARNING,
                          f"Open offers and leases of resource types that "
                          f"are not enabled ({listed}): they stay readable "
                          "but cannot be booked, and the manager will not "
                          "free their nodes. Add the types to [api] "
                          f"enabled_resource_types (now: {enabled}).")
        return Result(Code.SUCCESS, f"Enabled resource types: {enabled}.")

    @_guarded
    def _check_auth(self) -> Result:
        """Authentication is on (and its users file readable)."""
        if not CONF.pecan.auth_enable:
            return Result(Code.WARNING,
                          "[pecan] auth_enable = False turns authentication "
                          "off (and is deprecated). Remove it and set "
                          "[DEFAULT] auth_strategy = keystone.")
        strategy = CONF.auth_strategy
        if strategy == "noauth":
            return Result(Code.WARNING,
                          "auth_strategy = noauth: callers are not "
                          "authenticated; anyone who reaches the API may act "
                          "as any project. Use keystone (or http_basic) "
                          "outside development.")
        if strategy == "http_basic":
            try:
                users_file.UsersFile.load(CONF.http_basic_auth_user_file)
            except users_file.UsersFileError as exc:
                return Result(Code.FAILURE, f"{exc}")
        return Result(Code.SUCCESS, f"auth_strategy = {strategy}.")

    @_guarded
    def _check_audit_interval(self) -> Result:
        """[audit] interval is sane."""
        interval = CONF.audit.interval
        history = CONF.audit.history_days * 86400
        if not interval:
            return Result(Code.WARNING,
                          "[audit] interval = 0: periodic switch audits are "
                          "off; only audits asked for through the API run.")
        if interval < MIN_AUDIT_INTERVAL:
            return Result(Code.WARNING,
                          f"[audit] interval = {interval} s: every switch is "
                          "read back nearly without a pause. Use "
                          f"{MIN_AUDIT_INTERVAL} s or more.")
        if interval > history:
            return Result(Code.WARNING,
                          f"[audit] interval = {interval} s is longer than "
                          f"history_days ({CONF.audit.history_days}): "
                          "audits are deleted before the next one runs. "
                          "Raise history_days.")
        return Result(Code.SUCCESS, f"A periodic audit every {interval} s.")

    _upgrade_checks = (
        ("Database schema", _check_database),
        ("Policy file", _check_policy),
        ("Networking options", _check_networking),
        ("Switch drivers", _check_switch_drivers),
        ("Resource types", _check_resource_types),
        ("Authentication", _check_auth),
        ("Periodic audits", _check_audit_interval),
    )


def main(argv: list[str] | None = None) -> int:
    """Run ``esi-leap-status``; return its exit code."""
    logging.register_options(CONF)
    return upgradecheck.main(
        CONF, "esi-leap", Checks(),
        sys.argv[1:] if argv is None else argv)
