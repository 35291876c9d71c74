"""Supervise the API worker processes.

The parent forks ``count`` workers and then only watches them:

* a worker that dies while the service runs (a crash, ``kill -9``, the
  OOM killer) is logged with its exit status and replaced; a worker that
  dies soon after it started is replaced after a growing delay (1 s, 2 s,
  4 s ... up to 30 s), so a crash loop does not spin;
* SIGTERM or SIGINT is passed to every worker, which finishes its requests
  in flight (``[api] graceful_timeout``); a worker still running well after
  that is killed;
* every worker exits when the parent dies, even by ``kill -9``: on Linux
  the kernel sends it SIGTERM (``prctl(PR_SET_PDEATHSIG)``), and everywhere
  it watches its parent's process id.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import dataclasses
import os
import signal
import sys
import time
from collections.abc import Callable

from oslo_log import log as logging

LOG = logging.getLogger(__name__)

#: A worker that lived shorter than this (seconds) counts as a crash loop.
STABLE_AFTER = 10.0
FIRST_BACKOFF = 1.0
MAX_BACKOFF = 30.0
#: Seconds between two looks at the workers.
POLL = 0.2
#: Seconds past the graceful timeout before the workers get SIGKILL.
KILL_GRACE = 5.0
PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Ask the kernel for SIGTERM when the parent dies (Linux); exit now if
    it is already gone."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6",
                               use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        except OSError:  # pragma: no cover - no libc: rely on the watch
            LOG.debug("prctl(PR_SET_PDEATHSIG) is not available")
    if os.getppid() != parent_pid:
        os._exit(0)


@dataclasses.dataclass
class _Slot:
    """One worker position: its process, when it started, its backoff."""

    index: int
    pid: int = 0
    started: float = 0.0
    backoff: float = 0.0
    respawn_at: float = 0.0


class Supervisor:
    """Fork and keep ``count`` workers, each running ``work(index)``.

    ``work`` runs in the child and returns its exit code; it must return
    (finishing its requests) on SIGTERM.
    """

    def __init__(self, count: int, work: Callable[[int], int],
                 graceful_timeout: float) -> None:
        self.slots = [_Slot(i) for i in range(count)]
        self.work = work
        self.graceful_timeout = graceful_timeout
        self.stopping = False
        self.parent_pid = os.getpid()

    def start(self) -> None:
        """Fork every worker; install the stop signals' handlers."""
        for slot in self.slots:
            self._spawn(slot)
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)

    def wait(self) -> int:
        """Watch the workers until a stop signal and their exit.

        Returns 0 when every worker stopped cleanly, 1 otherwise.
        """
        while not self.stopping:
            self._reap()
            self._respawn_due()
            time.sleep(POLL)
        return self._stop_all()

    def _on_signal(self, signum: int, frame: object) -> None:
        self.stopping = True

    def _spawn(self, slot: _Slot) -> None:
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                die_with_parent(self.parent_pid)
                code = self.work(slot.index)
            finally:
                os._exit(code)
        slot.pid, slot.started = pid, time.monotonic()
        LOG.info("API worker %d started (pid %d)", slot.index, pid)

    def _reap(self) -> None:
        for slot in self.slots:
            if not slot.pid:
                continue
            pid, status = os.waitpid(slot.pid, os.WNOHANG)
            if pid:
                self._died(slot, status)

    def _died(self, slot: _Slot, status: int) -> None:
        lived = time.monotonic() - slot.started
        if lived < STABLE_AFTER:
            slot.backoff = min(MAX_BACKOFF,
                               max(FIRST_BACKOFF, slot.backoff * 2))
        else:
            slot.backoff = 0.0
        slot.respawn_at = time.monotonic() + slot.backoff
        LOG.error("API worker %d (pid %d) %s after %.1f s; starting a new "
                  "one in %.0f s", slot.index, slot.pid, describe(status),
                  lived, slot.backoff)
        slot.pid = 0

    def _respawn_due(self) -> None:
        now = time.monotonic()
        for slot in self.slots:
            if not slot.pid and now >= slot.respawn_at and not self.stopping:
                self._spawn(slot)

    def _stop_all(self) -> int:
        LOG.info("Stopping %d API worker(s); they finish the requests in "
                 "flight (at most %s s)", len(self.live()),
                 self.graceful_timeout)
        self._signal_all(signal.SIGTERM)
        deadline = time.monotonic() + self.graceful_timeout + KILL_GRACE
        clean = True
        while self.live() and time.monotonic() < deadline:
            clean = self._reap_stopping() and clean
            time.sleep(POLL / 2)
        if self.live():
            LOG.error("API worker(s) %s still running; killing them",
                      [s.pid for s in self.live()])
            self._signal_all(signal.SIGKILL)
            clean = False
            while self.live():
                self._reap_stopping()
                time.sleep(POLL / 2)
        return 0 if clean else 1

    def _reap_stopping(self) -> bool:
        clean = True
        for slot in self.live():
            pid, status = os.waitpid(slot.pid, os.WNOHANG)
            if pid:
                clean = clean and status == 0
                slot.pid = 0
        return clean

    def live(self) -> list[_Slot]:
        return [s for s in self.slots if s.pid]

    def _signal_all(self, signum: int) -> None:
        for slot in self.live():
            try:
                os.kill(slot.pid, signum)
            except ProcessLookupError:
                pass


def describe(status: int) -> str:
    """``os.waitpid`` status in words."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = str(sig)
        return f"was killed by {name}"
    return f"exited with status {os.waitstatus_to_exitcode(status)}"
