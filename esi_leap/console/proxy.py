"""The serial console proxy: websocket clients to nodes' TCP consoles.

A client opens ``ws://<proxy>/?token=<token>`` (the ``access_url`` that
``POST /v1/console_auth_tokens`` returned). During the opening handshake the
proxy

1. looks the token's hash up in the database (a fresh read every time, so a
   revoked or expired token is refused at once);
2. asks the node backend of ``[api] default_resource_type`` where the node's
   console listens (:meth:`NodeBackend.get_console`, ``tcp://host:port``).

A refusal is an HTTP answer with no upgrade: 401 without a token, 403 for a
wrong, expired or revoked token, 404 when the node is gone, 409 when it has
no console, 502 for a console address the proxy cannot use, 503 when the
backend does not answer. The log says why, never with the token.

After the handshake the proxy connects to the console and copies bytes both
ways until either side closes, ``[serialconsoleproxy] timeout`` seconds
pass, or the node changes hands (its lessee or lease is no longer the one it
had when the connection opened: the lease ended, so the former lessee loses
its open console too; checked every few seconds). Console output goes to
the client in binary frames; the client's binary and text frames (text as
UTF-8) go to the console. Each connection has two threads; the websockets
library's threading server accepts them.
"""

import dataclasses
import http
import logging as std_logging
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from typing import Any
from typing import cast

from oslo_log import log as logging
from websockets import exceptions as ws_exceptions
from websockets.http11 import Request
from websockets.http11 import Response
from websockets.sync import server as ws_server

from esi_leap.common import exception
from esi_leap.conf import CONF
from esi_leap.console import tokens
from esi_leap.drivers import resource_types
from esi_leap.drivers.resource_types.base import NodeBackend

LOG = logging.getLogger(__name__)

#: The websockets library logs request lines (with the token) at DEBUG;
#: its logger is kept at INFO whatever the service's debug setting.
_WS_LOG = std_logging.getLogger(__name__ + ".websocket")
_WS_LOG.setLevel(std_logging.INFO)

#: Seconds allowed for the TCP connection to a node's console.
CONNECT_TIMEOUT = 10.0

#: Seconds between two checks that an open connection's node is still held
#: by the same lease (a connection ends with the lease that allowed it).
HOLDER_CHECK_INTERVAL = 5.0

#: Largest chunk read from a console at once.
READ_SIZE = 65536

_ENDINGS = {"client": "the client closed it",
            "console": "the console closed it",
            "timeout": "the time limit was reached",
            "shutdown": "the proxy is shutting down",
            "revoked": "the node's lease changed"}


@dataclasses.dataclass(frozen=True)
class ConsoleTarget:
    """Where an authorised connection goes."""

    node_uuid: str
    host: str
    port: int
    #: Who held the node when the connection opened: (lessee, lease).
    holder: tuple[str | None, str | None] = (None, None)


class Refusal(Exception):
    """The handshake is refused with ``status`` and a message for the
    client (and the log)."""

    def __init__(self, status: http.HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class ConsoleConnection(ws_server.ServerConnection):
    """A websocket connection and the console it was authorised for."""

    target: ConsoleTarget | None = None


def parse_console_url(url: str) -> tuple[str, int]:
    """``tcp://host:port`` as ``(host, port)``.

    :raises ValueError: for any other form.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "tcp" or not parts.hostname or parts.port is None:
        raise ValueError(f"not a tcp://host:port address: {url!r}")
    return parts.hostname, parts.port


def token_of(path: str) -> str | None:
    """The ``token`` query parameter of a request path, if any."""
    query = urllib.parse.urlsplit(path).query
    values = urllib.parse.parse_qs(query).get("token")
    return values[0] if values else None


def authorise(path: str, backend: NodeBackend) -> ConsoleTarget:
    """The console a handshake for ``path`` may reach.

    :raises Refusal: when it may reach none (see the module docstring).
    """
    token = token_of(path)
    if not token:
        raise Refusal(http.HTTPStatus.UNAUTHORIZED,
                      "A console token is required: connect to "
                      "the access_url from POST /v1/console_auth_tokens.")
    node_uuid = tokens.verify(token)
    if node_uuid is None:
        raise Refusal(http.HTTPStatus.FORBIDDEN,
                      "The console token is wrong, expired or revoked.")
    try:
        node = backend.get_node(node_uuid)
        url = backend.get_console(node_uuid)
    except exception.NodeNotFound:
        raise Refusal(http.HTTPStatus.NOT_FOUND,
                      f"Node {node_uuid} no longer exists.") from None
    except exception.PeerUnavailable as exc:
        raise Refusal(http.HTTPStatus.SERVICE_UNAVAILABLE,
                      exc.message) from None
    if not url:
        raise Refusal(http.HTTPStatus.CONFLICT,
                      f"Node {node_uuid} has no enabled serial console.")
    try:
        host, port = parse_console_url(url)
    except ValueError:
        raise Refusal(http.HTTPStatus.BAD_GATEWAY,
                      f"Node {node_uuid}'s console address is not "
                      "tcp://host:port.") from None
    return ConsoleTarget(node_uuid=node_uuid, host=host, port=port,
                         holder=(node.lessee_id, node.lease_uuid))


def holder_watch(backend: NodeBackend,
                 target: ConsoleTarget) -> Callable[[], bool]:
    """A check that the node is still held as when the connection opened.

    False once the node's lessee or lease changed (its lease ended, or the
    owner's unleased node was leased out) or the node is gone; True while
    the backend does not answer (an outage cuts no console).
    """
    def still_held() -> bool:
        try:
            node = backend.get_node(target.node_uuid)
        except exception.NodeNotFound:
            return False
        except exception.PeerUnavailable:
            return True
        return (node.lessee_id, node.lease_uuid) == target.holder
    return still_held


class Bridge:
    """Copies bytes between one websocket and one console socket."""

    def __init__(self, ws: ws_server.ServerConnection, console: socket.socket,
                 timeout: float | None,
                 still_allowed: Callable[[], bool] | None = None,
                 watch_interval: float = 5.0) -> None:
        self.ws = ws
        self.console = console
        self.deadline = (None if timeout is None
                         else time.monotonic() + timeout)
        self.still_allowed = still_allowed
        self.watch_interval = watch_interval
        self.ended_by: str | None = None
        self._lock = threading.Lock()

    def run(self) -> str:
        """Copy until one side closes; return what ended it: ``client``,
        ``console``, ``timeout``, ``revoked`` or ``shutdown``."""
        reader = threading.Thread(target=self._console_to_client,
                                  name="console-reader", daemon=True)
        reader.start()
        try:
            self._client_to_console()
        finally:
            self._end("client")
            _close_socket(self.console)
            reader.join(CONNECT_TIMEOUT)
            self.ws.close()
        return self.ended_by or "client"

    def _end(self, why: str) -> bool:
        """Record the first reason the copy ended; True if it is ``why``."""
        with self._lock:
            if self.ended_by is None:
                self.ended_by = why
                return True
            return False

    def _client_to_console(self) -> None:
        next_check = time.monotonic() + self.watch_interval
        while True:
            now = time.monotonic()
            if self.deadline is not None and now >= self.deadline:
                if self._end("timeout"):
                    self.ws.close(1000, "console session time limit reached")
                return
            if self.still_allowed is not None and now >= next_check:
                if not self.still_allowed():
                    if self._end("revoked"):
                        self.ws.close(1008, "the node's lease changed")
                    return
                next_check = now + self.watch_interval
            try:
                message = self.ws.recv(timeout=self._wait(now, next_check))
            except TimeoutError:
                continue
            except ws_exceptions.ConnectionClosed as closed:
                self._end("shutdown" if _closed_by_server(closed)
                          else "client")
                return
            data = (message.encode("utf-8") if isinstance(message, str)
                    else bytes(message))
            try:
                self.console.sendall(data)
            except OSError:
                self._end("console")
                return

    def _wait(self, now: float, next_check: float) -> float | None:
        """How long the next receive may block."""
        ends = [t for t in (self.deadline, next_check if
                            self.still_allowed is not None else None)
                if t is not None]
        return max(0.0, min(ends) - now) if ends else None

    def _console_to_client(self) -> None:
        while True:
            try:
                data = self.console.recv(READ_SIZE)
            except OSError:
                data = b""
            if not data:
                break
            try:
                self.ws.send(data)
            except ws_exceptions.ConnectionClosed:
                return
        if self._end("console"):
            self.ws.close(1000, "the console closed the connection")


def _closed_by_server(closed: ws_exceptions.ConnectionClosed) -> bool:
    """Whether the proxy itself closed (going away: it shuts down)."""
    return (closed.sent is not None and closed.sent.code == 1001
            and not closed.rcvd_then_sent)


def _close_socket(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


class ConsoleProxy:
    """The proxy server: bind with the constructor, then
    :meth:`serve_forever` in one thread and :meth:`shutdown` from another.

    :param host: address to listen on; ``port`` 0 picks a free port (see
        :attr:`port`).
    :param timeout: seconds after which a connection is closed; None or
        0 or less for no limit.
    :param backend: where nodes' consoles are; default the backend of
        ``[api] default_resource_type``, looked up per connection.
    :param watch_interval: seconds between two checks that an open
        connection's node is still held by the same lease.
    """

    def __init__(self, host: str, port: int, timeout: float | None = None,
                 backend: Callable[[], NodeBackend] | None = None,
                 watch_interval: float = HOLDER_CHECK_INTERVAL) -> None:
        self.timeout = timeout if timeout and timeout > 0 else None
        self.watch_interval = watch_interval
        self._backend = backend or _default_backend
        self._server = ws_server.serve(
            self._handle, host, port, process_request=self._check,
            create_connection=ConsoleConnection, compression=None,
            logger=_WS_LOG)
        self.host, self.port = self._server.socket.getsockname()[:2]

    @classmethod
    def from_conf(cls) -> "ConsoleProxy":
        """A proxy on ``[serialconsoleproxy] host_address:port``."""
        opts = CONF.serialconsoleproxy
        return cls(opts.host_address, opts.port, timeout=opts.timeout)

    def serve_forever(self) -> None:
        """Accept connections until :meth:`shutdown`."""
        LOG.info("Serial console proxy listening on %(host)s:%(port)s",
                 {"host": self.host, "port": self.port})
        self._server.serve_forever()

    def shutdown(self) -> None:
        """Stop accepting, close open connections, wait for their threads.
        """
        LOG.info("Serial console proxy shutting down")
        self._server.shutdown()

    def _check(self, connection: ws_server.ServerConnection,
               request: Request) -> Response | None:
        """Refuse the handshake unless the token opens a console."""
        peer = _peer(connection)
        try:
            target = authorise(request.path, self._backend())
        except Refusal as exc:
            refusal = exc
        except Exception:
            LOG.exception("Console connection from %s: the check failed",
                          peer)
            return connection.respond(
                http.HTTPStatus.INTERNAL_SERVER_ERROR,
                "The console proxy failed to check the token; its log has "
                "the details.\n")
        else:
            cast(ConsoleConnection, connection).target = target
            return None
        # Logged outside the except block: oslo.log would append the
        # exception to the line.
        LOG.warning("Console connection from %(peer)s refused "
                    "(%(status)d): %(reason)s",
                    {"peer": peer, "status": refusal.status,
                     "reason": refusal.message})
        return connection.respond(refusal.status, refusal.message + "\n")

    def _handle(self, connection: ws_server.ServerConnection) -> None:
        """Bridge an authorised connection to its console."""
        target = cast(ConsoleConnection, connection).target
        if target is None:  # the handshake check always sets it
            connection.close(1011, "no console")
            return
        peer = _peer(connection)
        try:
            console = socket.create_connection((target.host, target.port),
                                               timeout=CONNECT_TIMEOUT)
        except OSError as exc:
            LOG.warning("Console of node %(node)s at %(host)s:%(port)s is "
                        "unreachable for %(peer)s: %(error)s",
                        {"node": target.node_uuid, "host": target.host,
                         "port": target.port, "peer": peer, "error": exc})
            connection.close(1011, "the node's console is unreachable")
            return
        console.settimeout(None)
        LOG.info("Console connection from %(peer)s to node %(node)s opened",
                 {"peer": peer, "node": target.node_uuid})
        watch = holder_watch(self._backend(), target)
        ended_by = Bridge(connection, console, self.timeout, watch,
                          self.watch_interval).run()
        LOG.info("Console connection from %(peer)s to node %(node)s closed "
                 "(%(why)s)", {"peer": peer, "node": target.node_uuid,
                               "why": _ENDINGS.get(ended_by, ended_by)})


def _default_backend() -> NodeBackend:
    return resource_types.get_backend(CONF.api.default_resource_type)


def _peer(connection: ws_server.ServerConnection) -> str:
    address: Any = connection.remote_address
    try:
        return f"{address[0]}:{address[1]}"
    except (TypeError, IndexError):
        return str(address)
