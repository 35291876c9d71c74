"""The :class:`Cloud`: one real Keystone and one real Ironic for a test
session, and the calls tests use to populate them (see the package
docstring for the whole story)."""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import os
import random
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.integration.peers import ironic
from tests.integration.peers import keystone
from tests.integration.peers import processes

REPO = Path(__file__).resolve().parents[3]
#: The recommended Ironic policy overlay; Ironic runs with it by default.
OVERLAY = REPO / "etc" / "esi-leap" / "ironic-policy-overlay.yaml"
#: Microversion for openstacksdk connections and the CLI.
BAREMETAL_API_VERSION = "1.78"
#: Microversion for the harness's own raw Ironic calls.
IRONIC_RAW_VERSION = "1.115"
DOMAIN = "default"
REGION = keystone.REGION
SERVICE_PROJECT = keystone.SERVICE_PROJECT
PORT_ATTEMPTS = 3
STATE_TIMEOUT = 60.0


@dataclasses.dataclass(frozen=True)
class Project:
    """A Keystone project."""
    id: str
    name: str


@dataclasses.dataclass(frozen=True)
class User:
    """A Keystone user with roles on one project."""
    name: str
    password: str
    project_id: str
    project_name: str
    roles: tuple[str, ...]
    id: str = ""


PeerError = keystone.PeerError


class Cloud:
    """One Keystone and one Ironic in a private temporary directory.

    Build it with :func:`start_cloud` (or the ``cloud`` pytest fixture);
    :meth:`close` stops both servers and removes the directory.
    """

    def __init__(self, ks_venv: Path, ir_venv: Path, run: Path,
                 policy_file: Path | None = OVERLAY) -> None:
        self.run = run
        self._ks = keystone.KeystoneServer(
            ks_venv, keystone.data_template(ks_venv), run / "keystone")
        self._ir_venv = ir_venv
        self._ir: ironic.IronicServer | None = None
        self._policy_file = policy_file
        self._admin: keystone.KeystoneAdmin | None = None
        self._ironic_admin: Any = None

    # ------------------------------------------------------------------
    # start-up and shutdown

    def start(self) -> None:
        """Start Keystone and Ironic side by side on free ports (new
        ports if one was taken meanwhile)."""
        for attempt in range(PORT_ATTEMPTS):
            ks_port, ir_port = processes.free_port(), processes.free_port()
            while ir_port == ks_port:
                ir_port = processes.free_port()
            keystone.repoint_catalog(self._ks.data / "keystone.db", {
                "identity": f"http://127.0.0.1:{ks_port}/v3",
                "baremetal": f"http://127.0.0.1:{ir_port}"})
            self._ks.launch(ks_port)
            self._ir = ironic.IronicServer(
                self._ir_venv, self.run / "ironic", self._ks.url,
                self._service_user("ironic").password)
            self._ir.launch(ir_port, self._policy_file)
            try:
                self._ks.wait()
                self._ir.wait()
                break
            except processes.StartupError as exc:
                self._stop_servers()
                if not exc.port_clash or attempt == PORT_ATTEMPTS - 1:
                    raise
                shutil.rmtree(self.run / "ironic", ignore_errors=True)

    def _service_user(self, name: str) -> User:
        info = self._ks.info
        user = info["users"][name]
        return User(name, user["password"], info["service_project_id"],
                    keystone.SERVICE_PROJECT, tuple(user["roles"]),
                    user["id"])

    @property
    def service_project(self) -> Project:
        """Project ``service`` (the service users' project)."""
        return Project(self._ks.info["service_project_id"],
                       keystone.SERVICE_PROJECT)

    @property
    def esi_leap_user(self) -> User:
        """The esi-leap service user (service + admin on ``service``)."""
        return self._service_user(keystone.ESI_LEAP_USER)

    def _stop_servers(self) -> None:
        servers = [self._ks.server]
        if self._ir is not None:
            servers.append(self._ir.server)
        for server in servers:  # both shut down at the same time
            if server is not None:
                server.request_stop()
        if self._ir is not None:
            self._ir.stop()
        self._ks.stop()

    def close(self) -> None:
        """Stop both servers and delete the temporary directory."""
        self._stop_servers()
        shutil.rmtree(self.run, ignore_errors=True)

    # ------------------------------------------------------------------
    # URLs and the Ironic process

    @property
    def keystone_url(self) -> str:
        """Keystone's identity URL, ending in ``/v3``."""
        return self._ks.url

    @property
    def ironic_url(self) -> str:
        """Ironic's root URL (no version suffix)."""
        assert self._ir is not None
        return self._ir.url

    @property
    def ironic_running(self) -> bool:
        return self._ir is not None and self._ir.running

    @property
    def ironic_policy_file(self) -> Path | None:
        """The policy file Ironic runs with (None: Ironic's defaults)."""
        assert self._ir is not None
        return self._ir.policy_file

    def stop_ironic(self) -> None:
        """Stop Ironic (its URL then refuses connections)."""
        assert self._ir is not None
        self._ir.stop()

    def start_ironic(self, policy_file: Path | None | str = "same"
                     ) -> None:
        """Start Ironic again on the same port with the same database.

        ``policy_file``: ``"same"`` (default) keeps the current one, a
        path uses that file, None runs Ironic's built-in defaults.
        """
        assert self._ir is not None
        if self._ir.running:
            raise PeerError("Ironic is already running")
        policy = (self._ir.policy_file if policy_file == "same"
                  else policy_file)
        assert policy is None or isinstance(policy, Path)
        self._ir.launch(self._ir.port, policy)
        self._ir.wait()

    @contextlib.contextmanager
    def ironic_policy(self, policy_file: Path | None) -> Iterator[None]:
        """Run Ironic with ``policy_file`` inside the block (a restart on
        the same port and database), then restore the previous one."""
        previous = self.ironic_policy_file
        self.stop_ironic()
        self.start_ironic(policy_file)
        try:
            yield
        finally:
            self.stop_ironic()
            self.start_ironic(previous)

    # ------------------------------------------------------------------
    # Keystone administration

    @property
    def keystone_admin(self) -> keystone.KeystoneAdmin:
        """Keystone's REST API as the system-scoped bootstrap admin."""
        if self._admin is None:
            self._admin = keystone.KeystoneAdmin(
                self.keystone_url, self._ks.info["admin_password"])
        return self._admin

    def role_id(self, name: str) -> str:
        """The id of role ``name``, creating the role if missing."""
        return self.keystone_admin.role_id(name)

    def new_project(self, prefix: str = "project") -> Project:
        """A new project with a unique name starting with ``prefix``."""
        name = keystone.unique(prefix)
        return Project(self.keystone_admin.create_project(name), name)

    def new_user(self, project: Project,
                 roles: list[str] | tuple[str, ...] = ("member",)) -> User:
        """A new user (unique name) with ``roles`` on ``project``; roles
        are created if missing (e.g. ESI-Leap's ``owner``/``lessee``)."""
        name = keystone.unique(f"{project.name}-user")
        password = secrets.token_urlsafe(12)
        user_id = self.keystone_admin.create_user(name, password,
                                                  project.id)
        self.keystone_admin.grant(user_id, project.id, roles)
        return User(name, password, project.id, project.name, tuple(roles),
                    user_id)

    def grant(self, user: User, roles: list[str] | tuple[str, ...]
              ) -> User:
        """Give ``user`` more ``roles`` on its project."""
        self.keystone_admin.grant(user.id, user.project_id, roles)
        return dataclasses.replace(
            user, roles=tuple(dict.fromkeys(user.roles + tuple(roles))))

    def revoke(self, user: User, role: str) -> User:
        """Take ``role`` on its project away from ``user``."""
        self.keystone_admin.revoke(user.id, user.project_id, role)
        return dataclasses.replace(
            user, roles=tuple(r for r in user.roles if r != role))

    def register_lease_endpoint(self, url: str) -> None:
        """Create or re-point the catalog's ``lease`` service (esi-leap)
        to ``url`` (public, internal and admin endpoints)."""
        self.keystone_admin.ensure_service("lease", "esi-leap", url)

    # ------------------------------------------------------------------
    # Clients

    def _auth(self, user: User) -> dict[str, str]:
        return {"auth_url": self.keystone_url, "username": user.name,
                "password": user.password, "project_id": user.project_id,
                "user_domain_id": DOMAIN, "project_domain_id": DOMAIN}

    def conn(self, user: User,
             api_version: str = BAREMETAL_API_VERSION) -> Any:
        """An openstacksdk Connection for ``user`` (password auth,
        project-scoped, endpoints from the catalog)."""
        return self._connection(self._auth(user), api_version)

    def admin_conn(self, api_version: str = BAREMETAL_API_VERSION) -> Any:
        """A system-scoped admin Connection (may create nodes for any
        owner and see every node)."""
        auth = {"auth_url": self.keystone_url, "username": "admin",
                "password": self._ks.info["admin_password"],
                "user_domain_id": DOMAIN, "system_scope": "all"}
        return self._connection(auth, api_version)

    def _connection(self, auth: dict[str, str], api_version: str) -> Any:
        import openstack.connection
        return openstack.connection.Connection(
            auth_type="password", auth=auth, region_name=REGION,
            interface="public", identity_api_version="3",
            baremetal_api_version=api_version)

    def session(self, user: User) -> Any:
        """A keystoneauth Session for ``user`` (for raw REST calls)."""
        from keystoneauth1 import session
        from keystoneauth1.identity import v3
        return session.Session(auth=v3.Password(**self._auth(user)))

    def ironic_api(self, user: User,
                   api_version: str = IRONIC_RAW_VERSION) -> Any:
        """A keystoneauth Adapter on Ironic as ``user`` for raw REST
        calls (``.get('/v1/nodes', raise_exc=False)``), sending
        ``api_version`` as the microversion (default: Ironic 39's
        newest)."""
        from keystoneauth1 import adapter
        return adapter.Adapter(
            self.session(user), endpoint_override=self.ironic_url,
            default_microversion=api_version, service_type="baremetal")

    def cli_env(self, user: User) -> dict[str, str]:
        """``os.environ`` without any ``OS_*`` variable, plus the
        ``OS_*`` variables that log the ``openstack`` CLI in as
        ``user``."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        env.update({
            "OS_AUTH_URL": self.keystone_url, "OS_AUTH_TYPE": "password",
            "OS_IDENTITY_API_VERSION": "3", "OS_USERNAME": user.name,
            "OS_PASSWORD": user.password, "OS_PROJECT_ID": user.project_id,
            "OS_PROJECT_NAME": user.project_name,
            "OS_USER_DOMAIN_ID": DOMAIN, "OS_PROJECT_DOMAIN_ID": DOMAIN,
            "OS_REGION_NAME": REGION, "OS_INTERFACE": "public",
            "OS_BAREMETAL_API_VERSION": BAREMETAL_API_VERSION,
        })
        return env

    def esi_leap_config(self) -> dict[str, Any]:
        """ESI-Leap option overrides (``group__name=value``, as taken by
        :func:`tests.helpers.configure`) that make ESI-Leap use this
        Keystone (tokens, project look-ups) and this Ironic, as the
        ``esi-leap`` service user; :meth:`write_esi_leap_config` writes
        the same as a config file.

        keystoneauth registers the ``password`` plugin's options
        (``auth_url``, ``username``, ...) only when it loads the plugin, and
        ``auth_url`` is a *required* option, so ``configure()`` cannot set
        them in-process unless esi-leap registers them first; a server
        started with a config file has no such problem."""
        user = self.esi_leap_user
        config: dict[str, Any] = {"auth_strategy": "keystone"}
        for group in ("keystone", "ironic"):
            config.update({
                f"{group}__auth_type": "password",
                f"{group}__auth_url": self.keystone_url,
                f"{group}__username": user.name,
                f"{group}__password": user.password,
                f"{group}__project_name": SERVICE_PROJECT,
                f"{group}__user_domain_name": "Default",
                f"{group}__project_domain_name": "Default",
                f"{group}__region_name": REGION,
            })
        config["ironic__endpoint_override"] = self.ironic_url
        config.update({
            "keystone_authtoken__www_authenticate_uri": self.keystone_url,
            "keystone_authtoken__auth_url": self.keystone_url,
            "keystone_authtoken__auth_type": "password",
            "keystone_authtoken__username": user.name,
            "keystone_authtoken__password": user.password,
            "keystone_authtoken__project_name": SERVICE_PROJECT,
            "keystone_authtoken__user_domain_name": "Default",
            "keystone_authtoken__project_domain_name": "Default",
            "keystone_authtoken__region_name": REGION,
            "keystone_authtoken__token_cache_time": -1,
        })
        return config

    def write_esi_leap_config(self, path: Path,
                              extra: dict[str, Any] | None = None) -> Path:
        """Write :meth:`esi_leap_config` (plus ``extra`` in the same
        form) as an ini file at ``path``."""
        groups: dict[str, dict[str, Any]] = {}
        for key, value in {**self.esi_leap_config(), **(extra or {})}.items():
            group, _, name = key.rpartition("__")
            groups.setdefault(group or "DEFAULT", {})[name] = value
        lines: list[str] = []
        for group, values in groups.items():
            lines.append(f"[{group}]")
            for name, value in values.items():
                if isinstance(value, (list, tuple)):
                    value = ",".join(str(v) for v in value)
                lines.append(f"{name} = {value}")
            lines.append("")
        path.write_text("\n".join(lines))
        return path

    # ------------------------------------------------------------------
    # Ironic helpers

    def ironic_admin(self) -> Any:
        """A keystoneauth Adapter on Ironic as the system admin, with the
        newest microversion; for raw REST calls."""
        if self._ironic_admin is None:
            from keystoneauth1 import adapter
            from keystoneauth1 import session
            from keystoneauth1.identity import v3
            auth = v3.Password(
                auth_url=self.keystone_url, username="admin",
                password=self._ks.info["admin_password"],
                user_domain_id=DOMAIN, system_scope="all")
            self._ironic_admin = adapter.Adapter(
                session.Session(auth=auth), endpoint_override=self.ironic_url,
                default_microversion=IRONIC_RAW_VERSION,
                service_type="baremetal")
        return self._ironic_admin

    def _ir_call(self, method: str, path: str, *expected: int,
                 **kwargs: Any) -> Any:
        resp = self.ironic_admin().request(path, method, raise_exc=False,
                                           **kwargs)
        return keystone.check(resp, *(expected or (200,)))

    def node(self, node: str) -> dict[str, Any]:
        """The node as the system admin sees it."""
        return dict(self._ir_call("GET", f"/v1/nodes/{node}").json())

    def wait_node(self, node: str, timeout: float = STATE_TIMEOUT,
                  **expected: Any) -> dict[str, Any]:
        """Poll until every ``field=value`` holds for the node and no
        provision transition is pending; fail on ``error`` states."""
        deadline = time.monotonic() + timeout
        while True:
            data = self.node(node)
            done = all(data.get(k) == v for k, v in expected.items())
            if done and not data.get("target_provision_state") \
                    and not data.get("target_power_state"):
                return data
            if data.get("provision_state") in ("error", "deploy failed",
                                               "clean failed"):
                raise PeerError(f"node {node} failed: {data['last_error']}")
            if time.monotonic() > deadline:
                raise PeerError(f"node {node} did not reach {expected}: "
                                f"{data.get('provision_state')}, "
                                f"{data.get('power_state')}")
            time.sleep(0.1)

    def provision(self, node: str, target: str, **body: Any) -> None:
        """As admin, request provision ``target`` (202)."""
        self._ir_call("PUT", f"/v1/nodes/{node}/states/provision", 202,
                      json={"target": target, **body})

    def create_node(self, owner: Project, name: str | None = None,
                    lessee: Project | None = None,
                    **fields: Any) -> str:
        """A fake-hardware node owned by ``owner`` (optionally leased to
        ``lessee``), moved enroll -> manageable -> available and powered
        off once (so ``power_state`` is not null), with one PXE-enabled
        port; returns its UUID. ``fields`` go into the create body."""
        body = {"name": name or keystone.unique("node"),
                "driver": "fake-hardware", "owner": owner.id,
                "resource_class": "baremetal", **fields}
        if lessee is not None:
            body["lessee"] = lessee.id
        node = self._ir_call("POST", "/v1/nodes", 201, json=body).json()
        node_id = str(node["uuid"])
        self.provision(node_id, "manage")
        self.wait_node(node_id, provision_state="manageable")
        self.provision(node_id, "provide")
        self.wait_node(node_id, provision_state="available")
        self.set_power(node_id, "power off")
        self.create_port(node_id)
        return node_id

    def set_power(self, node: str, target: str) -> None:
        """As admin, set the power state and wait for it."""
        self._ir_call("PUT", f"/v1/nodes/{node}/states/power", 202,
                      json={"target": target})
        self.wait_node(node, power_state=target)

    def create_port(self, node: str, **fields: Any) -> dict[str, Any]:
        """A port on ``node`` with a random locally administered MAC."""
        mac = "52:54:00:" + ":".join(f"{random.randrange(256):02x}"
                                     for _ in range(3))
        body = {"node_uuid": node, "address": mac, "pxe_enabled": True,
                **fields}
        return dict(self._ir_call("POST", "/v1/ports", 201,
                                  json=body).json())

    def patch_node(self, node: str, **changes: Any) -> dict[str, Any]:
        """As admin, set (or with None remove) top-level node fields."""
        patch = [{"op": "remove", "path": f"/{k}"} if v is None
                 else {"op": "add", "path": f"/{k}", "value": v}
                 for k, v in changes.items()]
        return dict(self._ir_call("PATCH", f"/v1/nodes/{node}",
                                  json=patch).json())

    def set_lessee(self, node: str, lessee: Project | None) -> None:
        """As admin, set or clear the node's lessee."""
        self.patch_node(node, lessee=None if lessee is None else lessee.id)


def start_cloud(base: Path | None = None,
                policy_file: Path | None = OVERLAY) -> Cloud:
    """Build (or reuse) the venvs, start Keystone and Ironic in a new
    temporary directory under ``base`` and bootstrap them.

    :raises tests.integration.peers.venvs.PeerInstallError: a venv or
        data template could not be built (no network, ...).
    """
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        ks_future = pool.submit(
            lambda: keystone.data_template(keystone.venv()))
        ir_future = pool.submit(lambda: ironic.db_template(ironic.venv()))
        ks_future.result()
        ir_future.result()
    ks_venv, ir_venv = keystone.venv(), ironic.venv()
    run = Path(tempfile.mkdtemp(prefix="esi-leap-peers-", dir=base))
    cloud = Cloud(ks_venv, ir_venv, run, policy_file)
    try:
        cloud.start()
    except BaseException:
        cloud.close()
        raise
    return cloud
