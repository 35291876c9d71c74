"""Statuses of offers and leases, and the one table of allowed transitions.

Every status change goes through :func:`esi_leap.db.api.lease_transition` or
:func:`esi_leap.db.api.offer_transition`, which update the row only if it is
still in the expected status (compare-and-swap), so two workers can never both
make the same move.
"""

# Lease statuses (ESI-Leap's strings; the wait statuses contain a space).
CREATED = "created"
ACTIVE = "active"
EXPIRED = "expired"
DELETED = "deleted"
ERROR = "error"
WAIT_CANCEL = "wait cancel"
WAIT_EXPIRE = "wait expire"
WAIT_FULFILL = "wait fulfill"

# Offer statuses.
AVAILABLE = "available"
# EXPIRED, DELETED and ERROR are shared with leases.

LEASE_STATUSES = (CREATED, ACTIVE, EXPIRED, DELETED, ERROR, WAIT_CANCEL,
                  WAIT_EXPIRE, WAIT_FULFILL)
OFFER_STATUSES = (AVAILABLE, EXPIRED, DELETED, ERROR)

#: lease status -> statuses it may move to.
LEASE_TRANSITIONS: dict[str, frozenset[str]] = {
    CREATED: frozenset({ACTIVE, WAIT_FULFILL, EXPIRED, WAIT_EXPIRE,
                        WAIT_CANCEL, DELETED, ERROR}),
    WAIT_FULFILL: frozenset({ACTIVE, WAIT_FULFILL, EXPIRED, WAIT_EXPIRE,
                             WAIT_CANCEL, DELETED, ERROR}),
    ACTIVE: frozenset({EXPIRED, WAIT_EXPIRE, WAIT_CANCEL, DELETED, ERROR}),
    WAIT_EXPIRE: frozenset({EXPIRED, WAIT_EXPIRE, WAIT_CANCEL, ERROR}),
    WAIT_CANCEL: frozenset({DELETED, WAIT_CANCEL, ERROR}),
    ERROR: frozenset({WAIT_CANCEL, DELETED}),
    EXPIRED: frozenset(),
    DELETED: frozenset(),
}

#: offer status -> statuses it may move to.
OFFER_TRANSITIONS: dict[str, frozenset[str]] = {
    AVAILABLE: frozenset({EXPIRED, DELETED, ERROR}),
    ERROR: frozenset({EXPIRED, DELETED}),
    EXPIRED: frozenset(),
    DELETED: frozenset(),
}

#: Leases in these statuses hold their window: they block other bookings,
#: appear busy in availabilities, and count against quotas. A lease in
#: ``error`` has ended (its node or project is gone) and holds nothing.
LEASE_BOOKED = (CREATED, ACTIVE, WAIT_FULFILL, WAIT_EXPIRE, WAIT_CANCEL)
#: What ``GET /v1/leases`` shows when no status is asked for (ESI-Leap).
LEASE_DEFAULT_LIST = (CREATED, ACTIVE, ERROR, WAIT_CANCEL, WAIT_EXPIRE,
                      WAIT_FULFILL)
#: Leases a DELETE may cancel (ESI-Leap's LEASE_CAN_DELETE).
LEASE_CAN_DELETE = (CREATED, ACTIVE, ERROR, WAIT_FULFILL)
#: Leases an admin may force to end, or the manager may end because their
#: node or a project is gone.
LEASE_CAN_END_NOW = (CREATED, ACTIVE, ERROR, WAIT_FULFILL, WAIT_EXPIRE,
                     WAIT_CANCEL)
#: Leases whose node may carry the lease (the manager has to clean up).
LEASE_MAY_HOLD_NODE = (ACTIVE, WAIT_FULFILL, WAIT_EXPIRE, WAIT_CANCEL, ERROR)

#: Offers in these statuses block other offers and direct leases.
OFFER_OPEN = (AVAILABLE, ERROR)
#: What ``GET /v1/offers`` shows when no status is asked for (ESI-Leap).
OFFER_DEFAULT_LIST = (AVAILABLE, ERROR)


def lease_may_move(current: str, new: str) -> bool:
    """Whether the lease transition table allows ``current`` -> ``new``."""
    return new in LEASE_TRANSITIONS.get(current, frozenset())


def offer_may_move(current: str, new: str) -> bool:
    """Whether the offer transition table allows ``current`` -> ``new``."""
    return new in OFFER_TRANSITIONS.get(current, frozenset())
