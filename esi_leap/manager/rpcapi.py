"""The API's side of the manager RPC: a wake-up cast, nothing more.

The manager's reconciler guarantees progress on its own; a cast only makes
it look sooner, so a lost cast costs at most one reconcile interval. With no
``transport_url`` configured nothing is sent.
"""

import threading

import oslo_messaging
from oslo_log import log as logging

from esi_leap.common import burstlog
from esi_leap.conf import CONF

LOG = logging.getLogger(__name__)

RPC_VERSION = "1.0"
NAMESPACE = "esi_leap.manager"

_lock = threading.Lock()
_client: oslo_messaging.RPCClient | None = None
_local_waker: "threading.Event | None" = None
#: A broker that is down fails every cast: one line per burst.
_CASTS = burstlog.BurstLog(LOG, "Waking the manager over RPC")


def set_local_waker(event: "threading.Event | None") -> None:
    """In the all-in-one, wake the in-process manager directly as well."""
    global _local_waker
    _local_waker = event


def _get_client() -> oslo_messaging.RPCClient | None:
    global _client
    with _lock:
        if _client is None and CONF.transport_url:
            transport = oslo_messaging.get_rpc_transport(CONF)
            target = oslo_messaging.Target(
                topic=CONF.manager.rpc_topic, version=RPC_VERSION,
                namespace=NAMESPACE, fanout=True)
            # retry=0: a broker that is down must not hold up a request.
            _client = oslo_messaging.get_rpc_client(transport, target,
                                                    retry=0)
        return _client


def wake_manager() -> None:
    """Ask every manager to run its reconciler now (best effort)."""
    if _local_waker is not None:
        _local_waker.set()
    try:
        client = _get_client()
        if client is not None:
            client.cast({}, "wake")
            _CASTS.ok()
    except Exception as exc:  # noqa: BLE001 - the reconciler will catch up
        # One line, no traceback: the reconciler makes progress anyway.
        _CASTS.failed(f"{type(exc).__name__}: "
                      f"{str(exc).splitlines()[0] if str(exc) else ''}"
                      "; the manager's reconciler catches up")


def reset() -> None:
    """Forget the RPC client (tests)."""
    global _client
    with _lock:
        _client = None
