"""The API worker supervisor's bookkeeping (the real processes are in
tests/integration/test_api_supervision.py)."""

import os
import signal
import subprocess
import sys
import time

from esi_leap.cmd import supervisor


def _status(code: int) -> int:
    """A real ``os.waitpid`` status for a child that exited with ``code``
    (negative: killed by that signal)."""
    script = (f"import os; os.kill(os.getpid(), {-code})" if code < 0
              else f"raise SystemExit({code})")
    proc = subprocess.Popen([sys.executable, "-c", script])
    _, status = os.waitpid(proc.pid, 0)
    proc.returncode = 0  # reaped here
    return status


def test_describe_names_the_signal_or_the_exit_code() -> None:
    assert supervisor.describe(_status(-signal.SIGKILL)) == \
        "was killed by SIGKILL"
    assert supervisor.describe(_status(3)) == "exited with status 3"


def _sup() -> supervisor.Supervisor:
    return supervisor.Supervisor(1, lambda i: 0, graceful_timeout=1)


def test_a_crash_loop_backs_off_up_to_the_cap() -> None:
    sup = _sup()
    slot = sup.slots[0]
    delays = []
    for _ in range(8):
        slot.pid, slot.started = 1, time.monotonic()  # died at once
        sup._died(slot, _status(1))
        delays.append(slot.backoff)
    assert delays == [1, 2, 4, 8, 16, 30, 30, 30]
    assert slot.pid == 0
    assert slot.respawn_at > time.monotonic() + 25


def test_a_worker_that_ran_a_while_is_replaced_at_once() -> None:
    sup = _sup()
    slot = sup.slots[0]
    slot.backoff = 16
    slot.pid = 1
    slot.started = time.monotonic() - supervisor.STABLE_AFTER - 1
    sup._died(slot, _status(-signal.SIGKILL))
    assert slot.backoff == 0
    assert slot.respawn_at <= time.monotonic()
