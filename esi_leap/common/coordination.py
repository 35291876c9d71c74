"""Locks shared by every manager: tooz when configured, else in-process.

With ``[coordination] backend_url`` (Redis in production) the manager takes
tooz locks, so two managers never touch one switch port at once and open
no more sessions on a switch than allowed. Without it, the locks live in
this process, which is right for a single manager. Locks are only ever
tried, never waited for: work whose lock is taken is left for later.
"""

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from oslo_log import log as logging
from oslo_utils import uuidutils

from esi_leap.conf import CONF

LOG = logging.getLogger(__name__)

_lock = threading.Lock()
_coordinator: Any = None
_coordinator_url: str | None = None
_local: dict[str, threading.Lock] = {}


def _get_coordinator() -> Any:
    """The started tooz coordinator for ``[coordination] backend_url``."""
    global _coordinator, _coordinator_url
    url = CONF.coordination.backend_url
    with _lock:
        if _coordinator is not None and _coordinator_url == url:
            return _coordinator
        from tooz import coordination as tooz_coordination
        member = f"esi-leap-{CONF.host}-{uuidutils.generate_uuid()[:8]}"
        coordinator = tooz_coordination.get_coordinator(
            url, member.encode())
        coordinator.start(start_heart=True)
        _coordinator, _coordinator_url = coordinator, url
        return coordinator


def stop() -> None:
    """Stop the tooz coordinator, if one was started."""
    global _coordinator, _coordinator_url
    with _lock:
        coordinator, _coordinator, _coordinator_url = _coordinator, None, None
    if coordinator is not None:
        try:
            coordinator.stop()
        except Exception:  # noqa: BLE001 - best effort at shutdown
            LOG.warning("Stopping the tooz coordinator failed", exc_info=True)


@contextlib.contextmanager
def try_lock(name: str) -> Iterator[bool]:
    """Try to take lock ``name`` without waiting; yield whether it was
    taken (and hold it until the block ends)."""
    if CONF.coordination.backend_url:
        lock = _get_coordinator().get_lock(f"esi-leap-{name}".encode())
    else:
        with _lock:
            lock = _local.setdefault(name, threading.Lock())
    taken = bool(lock.acquire(blocking=False))
    try:
        yield taken
    finally:
        if taken:
            lock.release()


@contextlib.contextmanager
def try_any(names: list[str]) -> Iterator[str | None]:
    """Take the first free lock of ``names`` (a semaphore made of locks);
    yield its name, or ``None`` when all are taken."""
    for name in names:
        with try_lock(name) as taken:
            if taken:
                yield name
                return
    yield None
