"""``dummy_node``: ESI-Leap's JSON files, one per node, for testing.

Each file ``<dummy_node_dir>/<uuid>`` holds ``project_owner_id``,
``project_id`` (the lessee), ``lease_uuid``, ``resource_class``,
``properties``, ``power_state`` and ``provision_state``. A node's name is
``dummy-node-<uuid>``, as in ESI-Leap.

Whoever may write these files decides who owns a node, so the directory
and every file must belong to the service's user (or root) and must not be
writable by group or others: :func:`check_directory` refuses to start
otherwise, and a file that is not safe is ignored (logged) when read.
"""

import json
import os
import stat
import tempfile
import threading
from collections.abc import Iterable
from typing import Any

from oslo_log import log as logging

from esi_leap.common import exception
from esi_leap.conf import CONF
from esi_leap.drivers.resource_types.base import NodeBackend
from esi_leap.drivers.resource_types.base import NodeInfo

LOG = logging.getLogger(__name__)

RESOURCE_TYPE = "dummy_node"
NAME_PREFIX = "dummy-node-"


def unsafe_reason(st: os.stat_result) -> str | None:
    """Why a file or directory with this status may not be trusted (None
    when it may): writable by group or others, or owned by another user
    than the service's or root."""
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return (f"it is writable by group or others (mode "
                f"{stat.S_IMODE(st.st_mode):04o})")
    if st.st_uid not in (0, os.geteuid()):
        return (f"it belongs to user id {st.st_uid}, not to the service's "
                f"user ({os.geteuid()}) or root")
    return None


def check_directory(path: str | None) -> None:
    """Refuse an unset, missing or unsafe node directory, or one holding
    an unsafe node file.

    :raises ValueError: saying what is wrong and how to fix it.
    """
    if not path:
        raise ValueError("dummy_node is enabled in [api] "
                         "enabled_resource_types but [dummy_node] "
                         "dummy_node_dir is not set.")
    try:
        st = os.stat(path)
    except OSError as exc:
        raise ValueError(f"[dummy_node] dummy_node_dir {path}: "
                         f"{exc.strerror}.") from None
    if not stat.S_ISDIR(st.st_mode):
        raise ValueError(f"[dummy_node] dummy_node_dir {path} is not a "
                         "directory.")
    reason = unsafe_reason(st)
    if reason:
        raise ValueError(f"[dummy_node] dummy_node_dir {path} is refused: "
                         f"{reason}; anyone who can write there can invent "
                         "nodes for any project (chmod go-w, chown).")
    for name in sorted(os.listdir(path)):
        reason = unsafe_reason(os.stat(os.path.join(path, name)))
        if reason:
            raise ValueError(f"dummy node file {os.path.join(path, name)} "
                             f"is refused: {reason} (chmod go-w, chown).")


class DummyNodeBackend(NodeBackend):
    """Nodes read from (and leases written to) ESI-Leap's dummy files."""

    resource_type = RESOURCE_TYPE

    def __init__(self) -> None:
        self._write_lock = threading.Lock()
        self._cache: dict[str, tuple[float, NodeInfo]] = {}

    @property
    def _dir(self) -> str:
        path = CONF.dummy_node.dummy_node_dir
        if not path:
            raise exception.PeerUnavailable(
                peer="dummy_node", reason="[dummy_node] dummy_node_dir is "
                                          "not set")
        return str(path)

    def _path(self, uuid: str) -> str:
        if os.sep in uuid or uuid.startswith("."):
            raise exception.NodeNotFound(ident=uuid,
                                         resource_type=RESOURCE_TYPE)
        return os.path.join(self._dir, uuid)

    def _read(self, uuid: str) -> NodeInfo | None:
        path = self._path(uuid)
        try:
            st = os.stat(path)
        except OSError:
            return None
        reason = unsafe_reason(st)
        if reason:
            LOG.warning("Ignoring dummy node file %r: %s", path, reason)
            return None
        mtime = st.st_mtime
        cached = self._cache.get(uuid)
        if cached is not None and cached[0] == mtime:
            return cached[1]
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError):
            return None
        info = _to_info(uuid, data)
        self._cache[uuid] = (mtime, info)
        return info

    def get_node(self, ident: str) -> NodeInfo:
        uuid = ident[len(NAME_PREFIX):] if ident.startswith(NAME_PREFIX) \
            else ident
        info = self._read(uuid)
        if info is None:
            raise exception.NodeNotFound(ident=ident,
                                         resource_type=RESOURCE_TYPE)
        return info

    def get_nodes(self, uuids: Iterable[str]) -> dict[str, NodeInfo]:
        found: dict[str, NodeInfo] = {}
        for uuid in set(uuids):
            info = self._read(uuid)
            if info is not None:
                found[uuid] = info
        return found

    def list_nodes(self, owner_id: str | None = None,
                   lessee_id: str | None = None,
                   resource_class: str | None = None) -> list[NodeInfo]:
        try:
            names = sorted(os.listdir(self._dir))
        except OSError:
            return []
        found = self.get_nodes(n for n in names if not n.startswith("."))
        nodes = [found[name] for name in names if name in found]
        return [n for n in nodes
                if (owner_id is None or n.owner_id == owner_id)
                and (lessee_id is None or n.lessee_id == lessee_id)
                and (resource_class is None
                     or n.resource_class == resource_class)]

    def _update(self, uuid: str, changes: dict[str, Any],
                only_if_lease: str | None = None) -> None:
        path = self._path(uuid)
        with self._write_lock:
            try:
                with open(path, encoding="utf-8") as f:
                    reason = unsafe_reason(os.fstat(f.fileno()))
                    if reason:
                        raise ValueError(reason)
                    data = json.load(f)
            except (OSError, ValueError):
                raise exception.NodeNotFound(
                    ident=uuid, resource_type=RESOURCE_TYPE) from None
            if only_if_lease is not None and \
                    data.get("lease_uuid") != only_if_lease:
                return
            data.update(changes)
            fd, tmp = tempfile.mkstemp(dir=self._dir, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f)
            os.replace(tmp, path)

    def set_lease(self, node_uuid: str, lease_uuid: str,
                  lessee_id: str) -> None:
        self._update(node_uuid, {"lease_uuid": lease_uuid,
                                 "project_id": lessee_id})

    def remove_lease(self, node_uuid: str, lease_uuid: str) -> None:
        self._update(node_uuid, {"lease_uuid": None, "project_id": None},
                     only_if_lease=lease_uuid)


def _to_info(uuid: str, data: dict[str, Any]) -> NodeInfo:
    properties = data.get("properties")
    return NodeInfo(
        uuid=uuid, name=NAME_PREFIX + uuid,
        resource_class=data.get("resource_class"),
        properties=properties if isinstance(properties, dict) else {},
        owner_id=data.get("project_owner_id"),
        lessee_id=data.get("project_id"), lease_uuid=data.get("lease_uuid"),
        provision_state=data.get("provision_state"),
        power_state=data.get("power_state"))
