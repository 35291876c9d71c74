"""Log a burst of repeated failures as a few lines instead of a flood.

A peer that is down (the database, the message broker) makes every request
and every reconciler pass fail the same way. :class:`BurstLog` logs the
first failure of a burst with a short reason, then at most one summary line
(``N more failures in the last T s``) every ``interval`` seconds while the
failures go on, and one line when the peer works again::

    DB = BurstLog(LOG, "the database")
    try:
        ...
        DB.ok()
    except OperationalError as exc:
        DB.failed(short_reason(exc))
"""

import threading
import time
from typing import Any

#: Seconds between two summary lines of one burst.
DEFAULT_INTERVAL = 30.0


class BurstLog:
    """Thread-safe logging of one kind of failure, one line per burst."""

    def __init__(self, log: Any, what: str,
                 interval: float = DEFAULT_INTERVAL) -> None:
        self._log, self.what, self.interval = log, what, interval
        self._lock = threading.Lock()
        self._failing = False
        self._started = 0.0
        self._summarised = 0.0
        self._unreported = 0
        self._total = 0
        self._last_reason = ""

    @property
    def failing(self) -> bool:
        """Whether a burst of failures is going on."""
        return self._failing

    @property
    def failures(self) -> int:
        """Failures in the current burst (0 when none is going on)."""
        return self._total

    def failed(self, reason: str) -> None:
        """Count one failure; log it if it starts a burst or a summary
        is due."""
        now = time.monotonic()
        with self._lock:
            self._last_reason = reason
            self._total += 1
            if not self._failing:
                self._failing, self._started = True, now
                self._summarised, self._unreported = now, 0
                self._log.error("%s failed: %s (further failures are "
                                "summarised every %d s)", self.what, reason,
                                self.interval)
                return
            self._unreported += 1
            if now - self._summarised < self.interval:
                return
            count, elapsed = self._unreported, now - self._summarised
            self._summarised, self._unreported = now, 0
        self._log.error("%s: %d more failures in the last %.0f s "
                        "(last: %s)", self.what, count, elapsed, reason)

    def reset(self) -> None:
        """Forget the current burst without logging (tests, new engine)."""
        with self._lock:
            self._failing, self._total, self._unreported = False, 0, 0

    def ok(self) -> None:
        """Note a success; log the recovery if a burst was going on."""
        if not self._failing:  # the common case takes no lock
            return
        with self._lock:
            if not self._failing:
                return
            total, elapsed = self._total, time.monotonic() - self._started
            self._failing, self._total, self._unreported = False, 0, 0
        self._log.warning("%s works again after %d failures over %.0f s",
                          self.what, total, elapsed)
