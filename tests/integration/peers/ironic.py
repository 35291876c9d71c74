"""A real Ironic 39.0.0 (all-in-one ``ironic`` process) for tests.

SQLite, ``rpc_transport = none``, ``fake-hardware`` with every interface
fake, ``auth_strategy = keystone`` against the harness's Keystone, and a
policy file (by default the project's recommended overlay). The schema is
created once per venv and cached (``ironic-dbsync create_schema`` costs
about 2 s); a test run copies the empty database.

The network interface ``esi-fake-vif`` is a test-only plugin (see
``fake_vif.py``): Ironic's ``noop`` interface accepts a VIF attach but
records nothing, and ``flat``/``neutron`` call Neutron.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.integration.peers import processes
from tests.integration.peers import venvs

VERSION = "39.0.0"
REQUIREMENTS = (f"ironic=={VERSION}",)
CONSTRAINTS = f"ironic-{VERSION}.txt"
STARTUP_TIMEOUT = 90.0
NETWORK_PLUGIN = "esi-fake-vif"

IRONIC_CONF = """\
[DEFAULT]
auth_strategy = keystone
rpc_transport = none
host = esi-leap-test-ironic
rbac_service_role_elevated_access = true
rbac_service_project_name = service
enabled_hardware_types = fake-hardware
enabled_bios_interfaces = fake,no-bios
enabled_boot_interfaces = fake
enabled_console_interfaces = fake,no-console
enabled_deploy_interfaces = fake
enabled_firmware_interfaces = fake,no-firmware
enabled_inspect_interfaces = fake,no-inspect
enabled_management_interfaces = fake
enabled_network_interfaces = {network},noop
enabled_power_interfaces = fake
enabled_raid_interfaces = fake,no-raid
enabled_rescue_interfaces = fake,no-rescue
enabled_storage_interfaces = fake,noop
enabled_vendor_interfaces = fake,no-vendor
default_bios_interface = fake
default_console_interface = fake
default_deploy_interface = fake
default_firmware_interface = fake
default_inspect_interface = fake
default_network_interface = {network}
default_raid_interface = fake
default_rescue_interface = fake
default_storage_interface = noop
default_vendor_interface = fake
log_file = {run}/log/ironic.log
use_stderr = false

[api]
host_ip = 127.0.0.1
port = {port}

[database]
connection = sqlite:///{run}/ironic.sqlite

[dhcp]
dhcp_provider = none

[conductor]
automated_clean = false

[oslo_concurrency]
lock_path = {run}/locks

[oslo_policy]
enforce_scope = true
enforce_new_defaults = true
{policy_line}

[keystone_authtoken]
auth_type = password
auth_url = {keystone}
www_authenticate_uri = {keystone}
username = ironic
password = {password}
user_domain_id = default
project_name = service
project_domain_id = default
region_name = RegionOne
interface = public
service_token_roles_required = true
token_cache_time = -1
"""

DIST_INFO_METADATA = """\
Metadata-Version: 2.1
Name: esi-leap-test-ironic-plugins
Version: 1.0
"""
ENTRY_POINTS = f"""\
[ironic.hardware.interfaces.network]
{NETWORK_PLUGIN} = esi_leap_fake_vif:FakeVifNetwork
"""


def venv() -> Path:
    """The cached Ironic venv (built on first use)."""
    return venvs.ensure_venv("ironic", REQUIREMENTS, CONSTRAINTS)


def _env(extra_path: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["PYTHONWARNINGS"] = "ignore"
    env.pop("PYTHONPATH", None)
    if extra_path is not None:
        env["PYTHONPATH"] = str(extra_path)
    return env


def db_template(ir_venv: Path) -> Path:
    """An empty Ironic SQLite database with the schema, cached."""
    root = venvs.cache_root()
    final = root / f"{ir_venv.name}-schema.sqlite"
    if final.exists():
        return final
    with venvs.locked(root / f"{final.name}.lock"):
        if final.exists():
            return final
        build = root / f"{final.name}.building-{os.getpid()}"
        shutil.rmtree(build, ignore_errors=True)
        build.mkdir(parents=True)
        try:
            conf = build / "dbsync.conf"
            conf.write_text("[database]\nconnection = sqlite:///"
                            f"{build}/ironic.sqlite\n")
            proc = subprocess.run(
                [str(ir_venv / "bin" / "ironic-dbsync"), "--config-file",
                 str(conf), "create_schema"], env=_env(),
                capture_output=True, timeout=300, check=False)
            if proc.returncode != 0:
                raise venvs.PeerInstallError(
                    "ironic-dbsync create_schema failed: "
                    f"{proc.stderr.decode(errors='replace')[-2000:]}")
            os.rename(build / "ironic.sqlite", final)
        finally:
            shutil.rmtree(build, ignore_errors=True)
    return final


def _install_plugin(target: Path) -> None:
    """Put the fake-VIF network interface where Ironic's stevedore finds
    it: a module plus a ``.dist-info`` with its entry point."""
    target.mkdir(parents=True, exist_ok=True)
    source = Path(__file__).with_name("fake_vif.py")
    shutil.copyfile(source, target / "esi_leap_fake_vif.py")
    info = target / "esi_leap_test_ironic_plugins-1.0.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(DIST_INFO_METADATA)
    (info / "entry_points.txt").write_text(ENTRY_POINTS)


class IronicServer:
    """Ironic in ``run`` (a fresh directory), restartable on one port."""

    def __init__(self, ir_venv: Path, run: Path, keystone_url: str,
                 service_password: str) -> None:
        self.venv, self.run = ir_venv, run
        self.keystone_url, self.password = keystone_url, service_password
        for sub in ("log", "locks"):
            (run / sub).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(db_template(ir_venv), run / "ironic.sqlite")
        _install_plugin(run / "plugins")
        self.port = 0
        self.policy_file: Path | None = None
        self.server: processes.ServerProcess | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write_config(self, policy_file: Path | None) -> Path:
        """(Re)write ``ironic.conf``; ``policy_file`` None means
        Ironic's built-in defaults."""
        self.policy_file = policy_file
        policy_line = ("" if policy_file is None
                       else f"policy_file = {policy_file}")
        conf = self.run / "ironic.conf"
        conf.write_text(IRONIC_CONF.format(
            run=self.run, port=self.port, keystone=self.keystone_url,
            password=self.password, policy_line=policy_line,
            network=NETWORK_PLUGIN))
        return conf

    def launch(self, port: int, policy_file: Path | None) -> None:
        """Start ``ironic`` on ``port`` without waiting."""
        self.port = port
        conf = self.write_config(policy_file)
        argv = [str(self.venv / "bin" / "ironic"), "--config-file",
                str(conf)]
        self.server = processes.ServerProcess(
            "ironic", argv, self.run / "log" / "stdout.log",
            _env(self.run / "plugins"), self.run)
        self.server.start()

    def wait(self, timeout: float = STARTUP_TIMEOUT) -> None:
        """Wait until ``GET /`` answers from our process."""
        assert self.server is not None
        self.server.wait_ready(
            lambda: processes.http_status(self.url + "/") == 200, timeout)

    @property
    def running(self) -> bool:
        return self.server is not None and self.server.alive

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
