"""A manager backs off from leases whose last attempt failed."""

from esi_leap.manager import lifecycle


def test_delays_double_up_to_a_minute(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(lifecycle.time, "monotonic", lambda: now[0])
    worker = lifecycle.Lifecycle("host")
    assert worker.may_try("l1")
    delays = []
    for _ in range(9):
        worker._failed("l1")
        assert not worker.may_try("l1")
        delays.append(worker._backoff["l1"][1] - now[0])
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    now[0] += 60
    assert worker.may_try("l1")
    assert worker.may_try("other")
    worker._succeeded("l1")
    assert "l1" not in worker._backoff
