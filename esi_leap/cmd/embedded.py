"""The embedded default: everything on one machine with no outside service.

With no configuration file, ``esi-leap`` listens on 127.0.0.1, port
``$ESI_LEAP_PORT`` (default 7777), and keeps its state in
``$ESI_LEAP_STATE_DIR`` (default ``~/.local/state/esi-leap``): a SQLite
database, a users file for HTTP basic auth with three demo users (admin,
owner, lessee) in their own projects, and their passwords in a file only the
owner can read. It migrates the database and seeds demo nodes of type
``standalone_node`` owned by the owner project, each with port ``eth0``
cabled to a simulated switch (``sim-switch``, fake driver) whose port
states are kept in ``sim-switch.json`` in the state directory, and a VLAN
pool (physnet1, VLANs 100-199, quarantine VLAN 999).
"""

import json
import os
import secrets
from typing import Any

from oslo_log import log as logging
from oslo_utils import uuidutils

from esi_leap.common import users_file
from esi_leap.conf import CONF
from esi_leap.db import migration
from esi_leap.db import nodes as db_nodes
from esi_leap.db import ports as db_ports
from esi_leap.db import switches as db_switches
from esi_leap.networking import switches

LOG = logging.getLogger(__name__)

#: user -> (project name, roles)
DEMO_USERS = {
    "admin": ("admin-project", ["admin"]),
    "owner": ("owner-project", ["member"]),
    "lessee": ("lessee-project", ["member"]),
}

RESOURCE_CLASSES = ("baremetal-small", "baremetal-large")

#: The simulated switch's physical network, VLAN pool and quarantine VLAN.
DEMO_PHYSNET = "physnet1"
DEMO_VLAN_RANGE = f"{DEMO_PHYSNET}:100:199"
DEMO_QUARANTINE_VLAN = f"{DEMO_PHYSNET}:999"
#: The simulated switch every demo node's port is cabled to.
DEMO_SWITCH = "sim-switch"


def state_dir() -> str:
    """Where the embedded default keeps its files."""
    return os.environ.get("ESI_LEAP_STATE_DIR") or os.path.join(
        os.path.expanduser("~"), ".local", "state", "esi-leap")


def configure(directory: str) -> None:
    """Point CONF at the state directory's database and users file."""
    os.makedirs(directory, mode=0o700, exist_ok=True)
    CONF.set_override("connection", "sqlite:///" + os.path.join(
        directory, "esi-leap.sqlite"), group="database")
    CONF.set_override("auth_strategy", "http_basic")
    CONF.set_override("http_basic_auth_user_file",
                      os.path.join(directory, "users"))
    CONF.set_override("default_resource_type", "standalone_node",
                      group="api")
    CONF.set_override("host_ip", "127.0.0.1", group="api")
    if os.environ.get("ESI_LEAP_PORT"):
        CONF.set_override("port", int(os.environ["ESI_LEAP_PORT"]),
                          group="api")
    if CONF.api.api_workers is None:
        CONF.set_override("api_workers", 1, group="api")
    CONF.set_override("transport_url", "fake://")
    if not CONF.networking.vlan_ranges:
        CONF.set_override("vlan_ranges", [DEMO_VLAN_RANGE],
                          group="networking")
        CONF.set_override("quarantine_vlans", [DEMO_QUARANTINE_VLAN],
                          group="networking")


def credentials_path(directory: str) -> str:
    """The private file holding the demo users' passwords."""
    return os.path.join(directory, "credentials.json")


def _write_private(path: str, text: str) -> None:
    fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def ensure_users(directory: str) -> dict[str, Any]:
    """Create the demo users once; return their credentials."""
    os.makedirs(directory, mode=0o700, exist_ok=True)
    creds_file = credentials_path(directory)
    if os.path.exists(creds_file):
        with open(creds_file, encoding="utf-8") as f:
            return dict(json.load(f))
    creds: dict[str, Any] = {}
    lines = ["# user:bcrypt_hash:project_id:project_name:roles"]
    for user, (project, roles) in DEMO_USERS.items():
        password = secrets.token_urlsafe(16)
        project_id = uuidutils.generate_uuid(dashed=False)
        lines.append(users_file.make_entry(user, password, project_id,
                                           project, roles))
        creds[user] = {"password": password, "project_id": project_id,
                       "project_name": project, "roles": roles}
    _write_private(os.path.join(directory, "users"), "\n".join(lines) + "\n")
    _write_private(creds_file, json.dumps(creds, indent=2) + "\n")
    return creds


def seed_nodes(owner_project_id: str, count: int) -> None:
    """Add ``count`` demo nodes to an empty inventory."""
    if db_nodes.node_list():
        return
    for i in range(1, count + 1):
        db_nodes.node_create({
            "uuid": uuidutils.generate_uuid(), "name": f"demo-node-{i}",
            "resource_class": RESOURCE_CLASSES[i % 2],
            "properties": {"cpus": 16 * (1 + i % 2), "memory_mb": 65536,
                           "local_gb": 500},
            "owner_id": owner_project_id, "maintenance": False,
            "provision_state": "available", "power_state": "power off"})


def switch_state_path(directory: str) -> str:
    """The JSON file in which the simulated switch keeps its ports."""
    return os.path.join(directory, f"{DEMO_SWITCH}.json")


def seed_switch(directory: str) -> None:
    """Add the simulated switch, with one port per demo node, once."""
    if db_switches.switch_get(DEMO_SWITCH) is not None:
        return
    switches.create({
        "name": DEMO_SWITCH, "driver": "fake",
        "physical_network": DEMO_PHYSNET,
        # Its ports start on the quarantine VLAN, as an installer leaves
        # them; an audit of a fresh install finds nothing wrong.
        "connection": {"state_file": switch_state_path(directory),
                       "default_vlan": DEMO_QUARANTINE_VLAN.split(":")[1]}})
    for index, node in enumerate(db_nodes.node_list(), start=1):
        db_ports.port_create({
            "uuid": uuidutils.generate_uuid(), "node_uuid": node.uuid,
            "name": "eth0", "address": f"52:54:00:00:00:{index:02x}",
            "switch": DEMO_SWITCH, "switch_port": f"sim-port-{index}",
            "physical_network": DEMO_PHYSNET}, registered_switch=True)


def prepare() -> dict[str, Any]:
    """Set up the state directory, database, users, demo nodes and the
    simulated switch."""
    directory = state_dir()
    configure(directory)
    creds = ensure_users(directory)
    migration.upgrade()
    seed_nodes(creds["owner"]["project_id"], CONF.embedded.demo_nodes)
    seed_switch(directory)
    return {"state_dir": directory, "credentials": creds}


def banner(url: str, directory: str) -> str:
    """What the all-in-one prints: where it is and how to talk to it."""
    creds = credentials_path(directory)
    return f"""
esi-leap is running at {url} (embedded default: SQLite, demo nodes,
a simulated switch, HTTP basic auth). State directory: {directory}
The simulated switch's ports are in {switch_state_path(directory)}
Demo users admin, owner and lessee; their passwords are in {creds}
(readable only by you).

Try it with curl:
  PW=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))\
["owner"]["password"])' {creds})
  curl -u owner:$PW {url}/v1/nodes

or with the CLI (in the same virtual environment; see README.md):
  eval "$(esi-leap-demo-env owner)"
  openstack esi node list
"""


def print_env_main() -> int:
    """``esi-leap-demo-env USER``: shell lines to act as a demo user.

    Prints ``export`` lines for the OpenStack CLI (keystoneauth's
    ``http_basic`` auth type against the embedded default), so that
    ``eval "$(esi-leap-demo-env owner)"`` makes ``openstack esi ...`` act
    as that user. Other ``OS_*`` variables are unset: they would confuse
    the ``http_basic`` plugin.
    """
    import shlex
    import sys

    user = sys.argv[1] if len(sys.argv) > 1 else ""
    path = credentials_path(state_dir())
    try:
        with open(path, encoding="utf-8") as f:
            creds = json.load(f)
    except OSError:
        print(f"esi-leap-demo-env: {path} does not exist; start esi-leap "
              "(the embedded default) first.", file=sys.stderr)
        return 1
    if user not in creds:
        print(f"esi-leap-demo-env: usage: esi-leap-demo-env "
              f"{{{'|'.join(sorted(creds))}}}", file=sys.stderr)
        return 2
    port = os.environ.get("ESI_LEAP_PORT", "7777")
    for name in sorted(os.environ):
        if name.startswith("OS_"):
            print(f"unset {name}")
    print(f"export OS_AUTH_TYPE=http_basic "
          f"OS_ENDPOINT=http://127.0.0.1:{port} "
          f"OS_USERNAME={shlex.quote(user)} "
          f"OS_PASSWORD={shlex.quote(creds[user]['password'])}")
    return 0
