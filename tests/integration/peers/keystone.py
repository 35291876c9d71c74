"""A real Keystone 30.0.0 (gunicorn, SQLite, fernet) for tests.

:func:`venv` builds/caches the venv; :func:`data_template` runs the four
``keystone-manage`` steps (``db_sync``, ``fernet_setup``,
``credential_setup``, ``bootstrap``) once and caches the result next to
the venv, so a test run only copies the data directory (about 0.1 s
instead of about 8 s). :class:`KeystoneServer` writes ``keystone.conf``,
starts gunicorn on a free loopback port and waits for ``GET /v3``.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.integration.peers import processes
from tests.integration.peers import venvs

VERSION = "30.0.0"
REQUIREMENTS = (f"keystone=={VERSION}", "gunicorn")
CONSTRAINTS = f"keystone-{VERSION}.txt"
REGION = "RegionOne"
TEMPLATE_LAYOUT = "2"
DOMAIN = "default"
PLACEHOLDER_URL = "http://127.0.0.1:9/placeholder"
#: Services in the template whose endpoints a run re-points.
CATALOG = {"identity": "keystone", "baremetal": "ironic"}
#: Users made in the template: name -> roles on project "service".
ESI_LEAP_USER = "esi-leap"
SERVICE_USERS = {ESI_LEAP_USER: ("service", "admin"), "ironic": ("service",)}
SERVICE_PROJECT = "service"
STANDARD_ROLES = ("admin", "manager", "member", "reader", "service")
STARTUP_TIMEOUT = 60.0

KEYSTONE_CONF = """\
[DEFAULT]
debug = false
log_file = {run}/log/keystone.log

[database]
connection = sqlite:///{data}/keystone.db

[token]
provider = fernet
expiration = 7200

[fernet_tokens]
key_repository = {data}/fernet-keys

[fernet_receipts]
key_repository = {data}/fernet-keys

[credential]
key_repository = {data}/credential-keys

[identity]
password_hash_rounds = 4
max_password_length = 72

[resource]
admin_project_name = admin
admin_project_domain_name = Default

[cache]
enabled = true
backend = dogpile.cache.memory
"""

# keystone's configure() parses sys.argv with oslo.config: hide gunicorn's.
WSGI_MODULE = """\
import sys
sys.argv = sys.argv[:1]
from keystone.wsgi.api import application  # noqa: E402,F401
"""


def venv() -> Path:
    """The cached Keystone venv (built on first use)."""
    return venvs.ensure_venv("keystone", REQUIREMENTS, CONSTRAINTS)


def _env(etc: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["OS_KEYSTONE_CONFIG_DIR"] = str(etc)
    env["PYTHONWARNINGS"] = "ignore"
    return env


def _write_config(run: Path, data: Path) -> Path:
    etc = run / "etc"
    for sub in (etc, run / "log", data):
        sub.mkdir(parents=True, exist_ok=True)
    (etc / "keystone.conf").write_text(
        KEYSTONE_CONF.format(run=run, data=data))
    (run / "ks_wsgi.py").write_text(WSGI_MODULE)
    return etc


def data_template(ks_venv: Path) -> Path:
    """A bootstrapped data directory (db, keys, ``template.json`` with the
    admin password), cached next to the venv and built once."""
    root = venvs.cache_root()
    final = root / f"{ks_venv.name}-data-{TEMPLATE_LAYOUT}"
    if (final / "template.json").exists():
        return final
    with venvs.locked(root / f"{final.name}.lock"):
        if (final / "template.json").exists():
            return final
        build = root / f"{final.name}.building-{os.getpid()}"
        shutil.rmtree(build, ignore_errors=True)
        shutil.rmtree(final, ignore_errors=True)
        try:
            _bootstrap(ks_venv, build)
            os.rename(build / "data", final)
        finally:
            shutil.rmtree(build, ignore_errors=True)
    return final


def _bootstrap(ks_venv: Path, build: Path) -> None:
    # The data dir is renamed after bootstrap, so keystone.conf must point
    # at the final name only when serving; keystone-manage stores no paths
    # in the database or the keys.
    data = build / "data"
    etc = _write_config(build, data)
    password = secrets.token_urlsafe(16)
    conf = ["--config-file", str(etc / "keystone.conf")]
    url = "http://127.0.0.1:5000/v3/"
    user, group = _owner()
    steps = [
        ["db_sync"],
        ["fernet_setup", "--keystone-user", user, "--keystone-group", group],
        ["credential_setup", "--keystone-user", user,
         "--keystone-group", group],
        ["bootstrap", "--bootstrap-password", password,
         "--bootstrap-username", "admin",
         "--bootstrap-project-name", "admin",
         "--bootstrap-role-name", "admin",
         "--bootstrap-region-id", REGION,
         "--bootstrap-admin-url", url, "--bootstrap-internal-url", url,
         "--bootstrap-public-url", url],
    ]
    manage = str(ks_venv / "bin" / "keystone-manage")
    for step in steps:
        proc = subprocess.run([manage, *conf, *step], env=_env(etc),
                              capture_output=True, timeout=300,
                              check=False)
        if proc.returncode != 0:
            raise venvs.PeerInstallError(
                f"keystone-manage {step[0]} failed: "
                f"{proc.stdout.decode(errors='replace')[-1500:]}"
                f"{proc.stderr.decode(errors='replace')[-1500:]}")
    info: dict[str, Any] = {"admin_password": password}
    server = KeystoneServer(ks_venv, None, build / "populate")
    server.data, server.etc = data, etc
    server.launch(processes.free_port())
    try:
        server.wait()
        info.update(_populate(KeystoneAdmin(server.url, password)))
    finally:
        server.stop()
    (data / "template.json").write_text(json.dumps(info))


def _populate(admin: KeystoneAdmin) -> dict[str, Any]:
    """Roles, project ``service`` with the service users, and catalog
    entries (placeholder URLs) that every run needs."""
    for role in STANDARD_ROLES:
        admin.role_id(role)
    for service_type, name in CATALOG.items():
        admin.ensure_service(service_type, name, PLACEHOLDER_URL)
    project_id = admin.create_project(SERVICE_PROJECT)
    users = {}
    for name, roles in SERVICE_USERS.items():
        password = secrets.token_urlsafe(16)
        user_id = admin.create_user(name, password, project_id)
        admin.grant(user_id, project_id, roles)
        users[name] = {"id": user_id, "password": password,
                       "roles": list(roles)}
    return {"service_project_id": project_id, "users": users}


def repoint_catalog(db: Path, urls: dict[str, str]) -> None:
    """Set every endpoint of each service type in ``urls`` to its URL,
    directly in the (stopped) Keystone's SQLite database."""
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        for service_type, url in urls.items():
            conn.execute(
                "UPDATE endpoint SET url = ? WHERE service_id IN "
                "(SELECT id FROM service WHERE type = ?)",
                (url, service_type))


def _owner() -> tuple[str, str]:
    import grp
    import pwd
    return (pwd.getpwuid(os.getuid()).pw_name,
            grp.getgrgid(os.getgid()).gr_name)


class KeystoneServer:
    """Keystone under gunicorn in ``run`` (a fresh directory)."""

    def __init__(self, ks_venv: Path, template: Path | None,
                 run: Path) -> None:
        self.venv, self.run = ks_venv, run
        self.data = run / "data"
        self.info: dict[str, Any] = {}
        if template is not None:
            shutil.copytree(template, self.data)
            self.info = json.loads((self.data / "template.json").read_text())
        self.etc = _write_config(run, self.data)
        self.port = 0
        self.server: processes.ServerProcess | None = None

    @property
    def url(self) -> str:
        """The identity URL, ending in ``/v3``."""
        return f"http://127.0.0.1:{self.port}/v3"

    def launch(self, port: int) -> None:
        """Start gunicorn on ``port`` without waiting."""
        self.port = port
        argv = [str(self.venv / "bin" / "gunicorn"),
                "--chdir", str(self.run),
                "--bind", f"127.0.0.1:{port}", "--workers", "1",
                "--threads", "1", "--timeout", "120",
                "--no-control-socket",
                "--access-logfile", str(self.run / "log" / "access.log"),
                "ks_wsgi:application"]
        self.server = processes.ServerProcess(
            "keystone", argv, self.run / "log" / "gunicorn.log",
            _env(self.etc), self.run)
        self.server.start()

    def wait(self, timeout: float = STARTUP_TIMEOUT) -> None:
        """Wait until ``GET /v3`` answers 200 from our process."""
        assert self.server is not None
        self.server.wait_ready(
            lambda: processes.http_status(self.url) == 200, timeout)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


class PeerError(RuntimeError):
    """A call to Keystone or Ironic did not do what the harness needs."""


def check(resp: Any, *expected: int) -> Any:
    """``resp`` if its status is one of ``expected``, else PeerError."""
    if resp.status_code not in expected:
        raise PeerError(f"{resp.request.method} {resp.url} -> "
                        f"{resp.status_code}: {resp.text[:500]}")
    return resp


class KeystoneAdmin:
    """Keystone's REST API as the bootstrap admin (system scope)."""

    def __init__(self, url: str, password: str) -> None:
        from keystoneauth1 import session
        from keystoneauth1.identity import v3
        self.url = url
        self.session = session.Session(auth=v3.Password(
            auth_url=url, username="admin", password=password,
            user_domain_id=DOMAIN, system_scope="all"))
        self._role_ids: dict[str, str] = {}

    def call(self, method: str, path: str, *expected: int,
             **kwargs: Any) -> Any:
        resp = self.session.request(self.url + path, method,
                                    raise_exc=False, **kwargs)
        return check(resp, *(expected or (200,)))

    def find(self, collection: str, **query: str) -> list[dict[str, Any]]:
        found = self.call("GET", f"/{collection}", params=query)
        return list(found.json()[collection])

    def role_id(self, name: str) -> str:
        """The id of role ``name``, creating the role if missing."""
        if name not in self._role_ids:
            found = self.find("roles", name=name)
            if found:
                self._role_ids[name] = found[0]["id"]
            else:
                made = self.call("POST", "/roles", 201,
                                 json={"role": {"name": name}})
                self._role_ids[name] = made.json()["role"]["id"]
        return self._role_ids[name]

    def create_project(self, name: str) -> str:
        body = {"project": {"name": name, "domain_id": DOMAIN}}
        return str(self.call("POST", "/projects", 201,
                             json=body).json()["project"]["id"])

    def create_user(self, name: str, password: str,
                    project_id: str) -> str:
        body = {"user": {"name": name, "domain_id": DOMAIN,
                         "password": password,
                         "default_project_id": project_id}}
        return str(self.call("POST", "/users", 201,
                             json=body).json()["user"]["id"])

    def grant(self, user_id: str, project_id: str,
              roles: Sequence[str]) -> None:
        for role in roles:
            self.call("PUT", f"/projects/{project_id}/users/{user_id}/"
                      f"roles/{self.role_id(role)}", 204)

    def revoke(self, user_id: str, project_id: str, role: str) -> None:
        self.call("DELETE", f"/projects/{project_id}/users/{user_id}/"
                  f"roles/{self.role_id(role)}", 204)

    def ensure_service(self, service_type: str, name: str,
                       url: str) -> None:
        """Service ``service_type`` with public, internal and admin
        endpoints at ``url`` (created or re-pointed)."""
        found = self.find("services", type=service_type)
        if found:
            service_id = found[0]["id"]
        else:
            body = {"service": {"type": service_type, "name": name,
                                "enabled": True}}
            service_id = self.call("POST", "/services", 201,
                                   json=body).json()["service"]["id"]
        have = {e["interface"]: e
                for e in self.find("endpoints", service_id=service_id)}
        for interface in ("public", "internal", "admin"):
            if interface not in have:
                body = {"endpoint": {
                    "service_id": service_id, "interface": interface,
                    "url": url, "region_id": REGION, "enabled": True}}
                self.call("POST", "/endpoints", 201, json=body)
            elif have[interface]["url"] != url:
                self.call("PATCH", f"/endpoints/{have[interface]['id']}",
                          json={"endpoint": {"url": url}})


def unique(prefix: str) -> str:
    """``prefix`` plus a random suffix."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"
