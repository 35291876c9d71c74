"""The one place where domain exceptions become HTTP responses.

A database that refuses connections or does not answer in time is a 503
with ``Retry-After`` (logged once per burst by :mod:`esi_leap.db.faults`),
not a 500 with a traceback per request.

Every error body is ESI-Leap's: ``{"faultcode": "Client"|"Server",
"faultstring": "<message>", "debuginfo": null}``.
"""

import json

import webob
from oslo_log import log as logging

from esi_leap.common import exception
from esi_leap.conf import CONF
from esi_leap.db import faults as db_faults

LOG = logging.getLogger(__name__)

#: Exception class -> HTTP status; the first match in order wins.
STATUS_BY_EXCEPTION: tuple[tuple[type[exception.EsiLeapException], int],
                           ...] = (
    (exception.InvalidInput, 400),
    (exception.NotAuthenticated, 401),
    (exception.Forbidden, 403),
    (exception.NotFound, 404),
    (exception.Conflict, 409),
    (exception.PeerUnavailable, 503),
)


def fault(status: int, message: str) -> webob.Response:
    """An ESI-Leap error response."""
    body = {"faultcode": "Client" if status < 500 else "Server",
            "faultstring": message, "debuginfo": None}
    response = webob.Response(status=status, content_type="application/json",
                              charset=None)
    response.body = json.dumps(body, separators=(",", ":")).encode()
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="esi-leap"'
    return response


#: The faultstring of a 503 for an unavailable database.
DATABASE_UNAVAILABLE = ("The database is unavailable (it refused the "
                        "connection or did not answer in time). Try again "
                        "later.")


def database_unavailable() -> webob.Response:
    """The 503 answered when the database is unavailable."""
    response = fault(503, DATABASE_UNAVAILABLE)
    response.headers["Retry-After"] = str(CONF.database.retry_after)
    return response


def from_exception(exc: Exception) -> webob.Response:
    """Map any exception to a response; unexpected ones become 500."""
    if isinstance(exc, exception.EsiLeapException):
        for kind, status in STATUS_BY_EXCEPTION:
            if isinstance(exc, kind):
                return fault(status, exc.message)
    if db_faults.note_failure(exc):
        return database_unavailable()
    LOG.error("Unexpected error while handling a request", exc_info=exc)
    return fault(500, "The server failed to handle the request; its log "
                      "has the details.")
