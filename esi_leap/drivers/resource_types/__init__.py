"""Node backends, loaded by stevedore from ``esi_leap.resource_types``."""

import threading
import typing

from stevedore import driver as stevedore_driver
from stevedore import extension

from esi_leap.common import exception
from esi_leap.drivers.resource_types.base import NodeBackend

NAMESPACE = "esi_leap.resource_types"

_lock = threading.Lock()
_loaded: dict[str, NodeBackend] = {}


def known_types() -> list[str]:
    """Names of every installed node backend."""
    return sorted(extension.ExtensionManager(NAMESPACE).names())


def get_backend(resource_type: str) -> NodeBackend:
    """The backend for ``resource_type``, loaded once per process.

    :raises ResourceTypeUnknown: when no backend has that name.
    """
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


def reset() -> None:
    """Forget loaded backends (tests)."""
    with _lock:
        _loaded.clear()
