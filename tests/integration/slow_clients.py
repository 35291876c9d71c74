"""Idle and slowloris TCP clients, for tests of the API's front end.

:class:`SlowClients` keeps ``idle`` connections that send nothing and
``slow`` connections that send one byte of a request head every
``interval`` seconds, from one background thread. A connection the server
closes is opened again, so the pressure stays constant; ``reopened`` counts
those. Only loopback addresses are used.
"""

from __future__ import annotations

import selectors
import socket
import threading
import time

HEAD = b"GET /v1/nodes HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 4000


class SlowClients:
    """``idle`` silent and ``slow`` byte-dribbling connections to a port."""

    def __init__(self, port: int, idle: int, slow: int,
                 interval: float = 5.0, host: str = "127.0.0.1") -> None:
        assert host.startswith("127.") or host == "::1", host
        self.address = (host, port)
        self.idle, self.slow, self.interval = idle, slow, interval
        self.reopened = 0
        self._stop = threading.Event()
        self._sel = selectors.DefaultSelector()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> SlowClients:
        for _ in range(self.idle):
            self._open(slow=False)
        for _ in range(self.slow):
            self._open(slow=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)
        for key in list(self._sel.get_map().values()):
            key.fileobj.close()  # type: ignore[union-attr]
        self._sel.close()

    def _open(self, slow: bool) -> None:
        sock = socket.create_connection(self.address, timeout=5)
        sock.setblocking(False)
        # data: [slow?, bytes of HEAD sent]
        self._sel.register(sock, selectors.EVENT_READ, [slow, 0])

    def _run(self) -> None:
        next_send = time.monotonic() + self.interval
        while not self._stop.is_set():
            for key, _ in self._sel.select(timeout=0.2):
                self._readable(key)
            if time.monotonic() >= next_send:
                next_send += self.interval
                self._dribble()

    def _readable(self, key: selectors.SelectorKey) -> None:
        sock: socket.socket = key.fileobj  # type: ignore[assignment]
        try:
            data = sock.recv(65536)
        except OSError:
            data = b""
        if data:
            return  # an error page before the close: wait for the close
        self._sel.unregister(sock)
        sock.close()
        self.reopened += 1
        if not self._stop.is_set():
            try:
                self._open(slow=key.data[0])
            except OSError:
                pass

    def _dribble(self) -> None:
        for key in list(self._sel.get_map().values()):
            slow, sent = key.data
            if slow:
                try:
                    key.fileobj.send(HEAD[sent % len(HEAD):][:1])  # type: ignore[union-attr]
                    key.data[1] = sent + 1
                except OSError:
                    pass
