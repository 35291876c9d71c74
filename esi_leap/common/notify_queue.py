"""A bounded queue and a worker thread that send notifications.

Sending a notification may take seconds (a broker that is down costs
oslo.messaging's reconnection attempts, about 9 s), so no request or
manager pass sends one itself: :meth:`NotificationQueue.put` only queues it
and returns at once. When the queue is full the notification is dropped
and counted (the events table keeps every event anyway); the first drop of
a burst is logged, then a summary at most every 30 s, then a line when
notifications are queued again.
"""

import os
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from oslo_log import log as logging

from esi_leap.common import burstlog

LOG = logging.getLogger(__name__)

#: (level, event_type, payload)
Item = tuple[str, str, dict[str, Any]]
Deliver = Callable[[str, str, dict[str, Any]], None]


class NotificationQueue:
    """Notifications waiting to be sent by one worker thread."""

    def __init__(self, size: int, deliver: Deliver) -> None:
        self.size = size
        self._deliver = deliver
        self._queue: queue.Queue[Item] = queue.Queue(maxsize=size)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._closed = False
        self.dropped = 0
        self.sent = 0
        self._drops = burstlog.BurstLog(LOG, "The notification queue")
        self._failures = burstlog.BurstLog(LOG, "Sending notifications")

    def put(self, item: Item) -> bool:
        """Queue ``item``; drop and count it when the queue is full."""
        self._ensure_worker()
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            with self._lock:
                self.dropped += 1
                dropped = self.dropped
            self._drops.failed(
                f"full ({self.size} notifications waiting), dropped "
                f"{item[1]}; {dropped} dropped since start")
            return False
        self._drops.ok()
        return True

    @property
    def waiting(self) -> int:
        """Notifications queued and not sent yet."""
        return self._queue.qsize()

    def flush(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s until every queued notification has
        been handed to oslo.messaging; return whether they all were."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    def _ensure_worker(self) -> None:
        if (self._thread is not None and self._pid == os.getpid()
                and self._thread.is_alive()):
            return
        with self._lock:
            # A forked API worker inherits the queue, not the thread.
            if (self._thread is None or self._pid != os.getpid()
                    or not self._thread.is_alive()):
                self._pid = os.getpid()
                self._thread = threading.Thread(
                    target=self._work, name="esi-leap-notifier", daemon=True)
                self._thread.start()

    def close(self) -> None:
        """Stop the worker after at most a second (queued items are
        forgotten)."""
        self._closed = True

    def _work(self) -> None:
        while not self._closed:
            try:
                level, event_type, body = self._queue.get(timeout=1.0)
            except queue.Empty:
                continue
            try:
                self._deliver(level, event_type, body)
                self.sent += 1
                self._failures.ok()
            except Exception as exc:  # noqa: BLE001 - the worker must live
                self._failures.failed(f"{event_type}: {exc}")
            finally:
                self._queue.task_done()
