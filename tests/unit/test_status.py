"""The lease and offer transition tables."""

import pytest

from esi_leap.objects import status


def test_terminal_statuses_have_no_moves():
    for terminal in (status.EXPIRED, status.DELETED):
        assert status.LEASE_TRANSITIONS[terminal] == frozenset()
        assert status.OFFER_TRANSITIONS[terminal] == frozenset()


def test_every_lease_status_is_in_the_table():
    assert set(status.LEASE_TRANSITIONS) == set(status.LEASE_STATUSES)
    for targets in status.LEASE_TRANSITIONS.values():
        assert targets <= set(status.LEASE_STATUSES)


@pytest.mark.parametrize("current,new,allowed", [
    ("created", "active", True),
    ("active", "created", False),
    ("expired", "active", False),
    ("wait cancel", "deleted", True),
    ("wait expire", "deleted", False),
    ("error", "wait cancel", True),
])
def test_lease_may_move(current, new, allowed):
    assert status.lease_may_move(current, new) is allowed


def test_deletable_leases_may_be_cancelled():
    for current in status.LEASE_CAN_DELETE:
        assert status.lease_may_move(current, status.WAIT_CANCEL)


def test_booked_statuses_exclude_terminal_ones():
    assert status.EXPIRED not in status.LEASE_BOOKED
    assert status.DELETED not in status.LEASE_BOOKED
