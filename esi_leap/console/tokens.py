"""Console tokens: issue, check, revoke; and the URL a client connects to.

A token is ``secrets.token_urlsafe(32)`` (256 random bits). Only its
sha256 hex digest is stored (in ESI-Leap's ``console_auth_tokens`` table),
so a copy of the database grants no console. The token itself is returned
once, in the API's response, and is never logged.
"""

import dataclasses
import hashlib
import ipaddress
import secrets
import time
import urllib.parse
from typing import Any

from esi_leap.common import exception
from esi_leap.conf import CONF
from esi_leap.db import console_tokens as db_tokens

#: Bytes of randomness in a token (it is about 43 URL-safe characters).
TOKEN_BYTES = 32

_WILDCARDS = frozenset({"", "0.0.0.0", "::", "[::]", "*"})


@dataclasses.dataclass(frozen=True)
class IssuedToken:
    """A token just created: the secret, its node and its expiry."""

    token: str
    node_uuid: str
    expires: int


def now() -> int:
    """The current time in integer epoch seconds (the table's unit)."""
    return int(time.time())


def hash_token(token: str) -> str:
    """The sha256 hex digest that is stored in place of ``token``."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse_ttl(value: Any) -> int:
    """The token lifetime a request asks for, in seconds.

    ``None`` means ``[serialconsoleproxy] token_ttl`` (capped at
    ``max_token_ttl``). Strings (as ESI-Leap's clients send) and integers
    are accepted.

    :raises InvalidInput: for a value that is not an integer, is 0 or less,
        or is above ``[serialconsoleproxy] max_token_ttl``.
    """
    limit = CONF.serialconsoleproxy.max_token_ttl
    if value is None:
        return int(min(CONF.serialconsoleproxy.token_ttl, limit))
    try:
        if isinstance(value, bool):
            raise ValueError(value)
        ttl = int(value.strip()) if isinstance(value, str) else int(value)
        if isinstance(value, float) and ttl != value:
            raise ValueError(value)
    except (TypeError, ValueError):
        raise exception.InvalidInput(
            reason=f"token_ttl must be an integer number of seconds, not "
                   f"{value!r}.") from None
    if not 0 < ttl <= limit:
        raise exception.InvalidInput(
            reason=f"token_ttl must be between 1 and {limit} seconds; got "
                   f"{ttl}.")
    return ttl


def issue(node_uuid: str, ttl: int) -> IssuedToken:
    """Create a token for ``node_uuid`` that expires in ``ttl`` seconds."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires = now() + ttl
    db_tokens.create(node_uuid, hash_token(token), expires)
    return IssuedToken(token=token, node_uuid=node_uuid, expires=expires)


def verify(token: str | None) -> str | None:
    """The node uuid an unexpired, unrevoked ``token`` opens, or None.

    Reads the database every time, so a revoked token stops working at
    once, in every proxy process.
    """
    if not token:
        return None
    row = db_tokens.find_valid(hash_token(token), now())
    return None if row is None else row.node_uuid


def revoke(node_uuid: str) -> int:
    """Delete every token of ``node_uuid``; return how many there were."""
    return db_tokens.delete_for_node(node_uuid)


def access_url(token: str, request_host: str | None) -> str:
    """The websocket URL a client opens to reach the console.

    ``[serialconsoleproxy] public_url`` when set, else
    ``ws://<host_address>:<port>/``, where a wildcard ``host_address``
    (0.0.0.0, ::) is replaced by the host of ``request_host`` (the API
    request's ``Host``); ``?token=<token>`` is appended.
    """
    opts = CONF.serialconsoleproxy
    base = opts.public_url
    if not base:
        host = str(opts.host_address)
        if host in _WILDCARDS:
            host = _hostname(request_host) or "127.0.0.1"
        base = f"ws://{_bracketed(host)}:{opts.port}/"
    parts = urllib.parse.urlsplit(str(base))
    path = parts.path or "/"
    query = urllib.parse.parse_qsl(parts.query)
    query.append(("token", token))
    return urllib.parse.urlunsplit(
        (parts.scheme, parts.netloc, path,
         urllib.parse.urlencode(query, safe=""), ""))


def _hostname(host_header: str | None) -> str | None:
    """The host part of a ``Host`` header (``h``, ``h:p``, ``[v6]:p``)."""
    if not host_header:
        return None
    try:
        return urllib.parse.urlsplit("//" + host_header).hostname
    except ValueError:
        return None


def _bracketed(host: str) -> str:
    """``host`` ready for a URL: IPv6 literals in brackets."""
    try:
        if ipaddress.ip_address(host.strip("[]")).version == 6:
            return f"[{host.strip('[]')}]"
    except ValueError:
        pass
    return host
