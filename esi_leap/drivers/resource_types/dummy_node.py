"""``dummy_node``: ESI-Leap's JSON files, one per node, for testing.

Each file ``<dummy_node_dir>/<uuid>`` holds ``project_owner_id``,
``project_id`` (the lessee), ``lease_uuid``, ``resource_class``,
``properties``, ``power_state`` and ``provision_state``. A node's name is
``dummy-node-<uuid>``, as in ESI-Leap.
"""

import json
import os
import tempfile
import threading
from collections.abc import Iterable
from typing import Any

from esi_leap.common import exception
from esi_leap.conf import CONF
from esi_leap.drivers.resource_types.base import NodeBackend
from esi_leap.drivers.resource_types.base import NodeInfo

RESOURCE_TYPE = "dummy_node"
NAME_PREFIX = "dummy-node-"


class DummyNodeBackend(NodeBackend):
    """Nodes read from (and leases written to) ESI-Leap's dummy files."""

    resource_type = RESOURCE_TYPE

    def __init__(self) -> None:
        self._write_lock = threading.Lock()
        self._cache: dict[str, tuple[float, NodeInfo]] = {}

    @property
    def _dir(self) -> str:
        return str(CONF.dummy_node.dummy_node_dir)

    def _path(self, uuid: str) -> str:
        if os.sep in uuid or uuid.startswith("."):
            raise exception.NodeNotFound(ident=uuid,
                                         resource_type=RESOURCE_TYPE)
        return os.path.join(self._dir, uuid)

    def _read(self, uuid: str) -> NodeInfo | None:
        path = self._path(uuid)
        try:
            mtime = os.stat(path).st_mtime
        except OSError:
            return None
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
