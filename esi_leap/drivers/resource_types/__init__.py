"""Node backends, loaded by stevedore from ``esi_leap.resource_types``.

Only the types in ``[api] enabled_resource_types`` are loaded:
:func:`get_backend` refuses the others, so nothing reads a disabled
backend's nodes (``dummy_node``'s files above all).
"""

import threading
import typing

from stevedore import driver as stevedore_driver
from stevedore import extension

from esi_leap.common import exception
from esi_leap.conf import CONF
from esi_leap.drivers.resource_types.base import NodeBackend

NAMESPACE = "esi_leap.resource_types"

_lock = threading.Lock()
_loaded: dict[str, NodeBackend] = {}


def known_types() -> list[str]:
    """Names of every installed node backend."""
    return sorted(extension.ExtensionManager(NAMESPACE).names())


def enabled_types() -> list[str]:
    """The types an operator enabled (``[api] enabled_resource_types``)."""
    return list(dict.fromkeys(CONF.api.enabled_resource_types or []))


def is_enabled(resource_type: str) -> bool:
    """Whether offers, leases and port look-ups may use the type."""
    return resource_type in enabled_types()


def get_backend(resource_type: str) -> NodeBackend:
    """The backend for ``resource_type``, loaded once per process.

    :raises ResourceTypeDisabled: when the type is not enabled.
    :raises ResourceTypeUnknown: when no backend has that name.
    """
    if not is_enabled(resource_type):
        enabled = ", ".join(enabled_types()) or "none"
        if resource_type in known_types():
            raise exception.ResourceTypeDisabled(
                resource_type=resource_type, enabled=enabled)
        raise exception.ResourceTypeUnknown(resource_type=resource_type,
                                            known=enabled)
    with _lock:
        backend = _loaded.get(resource_type)
        if backend is None:
            try:
                manager: stevedore_driver.DriverManager[NodeBackend] = (
                    stevedore_driver.DriverManager(
                        NAMESPACE, resource_type, invoke_on_load=True))
            except Exception:  # stevedore raises NoMatches or RuntimeError
                raise exception.ResourceTypeUnknown(
                    resource_type=resource_type,
                    known=", ".join(known_types())) from None
            loaded = typing.cast(NodeBackend, manager.driver)
            _loaded[resource_type] = loaded
            return loaded
        return backend


def check_config() -> None:
    """Check the enabled types before a service starts.

    :raises ValueError: naming the option at fault: an enabled type that
        is not installed, ``[api] default_resource_type`` not enabled, or
        (with ``dummy_node`` enabled) an unset or unsafe
        ``[dummy_node] dummy_node_dir``.
    """
    enabled = enabled_types()
    if not enabled:
        raise ValueError("[api] enabled_resource_types is empty; enable at "
                         "least [api] default_resource_type.")
    installed = known_types()
    unknown = [t for t in enabled if t not in installed]
    if unknown:
        raise ValueError(
            f"[api] enabled_resource_types lists {', '.join(unknown)}, "
            f"which is not installed; installed types: "
            f"{', '.join(installed)}.")
    default = CONF.api.default_resource_type
    if default not in enabled:
        raise ValueError(
            f"[api] default_resource_type {default} is not in [api] "
            f"enabled_resource_types ({', '.join(enabled)}).")
    if "dummy_node" in enabled:
        from esi_leap.drivers.resource_types import dummy_node
        dummy_node.check_directory(CONF.dummy_node.dummy_node_dir)


def reset() -> None:
    """Forget loaded backends (tests)."""
    with _lock:
        _loaded.clear()
