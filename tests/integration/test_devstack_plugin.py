"""The devstack plugin (``devstack/``): lint, every phase, the result.

1. shellcheck passes on ``plugin.sh``, ``lib/esi-leap`` and ``settings``.
2. Each devstack command (``stack.sh``'s phases ``install``,
   ``post-config``, ``extra``, ``test-config``; ``unstack.sh``;
   ``clean.sh``) runs the real plugin in bash, sourced as devstack sources
   it, with devstack's functions replaced by the stand-ins in
   ``devstack_stubs/functions.sh``. They record every call; ``iniset``
   really writes the files, and the "database server" is SQLite files, so
   the plugin's own ``esi-leap-dbsync upgrade`` really migrates. The tests
   check the calls (service user, catalog entry, database, processes) and
   the files written (``esi-leap.conf`` with one ``[switch:NAME]`` section
   per switch networking-generic-switch's devstack plugin configures).
3. The all-in-one ``esi-leap`` starts with the written configuration and
   lists those switches. Only what needs a real devstack is overridden,
   through oslo.config's environment source: ``auth_strategy`` becomes
   ``noauth`` (there is no Keystone to check tokens), ``transport_url``
   is emptied (there is no RabbitMQ with devstack's credentials) and
   ``[audit] interval`` is 0 (a periodic audit would need Ironic, and its
   notification would wait on devstack's missing RabbitMQ).

Missing bash or shellcheck skips these tests, and fails them in CI
(``tools/install-lab-packages.sh`` installs shellcheck).
"""

from __future__ import annotations

import configparser
import dataclasses
import os
import pwd
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import helpers
from tests.integration import server

#: Each stubbed devstack run has its own 300 s limit; pytest-timeout
#: leaves room for it to fire first, with the phases' output.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

REPO = Path(__file__).resolve().parents[2]
STUBS = Path(__file__).resolve().parent / "devstack_stubs" / "functions.sh"
SHELL_FILES = ("devstack/plugin.sh", "devstack/lib/esi-leap",
               "devstack/settings")
BIN_DIR = Path(sys.executable).parent
STACK = ("stack install", "stack post-config", "stack extra",
         "stack test-config")
SERVICES = ("esi-leap-api", "esi-leap-manager", "esi-leap-console-proxy")

# Facts from networking-generic-switch's devstack plugin: it configures a
# [genericswitch:NAME] section (device_type netmiko_ovs_linux, ip
# localhost, username $STACK_USER, key_file $GENERIC_SWITCH_KEY_FILE, port
# $GENERIC_SWITCH_SSH_PORT when set) for its test bridge and for Ironic's
# VM bridge, plus "sub<N><VM bridge>" at each of $HOST_TOPOLOGY_SUBNODES.
NGS_TEST_BRIDGE = "genericswitch"
IRONIC_VM_BRIDGE = "brbm"
SUBNODE = "127.0.0.2"  # loopback: an audit attempt fails at once

SERVICE_PASSWORD = "stub-service-password"
DATABASE_PASSWORD = "stub-database-password"

# How devstack runs a plugin: settings once, then plugin.sh per phase, all
# sourced into one errexit shell.
DRIVER = r"""
set -o errexit
if [[ -n "$STUB_XTRACE" ]]; then set -o xtrace; fi
source "$STUB_FUNCTIONS"
STUB_PHASE=settings
source "$ESI_LEAP_DIR/devstack/settings"
for STUB_PHASE in "$@"; do
    # shellcheck disable=SC2086 # "stack install" -> stack install
    source "$ESI_LEAP_DIR/devstack/plugin.sh" $STUB_PHASE
done
"""


@dataclasses.dataclass(frozen=True)
class Call:
    """One recorded call of a devstack function."""

    phase: str
    name: str
    args: tuple[str, ...]


class Devstack:
    """A fake devstack host in ``base``: its environment and its runs."""

    def __init__(self, base: Path, services: str) -> None:
        self.base = base
        self.log = base / "calls.log"
        self.conf_dir = base / "etc" / "esi-leap"
        self.conf = self.conf_dir / "esi-leap.conf"
        self.ironic_conf = base / "etc" / "ironic" / "ironic.conf"
        self.tempest_conf = base / "tempest.conf"
        self.db_dir = base / "db"
        self.data_dir = base / "data"
        self.ssh_port = server.free_port()  # nothing listens there
        for path in (self.db_dir, self.data_dir, self.ironic_conf.parent):
            path.mkdir(parents=True, exist_ok=True)
        self.ironic_conf.write_text("[DEFAULT]\n")
        self.env = self._environment(services)

    def _environment(self, services: str) -> dict[str, str]:
        env = server.without_os_vars()
        env.update(
            STUB_FUNCTIONS=str(STUBS), STUB_LOG=str(self.log),
            STUB_PYTHON=sys.executable, STUB_BIN_DIR=str(BIN_DIR),
            STUB_DB_DIR=str(self.db_dir), ENABLED_SERVICES=services,
            ESI_LEAP_DIR=str(REPO), ESI_LEAP_CONF_DIR=str(self.conf_dir),
            DEST=str(self.base / "opt"), DATA_DIR=str(self.data_dir),
            STACK_USER=_user(), SERVICE_HOST="127.0.0.1",
            SERVICE_LISTEN_ADDRESS="127.0.0.1", SERVICE_PROTOCOL="http",
            REGION_NAME="RegionOne", API_WORKERS="2",
            ENABLE_DEBUG_LOG_LEVEL="True",
            KEYSTONE_SERVICE_URI="http://127.0.0.1/identity",
            SERVICE_PASSWORD=SERVICE_PASSWORD,
            SERVICE_PROJECT_NAME="service", SERVICE_DOMAIN_NAME="Default",
            RABBIT_PASSWORD="stub-rabbit-password",
            DATABASE_TYPE="mysql", DATABASE_USER="root",
            DATABASE_HOST="127.0.0.1", DATABASE_PASSWORD=DATABASE_PASSWORD,
            IRONIC_CONF_DIR=str(self.ironic_conf.parent),
            IRONIC_CONF_FILE=str(self.ironic_conf),
            TEMPEST_CONFIG=str(self.tempest_conf),
            PHYSICAL_NETWORK="mynetwork",
            IRONIC_VM_NETWORK_BRIDGE=IRONIC_VM_BRIDGE,
            GENERIC_SWITCH_TEST_BRIDGE=NGS_TEST_BRIDGE,
            GENERIC_SWITCH_KEY_FILE=str(self.base / "ngs-key"),
            GENERIC_SWITCH_SSH_PORT=str(self.ssh_port),
            HOST_TOPOLOGY_SUBNODES=SUBNODE)
        return env

    def run(self, *phases: str, xtrace: bool = False
            ) -> subprocess.CompletedProcess[str]:
        """Source settings, then plugin.sh once per phase, in one bash."""
        env = dict(self.env, STUB_XTRACE="1" if xtrace else "")
        proc = subprocess.run(
            ["bash", "-c", DRIVER, "devstack", *phases], env=env,
            cwd=self.base, capture_output=True, text=True, timeout=300,
            check=False)
        assert proc.returncode == 0, (
            f"phases {phases} failed (rc={proc.returncode}):\n"
            f"{proc.stdout}\n{proc.stderr}")
        return proc

    def calls(self, name: str | None = None, phase: str | None = None
              ) -> list[Call]:
        """Recorded calls, optionally of one function and one phase."""
        found = []
        for line in self.log.read_text().splitlines():
            fields = line.split("\x1f")
            call = Call(fields[0], fields[1], tuple(fields[2:]))
            if name in (None, call.name) and phase in (None, call.phase):
                found.append(call)
        return found

    def ini(self, path: Path | None = None) -> configparser.RawConfigParser:
        """An INI file the plugin wrote (default: esi-leap.conf)."""
        # [DEFAULT] as a section of its own, not inherited by every other.
        parser = configparser.RawConfigParser(
            strict=True, default_section="\x00")
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read_string((path or self.conf).read_text())
        return parser


def _user() -> str:
    return pwd.getpwuid(os.getuid()).pw_name


def _require(program: str, hint: str = "") -> str:
    """The program's path; skip (fail in CI) when it is missing."""
    found = shutil.which(program)
    if not found:
        helpers.skip_or_fail(f"{program} is not installed{hint}")
    return str(found)


ALL_SERVICES = "key,mysql,rabbit,ir-api,ir-cond,generic_switch,tempest"


@pytest.fixture(scope="module")
def stacked(tmp_path_factory: pytest.TempPathFactory) -> Devstack:
    """A host after ``stack.sh`` with Ironic, NGS, Keystone and tempest."""
    _require("bash")
    host = Devstack(tmp_path_factory.mktemp("devstack"), ALL_SERVICES)
    host.run(*STACK)
    return host


# -- 1. lint ------------------------------------------------------------------


def test_shellcheck_passes_on_the_plugin() -> None:
    shellcheck = _require(
        "shellcheck", " (tools/install-lab-packages.sh installs it)")
    # Every exclude is a directive in the file, with its reason.
    proc = subprocess.run(
        [shellcheck, "-s", "bash", "-x", *SHELL_FILES], cwd=REPO,
        capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# -- 2. the phases ------------------------------------------------------------


def test_settings_define_the_plugin_after_ironic(stacked: Devstack) -> None:
    settings = stacked.calls(phase="settings")
    assert Call("settings", "define_plugin", ("esi-leap",)) in settings
    assert (Call("settings", "plugin_requires", ("esi-leap", "ironic"))
            in settings)
    enabled = [a for c in settings if c.name == "enable_service"
               for a in c.args]
    assert sorted(enabled) == sorted(SERVICES)


def test_install_develops_the_repository(stacked: Devstack) -> None:
    installed = stacked.calls(phase="stack install")
    assert Call("stack install", "setup_develop", (str(REPO),)) in installed
    assert any(c.name == "install_apache_uwsgi" for c in installed)


def test_accounts_service_user_and_lease_endpoint(stacked: Devstack
                                                   ) -> None:
    url = "http://127.0.0.1:7777"
    assert stacked.calls("create_service_user") == [
        Call("stack post-config", "create_service_user",
             ("esi-leap", "admin"))]
    assert stacked.calls("get_or_add_user_project_role") == [
        Call("stack post-config", "get_or_add_user_project_role",
             ("service", "esi-leap", "service", "Default", "Default"))]
    assert stacked.calls("get_or_create_service") == [
        Call("stack post-config", "get_or_create_service",
             ("esi-leap", "lease", "ESI leasing service"))]
    assert stacked.calls("get_or_create_endpoint") == [
        Call("stack post-config", "get_or_create_endpoint",
             ("lease", "RegionOne", url, url, url))]


def test_database_is_recreated_and_migrated(stacked: Devstack) -> None:
    assert stacked.calls("recreate_database") == [
        Call("stack extra", "recreate_database", ("esi_leap",))]
    conf = stacked.ini()
    db_file = stacked.db_dir / "esi_leap.sqlite"
    assert conf["database"]["connection"] == f"sqlite:///{db_file}"
    with sqlite3.connect(db_file) as db:
        tables = {row[0] for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"alembic_version", "leases", "offers", "switches"} <= tables


def test_processes_are_started(stacked: Devstack) -> None:
    started = {c.args[0]: c.args[1] for c in stacked.calls("run_process")}
    assert sorted(started) == sorted(SERVICES)
    uwsgi_conf = stacked.conf_dir / "esi-leap-api-uwsgi.ini"
    assert started["esi-leap-api"].endswith(
        f"uwsgi --procname-prefix esi-leap-api --ini {uwsgi_conf}")
    for service, command in (
            ("esi-leap-manager", "esi-leap-manager"),
            ("esi-leap-console-proxy", "esi-leap-serial-console-proxy")):
        program, *args = started[service].split()
        assert program == str(BIN_DIR / command)
        assert Path(program).is_file()
        assert args == ["--config-file", str(stacked.conf)]
    assert {c.phase for c in stacked.calls("run_process")} == {
        "stack extra"}


def test_conf_has_auth_api_and_messaging(stacked: Devstack) -> None:
    conf = stacked.ini()
    assert stat.S_IMODE(stacked.conf.stat().st_mode) == 0o600
    assert conf["DEFAULT"]["auth_strategy"] == "keystone"
    assert conf["DEFAULT"]["transport_url"] == (
        "rabbit://stackrabbit:stub-rabbit-password@127.0.0.1:5672/")
    assert dict(conf["api"]) == {
        "host_ip": "127.0.0.1", "port": "7777", "api_workers": "2",
        "default_resource_type": "ironic_node"}
    for group in ("keystone_authtoken", "keystone", "ironic"):
        assert conf[group]["username"] == "esi-leap"
        assert conf[group]["password"] == SERVICE_PASSWORD
        assert conf[group]["project_name"] == "service"
        assert conf[group]["auth_url"] == "http://127.0.0.1/identity"
    assert conf["keystone_authtoken"]["service_token_roles_required"] == (
        "True")
    assert conf["serialconsoleproxy"]["public_url"] == (
        "ws://127.0.0.1:6083/")


def test_conf_has_vlans_and_a_secret_key(stacked: Devstack) -> None:
    from cryptography.fernet import Fernet

    networking = stacked.ini()["networking"]
    assert networking["vlan_ranges"] == "mynetwork:2000:2099"
    assert networking["quarantine_vlans"] == "mynetwork:3999"
    assert networking["default_physical_network"] == "mynetwork"
    key_file = Path(networking["secret_key_file"])
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    Fernet(key_file.read_text().strip().encode())  # a valid key


def test_conf_has_one_switch_per_ngs_switch(stacked: Devstack) -> None:
    conf = stacked.ini()
    switches = {s.removeprefix("switch:"): conf[s] for s in conf.sections()
                if s.startswith("switch:")}
    hosts = {NGS_TEST_BRIDGE: "localhost", IRONIC_VM_BRIDGE: "localhost",
             f"sub1{IRONIC_VM_BRIDGE}": SUBNODE}
    assert sorted(switches) == sorted(hosts)
    for name, section in switches.items():
        assert dict(section) == {
            "driver": "generic_switch", "device_type": "netmiko_ovs_linux",
            "physical_network": "mynetwork", "ip": hosts[name],
            "port": str(stacked.ssh_port), "username": _user(),
            "key_file": str(stacked.base / "ngs-key"),
            "options": "global_cmd_verify:true"}, name


def test_ironic_lets_the_service_user_manage_nodes(stacked: Devstack
                                                    ) -> None:
    ironic = stacked.ini(stacked.ironic_conf)
    assert ironic["DEFAULT"]["rbac_service_role_elevated_access"] == "True"
    overlay = Path(ironic["oslo_policy"]["policy_file"])
    assert overlay.read_bytes() == (
        REPO / "etc/esi-leap/ironic-policy-overlay.yaml").read_bytes()


def test_uwsgi_serves_the_wsgi_application(stacked: Devstack) -> None:
    (call,) = stacked.calls("write_uwsgi_config")
    conf_file, script, url, http, name = call.args
    assert conf_file == str(stacked.conf_dir / "esi-leap-api-uwsgi.ini")
    assert (url, http, name) == ("", "127.0.0.1:7777", "esi-leap-api")
    # The WSGI application finds esi-leap.conf in oslo.config's default
    # places; ~/.esi-leap/ stands in for /etc/esi-leap/ here.
    home = stacked.base / "wsgi-home"
    (home / ".esi-leap").mkdir(parents=True)
    (home / ".esi-leap" / "esi-leap.conf").symlink_to(stacked.conf)
    probe = ("import runpy, sys, webob\n"
             "app = runpy.run_path(sys.argv[1])['application']\n"
             "print(webob.Request.blank('/healthcheck')"
             ".get_response(app).status_int)\n")
    proc = subprocess.run(
        [sys.executable, "-c", probe, script],
        env=dict(server.without_os_vars(), HOME=str(home)),
        capture_output=True, text=True, timeout=120, check=False)
    assert proc.stdout.strip().splitlines()[-1:] == ["200"], proc.stderr


def test_test_config_marks_esi_leap_available(stacked: Devstack) -> None:
    tempest = stacked.ini(stacked.tempest_conf)
    assert tempest["service_available"]["esi_leap"] == "True"


def test_unstack_stops_every_service(stacked: Devstack) -> None:
    stacked.run("unstack")
    stopped = [c.args for c in stacked.calls("stop_process",
                                             phase="unstack")]
    assert sorted(stopped) == sorted((s,) for s in SERVICES)


def test_clean_removes_what_the_plugin_created(tmp_path: Path) -> None:
    _require("bash")
    host = Devstack(tmp_path, ALL_SERVICES)
    host.run("stack install", "stack post-config")
    assert host.conf.is_file()
    proc = host.run("clean", xtrace=True)
    assert not host.conf_dir.exists()
    assert not (host.data_dir / "esi-leap").exists()
    assert [c.args[0] for c in host.calls("remove_uwsgi_config")] == [
        str(host.conf_dir / "esi-leap-api-uwsgi.ini")]
    assert [c.args for c in host.calls("mysql")] == [
        ("-uroot", "-h127.0.0.1", "-e", "DROP DATABASE IF EXISTS esi_leap;",
         "MYSQL_PWD=set")]
    assert DATABASE_PASSWORD not in proc.stdout + proc.stderr


def test_without_ngs_a_fake_switch(tmp_path: Path) -> None:
    _require("bash")
    host = Devstack(tmp_path, "key,mysql,ir-api,ir-cond")
    host.run("stack install", "stack post-config")
    conf = host.ini()
    switches = [s for s in conf.sections() if s.startswith("switch:")]
    assert switches == ["switch:esi-leap-fake-switch"]
    assert conf["switch:esi-leap-fake-switch"]["driver"] == "fake"
    assert "transport_url" not in conf["DEFAULT"]  # no rabbit


# -- 3. the service it configures ---------------------------------------------


@pytest.fixture(scope="module")
def esi_leap(stacked: Devstack, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[server.EsiLeapServer]:
    """The all-in-one on the plugin's configuration and database."""
    server.require_executables(need_cli=False)
    with server.running_server(
            tmp_path_factory.mktemp("esi-leap"),
            args=["--config-file", str(stacked.conf)],
            # Only what needs a real devstack (see the module docstring).
            options={"DEFAULT": {"auth_strategy": "noauth",
                                 "transport_url": ""},
                     "audit": {"interval": 0}}) as srv:
        yield srv


ADMIN = {"X-Project-Id": "d" * 32, "X-Roles": "admin"}


def test_service_answers_on_v1_and_healthcheck(
        esi_leap: server.EsiLeapServer) -> None:
    assert esi_leap.request("GET", "/healthcheck").status == 200
    # ESI-Leap's answer: 300 with the version and links to the resources.
    v1 = esi_leap.request("GET", "/v1", headers=ADMIN)
    assert v1.status == 300, v1.text
    switches = v1.json()["resources"]["switches"]["links"][0]["href"]
    assert switches == f"{esi_leap.url}/v1/switches"


def test_service_lists_the_configured_switches(
        esi_leap: server.EsiLeapServer) -> None:
    resp = esi_leap.request("GET", "/v1/switches", headers=ADMIN)
    assert resp.status == 200, resp.text
    found = {s["name"]: s for s in resp.json()["switches"]}
    assert sorted(found) == sorted(
        [NGS_TEST_BRIDGE, IRONIC_VM_BRIDGE, f"sub1{IRONIC_VM_BRIDGE}"])
    for switch in found.values():
        assert switch["source"] == "config"
        assert switch["driver"] == "generic_switch"
        assert switch["device_type"] == "netmiko_ovs_linux"
        assert switch["physical_network"] == "mynetwork"
