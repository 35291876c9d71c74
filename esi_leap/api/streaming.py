"""Whole lists (a request without ``limit``) read and sent in chunks.

ESI-Leap returns a list whole when no ``limit`` is given, and clients rely
on it. A single query for tens of thousands of rows holds one long
statement (which a statement timeout would cut) and the whole answer in
memory. :func:`whole_list` instead reads ``[api] list_chunk_size`` rows at
a time by keyset (sort value, then id, after the last row sent), each chunk
in its own short statement and transaction, and streams the JSON.

A list that fits in one chunk is answered as before, with a
``Content-Length``. A longer one is streamed. If a later chunk cannot be
read, the error propagates out of the response iterator: the server logs
it and drops the connection, and the client gets a truncated body that is
not valid JSON (never a well-formed but partial list). The chunks are not
one snapshot: a row created or changed while the list streams may or may
not appear, but no row is sent twice and none that existed throughout is
skipped.
"""

import dataclasses
import json
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import webob
from oslo_log import log as logging

from esi_leap.conf import CONF
from esi_leap.db import pagination

LOG = logging.getLogger(__name__)

#: Reads one chunk: the rows of ``page`` (its limit and position set).
Fetch = Callable[[pagination.Page], list[Any]]

#: Turns a chunk of rows into their JSON views.
Render = Callable[[list[Any]], list[Any]]


def _encode(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def whole_list(key: str, fetch: Fetch, render: Render,
               page: pagination.Page) -> webob.Response:
    """``{key: [...]}`` with every row ``fetch`` finds after ``page``'s
    marker, read in chunks.

    The first chunk is read before the answer starts, so that a bad
    filter, a bad marker or an unreachable database gets an ordinary error
    response.
    """
    size = int(CONF.api.list_chunk_size)
    first = fetch(dataclasses.replace(page, limit=size))
    if len(first) < size:
        response = webob.Response(status=200, charset=None,
                                  content_type="application/json")
        response.body = _encode({key: render(first)})
        return response
    response = webob.Response(status=200, charset=None,
                              content_type="application/json")
    response.app_iter = _chunks(key, first, fetch, render, page, size)
    return response


def _chunks(key: str, first: list[Any], fetch: Fetch, render: Render,
            page: pagination.Page, size: int) -> Iterator[bytes]:
    """The JSON of the list, one piece per chunk of rows."""
    yield b'{' + _encode(key) + b':['
    rows, sent = first, 0
    while rows:
        views = b",".join(_encode(v) for v in render(rows))
        yield (b"," if sent else b"") + views
        sent += len(rows)
        if len(rows) < size:
            break
        after = pagination.position_of(rows[-1], page)
        rows = _next_chunk(fetch, page, after, size, sent)
    yield b"]}"


def _next_chunk(fetch: Fetch, page: pagination.Page,
                after: tuple[Any, int], size: int,
                sent: int) -> list[Any]:
    """The chunk after ``after``; a failure aborts the response."""
    try:
        return fetch(dataclasses.replace(page, marker=None, after=after,
                                         limit=size))
    except Exception:
        LOG.error("Reading a list failed after %d rows were sent; the "
                  "connection is dropped so the client sees an incomplete "
                  "answer.", sent)
        raise
