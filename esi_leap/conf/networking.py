"""``[networking]``, ``[coordination]`` and the ``[switch:NAME]`` sections.

VLAN pools and quarantine VLANs are given per physical network, as Neutron
does (``physnet1:100:199``). Switches may be listed in the configuration,
one ``[switch:NAME]`` section each; they appear read-only in the API next to
the switches admins register through it.
"""

from collections.abc import Sequence

from oslo_config import cfg

GROUP = "networking"
COORDINATION_GROUP = "coordination"
SWITCH_SECTION_PREFIX = "switch:"

opts = [
    cfg.ListOpt(
        "vlan_ranges", default=[],
        help="VLANs that tenant networks get from the pool, per physical "
             "network, as PHYSNET:MIN:MAX (inclusive); repeat a physical "
             "network for several ranges, e.g. "
             "physnet1:100:199,physnet1:300:349. A physical network with no "
             "range still takes networks with an admin-chosen VLAN."),
    cfg.ListOpt(
        "quarantine_vlans", default=[],
        help="The quarantine VLAN of each physical network, as PHYSNET:VLAN. "
             "Ports that carry no tenant network sit on it as their native "
             "VLAN (a port is never left without a VLAN), and every port of "
             "a node goes back to it when its lease ends. Every physical "
             "network with a VLAN range or a switch needs one; it may not "
             "lie in a pool."),
    cfg.StrOpt(
        "default_physical_network",
        help="Physical network of new networks and of ports that name none. "
             "Defaults to the only physical network configured, if there is "
             "exactly one."),
    cfg.StrOpt(
        "secret_key_file",
        help="File holding the Fernet key that encrypts the passwords and "
             "secrets of switches registered through the API, readable by "
             "esi-leap only. Make one with ``python3 -c \"from "
             "cryptography.fernet import Fernet; "
             "print(Fernet.generate_key().decode())\" > FILE; chmod 600 "
             "FILE``. The file may hold several keys, one per line: the "
             "first encrypts, every one decrypts (to rotate, put a new key "
             "on the first line and keep the old one below it). Unset: the "
             "API refuses (409) to store a switch password or secret, and "
             "such switches can only be configured in ``[switch:NAME]`` "
             "sections."),
    cfg.IntOpt(
        "batch_size", default=50, min=1,
        help="Largest number of port changes the manager applies to one "
             "switch in one session."),
    cfg.IntOpt(
        "max_sessions_per_switch", default=1, min=1,
        help="Largest number of sessions all managers together open on one "
             "switch at the same time (enforced with tooz locks when "
             "``[coordination] backend_url`` is set, else within one "
             "manager)."),
    cfg.IntOpt(
        "action_max_attempts", default=5, min=1,
        help="Attempts at a port change that fails because its switch "
             "cannot be reached, before the network action ends in error. "
             "A switch that refuses a change fails the action at once."),
    cfg.FloatOpt(
        "action_retry_delay", default=5.0, min=0.0,
        help="Seconds before the first retry of a port change whose switch "
             "could not be reached; the delay doubles with every attempt, "
             "up to 300 seconds."),
]

coordination_opts = [
    cfg.StrOpt(
        "backend_url", secret=True,
        help="tooz coordination backend (for example redis://host:6379) "
             "through which several managers share switch-port and "
             "switch-session locks. Unset: locks are held within one "
             "process, which is right for a single manager."),
]

switch_opts = [
    cfg.StrOpt("driver", default="generic_switch",
               help="Switch driver (entry point in esi_leap.switch_drivers): "
                    "generic_switch or fake."),
    cfg.StrOpt("device_type",
               help="networking-generic-switch device type, for example "
                    "netmiko_cisco_ios or netmiko_ovs_linux."),
    cfg.StrOpt("switch_id",
               help="MAC address of the switch, matched against Ironic port "
                    "local_link_connection switch_id."),
    cfg.StrOpt("physical_network",
               help="Physical network of the switch's ports that name none."),
    cfg.StrOpt("ip", help="Address the driver connects to."),
    cfg.StrOpt("port", help="TCP port the driver connects to."),
    cfg.StrOpt("username", help="User the driver logs in as."),
    cfg.StrOpt("password", secret=True, help="Password of that user."),
    cfg.StrOpt("secret", secret=True,
               help="Enable secret (privileged mode), where the device has "
                    "one."),
    cfg.StrOpt("key_file", help="SSH private key file of that user."),
    cfg.StrOpt("audit_username",
               help="User the auditor logs in as to read ports back, for "
                    "switches that give read-only accounts; unset: the "
                    "auditor uses ``username`` and ``password``."),
    cfg.StrOpt("audit_password", secret=True,
               help="Password of ``audit_username``."),
    cfg.ListOpt("audit_ignore_ports", default=[],
                help="Ports of this switch the auditor does not report as "
                     "unmanaged although they carry tenant VLANs: uplinks "
                     "and inter-switch trunks (networking-generic-switch's "
                     "``ngs_trunk_ports`` are left out too)."),
    cfg.DictOpt("options", default={},
                help="Further driver options, for example "
                     "ngs_save_configuration:false,ngs_ssh_connect_timeout:30 "
                     "for networking-generic-switch."),
]

#: Options of a ``[switch:NAME]`` section that are connection options.
CONNECTION_OPTION_NAMES = ("ip", "port", "username", "key_file",
                           "audit_username", "audit_ignore_ports")
#: Options of a ``[switch:NAME]`` section that are write-only secrets.
SECRET_OPTION_NAMES = ("password", "secret", "audit_password")
#: Words that make a connection option a secret (``passwd``,
#: ``key_passphrase``, ``enable_secret``, ...): it is never shown, never
#: accepted in an API switch's ``connection`` and, in a ``[switch:NAME]``
#: section's ``options``, handed to the driver as a secret.
SECRET_WORDS = ("password", "passwd", "secret", "passphrase")


def is_secret_option(name: str) -> bool:
    """Whether a connection option named ``name`` holds a secret."""
    lowered = name.lower()
    return any(word in lowered for word in SECRET_WORDS)


#: Connection options and secrets only the auditor uses (never given to a
#: driver that writes).
AUDIT_OPTION_NAMES = ("audit_username", "audit_password",
                      "audit_ignore_ports")


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts, group=GROUP)
    conf.register_opts(coordination_opts, group=COORDINATION_GROUP)


def switch_sections(conf: cfg.ConfigOpts) -> list[str]:
    """Names of the switches configured in ``[switch:NAME]`` sections,
    registering each section's options on first use."""
    names = []
    for section in conf.list_all_sections():
        if not section.startswith(SWITCH_SECTION_PREFIX):
            continue
        name = section[len(SWITCH_SECTION_PREFIX):]
        if section not in conf:
            conf.register_opts(switch_opts, group=section)
        names.append(name)
    return sorted(names)


def list_opts() -> list[tuple[str, Sequence[cfg.Opt]]]:
    return [(COORDINATION_GROUP, coordination_opts), (GROUP, opts),
            ("switch:NAME", switch_opts)]
