"""The switch registry: ``[switch:NAME]`` sections and API switches.

A switch comes from one of two places:

``config``
    a ``[switch:NAME]`` section of the configuration file; read-only in
    the API; its uuid is derived from its name (:func:`config_uuid`), so
    it is the same in every process and after every restart.
``api``
    registered with ``POST /v1/switches`` and kept in the database; its
    password and secret are encrypted (:mod:`esi_leap.networking.secrets`).

A name in both places is the configuration's switch: the database row is
left out of lists and lookups by name (it can still be shown and deleted
by its uuid), and registering such a name through the API is a conflict.

Ports name their switch directly (Ironic's ``local_link_connection``
``switch_info``, or the switch of a registered port) or by its MAC address
(``switch_id``): :func:`resolve` turns either into a switch name.
"""

import dataclasses
import datetime
import importlib.metadata
import re
import uuid as uuid_lib
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

from oslo_log import log as logging
from oslo_utils import uuidutils

from esi_leap.common import exception
from esi_leap.conf import CONF
from esi_leap.conf import networking as networking_conf
from esi_leap.db import attachments as db_attachments
from esi_leap.db import models
from esi_leap.db import switches as db_switches
from esi_leap.drivers import switches as switch_drivers
from esi_leap.drivers.switches import values as switch_values
from esi_leap.drivers.switches.base import SwitchConfig
from esi_leap.networking import secrets
from esi_leap.networking import vlans

LOG = logging.getLogger(__name__)

SOURCE_CONFIG = "config"
SOURCE_API = "api"
DEFAULT_DRIVER = "generic_switch"
#: Drivers that need a networking-generic-switch device type.
NEEDS_DEVICE_TYPE = frozenset({"generic_switch"})
#: networking-generic-switch's entry point namespace of device types.
NGS_DEVICES = "generic_switch.devices"
#: Write-only fields of a switch.
SECRET_NAMES = networking_conf.SECRET_OPTION_NAMES
MAX_SECRET_LENGTH = 1024
#: Connection options whose ports reach the switch's command line.
CLI_PORT_OPTIONS = ("ngs_trunk_ports",)
#: Namespace of the uuids of configured switches (uuid5 of the name).
CONFIG_NAMESPACE = uuid_lib.UUID("6f1c3b52-8f0e-5d0a-9a43-6b2f5e7c1d90")

_MAC = re.compile(r"^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$")


@dataclasses.dataclass(frozen=True)
class Switch:
    """What the API shows of a switch: never its password or secret."""

    uuid: str
    name: str
    driver: str
    device_type: str | None
    switch_id: str | None
    physical_network: str | None
    connection: Mapping[str, str]
    has_password: bool
    has_secret: bool
    source: str
    has_audit_password: bool = False
    created_at: datetime.datetime | None = None
    updated_at: datetime.datetime | None = None

    @property
    def read_only(self) -> bool:
        """Whether the switch comes from the configuration file."""
        return self.source == SOURCE_CONFIG


# -- reading ----------------------------------------------------------------

def config_uuid(name: str) -> str:
    """The stable uuid of the switch of section ``[switch:NAME]``."""
    return str(uuid_lib.uuid5(CONFIG_NAMESPACE, name))


def normalise_mac(value: str, field: str = "switch_id") -> str:
    """A MAC address as lower-case ``aa:bb:cc:dd:ee:ff``.

    :raises InvalidInput: when ``value`` is not a MAC address.
    """
    text = value.strip().lower()
    if not _MAC.match(text):
        raise exception.InvalidInput(
            reason=f"{field} must be a MAC address such as "
                   f"aa:bb:cc:dd:ee:ff, not {value!r}.")
    return text.replace("-", ":")


def _mac_or_none(value: str | None) -> str | None:
    """A MAC address normalised, or None for None and non-MACs."""
    if not value:
        return None
    try:
        return normalise_mac(value)
    except exception.InvalidInput:
        return None


def _section(name: str) -> Any:
    return CONF[networking_conf.SWITCH_SECTION_PREFIX + name]


def config_names() -> list[str]:
    """Names of the switches of ``[switch:NAME]`` sections."""
    return networking_conf.switch_sections(CONF)


def _from_section(name: str) -> Switch:
    section = _section(name)
    return Switch(
        uuid=config_uuid(name), name=name, driver=section.driver,
        device_type=section.device_type,
        switch_id=_mac_or_none(section.switch_id) or section.switch_id,
        physical_network=section.physical_network,
        connection=_section_connection(section),
        has_password=bool(section.password),
        has_secret=bool(section.secret),
        has_audit_password=bool(section.audit_password),
        source=SOURCE_CONFIG)


def _option_text(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)


def _section_connection(section: Any) -> dict[str, str]:
    """The section's connection options, secret ones left out."""
    connection = {key: _option_text(section[key])
                  for key in networking_conf.CONNECTION_OPTION_NAMES
                  if section[key] not in (None, [])}
    connection.update({str(k): str(v)
                       for k, v in (section.options or {}).items()
                       if not networking_conf.is_secret_option(str(k))})
    return connection


def _section_secrets(section: Any) -> dict[str, str]:
    """The section's secrets: ``password``, ``secret``,
    ``audit_password`` and the ``options`` whose names mark them secret
    (``passwd``, ``key_passphrase``, ...)."""
    found = {key: str(section[key]) for key in SECRET_NAMES if section[key]}
    found.update({str(k): str(v) for k, v in (section.options or {}).items()
                  if networking_conf.is_secret_option(str(k)) and v})
    return found


def _from_row(row: models.Switch) -> Switch:
    held = secrets.names(row.secrets)
    return Switch(
        uuid=row.uuid, name=row.name, driver=row.driver,
        device_type=row.device_type, switch_id=row.switch_id,
        physical_network=row.physical_network,
        connection=dict(row.connection or {}),
        has_password="password" in held, has_secret="secret" in held,
        has_audit_password="audit_password" in held, source=SOURCE_API,
        created_at=row.created_at, updated_at=row.updated_at)


def list_switches() -> list[Switch]:
    """Every switch, configured and registered, by name."""
    configured = {name: _from_section(name) for name in config_names()}
    registered = [_from_row(row) for row in db_switches.switch_list()
                  if row.name not in configured]
    return sorted([*configured.values(), *registered], key=lambda s: s.name)


def _find(ident: str) -> tuple[Switch, models.Switch | None]:
    """The switch named by uuid or name, and its row for an API switch.

    :raises SwitchNotFound:
    """
    for name in config_names():
        if ident in (name, config_uuid(name)):
            return _from_section(name), None
    row = db_switches.switch_get(ident)
    if row is None:
        raise exception.SwitchNotFound(ident=ident)
    return _from_row(row), row


def get(ident: str) -> Switch:
    """The switch with this uuid or name.

    :raises SwitchNotFound:
    """
    return _find(ident)[0]


def _full_config(name: str) -> SwitchConfig:
    """Switch ``name``'s configuration with every option and secret,
    the auditor's included."""
    if name in config_names():
        section = _section(name)
        return SwitchConfig(name=name, driver=section.driver,
                            device_type=section.device_type,
                            connection=_section_connection(section),
                            secrets=_section_secrets(section))
    row = db_switches.switch_get(name)
    if row is None or row.name != name:
        raise exception.SwitchNotFound(ident=name)
    return SwitchConfig(name=row.name, driver=row.driver,
                        device_type=row.device_type,
                        connection=dict(row.connection or {}),
                        secrets=secrets.unseal(row.secrets, row.name))


def _without_audit(options: Mapping[str, str]) -> dict[str, str]:
    return {key: value for key, value in options.items()
            if key not in networking_conf.AUDIT_OPTION_NAMES}


def get_config(name: str) -> SwitchConfig:
    """What a driver needs to reach switch ``name``, secrets decrypted
    (the auditor's own options left out).

    :raises SwitchNotFound: when there is no such switch.
    :raises SecretKeyError: when its stored secrets cannot be decrypted.
    """
    full = _full_config(name)
    return dataclasses.replace(
        full, connection=_without_audit(full.connection),
        secrets=_without_audit(full.secrets))


def audit_ignored_ports(connection: Mapping[str, str]) -> frozenset[str]:
    """Ports of a switch the auditor does not report as unmanaged: its
    ``audit_ignore_ports`` and networking-generic-switch's
    ``ngs_trunk_ports`` (uplinks)."""
    return frozenset(
        port.strip()
        for key in ("audit_ignore_ports", "ngs_trunk_ports")
        for port in connection.get(key, "").split(",") if port.strip())


def get_audit_config(name: str) -> SwitchConfig:
    """What a driver needs to read switch ``name`` back.

    With ``audit_username`` set, the driver logs in as that user with
    ``audit_password`` (and no enable secret); otherwise with the write
    credentials.

    :raises SwitchNotFound:
    :raises SecretKeyError:
    """
    full = _full_config(name)
    connection = _without_audit(full.connection)
    found = _without_audit(full.secrets)
    audit_user = full.connection.get("audit_username")
    if audit_user:
        connection["username"] = audit_user
        found = {"password": full.secrets["audit_password"]} \
            if full.secrets.get("audit_password") else {}
    return dataclasses.replace(full, connection=connection, secrets=found)


class Registry:
    """A snapshot of every switch, to resolve many ports with one read."""

    def __init__(self, switches: Iterable[Switch]) -> None:
        self.by_name: dict[str, Switch] = {}
        self.by_mac: dict[str, Switch] = {}
        for switch in switches:
            self.by_name.setdefault(switch.name, switch)
            mac = _mac_or_none(switch.switch_id)
            if mac:
                self.by_mac.setdefault(mac, switch)

    def resolve(self, switch_info: str | None,
                switch_id: str | None) -> str | None:
        """The name of the switch ``switch_info`` names, else of the one
        whose MAC address is ``switch_id`` (any case); None when neither
        matches."""
        if switch_info and switch_info in self.by_name:
            return switch_info
        mac = _mac_or_none(switch_id)
        found = self.by_mac.get(mac) if mac else None
        return found.name if found else None

    def physical_network(self, name: str) -> str | None:
        """The physical network of switch ``name`` (None: unknown switch
        or none set)."""
        switch = self.by_name.get(name)
        return switch.physical_network if switch else None


def registry() -> Registry:
    """A snapshot of the switches as they are now."""
    return Registry(list_switches())


def resolve(switch_info: str | None, switch_id: str | None) -> str | None:
    """See :meth:`Registry.resolve`."""
    return registry().resolve(switch_info, switch_id)


def physical_network(name: str) -> str | None:
    """See :meth:`Registry.physical_network`."""
    return registry().physical_network(name)


# -- checks -----------------------------------------------------------------

def check_physical_network(value: str | None, what: str) -> None:
    """:raises InvalidInput: when ``value`` is not a physical network of
    ``[networking]`` (``vlan_ranges``, ``quarantine_vlans``)."""
    if value is None:
        return
    known = vlans.pools().physical_networks()
    if value not in known:
        raise exception.InvalidInput(
            reason=f"{what}: physical network {value!r} is not configured "
                   "([networking] vlan_ranges and quarantine_vlans name: "
                   f"{', '.join(known) or 'none'}).")


def _device_types() -> set[str]:
    return {ep.name for ep in importlib.metadata.entry_points(
        group=NGS_DEVICES)}


def _check_driver(driver: str, device_type: str | None) -> None:
    known = switch_drivers.known_drivers()
    if driver not in known:
        raise exception.InvalidInput(
            reason=f"switch driver {driver!r} is not installed; installed "
                   f"drivers: {', '.join(known) or 'none'}.")
    if driver not in NEEDS_DEVICE_TYPE:
        return
    if not device_type:
        raise exception.InvalidInput(
            reason=f"driver {driver} needs a device_type (a "
                   "networking-generic-switch device type such as "
                   "netmiko_cisco_ios or netmiko_ovs_linux).")
    types = _device_types()
    if types and device_type not in types:
        raise exception.InvalidInput(
            reason=f"device_type {device_type!r} is not a "
                   "networking-generic-switch device type; installed: "
                   f"{', '.join(sorted(types))}.")


def _allowed(check: Callable[..., Any], *args: Any) -> None:
    """:raises InvalidInput: when ``check`` finds a value outside the
    switch value allowlist."""
    try:
        check(*args)
    except switch_values.UnsafeValue as exc:
        raise exception.InvalidInput(reason=f"{exc}.") from None


def _check_cli_ports(connection: Mapping[str, str],
                     device_type: str | None) -> None:
    """Ports of the connection options that reach the switch's command
    line (``ngs_trunk_ports``, the uplinks new VLANs are added to) must
    pass the allowlist."""
    for key in CLI_PORT_OPTIONS:
        for port in str(connection.get(key) or "").split(","):
            if port.strip():
                _allowed(switch_values.check_port, port.strip(), device_type)


def _check_connection(connection: Mapping[str, str]) -> None:
    hidden = sorted(k for k in connection
                    if networking_conf.is_secret_option(k))
    if hidden:
        raise exception.InvalidInput(
            reason=f"connection may not hold {', '.join(hidden)}: "
                   "connection options are shown back; send passwords and "
                   "secrets as the write-only fields password and secret.")


def _take_secrets(body: dict[str, Any]) -> dict[str, str | None]:
    """Remove ``password`` and ``secret`` from ``body`` and check them
    without ever putting their value in a message."""
    taken: dict[str, str | None] = {}
    for name in SECRET_NAMES:
        if name not in body:
            continue
        value = body.pop(name)
        if value is not None and not (
                isinstance(value, str)
                and 0 < len(value) <= MAX_SECRET_LENGTH):
            raise exception.InvalidInput(
                reason=f"{name} must be a string of 1 to "
                       f"{MAX_SECRET_LENGTH} characters, or null.")
        taken[name] = value
    return taken


def _check_name_free(name: str) -> None:
    if name in config_names():
        raise exception.Conflict(
            reason=f"switch {name} is configured in "
                   f"[switch:{name}] of the configuration file; choose "
                   "another name.")


def _check_mac_free(mac: str | None, own_uuid: str | None) -> None:
    if mac is None:
        return
    for switch in list_switches():
        if switch.uuid != own_uuid and _mac_or_none(switch.switch_id) == mac:
            raise exception.Conflict(
                reason=f"switch {switch.name} already has switch_id {mac}; "
                       "ports find their switch by it, so it must be "
                       "unique.")


def check_writable(switch: Switch) -> None:
    """:raises Conflict: for a switch of the configuration file, which the
    API cannot change or delete."""
    if switch.read_only:
        raise exception.Conflict(
            reason=f"switch {switch.name} is configured in "
                   f"[switch:{switch.name}]; change the configuration "
                   "file.")


# -- writing ----------------------------------------------------------------

def _checked(values: dict[str, Any], own_uuid: str | None) -> None:
    """Check the non-secret fields of a switch as they will be stored."""
    _check_driver(values["driver"], values.get("device_type"))
    _check_connection(values.get("connection") or {})
    _check_cli_ports(values.get("connection") or {},
                     values.get("device_type"))
    check_physical_network(values.get("physical_network"), "switch")
    if "switch_id" in values:
        values["switch_id"] = (normalise_mac(values["switch_id"])
                               if values["switch_id"] else None)
    _check_mac_free(values.get("switch_id"), own_uuid)


def create(body: dict[str, Any]) -> Switch:
    """Register a switch (the body of ``POST /v1/switches``).

    :raises InvalidInput: for a bad name, driver, device type, MAC
        address, connection or physical network.
    :raises Conflict: when the name is taken (in the configuration too) or
        the MAC address is another switch's; when a password or secret is
        given but no key is configured.
    :raises SecretKeyError: when the key file cannot be used.
    """
    values = dict(body)
    given = {k: v for k, v in _take_secrets(values).items()
             if isinstance(v, str)}
    if "/" in values["name"]:
        raise exception.InvalidInput(
            reason=f"switch name {switch_values.shown(values['name'])} may "
                   "not contain '/'.")
    _allowed(switch_values.check_switch_name, values["name"])
    values.setdefault("driver", DEFAULT_DRIVER)
    values["connection"] = dict(values.get("connection") or {})
    _check_name_free(values["name"])
    _checked(values, None)
    values["secrets"] = secrets.seal(given)
    values["uuid"] = uuidutils.generate_uuid()
    row = db_switches.switch_create(values)
    LOG.info("Switch %(name)s (%(uuid)s, driver %(driver)s) registered%(s)s.",
             {"name": row.name, "uuid": row.uuid, "driver": row.driver,
              "s": " with a stored password or secret" if given else ""})
    return _from_row(row)


def update(ident: str, body: dict[str, Any]) -> Switch:
    """Change a registered switch (the body of ``PATCH``; ``connection``
    replaces every connection option; a null password or secret removes
    it).

    :raises SwitchNotFound:
    :raises Conflict: for a switch of the configuration file; see
        :func:`create` for the rest.
    """
    switch, row = _find(ident)
    check_writable(switch)
    assert row is not None
    changes = dict(body)
    if "name" in changes:
        raise exception.InvalidInput(
            reason="a switch's name cannot be changed (ports, attachments "
                   "and network actions refer to it); delete the switch "
                   "and register it again.")
    given = _take_secrets(changes)
    if "connection" in changes:
        changes["connection"] = dict(changes["connection"] or {})
    merged = {"driver": row.driver, "device_type": row.device_type,
              "switch_id": row.switch_id,
              "connection": dict(row.connection or {}),
              "physical_network": row.physical_network, **changes}
    _checked(merged, row.uuid)
    values = {key: merged[key] for key in changes}
    _check_mapping_kept(switch, values)
    if given:
        values["secrets"] = secrets.update(row.secrets, given, row.name)
    if not values:
        return switch
    updated = db_switches.switch_update(row.uuid, values)
    if updated is None:
        raise exception.SwitchNotFound(ident=ident)
    LOG.info("Switch %(name)s (%(uuid)s) changed: %(fields)s.",
             {"name": row.name, "uuid": row.uuid,
              "fields": ", ".join(sorted([*changes, *given]))})
    return _from_row(updated)


def _check_mapping_kept(switch: Switch, values: dict[str, Any]) -> None:
    """:raises Conflict: when a change of ``switch_id`` or
    ``physical_network`` would move ports that carry networks."""
    moved = sorted(key for key in ("switch_id", "physical_network")
                   if key in values
                   and values[key] != getattr(switch, key))
    if moved and db_attachments.switch_in_use(switch.name):
        raise exception.Conflict(
            reason=f"switch {switch.name} carries network attachments or "
                   f"unfinished network actions; its {' and '.join(moved)} "
                   "cannot change until the networks are detached.")


def delete(ident: str) -> Switch:
    """Delete a registered switch that nothing uses.

    :raises SwitchNotFound:
    :raises Conflict: for a switch of the configuration file, one that
        carries attachments or unfinished network actions, or one that
        registered ports refer to.
    """
    switch, row = _find(ident)
    check_writable(switch)
    assert row is not None
    if db_attachments.switch_in_use(switch.name):
        raise exception.Conflict(
            reason=f"switch {switch.name} carries network attachments or "
                   "unfinished network actions; detach the networks from "
                   "its ports first.")
    db_switches.switch_delete(row.uuid)
    LOG.info("Switch %(name)s (%(uuid)s) deleted.",
             {"name": switch.name, "uuid": switch.uuid})
    return switch
