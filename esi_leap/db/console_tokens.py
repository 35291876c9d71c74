"""The console_auth_tokens table: hashed serial console tokens.

Rows keep ESI-Leap's layout: ``node_uuid``, ``token_hash`` (the sha256 hex
digest of the token; the token itself is never stored) and ``expires``
(integer epoch seconds). A token is valid while ``expires`` is in the
future; :func:`find_valid` checks that, so a token stops working the second
it expires even before :func:`delete_expired` removes its row.
"""

import sqlalchemy as sa

from esi_leap.db import api
from esi_leap.db import models


@api.retry_on_contention
def create(node_uuid: str, token_hash: str,
           expires: int) -> models.ConsoleAuthToken:
    """Store a token's hash for ``node_uuid``, valid until ``expires``.

    :param token_hash: sha256 hex digest of the token.
    :param expires: epoch seconds after which the token is refused.
    """
    row = models.ConsoleAuthToken(node_uuid=node_uuid, token_hash=token_hash,
                                  expires=expires)
    with api.writer() as session:
        session.add(row)
    return row


def find_valid(token_hash: str, now: int) -> models.ConsoleAuthToken | None:
    """The unexpired token row with this hash (``expires > now``), if any.

    :param now: the current time in epoch seconds.
    """
    token = models.ConsoleAuthToken
    stmt = (sa.select(token)
            .where(token.token_hash == token_hash, token.expires > now)
            .limit(1))
    with api.reader() as session:
        return session.scalars(stmt).first()


@api.retry_on_contention
def delete_for_node(node_uuid: str) -> int:
    """Revoke every token of ``node_uuid``; return how many were deleted.

    The API calls this for ``DELETE /v1/console_auth_tokens/{node}``; the
    manager calls it when a lease on the node ends, so that the old lessee
    can open no new console connection.
    """
    token = models.ConsoleAuthToken
    with api.writer() as session:
        result = session.execute(
            sa.delete(token).where(token.node_uuid == node_uuid))
        return int(getattr(result, "rowcount", 0) or 0)


@api.retry_on_contention
def delete_expired(now: int) -> int:
    """Delete the rows of tokens expired at ``now`` (``expires <= now``).

    Housekeeping for the manager's reconciler: expired tokens are already
    refused by :func:`find_valid`. Returns how many rows were deleted.
    """
    token = models.ConsoleAuthToken
    with api.writer() as session:
        result = session.execute(
            sa.delete(token).where(token.expires <= now))
        return int(getattr(result, "rowcount", 0) or 0)
