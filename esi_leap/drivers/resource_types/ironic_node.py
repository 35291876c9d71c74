"""``ironic_node``: bare metal nodes in OpenStack Ironic.

Owner and lessee are the node's ``owner`` and ``lessee`` fields; a lease
on the node is recorded as ``properties/lease_uuid``, as ESI-Leap does, so
other tools can see it. esi-leap talks to Ironic through openstacksdk with
the ``[ironic]`` service credentials (keystoneauth options). A
project-scoped service user needs Ironic's ``[DEFAULT]
rbac_service_role_elevated_access = true`` to see and change every node;
a system-scoped one does not.

Reads (the API) go through a short cache (``[ironic] node_cache_ttl``)
and fail fast with 503 for ``[ironic] outage_backoff`` seconds after
Ironic did not answer. Writes (the manager only) always read fresh.
"""

import json
import threading
import time
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

from oslo_log import log as logging

from esi_leap.common import exception
from esi_leap.conf import CONF
from esi_leap.drivers.resource_types.base import NodeBackend
from esi_leap.drivers.resource_types.base import NodeInfo
from esi_leap.drivers.resource_types.base import PortInfo
from esi_leap.drivers.resource_types.base import ReleaseStep
from esi_leap.drivers.switches import values as switch_values

LOG = logging.getLogger(__name__)

RESOURCE_TYPE = "ironic_node"
LEASE_PROPERTY = "lease_uuid"

#: Node fields esi-leap reads.
FIELDS = ("uuid", "name", "owner", "lessee", "resource_class", "properties",
          "provision_state", "power_state", "target_provision_state",
          "target_power_state", "maintenance")

#: Provision states of a deployed node, which ``undeploy`` tears down.
DEPLOYED = frozenset({"active", "deploy failed", "wait call-back",
                      "rescue", "rescue failed", "rescue wait",
                      "unrescue failed", "service failed"})
#: Provision states in which Ironic is still busy with the node.
BUSY = frozenset({"deploying", "deleting", "cleaning", "clean wait",
                  "rescuing", "unrescuing", "servicing", "service wait",
                  "inspecting", "inspect wait", "adopting", "verifying"})
#: Provision states that need an operator before the node is usable.
STUCK = frozenset({"clean failed", "error", "adopt failed",
                   "inspect failed"})

#: How many uncached nodes are fetched one by one before a full list is
#: cheaper.
MAX_SINGLE_FETCHES = 20


class IronicClient:
    """Ironic's REST API through an openstacksdk connection.

    Every call names its microversion (``[ironic] api_version``) and turns
    transport failures into :class:`PeerUnavailable`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proxy: Any = None
        self._down_until = 0.0

    def _baremetal(self) -> Any:
        with self._lock:
            if self._proxy is None:
                import openstack.connection
                from keystoneauth1 import loading as ks_loading
                auth = ks_loading.load_auth_from_conf_options(CONF, "ironic")
                session = ks_loading.load_session_from_conf_options(
                    CONF, "ironic", auth=auth)
                connection = openstack.connection.Connection(
                    session=session, oslo_conf=CONF, app_name="esi-leap")
                self._proxy = connection.baremetal
            return self._proxy

    def request(self, method: str, path: str, *, fail_fast: bool = False,
                **kwargs: Any) -> Any:
        """Send one request; the decoded JSON body (None when empty).

        :raises NodeNotFound: for a 404 on a ``/nodes/<ident>`` path.
        :raises PeerUnavailable: when Ironic does not answer or fails.
        :raises Conflict: for a 409 (for example a locked node).
        """
        if fail_fast and time.monotonic() < self._down_until:
            raise exception.PeerUnavailable(
                peer="Ironic", reason="it failed to answer moments ago")
        try:
            response = self._baremetal().request(
                path, method, microversion=CONF.ironic.api_version,
                raise_exc=False, **kwargs)
        except Exception as exc:  # keystoneauth raises many kinds
            self._down_until = (time.monotonic()
                                + CONF.ironic.outage_backoff)
            raise exception.PeerUnavailable(peer="Ironic",
                                            reason=str(exc)) from None
        status = response.status_code
        if status == 404 and path.startswith("/nodes/"):
            raise exception.NodeNotFound(ident=path.split("/")[2],
                                         resource_type=RESOURCE_TYPE)
        if status == 409:
            raise exception.Conflict(reason=f"Ironic: {_fault(response)}")
        if status >= 500:
            self._down_until = (time.monotonic()
                                + CONF.ironic.outage_backoff)
        if status >= 400:
            raise exception.PeerError(
                peer="Ironic", reason=f"HTTP {status} on {method} {path}: "
                                      f"{_fault(response)}", status=status)
        return response.json() if response.content else None

    def node(self, ident: str, fields: Iterable[str] | None = None,
             fail_fast: bool = False) -> dict[str, Any]:
        """One node by uuid or name."""
        params = {"fields": ",".join(fields)} if fields else None
        return dict(self.request("GET", f"/nodes/{ident}", params=params,
                                 fail_fast=fail_fast))

    def nodes(self, **filters: str) -> list[dict[str, Any]]:
        """Every node matching ``filters``, following ``next`` links."""
        params: dict[str, str] = {"fields": ",".join(FIELDS), **filters}
        found: list[dict[str, Any]] = []
        while True:
            page = self.request("GET", "/nodes", params=params,
                                fail_fast=True)
            found.extend(page.get("nodes", []))
            if not page.get("next") or not page.get("nodes"):
                return found
            params["marker"] = page["nodes"][-1]["uuid"]

    def patch(self, ident: str, patch: list[dict[str, Any]]) -> None:
        """JSON-patch a node."""
        self.request("PATCH", f"/nodes/{ident}", json=patch)

    def put_state(self, ident: str, what: str, body: dict[str, Any]) -> None:
        """``PUT /nodes/<ident>/states/<what>`` (power, provision,
        console)."""
        self.request("PUT", f"/nodes/{ident}/states/{what}", json=body)

    def vifs(self, ident: str) -> list[str]:
        """Ids of the VIFs attached to the node."""
        body = self.request("GET", f"/nodes/{ident}/vifs")
        return [vif["id"] for vif in body.get("vifs", [])]

    def detach_vif(self, ident: str, vif: str) -> None:
        self.request("DELETE", f"/nodes/{ident}/vifs/{vif}")

    def ports(self, **filters: str) -> list[dict[str, Any]]:
        """Every port matching ``filters``, with details, following
        ``next`` links."""
        params: dict[str, str] = {"detail": "True", **filters}
        found: list[dict[str, Any]] = []
        while True:
            page = self.request("GET", "/ports", params=params,
                                fail_fast=True)
            found.extend(page.get("ports", []))
            if not page.get("next") or not page.get("ports"):
                return found
            params["marker"] = page["ports"][-1]["uuid"]

    def console(self, ident: str) -> dict[str, Any]:
        """The node's console state and, when enabled, where it is."""
        return dict(self.request("GET", f"/nodes/{ident}/states/console",
                                 fail_fast=True))


def _fault(response: Any) -> str:
    """The message of Ironic's error body (its ``faultstring``)."""
    try:
        message = response.json()
    except ValueError:
        return str(response.text)[:200]
    if isinstance(message, dict):
        message = message.get("error_message", message)
    if isinstance(message, str):
        try:  # Ironic nests its fault as a JSON string
            message = json.loads(message)
        except ValueError:
            return str(message)[:200]
    if isinstance(message, dict):
        return str(message.get("faultstring", message))[:200]
    return str(message)[:200]


def to_info(node: dict[str, Any]) -> NodeInfo:
    """Ironic's node as the backend-neutral view."""
    properties = dict(node.get("properties") or {})
    lease_uuid = properties.pop(LEASE_PROPERTY, None)
    properties.pop("capabilities", None)
    return NodeInfo(
        uuid=node["uuid"], name=node.get("name"),
        resource_class=node.get("resource_class"), properties=properties,
        owner_id=node.get("owner"), lessee_id=node.get("lessee"),
        lease_uuid=lease_uuid,
        provision_state=node.get("provision_state"),
        power_state=node.get("power_state"),
        target_provision_state=node.get("target_provision_state"),
        target_power_state=node.get("target_power_state"),
        maintenance=bool(node.get("maintenance")))


def to_port_info(port: dict[str, Any]) -> PortInfo:
    """Ironic's port as the backend-neutral view.

    ``local_link_connection`` gives the switch (``switch_info``, else
    ``switch_id``) and the switch port (``port_id``). Ironic ports have no
    name at older microversions (such as the default, 1.65): the name is
    then the MAC address.
    """
    link = port.get("local_link_connection") or {}
    if not isinstance(link, dict):
        link = {"port_id": link}
    address = port.get("address")
    refused = _refusal(port["uuid"], link)
    return PortInfo(
        uuid=port["uuid"], node_uuid=port.get("node_uuid") or "",
        name=port.get("name") or address, address=address,
        switch_info=None if refused else link.get("switch_info") or None,
        switch_id=None if refused else link.get("switch_id") or None,
        switch_port=None if refused else link.get("port_id") or None,
        physical_network=port.get("physical_network") or None,
        source="ironic", refused=refused)


#: How each ``local_link_connection`` field esi-leap uses is checked.
_LINK_CHECKS = (("port_id", switch_values.check_port),
                ("switch_info", switch_values.check_switch_name),
                ("switch_id", switch_values.check_switch_id))
_refused_lock = threading.Lock()
_refused_logged: set[tuple[str, str]] = set()


def _refusal(uuid: str, link: dict[str, Any]) -> str | None:
    """Why a port's ``local_link_connection`` cannot be used (a value
    outside the switch value allowlist), logged once; None when it can.
    A refused port keeps none of its link: nothing of it reaches a
    switch."""
    for field, check in _LINK_CHECKS:
        value = link.get(field)
        if value in (None, ""):
            continue
        try:
            check(value)
        except switch_values.UnsafeValue as exc:
            reason = f"local_link_connection {field}: {exc}"
            _log_refused(uuid, reason)
            return reason
    return None


def _log_refused(uuid: str, reason: str) -> None:
    with _refused_lock:
        if (uuid, reason) in _refused_logged:
            return
        if len(_refused_logged) > 10000:
            _refused_logged.clear()
        _refused_logged.add((uuid, reason))
    LOG.warning("Ironic port %(uuid)s is refused: %(reason)s; esi-leap "
                "will not drive its switch port until it is fixed.",
                {"uuid": switch_values.shown(uuid), "reason": reason})


class _PortCache:
    """Recently listed ports (every port, or one node's), each list kept
    for ``[ironic] node_cache_ttl`` seconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lists: dict[str, tuple[float, list[PortInfo]]] = {}

    def get(self, key: str) -> list[PortInfo] | None:
        with self._lock:
            hit = self._lists.get(key)
        ttl: int = CONF.ironic.node_cache_ttl
        if hit is None or time.monotonic() - hit[0] >= ttl:
            return None
        return list(hit[1])

    def put(self, key: str, ports: list[PortInfo]) -> list[PortInfo]:
        now = time.monotonic()
        ttl: int = CONF.ironic.node_cache_ttl
        with self._lock:
            for stale in [k for k, (stamp, _) in self._lists.items()
                          if now - stamp >= ttl]:
                del self._lists[stale]
            self._lists[key] = (now, list(ports))
        return ports


class _Cache:
    """Recently read nodes and node lists, each kept for a few seconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._nodes: dict[str, tuple[float, NodeInfo]] = {}
        self._lists: dict[tuple[str, ...], tuple[float, list[NodeInfo]]] = {}

    @staticmethod
    def _fresh(stamp: float) -> bool:
        ttl: int = CONF.ironic.node_cache_ttl
        return time.monotonic() - stamp < ttl

    def node(self, ident: str) -> NodeInfo | None:
        with self._lock:
            hit = self._nodes.get(ident)
        return hit[1] if hit is not None and self._fresh(hit[0]) else None

    def listing(self, key: tuple[str, ...]) -> list[NodeInfo] | None:
        with self._lock:
            hit = self._lists.get(key)
        return hit[1] if hit is not None and self._fresh(hit[0]) else None

    def remember(self, nodes: Iterable[NodeInfo],
                 key: tuple[str, ...] | None = None) -> list[NodeInfo]:
        now = time.monotonic()
        nodes = list(nodes)
        with self._lock:
            for info in nodes:
                self._nodes[info.uuid] = (now, info)
                if info.name:
                    self._nodes[info.name] = (now, info)
            if key is not None:
                self._lists[key] = (now, nodes)
        return nodes

    def forget(self) -> None:
        """Drop everything (after a change, so nothing stale is served)."""
        with self._lock:
            self._nodes.clear()
            self._lists.clear()


class IronicNodeBackend(NodeBackend):
    """Nodes in Ironic."""

    resource_type = RESOURCE_TYPE

    def __init__(self) -> None:
        self.ironic = IronicClient()
        self._cache = _Cache()
        self._ports = _PortCache()

    # -- reads ------------------------------------------------------------

    def get_node(self, ident: str) -> NodeInfo:
        cached = self._cache.node(ident)
        if cached is not None:
            return cached
        info = to_info(self.ironic.node(ident, FIELDS, fail_fast=True))
        return self._cache.remember([info])[0]

    def get_nodes(self, uuids: Iterable[str]) -> dict[str, NodeInfo]:
        wanted = set(uuids)
        found = {u: n for u in wanted if (n := self._cache.node(u))}
        missing = wanted - found.keys()
        if len(missing) > MAX_SINGLE_FETCHES:
            every = {n.uuid: n for n in self.list_nodes()}
            found.update({u: every[u] for u in missing if u in every})
            return found
        for uuid in missing:
            try:
                found[uuid] = self.get_node(uuid)
            except exception.NodeNotFound:
                continue
        return found

    def list_nodes(self, owner_id: str | None = None,
                   lessee_id: str | None = None,
                   resource_class: str | None = None) -> list[NodeInfo]:
        filters = {k: v for k, v in (("owner", owner_id),
                                     ("lessee", lessee_id),
                                     ("resource_class", resource_class))
                   if v is not None}
        key = tuple(f"{k}={v}" for k, v in sorted(filters.items()))
        cached = self._cache.listing(key)
        if cached is not None:
            return cached
        nodes = (to_info(n) for n in self.ironic.nodes(**filters))
        return self._cache.remember(nodes, key)

    def get_console(self, node_uuid: str) -> str | None:
        console = self.ironic.console(node_uuid)
        info = console.get("console_info") or {}
        if not console.get("console_enabled") or info.get("type") != "socat":
            return None
        url = info.get("url")
        return str(url) if url else None

    def list_ports(self, node_uuid: str | None = None) -> list[PortInfo]:
        """Ironic's ports (``GET /v1/ports?detail=True``), of one node or
        of every node, cached like node reads.

        :raises NodeNotFound: when Ironic has no such node.
        """
        key = node_uuid or ""
        cached = self._ports.get(key)
        if cached is not None:
            return cached
        filters = {"node_uuid": node_uuid} if node_uuid else {}
        try:
            found = self.ironic.ports(**filters)
        except exception.PeerError as exc:
            if node_uuid and exc.kwargs.get("status") == 404:
                raise exception.NodeNotFound(
                    ident=node_uuid, resource_type=RESOURCE_TYPE) from None
            raise
        return self._ports.put(key, [to_port_info(p) for p in found])

    def _fresh(self, ident: str) -> NodeInfo:
        self._cache.forget()
        return to_info(self.ironic.node(ident))

    # -- writes (manager only) ---------------------------------------------

    def set_lease(self, node_uuid: str, lease_uuid: str,
                  lessee_id: str) -> None:
        node = self._fresh(node_uuid)
        if node.maintenance:
            raise exception.NodeInMaintenance(ident=node_uuid)
        self.ironic.patch(node_uuid, [
            {"op": "add", "path": f"/properties/{LEASE_PROPERTY}",
             "value": lease_uuid},
            {"op": "add", "path": "/lessee", "value": lessee_id}])
        self._cache.forget()

    def remove_lease(self, node_uuid: str, lease_uuid: str) -> None:
        for step in self.release_steps(node_uuid, lease_uuid):
            step.run()

    def release_steps(self, node_uuid: str,
                      lease_uuid: str) -> list[ReleaseStep]:
        node = self._fresh(node_uuid)
        if node.lease_uuid != lease_uuid:
            return []  # released already, or held by another lease
        release = _Release(self.ironic, node_uuid, lease_uuid)
        chosen = [ReleaseStep(name, getattr(release, name))
                  for name in CONF.ironic.release_steps]
        steps = [ReleaseStep("remove_lessee", release.remove_lessee),
                 *chosen,
                 ReleaseStep("remove_lease_marker",
                             release.remove_lease_marker)]
        return [ReleaseStep(s.name, self._forgetting(s.run)) for s in steps]

    def _forgetting(self, run: Callable[[], str | None]
                    ) -> Callable[[], str | None]:
        """``run``, then drop cached reads: the node has changed."""
        def wrapped() -> str | None:
            try:
                return run()
            finally:
                self._cache.forget()
        return wrapped


class _Release:
    """The release steps for one node and lease; each reads the node fresh
    and changes only what still needs changing."""

    def __init__(self, ironic: IronicClient, node_uuid: str,
                 lease_uuid: str) -> None:
        self.ironic = ironic
        self.node_uuid = node_uuid
        self.lease_uuid = lease_uuid

    def _node(self) -> dict[str, Any]:
        return self.ironic.node(self.node_uuid)

    def _pending(self, step: str, detail: str) -> exception.StepPending:
        return exception.StepPending(step=step, detail=detail)

    def remove_lessee(self) -> str:
        if self._node().get("lessee") is None:
            return "the node has no lessee"
        self.ironic.patch(self.node_uuid,
                          [{"op": "remove", "path": "/lessee"}])
        return "the lessee no longer has access to the node"

    def power_off(self) -> str:
        node = self._node()
        if node.get("target_power_state"):
            raise self._pending("power_off",
                                f"power {node['target_power_state']!r}")
        if node.get("power_state") == "power off":
            return "the node is powered off"
        self.ironic.put_state(self.node_uuid, "power",
                              {"target": "power off"})
        raise self._pending("power_off", "power off requested")

    def undeploy(self) -> str:
        node = self._node()
        state = node.get("provision_state")
        if state in BUSY or node.get("target_provision_state"):
            raise self._pending("undeploy", f"the node is {state!r}")
        if state in STUCK:
            raise exception.Conflict(
                reason=f"node {self.node_uuid} is {state!r} "
                       f"({node.get('last_error')}); an operator must "
                       "recover it")
        if state not in DEPLOYED:
            return f"the node is not deployed ({state})"
        self.ironic.put_state(self.node_uuid, "provision",
                              {"target": "deleted"})
        raise self._pending("undeploy", f"tear down of {state!r} requested")

    def clear_instance(self) -> str:
        node = self._node()
        patch = [{"op": "remove", "path": f"/{field}"}
                 for field in ("instance_info", "extra")
                 if node.get(field)]
        if node.get("instance_uuid"):
            patch.append({"op": "remove", "path": "/instance_uuid"})
        if not patch:
            return "no instance information to clear"
        self.ironic.patch(self.node_uuid, patch)
        cleared = ", ".join(p["path"].lstrip("/") for p in patch)
        return f"cleared {cleared}"

    def detach_vifs(self) -> str:
        vifs = self.ironic.vifs(self.node_uuid)
        for vif in vifs:
            self.ironic.detach_vif(self.node_uuid, vif)
        return f"detached {len(vifs)} VIF(s)" if vifs else "no VIFs attached"

    def disable_console(self) -> str:
        if not self._node().get("console_enabled"):
            return "the console is disabled"
        self.ironic.put_state(self.node_uuid, "console", {"enabled": False})
        raise self._pending("disable_console", "console disable requested")

    def remove_lease_marker(self) -> str:
        properties = self._node().get("properties") or {}
        if properties.get(LEASE_PROPERTY) != self.lease_uuid:
            return "the node carries no marker of this lease"
        self.ironic.patch(self.node_uuid, [
            {"op": "remove", "path": f"/properties/{LEASE_PROPERTY}"}])
        return "the lease marker is removed"
