"""The API's HTTP front end: waitress, with a request-head deadline and a
graceful drain.

waitress reads every request (head and body) in one event loop and gives a
thread to a request only once it is complete, so connections that send
nothing, or send their headers a byte at a time, cost a file descriptor and
not a request thread. On top of waitress this module adds:

* a deadline for the whole request head (``[api] header_timeout``): a
  connection that has not sent a complete head that long after it opened
  (or after its previous response) is closed, however often it sends a
  byte;
* :func:`drain`: stop accepting, finish the requests in flight (bounded by
  ``[api] graceful_timeout``), close the rest.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

from oslo_log import log as logging
from waitress import channel as waitress_channel
from waitress import server as waitress_server
from waitress import wasyncore
from waitress.adjustments import Adjustments

LOG = logging.getLogger(__name__)

#: Seconds between two checks of the deadlines (and of a stop request).
TICK = 0.5


class Channel(waitress_channel.HTTPChannel):  # type: ignore[misc]
    """An HTTP connection that knows since when it waits for a request."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.waiting_since = time.monotonic()

    def service(self) -> None:
        """Serve the next request; the next head is due from now on."""
        super().service()
        self.waiting_since = time.monotonic()

    def waiting_for_head(self) -> bool:
        """No request is being served and no complete head is buffered."""
        return not self.requests and (
            self.request is None or not self.request.headers_finished)

    def busy(self) -> bool:
        """A request is being received (past its head), served or sent."""
        return bool(self.requests or self.total_outbufs_len
                    or not self.waiting_for_head())


class Server(waitress_server.TcpWSGIServer):  # type: ignore[misc]
    """waitress's TCP server on a given listening socket, closing the
    connections that miss the request-head deadline."""

    channel_class = Channel

    def __init__(self, app: Callable[..., Any], sock: socket.socket,
                 header_timeout: float, **adjustments: Any) -> None:
        self.header_timeout = header_timeout
        sockinfo = (sock.family, sock.type, None, sock.getsockname())
        super().__init__(app, _sock=sock, bind_socket=False,
                         sockinfo=sockinfo,
                         adj=Adjustments(**adjustments))

    def maintenance(self, now: float) -> None:
        """waitress's idle-connection cleanup, plus the head deadline."""
        super().maintenance(now)
        cutoff = time.monotonic() - self.header_timeout
        for chan in list(self.active_channels.values()):
            if chan.waiting_for_head() and chan.waiting_since < cutoff:
                chan.will_close = True

    def channels(self) -> list[Channel]:
        return [c for c in self._map.values() if isinstance(c, Channel)]


def make(app: Callable[..., Any], sock: socket.socket, *, threads: int,
         header_timeout: float, max_connections: int,
         max_header_size: int = 262144, max_body_size: int = 1073741824,
         ident: str = "esi-leap") -> Server:
    """A :class:`Server` for ``app`` on the listening socket ``sock``.

    waitress refuses (with its own plain 413/431) a body or request head
    larger than ``max_body_size`` / ``max_header_size`` before reading it.
    """
    return Server(
        app, sock, header_timeout, threads=threads, ident=ident,
        connection_limit=max_connections, channel_timeout=header_timeout,
        cleanup_interval=1, asyncore_use_poll=True, asyncore_loop_timeout=1,
        max_request_header_size=max_header_size,
        max_request_body_size=max_body_size, backlog=1024)


def serve(server: Server, should_stop: Callable[[], bool]) -> None:
    """Run ``server``'s event loop until ``should_stop()`` is true."""
    while not should_stop():
        wasyncore.loop(timeout=TICK, map=server._map, use_poll=True,
                       count=1)


def drain(server: Server, timeout: float) -> bool:
    """Stop accepting and finish the requests in flight.

    Connections waiting for a request are closed at once; the others are
    served to the end of their current response, for at most ``timeout``
    seconds. Returns whether everything finished in time.
    """
    server.accepting = False
    wasyncore.dispatcher.close(server)  # the listener only: keep the trigger
    deadline = time.monotonic() + timeout
    while True:
        busy = []
        for chan in server.channels():
            if chan.busy():
                busy.append(chan)
            else:
                chan.will_close = True
        if not busy or time.monotonic() >= deadline:
            break
        wasyncore.loop(timeout=0.1, map=server._map, use_poll=True, count=1)
    if busy:
        LOG.warning("%d request(s) still in flight after the graceful "
                    "timeout of %s s; closing them", len(busy), timeout)
    server.task_dispatcher.shutdown(cancel_pending=True, timeout=1)
    wasyncore.close_all(server._map)
    return not busy
