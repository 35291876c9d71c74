"""Project ids and names: from Keystone, or from the local users file.

Responses show project names next to ids (``project``, ``owner``,
``lessee``) and filters accept names where ESI-Leap accepts them. A
directory answers both ways and caches what Keystone says.
"""

import abc
import threading
import time
import urllib.parse
from typing import Any

from oslo_log import log as logging
from oslo_utils import uuidutils

from esi_leap.common import exception
from esi_leap.common import users_file
from esi_leap.conf import CONF

LOG = logging.getLogger(__name__)


class ProjectDirectory(abc.ABC):
    """Maps project ids to names and back."""

    @abc.abstractmethod
    def name_of(self, project_id: str) -> str | None:
        """The project's name, or None when unknown."""

    @abc.abstractmethod
    def id_of(self, name: str) -> str | None:
        """The id of the project with this name, or None."""

    def exists(self, project_id: str) -> bool | None:
        """Whether the project exists; None when this directory cannot
        tell (projects are not registered anywhere)."""
        return None

    def ancestors(self, project_id: str) -> list[str]:
        """Ids of the project's parents, nearest first (none by default)."""
        return []

    def resolve(self, value: str, field: str) -> str:
        """An id for ``value``, which may be an id or a name.

        :raises InvalidInput: for a name that matches no project.
        """
        if uuidutils.is_uuid_like(value) or self.name_of(value) is not None:
            return value
        project_id = self.id_of(value)
        if project_id is None:
            raise exception.InvalidInput(
                reason=f"{field} {value!r} is neither a project id nor the "
                       "name of a known project.")
        return project_id


class LocalDirectory(ProjectDirectory):
    """Projects named in the users file (``http_basic_auth_user_file``)."""

    def __init__(self, path: str) -> None:
        self._file = users_file.UsersFile.load(path, missing_ok=True)

    def name_of(self, project_id: str) -> str | None:
        return self._file.projects().get(project_id)

    def id_of(self, name: str) -> str | None:
        for project_id, project_name in self._file.projects().items():
            if project_name == name:
                return project_id
        return None


class KeystoneDirectory(ProjectDirectory):
    """Projects in Keystone, read with the ``[keystone]`` service user."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._names: dict[str, tuple[float, str | None]] = {}
        self._adapter: Any = None

    def _client(self) -> Any:
        if self._adapter is None:
            from keystoneauth1 import loading as ks_loading
            auth = ks_loading.load_auth_from_conf_options(CONF, "keystone")
            session = ks_loading.load_session_from_conf_options(
                CONF, "keystone", auth=auth)
            self._adapter = ks_loading.load_adapter_from_conf_options(
                CONF, "keystone", session=session, auth=auth)
        return self._adapter

    def _get(self, path: str) -> dict:  # type: ignore[type-arg]
        try:
            # Paths are relative to Keystone's v3 API, whether the catalog
            # names a versioned endpoint or not.
            response = self._client().get(
                path, timeout=CONF.api.peer_timeout, raise_exc=False,
                endpoint_filter={"version": (3, 0)})
        except Exception as exc:  # keystoneauth raises many kinds
            raise exception.PeerUnavailable(peer="Keystone",
                                            reason=str(exc)) from None
        if response.status_code == 404:
            return {}
        if response.status_code >= 400:
            raise exception.PeerUnavailable(
                peer="Keystone", reason=f"HTTP {response.status_code}")
        return dict(response.json())

    def _cached(self, key: str) -> tuple[bool, str | None]:
        with self._lock:
            hit = self._names.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return True, hit[1]
        return False, None

    def _remember(self, key: str, value: str | None) -> None:
        with self._lock:
            self._names[key] = (
                time.monotonic() + CONF.keystone.project_cache_ttl, value)

    def name_of(self, project_id: str) -> str | None:
        found, name = self._cached("id:" + project_id)
        if not found:
            project = self._get(f"/projects/{project_id}").get("project")
            name = project.get("name") if project else None
            self._remember("id:" + project_id, name)
        return name

    def exists(self, project_id: str) -> bool:
        """Whether Keystone knows the project (cached like its name).

        A project is only called missing when the same look-up finds the
        service user's own project, so a misconfiguration is never taken
        for a deletion.

        :raises PeerUnavailable: when Keystone does not answer, or cannot
            find even the service user's own project.
        """
        if self.name_of(project_id) is not None:
            return True
        own = self._client().get_project_id()
        if not own or self.name_of(own) is None:
            raise exception.PeerUnavailable(
                peer="Keystone",
                reason="project look-ups find not even the [keystone] "
                       "service user's own project; check [keystone]")
        return False

    def id_of(self, name: str) -> str | None:
        found, project_id = self._cached("name:" + name)
        if not found:
            projects = self._get(
                f"/projects?name={urllib.parse.quote(name)}").get(
                "projects", [])
            project_id = projects[0]["id"] if len(projects) == 1 else None
            self._remember("name:" + name, project_id)
        return project_id


_directory: ProjectDirectory | None = None
_dir_lock = threading.Lock()


def get_directory() -> ProjectDirectory:
    """The directory for the configured auth strategy."""
    global _directory
    with _dir_lock:
        if _directory is None:
            if CONF.auth_strategy == "keystone" and CONF.pecan.auth_enable:
                _directory = KeystoneDirectory()
            else:
                _directory = LocalDirectory(CONF.http_basic_auth_user_file)
        return _directory


def reset() -> None:
    """Forget the directory (tests)."""
    global _directory
    with _dir_lock:
        _directory = None
